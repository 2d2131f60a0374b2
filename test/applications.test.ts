/*
 * How the program runs Graasp's applications as they are released today: image streams and
 * moving tags, the S3 access key and its rotation, database TLS per client, the environments'
 * settings and admin's reading of its domain, Service Connect aliases and health checks.
 * What this cannot prove: that the published tags exist in their registries, that AWS accepts
 * the pull-through cache credential, or the order in which a real `pulumi up` deletes the old
 * key (Pulumi's documented behaviour: replaced and removed resources are deleted last).
 */
import { expect } from "chai";
import { SERVICE_CATALOG } from "../components/catalog";
import { forceSslDecision, forceSslExplanation } from "../components/databaseTls";
import {
  imagePinProblem,
  imageValueProblem,
  pullsFromDockerHub,
  resolveImage,
} from "../components/images";
import { adminDomainProblem, adminEnvironmentView, ConfigError } from "../config";
import { createPlatform } from "../platform";
import { diffResources, isStateful } from "../tools/resourceDiff";
import { MOVING_TAGS, REGISTRIES, STACKS, configFor } from "./fixtures";
import { evaluate, named, ofType } from "./mocks";
import { scenario } from "./scenarios";

const json = (value: unknown) => JSON.stringify(value);

function problemsOf(overrides: Record<string, string | undefined>): string[] {
  try {
    configFor("staging", "running", overrides);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("image streams", function () {
  this.timeout(30_000);
  const context = {
    containerRegistry: "123456789012.dkr.ecr.eu-central-1.amazonaws.com",
    appVersion: "v1.66.0",
    dockerHubCachePrefix: "graasp-staging-docker-hub",
  };
  const admin = SERVICE_CATALOG.admin.containers[0].image;
  const redis = SERVICE_CATALOG.redis.containers[0].image;

  it("takes a tag, a digest or a whole reference from graasp:images", () => {
    expect(resolveImage(admin, undefined, context)).to.equal(
      "123456789012.dkr.ecr.eu-central-1.amazonaws.com/graasp/admin:latest",
    );
    expect(resolveImage(admin, "v0.10.4", context)).to.equal(
      "123456789012.dkr.ecr.eu-central-1.amazonaws.com/graasp/admin:v0.10.4",
    );
    const digest = `sha256:${"a1".repeat(32)}`;
    expect(resolveImage(admin, digest, context)).to.equal(
      `123456789012.dkr.ecr.eu-central-1.amazonaws.com/graasp/admin@${digest}`,
    );
    expect(
      resolveImage(redis, "public.ecr.aws/docker/library/redis:7.4.3-alpine", context),
    ).to.equal("public.ecr.aws/docker/library/redis:7.4.3-alpine");
  });

  it("refuses values that are no image, or would pull anonymously from Docker Hub", () => {
    expect(imageValueProblem("v1.2.3")).to.equal(undefined);
    expect(imageValueProblem("ghcr.io/umami-software/umami:postgresql-v2.20.1")).to.equal(
      undefined,
    );
    expect(imageValueProblem("bad tag")).to.equal(
      "is not a tag (letters, digits, '_', '.', '-') nor a sha256 digest",
    );
    expect(imageValueProblem("getmeili/meilisearch:v1.9")).to.match(
      /^would be pulled anonymously from Docker Hub/,
    );
    expect(imageValueProblem("docker.io/library/redis:7.4.2")).to.match(
      /^would be pulled anonymously from Docker Hub/,
    );
    expect(imageValueProblem("reg.example/graasp")).to.equal(
      "is not a full image reference with a tag or a digest (registry/repository:tag)",
    );
    expect(pullsFromDockerHub("public.ecr.aws/docker/library/redis:7")).to.equal(false);
    expect(pullsFromDockerHub("redis:7")).to.equal(true);
  });

  it("treats `latest` and `<name>-latest` as moving, release tags as pinned", () => {
    expect(imagePinProblem("r/graasp:nudenet-latest")).to.equal(
      "uses the floating tag `nudenet-latest`",
    );
    expect(imagePinProblem("r/graasp/admin:latest")).to.equal("uses the floating tag `latest`");
    expect(imagePinProblem("r/getmeili/meilisearch:v1.8")).to.equal(undefined);
    expect(imagePinProblem("ghcr.io/umami-software/umami:postgresql-v2.20.1")).to.equal(undefined);
  });

  it("requires graasp:movingTags for every moving default, naming the fix", () => {
    expect(problemsOf({ movingTags: undefined })).to.deep.equal(
      MOVING_TAGS.map(
        (name) =>
          `\`graasp:images.${name}\` resolves to \`${resolveImage(
            [
              ...SERVICE_CATALOG.core.containers,
              ...Object.values(SERVICE_CATALOG).flatMap((e) => e.containers),
            ].find((c) => c.name === name)!.image,
            undefined,
            { ...context, containerRegistry: REGISTRIES.staging },
          )}\`, which uses the floating tag \`${name === "nudenet" ? "nudenet-latest" : "latest"}\`. Fix: pin it with pulumi config set --path 'images.${name}' <release tag or sha256:<digest>>, or accept the moving tag with pulumi config set --path 'movingTags[0]' ${name}`,
      ),
    );
  });

  it("accepts a pinned override instead, and flags an acceptance that is no longer needed", () => {
    const config = configFor("staging", "running", {
      images: json({ admin: "v0.10.4" }),
    });
    expect(config.images).to.deep.equal({ admin: "v0.10.4" });
    expect(config.warnings).to.include(
      "`graasp:movingTags` lists admin, whose image `123456789012.dkr.ecr.eu-central-1.amazonaws.com/graasp/admin:v0.10.4` is pinned. Fix: pulumi config rm --path 'movingTags[3]'",
    );
    expect(
      config.warnings
        .filter((warning) => warning.startsWith("Container "))
        .map((w) => w.split(" ")[1]),
    ).to.deep.equal(["nudenet", "library", "etherpad", "iframely"]);
  });

  it("validates graasp:images and graasp:movingTags keys and the registry's region", () => {
    expect(
      problemsOf({
        images: json({ admn: "v1.0.0", redis: "redis:7.4.2-alpine" }),
        movingTags: json(["nudenet", "library", "etherpad", "admin", "iframely", "ghost"]),
        containerRegistry: "123456789012.dkr.ecr.eu-central-2.amazonaws.com",
      }),
    ).to.deep.equal([
      "`graasp:images.admn` is not a known key (a typo?); known keys: core, nudenet, workers, library, etherpad, umami, admin, meilisearch, iframely, redis, migrate. Did you mean `graasp:images.admin`? Fix: pulumi config rm --path 'images.admn'",
      "`graasp:images.redis` is \"redis:7.4.2-alpine\", which would be pulled anonymously from Docker Hub; use public.ecr.aws/docker/library/<name> for an official image or give only a tag (the pull-through cache is used). Fix: pulumi config set --path 'images.redis' <tag, sha256:<digest> or registry/repository:tag>",
      "`graasp:movingTags[5]` is \"ghost\", not a container; known: core, nudenet, workers, library, etherpad, umami, admin, meilisearch, iframely, redis, migrate. Fix: pulumi config rm --path 'movingTags[5]'",
      "`graasp:containerRegistry` is in region eu-central-2 but the stack deploys to eu-central-1; the Docker Hub pull-through cache and the images belong to the stack's region. Fix: pulumi config set containerRegistry 123456789012.dkr.ecr.eu-central-1.amazonaws.com",
    ]);
    expect(problemsOf({ movingTags: "nudenet" })).to.deep.equal([
      "`graasp:movingTags` must be a list of container names. Fix: pulumi config set --path 'movingTags[0]' nudenet",
      ...problemsOf({ movingTags: undefined }),
    ]);
  });

  for (const stack of STACKS)
    it(`${stack}: pulls third-party images from ECR (mirror or cache) and ghcr, never Docker Hub`, async () => {
      const { registrations } = await scenario(stack, "running");
      const images = ofType(registrations, "aws:ecs/taskDefinition:TaskDefinition").flatMap(
        (definition) =>
          JSON.parse(definition.inputs.containerDefinitions).map(
            (c: { name: string; image: string }) => `${c.name}=${c.image}`,
          ),
      );
      const registry = REGISTRIES[stack];
      expect(images.sort()).to.deep.equal(
        [
          `core=${registry}/graasp:core-v1.66.0`,
          "db-setup=public.ecr.aws/docker/library/postgres:16.10-alpine",
          "toolbox=public.ecr.aws/docker/library/postgres:16.10-alpine",
          `nudenet=${registry}/graasp:nudenet-latest`,
          `workers=${registry}/graasp:workers-v1.66.0`,
          `library=${registry}/graasp/explore:latest`,
          `etherpad=${registry}/graasp/etherpad:latest`,
          "umami=ghcr.io/umami-software/umami:postgresql-v2.20.1",
          `admin=${registry}/graasp/admin:latest`,
          `meilisearch=${registry}/graasp-${stack}-docker-hub/getmeili/meilisearch:v1.8`,
          `iframely=${registry}/graasp-${stack}-docker-hub/graasp/iframely:latest`,
          "redis=public.ecr.aws/docker/library/redis:7.4.2-alpine",
          `migrate=${registry}/graasp:migrate-v1.66.0`,
        ].sort(),
      );
      const rule = named(
        registrations,
        "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
        "image-cache-docker-hub",
      );
      expect(rule.inputs).to.deep.equal({
        ecrRepositoryPrefix: `graasp-${stack}-docker-hub`,
        upstreamRegistryUrl: "registry-1.docker.io",
        credentialArn: `arn:aws:secretsmanager:eu-central-2:123456789012:secret:ecr-pullthroughcache/graasp-${stack}-docker-hub-AbCdEf`,
      });
      const credential = named(
        registrations,
        "aws:secretsmanager/secretVersion:SecretVersion",
        "image-cache-docker-hub-credential-value",
      );
      expect(credential.secretPaths).to.deep.equal(["secretString"]);
      expect(JSON.parse(credential.inputs.secretString)).to.deep.equal({
        username: "s3cr3t-docker-hub-username-value",
        accessToken: "s3cr3t-docker-hub-access-token-value",
      });
      // Services pulling through the cache start only once the rule exists.
      const cacheRule = ofType(
        registrations,
        "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
      )[0];
      const dependsOnCache = ofType(registrations, "aws:ecs/service:Service")
        .filter((service) => service.dependencies.includes(cacheRule.urn))
        .map((service) => service.name);
      expect(dependsOnCache.sort()).to.deep.equal(["iframely-service", "meilisearch-service"]);
      const tagged = ofType(registrations, "aws:ecs/taskDefinition:TaskDefinition")
        .filter((definition) => Object.keys(definition.inputs.tags).length > 0)
        .map(
          (definition) =>
            `${definition.inputs.family}=${definition.inputs.tags["graasp:moving-tags"]}`,
        );
      expect(tagged.sort()).to.deep.equal(
        [
          `graasp-${stack}-admin=admin`,
          `graasp-${stack}-core=nudenet`,
          `graasp-${stack}-etherpad=etherpad`,
          `graasp-${stack}-iframely=iframely`,
          `graasp-${stack}-library=library`,
        ].sort(),
      );
    });
});

/** Today's bucket names: `graasp-dev-*` for staging, `graasp-prod-*` for production. */
const BUCKET_ENV = { staging: "dev", production: "prod" } as const;

describe("S3 access key", function () {
  this.timeout(30_000);
  for (const stack of STACKS)
    it(`${stack}: one user limited to the two buckets' objects, its key a secret in core and workers only`, async () => {
      const { registrations } = await scenario(stack, "running");
      const user = named(registrations, "aws:iam/user:User", "s3-access-user");
      expect(user.inputs).to.deep.equal({ name: `graasp-${stack}-file-storage`, path: "/graasp/" });
      const policy = named(registrations, "aws:iam/userPolicy:UserPolicy", "s3-access-policy");
      expect(JSON.parse(policy.inputs.policy)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ListBuckets",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: [
              `arn:aws:s3:::graasp-${BUCKET_ENV[stack]}-file-items`,
              `arn:aws:s3:::graasp-${BUCKET_ENV[stack]}-h5p`,
            ],
          },
          {
            Sid: "ReadWriteObjects",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: [
              `arn:aws:s3:::graasp-${BUCKET_ENV[stack]}-file-items/*`,
              `arn:aws:s3:::graasp-${BUCKET_ENV[stack]}-h5p/*`,
            ],
          },
        ],
      });
      expect(
        ofType(registrations, "aws:iam/accessKey:AccessKey").map((key) => key.name),
      ).to.deep.equal(["s3-access-key-1"]);
      const secretTasks = ofType(registrations, "aws:secretsmanager/secretVersion:SecretVersion")
        .filter((version) =>
          version.inputs.secretString.includes("mock-secret-access-key-s3-access-key-1"),
        )
        .map((version) => version.name);
      expect(secretTasks.sort()).to.deep.equal([
        "core-task-secret-value",
        "workers-task-secret-value",
      ]);
      for (const name of secretTasks) {
        const version = named(
          registrations,
          "aws:secretsmanager/secretVersion:SecretVersion",
          name,
        );
        expect(version.secretPaths).to.deep.equal(["secretString"]);
        expect(JSON.parse(version.inputs.secretString)).to.deep.include({
          S3_FILE_ITEM_ACCESS_KEY_ID: "AKIAMOCK15",
          S3_FILE_ITEM_SECRET_ACCESS_KEY: "mock-secret-access-key-s3-access-key-1",
          H5P_CONTENT_ACCESS_KEY_ID: "AKIAMOCK15",
          H5P_CONTENT_SECRET_ACCESS_KEY_ID: "mock-secret-access-key-s3-access-key-1",
        });
      }
      for (const definition of ofType(registrations, "aws:ecs/taskDefinition:TaskDefinition"))
        expect(definition.inputs.containerDefinitions).not.to.include("mock-secret-access-key");
      // The task roles stay, for the day the backend uses the default credential chain.
      expect(
        ofType(registrations, "aws:iam/role:Role").map((role) => role.name),
      ).to.include.members(["core-task-task-role", "workers-task-task-role"]);
    });

  it("rotates by graasp:s3KeyGeneration: a new key by a new name, nothing else stateful replaced", async () => {
    const before = await scenario("staging", "running");
    const { registrations: after } = await evaluate("staging", () =>
      createPlatform(configFor("staging", "running", { s3KeyGeneration: "2" })),
    );
    const changes = diffResources(before.registrations, after);
    expect(
      changes.filter((change) => change.kind !== "changed").map((c) => `${c.kind} ${c.name}`),
    ).to.deep.equal(["added s3-access-key-2", "removed s3-access-key-1"]);
    // Only the secret values holding the key change (and with them the task definitions).
    expect(
      changes
        .filter((change) => change.kind === "changed" && isStateful(change.type))
        .map((change) => change.name)
        .sort(),
    ).to.deep.equal(["core-task-secret-value", "workers-task-secret-value"]);
    expect(problemsOf({ s3KeyGeneration: "0" })).to.deep.equal([
      '`graasp:s3KeyGeneration` is "0"; use a whole number from 1 (bump it by one to rotate the S3 access key). Fix: pulumi config set s3KeyGeneration 1',
    ]);
    expect(problemsOf({ s3KeyGeneration: "1.5" })).to.have.length(1);
  });
});

describe("database TLS per client", function () {
  this.timeout(30_000);
  it("records each client's capability and holds force_ssl back for admin only", () => {
    const decision = forceSslDecision();
    expect(decision.forceSsl).to.equal(false);
    expect(decision.holdouts.map((holdout) => holdout.task)).to.deep.equal(["admin"]);
    expect(
      Object.values(SERVICE_CATALOG)
        .filter((entry) => entry.usesDatabase)
        .map((entry) => `${entry.name}:${entry.databaseTls?.capability}`),
    ).to.deep.equal([
      "core:encrypt",
      "workers:encrypt",
      "etherpad:encrypt",
      "umami:encrypt",
      "admin:none",
    ]);
    expect(forceSslExplanation(decision)).to.match(
      /^rds.force_ssl is 0: admin cannot encrypt its database connection, so the database accepts clear-text connections \(the other clients still encrypt\)\. admin: Postgrex 0\.22/,
    );
    expect(
      forceSslDecision(Object.values(SERVICE_CATALOG).filter((entry) => entry.name !== "admin")),
    ).to.deep.equal({ forceSsl: true, holdouts: [] });
  });

  it("gives admin no ssl=true while node clients keep encrypting", async () => {
    const { registrations } = await scenario("production", "running");
    const payload = (name: string) =>
      JSON.parse(
        named(registrations, "aws:secretsmanager/secretVersion:SecretVersion", name).inputs
          .secretString,
      );
    expect(payload("admin-task-secret-value").DATABASE_URL).to.match(
      /^ecto:\/\/graasp:generated-password-database-master-password@graasp-production\.[a-z0-9.-]+:5432\/graasp\?application_name=admin$/,
    );
    expect(payload("core-task-secret-value").DB_CONNECTION).to.match(/&sslmode=no-verify$/);
    expect(payload("migrate-secret-value").DB_CONNECTION).to.match(/&sslmode=no-verify$/);
    expect(payload("umami-task-secret-value").DATABASE_URL).to.match(/&sslmode=require$/);
  });
});

describe("environments and admin's reading of its domain", function () {
  this.timeout(30_000);
  it("reads admin's view of a domain as its runtime.exs does", () => {
    expect(adminEnvironmentView("dev.graasp.org")).to.deep.equal({
      environment: "development",
      linksTo: "dev.graasp.org",
    });
    expect(adminEnvironmentView("stage.graasp.org")).to.deep.equal({
      environment: "staging",
      linksTo: "graasp.org",
    });
    expect(adminEnvironmentView("graasp.org")).to.deep.equal({
      environment: "production",
      linksTo: "graasp.org",
    });
    expect(adminDomainProblem("dev.graasp.org", "staging")).to.equal(undefined);
    expect(adminDomainProblem("graasp.org", "production")).to.equal(undefined);
    expect(adminDomainProblem("stage.graasp.org", "staging")).to.equal(
      '`graasp:domain` is "stage.graasp.org": admin reads its PHX_HOST as staging and builds its backend, client, umami and library links from graasp.org, not from stage.graasp.org (a "dev" label means development with dev.graasp.org, "stage" means staging with graasp.org, anything else production with graasp.org). Fix: use dev.graasp.org (pulumi config set domain dev.graasp.org) or an admin release that takes its origins from settings',
    );
    expect(adminDomainProblem("dev.graasp.org", "production")).to.match(
      /^`graasp:domain` is "dev.graasp.org": admin reads its PHX_HOST as development/,
    );
    expect(adminDomainProblem("graasp.example", "staging")).to.match(/as production/);
  });

  it("warns (does not fail) when the stack's domain would mislead admin", () => {
    const config = configFor("staging", "running", { domain: "stage.graasp.org" });
    expect(config.warnings.filter((warning) => warning.includes("PHX_HOST"))).to.have.length(1);
  });

  it("takes SENTRY_ENV and the mail sender from settings, with defaults, and validates the sender", () => {
    const defaulted = configFor("production", "running", {
      appSettings: json({ GRAASPER_ID: "g", APPS_PUBLISHER_ID: "p" }),
    });
    expect(defaulted.appSettings.SENTRY_ENV).to.equal("production");
    expect(defaulted.appSettings.MAILER_CONFIG_FROM_EMAIL).to.equal("noreply@graasp.org");
    expect(
      problemsOf({
        appSettings: json({
          GRAASPER_ID: "g",
          APPS_PUBLISHER_ID: "p",
          MAILER_CONFIG_FROM_EMAIL: "noreply",
        }),
      }),
    ).to.deep.equal([
      "`graasp:appSettings.MAILER_CONFIG_FROM_EMAIL` is \"noreply\", not a mail address. Fix: pulumi config set --path 'appSettings.MAILER_CONFIG_FROM_EMAIL' noreply@graasp.org",
    ]);
  });
});

describe("parity with today's services", function () {
  this.timeout(30_000);
  for (const stack of STACKS)
    it(`${stack}: Service Connect aliases, nudenet's port and admin's health check`, async () => {
      const { registrations } = await scenario(stack, "running");
      const aliases = ofType(registrations, "aws:ecs/service:Service").flatMap((service) =>
        service.inputs.serviceConnectConfiguration.services.map(
          (entry: { discoveryName: string; clientAlias: { port: number; dnsName: string }[] }) =>
            `${entry.discoveryName}:${entry.clientAlias[0].port}`,
        ),
      );
      expect(aliases.sort()).to.deep.equal([
        "admin:4000",
        "graasp-iframely:8061",
        "graasp-meilisearch:7700",
        "graasp-redis:6379",
        "umami:3000",
      ]);
      const admin = JSON.parse(
        named(registrations, "aws:ecs/taskDefinition:TaskDefinition", "admin-task-task").inputs
          .containerDefinitions,
      )[0];
      if (stack === "production") expect(admin.healthCheck).to.equal(undefined);
      else
        expect(admin.healthCheck).to.deep.equal({
          command: ["CMD-SHELL", "curl -fs 'http://localhost:4000/up?aws=true' || exit 1"],
          interval: 60,
          timeout: 10,
          retries: 3,
          startPeriod: 60,
        });
    });

  it("turns production admin's health check on with graasp:adminHealthCheck", async () => {
    const config = configFor("production", "running", { adminHealthCheck: "true" });
    expect(config.adminHealthCheck).to.equal(true);
    const { registrations } = await evaluate("production", () => createPlatform(config));
    const admin = JSON.parse(
      named(registrations, "aws:ecs/taskDefinition:TaskDefinition", "admin-task-task").inputs
        .containerDefinitions,
    )[0];
    expect(admin.healthCheck.command).to.deep.equal([
      "CMD-SHELL",
      "curl -fs 'http://localhost:4000/up?aws=true' || exit 1",
    ]);
    expect(problemsOf({ adminHealthCheck: "yes" })).to.deep.equal([
      '`graasp:adminHealthCheck` is "yes"; expected true or false. Fix: pulumi config set adminHealthCheck true',
    ]);
  });
});
