/**
 * The edge as both stacks register it (shared scenarios, with `graasp:cdnCertificateArn` and
 * `graasp:dns` set): buckets, CloudFront sites and their gate, DNS records, repositories; and
 * one evaluation without the CDN.
 *
 * What this cannot prove: that CloudFront accepts the aliases (the certificate must cover
 * them, and no other distribution may hold them), that Route 53 lets the records overwrite
 * today's, or that S3 accepts a policy before the public access block settles; `pulumi
 * preview` and the switch order in README.md cover those.
 */
import { expect } from "chai";
import { CACHING_OPTIMIZED_POLICY_ID } from "../components/cdn";
import { createPlatform } from "../platform";
import { keySettings } from "../tools/planSettings";
import {
  BYPASS_TOKEN,
  CDN_CERTIFICATE_ARN,
  DOMAINS,
  HOSTED_ZONE_IDS,
  STACKS,
  configFor,
} from "./fixtures";
import { Registration, evaluate, named, ofType } from "./mocks";
import { Scenario, scenario } from "./scenarios";

const BUCKET = "aws:s3/bucket:Bucket";
const ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
const FUNCTION = "aws:cloudfront/function:Function";
const KEY = "aws:cloudfront/keyvaluestoreKey:KeyvaluestoreKey";
const RECORD = "aws:route53/record:Record";
const REPOSITORY = "aws:ecr/repository:Repository";
const SITES = ["apps", "assets", "h5p", "maintenance"];

for (const stack of STACKS)
  describe(`edge of ${stack}`, function () {
    this.timeout(20_000);
    let s: Scenario;
    before(async () => {
      s = await scenario(stack, "running");
    });
    const domain = DOMAINS[stack];
    const prefix = stack === "production" ? "graasp-prod" : "graasp-dev";
    const input = (type: string, name: string) => named(s.registrations, type, name).inputs;

    it("creates the five buckets under today's names, encrypted", () => {
      expect(ofType(s.registrations, BUCKET).map((b) => b.inputs.bucket)).to.have.members(
        ["file-items", "h5p", "apps", "assets", "maintenance"].map((p) => `${prefix}-${p}`),
      );
      const encryption = ofType(
        s.registrations,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      );
      expect(
        encryption.map((e) => e.inputs.rules[0].applyServerSideEncryptionByDefault),
      ).to.deep.equal(Array(5).fill({ sseAlgorithm: "AES256" }));
      expect(input(BUCKET, "storage-file-items").forceDestroy).to.equal(false);
    });

    it("keeps file-items private, versioned, with today's CORS and a 30-day lifecycle", () => {
      expect(input(ACCESS, "storage-file-items-public-access")).to.deep.include({
        bucket: `${prefix}-file-items`,
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      });
      expect(
        input("aws:s3/bucketVersioning:BucketVersioning", "storage-file-items-versioning")
          .versioningConfiguration,
      ).to.deep.equal({ status: "Enabled" });
      const lifecycle = input(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "storage-file-items-lifecycle",
      );
      expect(lifecycle.rules[0].noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: 30 });
      expect(
        input("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "storage-file-items-cors")
          .corsRules,
      ).to.have.length(3);
      expect(ofType(s.registrations, POLICY).map((p) => p.name)).not.to.include(
        "storage-file-items-policy",
      );
    });

    it("lets only its distribution read each site bucket; ACL uploads accepted but ignored", () => {
      for (const site of SITES) {
        const access = input(ACCESS, `storage-${site}-public-access`);
        expect(access, site).to.deep.include({
          blockPublicAcls: site === "h5p",
          ignorePublicAcls: true,
          blockPublicPolicy: true,
          restrictPublicBuckets: true,
        });
        const policy = JSON.parse(input(POLICY, `storage-${site}-policy`).policy);
        expect(policy.Statement).to.have.length(1);
        expect(policy.Statement[0].Principal).to.deep.equal({
          Service: "cloudfront.amazonaws.com",
        });
        expect(policy.Statement[0].Condition).to.deep.equal({
          StringEquals: {
            "AWS:SourceArn": `arn:aws:cloudfront::123456789012:distribution/ECDN${site.toUpperCase()}`,
          },
        });
      }
      const ownership = ofType(
        s.registrations,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      ).map((o) => `${o.name} ${o.inputs.rule.objectOwnership}`);
      expect(ownership.sort()).to.deep.equal(
        [
          "storage-apps-ownership ObjectWriter",
          "storage-assets-ownership ObjectWriter",
          "storage-file-items-ownership ObjectWriter",
          "storage-h5p-ownership BucketOwnerEnforced",
          "storage-maintenance-ownership ObjectWriter",
        ].sort(),
      );
    });

    it("serves the four sites over HTTPS from their buckets with today's behaviour", () => {
      expect(ofType(s.registrations, DISTRIBUTION)).to.have.length(4);
      for (const site of SITES) {
        const distribution = named(s.registrations, DISTRIBUTION, `cdn-${site}`);
        expect(distribution.inputs.aliases).to.deep.equal([`${site}.${domain}`]);
        const inputs = distribution.inputs;
        expect(inputs.isIpv6Enabled).to.equal(true);
        expect(inputs.origins).to.deep.equal([
          {
            originId: "s3",
            domainName: `${prefix}-${site}.s3.eu-central-2.amazonaws.com`,
            originAccessControlId: "E2QWRUHAPOMQZL",
          },
        ]);
        expect(inputs.defaultCacheBehavior).to.deep.include({
          viewerProtocolPolicy: "redirect-to-https",
          cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
          allowedMethods: ["GET", "HEAD"],
        });
        expect(inputs.customErrorResponses).to.deep.equal(
          [403, 404].map((errorCode) => ({
            errorCode,
            responseCode: 200,
            responsePagePath: "/index.html",
            errorCachingMinTtl: 10,
          })),
        );
        expect(inputs.viewerCertificate).to.deep.equal({
          acmCertificateArn: CDN_CERTIFICATE_ARN,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
        });
        const gate = site === "assets" || site === "h5p" ? "cdn-gate-core" : "cdn-index";
        expect(inputs.defaultCacheBehavior.functionAssociations, site).to.deep.equal([
          {
            eventType: "viewer-request",
            functionArn: `arn:aws:cloudfront::123456789012:function/${gate}`,
          },
        ]);
      }
    });

    it("keeps the bypass token out of function code, as a secret in the store", () => {
      for (const fn of ofType(s.registrations, FUNCTION)) {
        expect(fn.inputs.code).not.to.include(BYPASS_TOKEN);
        expect(fn.inputs.runtime).to.equal("cloudfront-js-2.0");
      }
      const token = named(s.registrations, KEY, "cdn-bypass-token");
      expect(token.inputs.value).to.equal(BYPASS_TOKEN);
      expect(token.secretPaths).to.deep.equal(["value"]);
      expect(input(KEY, "cdn-gate-core-flag")).to.deep.include({
        key: "maintenance-core",
        value: "off",
      });
    });

    it("points A and AAAA of all 17 hosts at the load balancer or CloudFront, overwriting", () => {
      const records = ofType(s.registrations, RECORD);
      expect(records).to.have.length(34);
      const lines = records.map(
        (r) =>
          `${r.inputs.type} ${r.inputs.name} -> ${r.inputs.aliases[0].name} ${r.inputs.aliases[0].zoneId} ${r.inputs.aliases[0].evaluateTargetHealth}`,
      );
      const alb = "dualstack.load-balancer-alb-1234567890.eu-central-2.elb.amazonaws.com";
      for (const host of ["", "api", "library", "etherpad", "umami", "admin", "go", "association"])
        for (const type of ["A", "AAAA"])
          expect(lines).to.include(
            `${type} ${host ? `${host}.` : ""}${domain} -> ${alb} Z3F0SRJ5LGBH90 true`,
          );
      for (const site of SITES)
        expect(lines).to.include(
          `AAAA ${site}.${domain} -> dcdn${site}.cloudfront.net Z2FDTNDATAQYW2 false`,
        );
      for (const record of records) {
        expect(record.inputs.zoneId).to.equal(HOSTED_ZONE_IDS[stack]);
        expect(record.inputs.allowOverwrite).to.equal(true);
      }
    });

    it("creates the four repositories, scanned, expiring only untagged images", () => {
      const repositories = ofType(s.registrations, REPOSITORY);
      expect(repositories.map((r) => `${r.name} ${r.inputs.name}`).sort()).to.deep.equal([
        "registry-admin graasp/admin",
        "registry-etherpad graasp/etherpad",
        "registry-explore graasp/explore",
        "registry-graasp graasp",
      ]);
      for (const repository of repositories)
        expect(repository.inputs.imageScanningConfiguration).to.deep.equal({ scanOnPush: true });
      const lifecycle = JSON.parse(
        input("aws:ecr/lifecyclePolicy:LifecyclePolicy", "registry-admin-lifecycle").policy,
      );
      expect(lifecycle.rules.map((rule: any) => rule.selection.tagStatus)).to.deep.equal([
        "untagged",
      ]);
    });

    it("shows the edge in the offline plan without the token", () => {
      const plan = (type: string, name: string) => {
        const registration = named(s.registrations, type, name);
        return keySettings({ ...registration, order: 0 })
          .map(([label, value]) => `${label}=${value}`)
          .join(", ");
      };
      expect(plan(KEY, "cdn-bypass-token")).to.equal(
        "key=maintenance-bypass-token, value=[secret]",
      );
      expect(plan(KEY, "cdn-gate-core-flag")).to.equal("key=maintenance-core, value=off");
      expect(plan(DISTRIBUTION, "cdn-assets")).to.equal(
        `aliases=assets.${domain}, viewer=redirect-to-https, ipv6=true, functions=viewer-request`,
      );
      expect(plan(RECORD, "dns-apex-aaaa")).to.equal(
        `record=AAAA ${domain}, alias=dualstack.load-balancer-alb-1234567890.eu-central-2.elb.amazonaws.com, allowOverwrite=true, adopt=${HOSTED_ZONE_IDS[stack]}_${domain}_AAAA`,
      );
      expect(plan(BUCKET, "storage-file-items")).to.equal(
        `name=${prefix}-file-items, adopt=${prefix}-file-items, protect=true, retainOnDelete=true`,
      );
      expect(plan(FUNCTION, "cdn-gate-core")).to.match(
        /^runtime=cloudfront-js-2\.0, code=\d{4} bytes$/,
      );
    });

    it("turns the sites' gate on with maintenance, from the state table", async () => {
      for (const state of ["restricted", "db-only", "stopped"] as const) {
        const { registrations } = await scenario(stack, state);
        expect(named(registrations, KEY, "cdn-gate-core-flag").inputs.value, state).to.equal("on");
      }
    });
  });

describe("edge without graasp:cdnCertificateArn", function () {
  this.timeout(20_000);
  let registrations: readonly Registration[];
  before(async () => {
    ({ registrations } = await evaluate("staging", () =>
      createPlatform(configFor("staging", "running", { cdnCertificateArn: undefined })),
    ));
  });

  it("creates no CloudFront and leaves the site buckets' public access as it finds it", () => {
    expect(registrations.filter((r) => r.type.startsWith("aws:cloudfront/"))).to.deep.equal([]);
    expect(ofType(registrations, POLICY)).to.deep.equal([]);
    expect(ofType(registrations, ACCESS).map((r) => r.name)).to.deep.equal([
      "storage-file-items-public-access",
    ]);
    expect(ofType(registrations, BUCKET)).to.have.length(5);
  });

  it("writes records for the load balancer's 13 hosts only, and keeps the S3 H5P URL", () => {
    expect(ofType(registrations, RECORD)).to.have.length(26);
    const core = named(registrations, "aws:ecs/taskDefinition:TaskDefinition", "core-task-task");
    const environment = JSON.parse(core.inputs.containerDefinitions)[0].environment;
    expect(environment).to.deep.include({
      name: "H5P_INTEGRATION_URL",
      value: "https://graasp-dev-h5p.s3.eu-central-1.amazonaws.com/h5p-integration/index.html",
    });
  });
});
