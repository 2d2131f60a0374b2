/**
 * The edge's configuration keys: defaults (today's names), overrides, and every bad value
 * reported in the one configuration error with its fix.
 *
 * What this cannot prove: that the named buckets, zone and certificate exist in the account
 * (only `pulumi preview` reads them).
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as path from "path";
import { ConfigError } from "../config";
import {
  CDN_CERTIFICATE_ARN,
  SECRET_CONFIG_KEYS,
  WITHOUT_EDGE,
  configFor,
  engineConfig,
} from "./fixtures";
import { evaluate, registered } from "./mocks";

function problemsOf(overrides: Record<string, string | undefined>): readonly string[] {
  try {
    configFor("production", "running", overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("config: buckets, CDN, DNS and repositories", () => {
  it("defaults to today's live names, 30 days of old versions, no CDN and no DNS", () => {
    const staging = configFor("staging", "running", WITHOUT_EDGE);
    expect(staging.buckets).to.deep.equal({
      "file-items": "graasp-dev-file-items",
      h5p: "graasp-dev-h5p",
      apps: "graasp-dev-apps",
      assets: "graasp-dev-assets",
      maintenance: "graasp-dev-maintenance",
    });
    expect(staging.fileVersionRetentionDays).to.equal(30);
    expect(staging.cdnCertificateArn).to.equal(undefined);
    expect(staging.dns).to.equal(undefined);
    expect(staging.repositories).to.deep.equal({
      graasp: "graasp",
      explore: "graasp/explore",
      etherpad: "graasp/etherpad",
      admin: "graasp/admin",
    });
    expect(configFor("production", "running").buckets["file-items"]).to.equal(
      "graasp-prod-file-items",
    );
  });

  it("takes overrides per bucket and repository, the retention and the edge keys", () => {
    const config = configFor("production", "running", {
      buckets: JSON.stringify({ apps: "graasp-apps-eu" }),
      repositories: JSON.stringify({ admin: "graasp/admin-next" }),
      fileVersionRetentionDays: "90",
    });
    expect(config.buckets.apps).to.equal("graasp-apps-eu");
    expect(config.buckets.assets).to.equal("graasp-prod-assets");
    expect(config.repositories.admin).to.equal("graasp/admin-next");
    expect(config.repositories.graasp).to.equal("graasp");
    expect(config.fileVersionRetentionDays).to.equal(90);
    expect(config.cdnCertificateArn).to.equal(CDN_CERTIFICATE_ARN);
    expect(config.dns).to.deep.equal({ hostedZoneId: "Z0PRODUCTION123456789" });
  });

  it("reports every bad edge value in one error, each with its fix", () => {
    expect(
      problemsOf({
        buckets: JSON.stringify({ apps: "Graasp_Apps", photos: "graasp-photos" }),
        fileVersionRetentionDays: "0",
        cdnCertificateArn:
          "arn:aws:acm:eu-central-2:123456789012:certificate/7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910",
        dns: JSON.stringify({ hostedZoneId: "graasp.org" }),
        repositories: JSON.stringify({ admin: "Graasp/Admin" }),
      }),
    ).to.deep.equal([
      "`graasp:buckets.photos` is not a known key (a typo?); known keys: file-items, h5p, apps, assets, maintenance. Fix: pulumi config rm --path 'buckets.photos'",
      "`graasp:buckets.apps` is \"Graasp_Apps\", which may contain only lower-case letters, digits, '.' and '-', and must begin and end with a letter or digit. Fix: pulumi config set --path 'buckets.apps' graasp-prod-apps",
      '`graasp:fileVersionRetentionDays` is "0"; use a whole number of days from 1 to 3650. Fix: pulumi config set fileVersionRetentionDays 30',
      '`graasp:cdnCertificateArn` is "arn:aws:acm:eu-central-2:123456789012:certificate/7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910", which is in region eu-central-2; CloudFront only uses ACM certificates from us-east-1. Fix: pulumi config set cdnCertificateArn arn:aws:acm:us-east-1:<account>:certificate/<id> (or pulumi config rm cdnCertificateArn to leave the CloudFront sites out)',
      "`graasp:dns.hostedZoneId` is \"graasp.org\", which is not a Route 53 hosted zone id (Z followed by upper-case letters and digits). Fix: pulumi config set --path 'dns.hostedZoneId' <id from aws route53 list-hosted-zones-by-name --dns-name <domain>>",
      "`graasp:repositories.admin` is \"Graasp/Admin\", which is not an ECR repository name (2 to 256 lower-case letters, digits, '.', '_', '-', path segments separated by '/'). Fix: pulumi config set --path 'repositories.admin' graasp/admin",
    ]);
  });

  it("accepts the same certificate ARNs for CloudFront as for the load balancer: ACM ids are UUIDs", () => {
    const shortId = "arn:aws:acm:us-east-1:123456789012:certificate/7f6e5d4c";
    const fix =
      "Fix: pulumi config set cdnCertificateArn arn:aws:acm:us-east-1:<account>:certificate/<id> (or pulumi config rm cdnCertificateArn to leave the CloudFront sites out)";
    expect(problemsOf({ cdnCertificateArn: shortId })).to.deep.equal([
      `\`graasp:cdnCertificateArn\` is "${shortId}", which is not an ACM certificate ARN. ${fix}`,
    ]);
    expect(
      problemsOf({ certificateArn: shortId.replace("us-east-1", "eu-central-2") }),
    ).to.have.length(1);
  });

  it("reports a dns object without a zone and a bucket name that is too short", () => {
    expect(
      problemsOf({ dns: JSON.stringify({}), buckets: JSON.stringify({ h5p: "h5" }) }),
    ).to.deep.equal([
      "`graasp:buckets.h5p` is \"h5\", which is 2 characters (S3 allows 3 to 63). Fix: pulumi config set --path 'buckets.h5p' graasp-prod-h5p",
      "`graasp:dns.hostedZoneId` is not set. Fix: pulumi config set --path 'dns.hostedZoneId' <id from aws route53 list-hosted-zones-by-name --dns-name <domain>>",
    ]);
  });

  it("stops index.ts before any resource registers when an edge value is bad", async function () {
    this.timeout(20_000);
    let caught: Error | undefined;
    const index = path.join(__dirname, "..", "index.ts");
    await evaluate("production", () => {
      pulumi.runtime.setAllConfig(
        {
          ...engineConfig("production", "running"),
          "graasp:cdnCertificateArn": CDN_CERTIFICATE_ARN.replace("us-east-1", "eu-central-2"),
          "graasp:buckets": JSON.stringify({ "file-items": "Graasp.Files" }),
        },
        [...SECRET_CONFIG_KEYS],
      );
      delete require.cache[require.resolve(index)];
      return require(index);
    }).catch((error: Error) => (caught = error));
    pulumi.runtime.setAllConfig({});
    expect(caught?.message.split("\n")[0]).to.equal(
      'Invalid configuration for stack "production" (2 problems):',
    );
    expect(registered()).to.deep.equal([]);
  });
});
