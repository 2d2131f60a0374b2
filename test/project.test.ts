/*
 * The project and stack files as committed: what the Pulumi CLI reads before the program runs.
 * What this cannot prove: that the CLI accepts them (its schema validation runs only in
 * `pulumi preview`); the keys and types below follow its published project schema.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseConfig } from "../config";
import { readStackConfig } from "../tools/stackFile";
import { STACKS } from "./fixtures";

const ROOT = path.join(__dirname, "..");
const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));

describe("Pulumi.yaml", () => {
  it("names the project graasp and runs TypeScript on Node.js", () => {
    expect(project.name).to.equal("graasp");
    expect(project.runtime).to.deep.equal({
      name: "nodejs",
      options: {
        typescript: true,
        packagemanager: "npm",
        nodeargs: "--max-semi-space-size=128",
      },
    });
  });

  it("does not force a refresh, which the read-only preview role could not run", () => {
    expect(project.options).to.equal(undefined);
  });

  it("declares every scalar graasp key with a type and a description; the token as secret", () => {
    expect(Object.keys(project.config)).to.deep.equal([
      "environment",
      "deploymentState",
      "domain",
      "certificateArn",
      "containerRegistry",
      "appVersion",
      "maintenanceBypassToken",
      "maintenanceHeaderName",
      "s3KeyGeneration",
      "adminHealthCheck",
      "cdnCertificateArn",
      "fileVersionRetentionDays",
    ]);
    for (const [key, declaration] of Object.entries<Record<string, unknown>>(project.config)) {
      expect(declaration.type, key).to.equal("string");
      expect(declaration.description, key).to.be.a("string").and.have.length.above(20);
    }
    expect(project.config.maintenanceBypassToken.secret).to.equal(true);
    expect(project.config.maintenanceHeaderName.default).to.equal("x-graasp-maintenance-bypass");
    // Empty means "no CloudFront sites"; config.ts defaults the retention to the same 30 days.
    expect(project.config.cdnCertificateArn.default).to.equal("");
    expect(project.config.fileVersionRetentionDays.default).to.equal("30");
  });
});

for (const stack of STACKS)
  describe(`Pulumi.${stack}.yaml`, () => {
    it("holds a valid configuration once its secrets are set, in state running", () => {
      const { raw, absentSecrets } = readStackConfig(ROOT, stack);
      expect(absentSecrets).to.have.length(25);
      const config = parseConfig(raw, stack);
      expect(config.environment).to.equal(stack);
      expect(config.deploymentState).to.equal("running");
      // Today's environments (reference: graasp-apps.md), as settings in the stack files.
      expect(config.region).to.equal(stack === "production" ? "eu-central-2" : "eu-central-1");
      expect(config.domain).to.equal(stack === "production" ? "graasp.org" : "dev.graasp.org");
      expect(config.certificateArn.split(":")[3]).to.equal(config.region);
      expect(config.containerRegistry).to.match(new RegExp(`\\.dkr\\.ecr\\.${config.region}\\.`));
      expect(config.appSettings.SENTRY_ENV).to.equal(stack === "production" ? "prod" : "dev");
      expect(config.appSettings.MAILER_CONFIG_FROM_EMAIL).to.equal(
        stack === "production" ? "noreply@graasp.org" : "noreply.dev@graasp.org",
      );
      expect(config.movingTags).to.deep.equal([
        "nudenet",
        "library",
        "etherpad",
        "admin",
        "iframely",
      ]);
      expect(config.adminHealthCheck).to.equal(stack !== "production");
      // Moving tags and the database TLS decision are flagged, admin's domain is not.
      expect(config.warnings).to.have.length(6);
      expect(config.warnings.filter((warning) => warning.includes("PHX_HOST"))).to.deep.equal([]);
    });
  });
