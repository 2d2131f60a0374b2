/*
 * Configuration parsing and validation, on raw values as the engine stores them. What this
 * cannot prove: that the Pulumi CLI passes structured values exactly as JSON strings (the
 * index test covers the engine path under mocks; `pulumi preview` covers the real CLI).
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { SECRET_KEYS } from "../components/catalog";
import { ConfigError, GraaspConfig, configWarnings, parseConfig } from "../config";
import { SECRETS, configFor, rawConfig } from "./fixtures";

function problemsOf(
  overrides: Record<string, string | undefined>,
  stack: "staging" | "production" = "staging",
): readonly string[] {
  try {
    parseConfig(rawConfig(stack, "running", overrides), stack);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

const json = (value: unknown) => JSON.stringify(value);

describe("config", () => {
  describe("a valid configuration", () => {
    let staging: GraaspConfig;
    let production: GraaspConfig;
    before(() => {
      staging = configFor("staging", "restricted");
      production = configFor("production", "running");
    });

    it("reads the required keys", () => {
      expect(staging.stack).to.equal("staging");
      expect(staging.environment).to.equal("staging");
      expect(staging.deploymentState).to.equal("restricted");
      expect(staging.region).to.equal("eu-central-1");
      expect(staging.domain).to.equal("dev.graasp.org");
      expect(staging.appVersion).to.equal("v1.66.0");
      expect(staging.maintenanceHeaderName).to.equal("x-graasp-maintenance-bypass");
    });

    it("applies per-environment defaults from the fact sheet", () => {
      expect(staging.database).to.deep.equal({
        instanceClass: "db.t4g.micro",
        storageGb: 20,
        maxStorageGb: 1000,
        backupRetentionDays: 1,
        multiAz: false,
        engineMajorVersion: 16,
      });
      expect(production.database.instanceClass).to.equal("db.t4g.small");
      expect(production.database.backupRetentionDays).to.equal(7);
      expect(staging.network).to.deep.equal({ cidr: "10.0.0.0/16", natStrategy: "none" });
      expect(production.network).to.deep.equal({ cidr: "10.0.0.0/16", natStrategy: "single" });
      expect(staging.services.core).to.deep.equal({
        cpu: 1024,
        memory: 2048,
        desiredCount: 1,
        maxCount: 8,
        spot: "only",
      });
      expect(production.services.core).to.deep.equal({
        cpu: 1024,
        memory: 2048,
        desiredCount: 2,
        maxCount: 8,
        spot: "upscale",
      });
      expect(production.services.admin).to.deep.equal({
        cpu: 512,
        memory: 1024,
        desiredCount: 1,
        maxCount: 1,
        spot: "upscale",
      });
      expect(staging.logRetentionDays).to.equal(30);
      expect(production.logRetentionDays).to.equal(90);
      expect(staging.transitions).to.deep.equal({
        databaseTimeoutMinutes: 30,
        migrationTimeoutMinutes: 60,
      });
      expect(staging.github).to.equal(undefined);
    });

    it("merges overrides over the defaults", () => {
      const config = configFor("production", "running", {
        database: json({ multiAz: true, backupRetentionDays: 14 }),
        services: json({ core: { desiredCount: 3 } }),
        images: json({ core: "registry.example.org/core:v1.67.0-rc.1" }),
        network: json({ natStrategy: "perAz" }),
        maintenanceHeaderName: "X-Team-Pass",
      });
      expect(config.database.multiAz).to.equal(true);
      expect(config.database.backupRetentionDays).to.equal(14);
      expect(config.database.instanceClass).to.equal("db.t4g.small");
      expect(config.services.core.desiredCount).to.equal(3);
      expect(config.images.core).to.equal("registry.example.org/core:v1.67.0-rc.1");
      expect(config.network.natStrategy).to.equal("perAz");
      expect(config.maintenanceHeaderName).to.equal("x-team-pass");
    });

    it("is frozen all the way down", () => {
      expect(Object.isFrozen(staging)).to.equal(true);
      expect(Object.isFrozen(staging.services.core)).to.equal(true);
      expect(Object.isFrozen(staging.appSettings)).to.equal(true);
    });

    it("keeps the token and the secrets as secret outputs", async () => {
      expect(await pulumi.isSecret(staging.maintenanceBypassToken)).to.equal(true);
      expect(await pulumi.isSecret(staging.secrets)).to.equal(true);
      const secrets = await new Promise<Record<string, string>>((resolve) =>
        staging.secrets.apply(resolve),
      );
      expect(Object.keys(secrets)).to.have.length(SECRET_KEYS.length);
      expect(secrets.JWT_SECRET).to.equal(SECRETS.JWT_SECRET);
    });
  });

  describe("bad input", () => {
    it("reports every missing key at once, with the command that fixes it", () => {
      const problems = problemsOf(
        Object.fromEntries(
          [
            "environment",
            "deploymentState",
            "domain",
            "certificateArn",
            "containerRegistry",
            "appVersion",
          ]
            .concat(["maintenanceBypassToken", "secrets", "appSettings", "aws:region"])
            .map((key) => [key, undefined]),
        ),
      );
      expect(problems).to.deep.equal([
        "`graasp:environment` is not set. Fix: pulumi config set environment <staging|production>",
        "`graasp:deploymentState` is not set. Fix: pulumi config set deploymentState running",
        "`aws:region` is not set. Fix: pulumi config set aws:region <eu-central-1|eu-central-2>",
        "`graasp:domain` is not set. Fix: pulumi config set domain <apex domain, e.g. example.org>",
        "`graasp:certificateArn` is not set. Fix: pulumi config set certificateArn arn:aws:acm:<region>:<account>:certificate/<id>",
        "`graasp:containerRegistry` is not set. Fix: pulumi config set containerRegistry <account>.dkr.ecr.<region>.amazonaws.com",
        "`graasp:appVersion` is not set. Fix: pulumi config set appVersion v1.66.0",
        '`graasp:maintenanceBypassToken` is not set. Fix: pulumi config set --secret maintenanceBypassToken "$(openssl rand -hex 32)"',
        "`graasp:secrets` is not set. Fix: set each secret: pulumi config set --secret --path 'secrets.JWT_SECRET' <value> (and the other 23)",
        "`graasp:appSettings` is not set. Fix: pulumi config set --path 'appSettings.GRAASPER_ID' <value>",
      ]);
    });

    it("puts every problem in one error message naming the stack", () => {
      try {
        parseConfig(
          rawConfig("staging", "running", { deploymentState: "paused", environment: "dev" }),
          "staging",
        );
        expect.fail("expected a ConfigError");
      } catch (error) {
        expect((error as Error).message).to.equal(
          'Invalid configuration for stack "staging" (2 problems):\n' +
            '  - `graasp:environment` is "dev"; expected one of staging, production. Fix: pulumi config set -s staging environment staging\n' +
            '  - `graasp:deploymentState` is "paused", which is not a deployment state. Fix: pulumi config set -s staging deploymentState <running|restricted|db-only|stopped>',
        );
      }
    });

    const cases: [string, Record<string, string | undefined>, string][] = [
      [
        "a malformed domain",
        { domain: "Graasp_org" },
        '`graasp:domain` is "Graasp_org", which is not a valid lower-case DNS name. Fix: pulumi config set domain <apex domain, e.g. example.org>',
      ],
      [
        "a malformed certificate ARN",
        { certificateArn: "arn:aws:acm:eu-central-2:123:cert" },
        '`graasp:certificateArn` is "arn:aws:acm:eu-central-2:123:cert", which is not an ACM certificate ARN. Fix: pulumi config set certificateArn arn:aws:acm:<region>:<account>:certificate/<id>',
      ],
      [
        "a certificate from another region",
        {
          certificateArn:
            "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
        },
        "`graasp:certificateArn` is in region us-east-1 but the stack deploys to eu-central-1 (`aws:region`); a load balancer needs a certificate from its own region. Fix: pulumi config set certificateArn arn:aws:acm:eu-central-1:<account>:certificate/<id>",
      ],
      [
        "a malformed region",
        { "aws:region": "Zurich" },
        '`aws:region` is "Zurich", which is not an AWS region. Fix: pulumi config set aws:region <eu-central-1|eu-central-2>',
      ],
      [
        "a registry with a scheme",
        { containerRegistry: "https://registry.example.org" },
        '`graasp:containerRegistry` is "https://registry.example.org", which is not a registry host (no scheme, no tag). Fix: pulumi config set containerRegistry <account>.dkr.ecr.<region>.amazonaws.com',
      ],
      [
        "a floating tag",
        { appVersion: "latest" },
        '`graasp:appVersion` is "latest", a floating tag that moves under running services. Fix: pulumi config set appVersion v1.66.0',
      ],
      [
        "a version that is no release tag",
        { appVersion: "core-v1" },
        '`graasp:appVersion` is "core-v1", not a release tag like v1.66.0. Fix: pulumi config set appVersion v1.66.0',
      ],
      [
        "a weak token",
        { maintenanceBypassToken: "short" },
        "`graasp:maintenanceBypassToken` must be 16 to 128 characters of A-Z, a-z, 0-9, '_' and '-' (it has 5; the load balancer matches headers case-insensitively and treats '*' and '?' as wildcards). Fix: pulumi config set --secret maintenanceBypassToken \"$(openssl rand -hex 32)\"",
      ],
      [
        "a token with wildcards",
        { maintenanceBypassToken: "abcdefghijklmnop*" },
        "`graasp:maintenanceBypassToken` must be 16 to 128 characters of A-Z, a-z, 0-9, '_' and '-' (it has 17; the load balancer matches headers case-insensitively and treats '*' and '?' as wildcards). Fix: pulumi config set --secret maintenanceBypassToken \"$(openssl rand -hex 32)\"",
      ],
      [
        "a header name the ALB refuses",
        { maintenanceHeaderName: "Host" },
        '`graasp:maintenanceHeaderName` is "Host"; a load balancer header name is 1 to 40 letters, digits or \'-\' and not "host". Fix: pulumi config set maintenanceHeaderName x-graasp-maintenance-bypass',
      ],
      [
        "secrets that are not an object",
        { secrets: "hunter2" },
        "`graasp:secrets` must be an object of keys. Fix: pulumi config rm secrets, then set each key with pulumi config set --secret --path 'secrets.<KEY>' <value>",
      ],
      [
        "an unknown deployment state",
        { deploymentState: "maintenance" },
        '`graasp:deploymentState` is "maintenance", which is not a deployment state. Fix: pulumi config set deploymentState <running|restricted|db-only|stopped>',
      ],
      [
        "a missing required app setting",
        { appSettings: json({ APPS_PUBLISHER_ID: "x" }) },
        "`graasp:appSettings.GRAASPER_ID` is missing or empty. Fix: pulumi config set --path 'appSettings.GRAASPER_ID' <value>",
      ],
      [
        "an unknown app setting",
        { appSettings: json({ GRAASPER_ID: "x", APPS_PUBLISHER_ID: "y", SENTRY: "z" }) },
        "`graasp:appSettings.SENTRY` is not a known key (a typo?); known keys: GRAASPER_ID, APPS_PUBLISHER_ID, OPENAI_ORG_ID, SENTRY_DSN, ADMIN_SENTRY_DSN, RECAPTCHA_SITE_KEY, SENTRY_ENV, MAILER_CONFIG_FROM_EMAIL. Fix: pulumi config rm --path 'appSettings.SENTRY'",
      ],
    ];
    for (const [what, overrides, message] of cases)
      it(`rejects ${what}`, () => {
        expect(problemsOf(overrides)).to.deep.equal([message]);
      });

    it("names each missing or empty secret with its exact set command", () => {
      const { JWT_SECRET: _missing, ...rest } = SECRETS;
      expect(problemsOf({ secrets: json({ ...rest, CHATBOT_APP_KEY: "" }) })).to.deep.equal([
        "`graasp:secrets.JWT_SECRET` is missing. Fix: pulumi config set --secret --path 'secrets.JWT_SECRET' <value>",
        "`graasp:secrets.CHATBOT_APP_KEY` is empty. Fix: pulumi config set --secret --path 'secrets.CHATBOT_APP_KEY' <value>",
      ]);
    });

    it("rejects an unknown secret key as a likely typo", () => {
      const [problem] = problemsOf({ secrets: json({ ...SECRETS, JWT_SECRT: "x" }) });
      expect(problem).to.equal(
        `\`graasp:secrets.JWT_SECRT\` is not a known key (a typo?); known keys: ${SECRET_KEYS.join(", ")}. Did you mean \`graasp:secrets.JWT_SECRET\`? Fix: pulumi config rm --path 'secrets.JWT_SECRT'`,
      );
    });

    it("rejects impossible sizes and unknown override keys", () => {
      expect(
        problemsOf({
          services: json({
            core: { cpu: 256, memory: 4096 },
            workers: { desiredCount: 9, maxCount: 8 },
            redis: { spot: "sometimes", replicas: 2 },
            search: { cpu: 256 },
            admin: { image: "graasp/admin:latest" },
          }),
        }),
      ).to.deep.equal([
        "`graasp:services.search` is not a known key (a typo?); known keys: core, workers, library, etherpad, umami, admin, meilisearch, iframely, redis. Fix: pulumi config rm --path 'services.search'",
        "`graasp:services.core` asks for cpu 256 with memory 4096, which Fargate does not offer (e.g. cpu 256: memory 512-2048; cpu 1024: 2048-8192). Fix: pulumi config set --path 'services.core.memory' <a valid size>",
        "`graasp:services.workers.desiredCount` is 9; use a whole number from 1 to maxCount (8); deployment states, not this key, take services to 0. Fix: pulumi config set --path 'services.workers.desiredCount' 1",
        "`graasp:services.admin.image` has moved to `graasp:images.admin` (a tag, a digest or a full reference). Fix: pulumi config rm --path 'services.admin.image' && pulumi config set --path 'images.admin' \"graasp/admin:latest\"",
        "`graasp:services.redis.replicas` is not a known key (a typo?); known keys: cpu, memory, desiredCount, maxCount, spot. Fix: pulumi config rm --path 'services.redis.replicas'",
        "`graasp:services.redis.spot` is \"sometimes\"; expected one of none, only, upscale. Fix: pulumi config set --path 'services.redis.spot' none",
      ]);
    });

    it("holds production backups to 7 days and checks the database settings", () => {
      expect(
        problemsOf(
          {
            database: json({
              backupRetentionDays: 1,
              storageGb: 10,
              instanceClass: "t4g.small",
              engineMajorVersion: 16.4,
              multiAz: "yes",
            }),
          },
          "production",
        ),
      ).to.deep.equal([
        "`graasp:database.multiAz` must be true or false (found the string \"yes\"). Fix: pulumi config set --path 'database.multiAz' false",
        "`graasp:database.instanceClass` is \"t4g.small\", not an RDS instance class. Fix: pulumi config set --path 'database.instanceClass' db.t4g.small",
        "`graasp:database.storageGb` is 10; gp3 storage is a whole number of GiB from 20 to 65536. Fix: pulumi config set --path 'database.storageGb' 20",
        "`graasp:database.backupRetentionDays` is 1; production keeps backups 7 to 35 days. Fix: pulumi config set --path 'database.backupRetentionDays' 7",
        "`graasp:database.engineMajorVersion` is 16.4; use PostgreSQL major version 16 or 17 (older majors are refused; the minor version is managed by RDS). Fix: pulumi config set --path 'database.engineMajorVersion' 16",
      ]);
    });

    it("refuses PostgreSQL majors below 16", () => {
      expect(problemsOf({ database: json({ engineMajorVersion: 15 }) }, "staging")).to.deep.equal([
        "`graasp:database.engineMajorVersion` is 15; use PostgreSQL major version 16 or 17 (older majors are refused; the minor version is managed by RDS). Fix: pulumi config set --path 'database.engineMajorVersion' 16",
      ]);
    });

    it("checks the network and transition settings", () => {
      expect(
        problemsOf({
          network: json({ cidr: "10.0.0.1/16", natStrategy: "two" }),
          transitions: json({ assumeRoleArn: "deployer", migrationTimeoutMinutes: 0 }),
        }),
      ).to.deep.equal([
        "`graasp:network.cidr` is \"10.0.0.1/16\"; use an IPv4 network address with a prefix from /16 to /20 (room for 9 subnets). Fix: pulumi config set --path 'network.cidr' 10.0.0.0/16",
        "`graasp:network.natStrategy` is \"two\"; expected one of none, single, perAz. Fix: pulumi config set --path 'network.natStrategy' single",
        "`graasp:transitions.assumeRoleArn` is \"deployer\", not an IAM role ARN. Fix: pulumi config set --path 'transitions.assumeRoleArn' arn:aws:iam::<account>:role/<name>",
        "`graasp:transitions.migrationTimeoutMinutes` is 0; use a whole number of minutes from 1 to 300. Fix: pulumi config set --path 'transitions.migrationTimeoutMinutes' 60",
      ]);
    });

    it("requires room for private subnets when there is a NAT", () => {
      expect(
        problemsOf({ network: json({ cidr: "10.20.0.0/18", natStrategy: "single" }) }),
      ).to.deep.equal([
        "`graasp:network.cidr` is \"10.20.0.0/18\", too small for private subnets: with a NAT strategy use a /16 or /17. Fix: pulumi config set --path 'network.cidr' 10.0.0.0/16",
      ]);
      expect(
        configFor("staging", "running", { network: json({ cidr: "10.20.0.0/20" }) }).network,
      ).to.deep.equal({
        cidr: "10.20.0.0/20",
        natStrategy: "none",
      });
    });

    it("refuses a VPC range outside RFC 1918, such as the former 172.32.0.0/16", () => {
      const fix = "Fix: pulumi config set --path 'network.cidr' 10.0.0.0/16";
      for (const cidr of ["172.32.0.0/16", "8.8.0.0/16", "192.169.0.0/16", "172.15.0.0/16"])
        expect(problemsOf({ network: json({ cidr }) })).to.deep.equal([
          `\`graasp:network.cidr\` is "${cidr}", which is public address space; a VPC range must lie inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918). ${fix}`,
        ]);
      for (const cidr of ["10.42.0.0/16", "172.16.0.0/16", "172.31.0.0/16", "192.168.0.0/16"])
        expect(
          configFor("production", "running", { network: json({ cidr }) }).network.cidr,
        ).to.equal(cidr);
    });

    it("checks the state bucket name of the GitHub settings", () => {
      const github = (stateBucket: unknown) =>
        json({ repository: "graasp/graasp-infrastructure", stateBucket });
      expect(problemsOf({ github: github("Graasp_State") }, "staging")).to.deep.equal([
        "`graasp:github.stateBucket` is \"Graasp_State\", not an S3 bucket name (3 to 63 of a-z 0-9 . -): the account's Pulumi state bucket (README, Bootstrap). Fix: pulumi config set --path 'github.stateBucket' graasp-pulumi-state-<account>",
      ]);
      expect(
        configFor("staging", "running", { github: github("graasp-pulumi-state-111111111111") })
          .github?.stateBucket,
      ).to.equal("graasp-pulumi-state-111111111111");
    });

    it("checks the GitHub settings", () => {
      expect(
        problemsOf(
          { github: json({ repository: "graasp", productionReviewers: [] }) },
          "production",
        ),
      ).to.deep.equal([
        '`graasp:github.repository` is "graasp"; expected "owner/name" of a GitHub repository. Fix: pulumi config set --path \'github.repository\' graasp/graasp-infrastructure',
        "`graasp:github.productionReviewers` is []; production needs 1 to 6 GitHub logins who approve deployments. Fix: pulumi config set --path 'github.productionReviewers[0]' <login>",
        "`graasp:github.stateBucket` is undefined, not an S3 bucket name (3 to 63 of a-z 0-9 . -): the account's Pulumi state bucket (README, Bootstrap). Fix: pulumi config set --path 'github.stateBucket' graasp-pulumi-state-<account>",
      ]);
      const config = configFor("production", "running", {
        github: json({
          repository: "graasp/graasp-infrastructure",
          productionReviewers: ["alice", "bob-2"],
          stateBucket: "graasp-pulumi-state-222222222222",
        }),
      });
      expect(config.github).to.deep.equal({
        repository: "graasp/graasp-infrastructure",
        productionReviewers: ["alice", "bob-2"],
        stateBucket: "graasp-pulumi-state-222222222222",
      });
    });
  });

  describe("secrets stored in plain text", () => {
    it("warns for each secret key not stored encrypted", () => {
      const raw = { ...rawConfig("staging", "running"), secretKeys: new Set<string>() };
      expect(configWarnings(raw)).to.deep.equal([
        "`graasp:maintenanceBypassToken` is stored in plain text in Pulumi.<stack>.yaml. Fix: pulumi config rm maintenanceBypassToken, then set it again with pulumi config set --secret maintenanceBypassToken <value>",
        "`graasp:secrets` is stored in plain text in Pulumi.<stack>.yaml. Fix: pulumi config rm secrets, then set it again with pulumi config set --secret --path 'secrets.<KEY>' <value>",
      ]);
      expect(configWarnings(rawConfig("staging", "running"))).to.deep.equal([]);
    });
  });
});
