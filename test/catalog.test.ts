/*
 * The service catalog as data, and the pure functions that turn it into container
 * definitions, secret payloads and IAM policies. What this cannot prove: that the images
 * really read these variables, or that the pinned third-party tags exist in their registries.
 */
import { expect } from "chai";
import {
  MIGRATE_TASK,
  REDIRECTS,
  SECRET_KEYS,
  SERVICE_CATALOG,
  SERVICE_NAMES,
  SHARED_RULE_PRIORITIES,
  databaseClients,
  looksLikeSecretName,
  secretKeysOf,
} from "../components/catalog";
import {
  TemplateValues,
  containerDefinitions,
  databaseUrl,
  expandTemplate,
  secretPayload,
} from "../components/containers";
import { resolveImage } from "../components/images";
import { executionRolePolicy, taskRolePolicy } from "../components/iamPolicies";
import { APP_SETTINGS, SECRETS, appSettingsFor } from "./fixtures";

const entries = SERVICE_NAMES.map((name) => SERVICE_CATALOG[name]);
const allTasks = [...entries, MIGRATE_TASK];

describe("service catalog", () => {
  it("has one entry per Graasp service", () => {
    expect(SERVICE_NAMES).to.deep.equal([
      "core",
      "workers",
      "library",
      "etherpad",
      "umami",
      "admin",
      "meilisearch",
      "iframely",
      "redis",
    ]);
    for (const name of SERVICE_NAMES) expect(SERVICE_CATALOG[name].name).to.equal(name);
  });

  const facts: [string, number | undefined, string, string, string][] = [
    // name, port, tier, routing, health path
    ["core", 3111, "core", "public", "/health"],
    ["workers", undefined, "core", "none", ""],
    ["library", 3000, "core", "public", "/api/status"],
    ["etherpad", 9001, "core", "public", "/"],
    ["umami", 3000, "administration", "public", "/api/heartbeat"],
    ["admin", 4000, "administration", "public", "/up"],
    ["meilisearch", 7700, "core", "internal", ""],
    ["iframely", 8061, "core", "internal", ""],
    ["redis", 6379, "core", "internal", ""],
  ];
  for (const [name, port, tier, routing, health] of facts)
    it(`${name}: port ${port ?? "none"}, tier ${tier}, ${routing} routing`, () => {
      const entry = SERVICE_CATALOG[name as keyof typeof SERVICE_CATALOG];
      expect(entry.containers[0].port).to.equal(port);
      expect(entry.tier).to.equal(tier);
      expect(entry.routing.kind).to.equal(routing);
      if (entry.routing.kind === "public") expect(entry.routing.healthCheckPath).to.equal(health);
    });

  it("routes public hosts at the expected priorities", () => {
    const routes = entries.flatMap((entry) =>
      entry.routing.kind === "public"
        ? entry.routing.routes.map(
            (route) => `${entry.name} ${route.host || "@"}${route.path ?? ""} ${route.priority}`,
          )
        : [],
    );
    expect(routes).to.deep.equal([
      "core api/api/* 1",
      "core api 2",
      "core @/api/* 7",
      "library library 30",
      "etherpad etherpad 4",
      "umami umami 5",
      "admin @ 10",
    ]);
    const rewrite =
      SERVICE_CATALOG.core.routing.kind === "public" &&
      SERVICE_CATALOG.core.routing.routes[1].rewrite;
    expect(rewrite).to.deep.equal({ regex: "^/(.*)$", replace: "/api/$1" });
  });

  it("uses every listener priority once, maintenance rules right after the gated rules they back", () => {
    const priorities = [
      ...entries.flatMap((entry) =>
        entry.routing.kind === "public" ? entry.routing.routes.map((route) => route.priority) : [],
      ),
      ...REDIRECTS.map((redirect) => redirect.priority),
      ...Object.values(SHARED_RULE_PRIORITIES),
    ];
    expect(new Set(priorities).size).to.equal(priorities.length);
    expect(SHARED_RULE_PRIORITIES).to.deep.equal({
      maintenanceApi: 3,
      maintenanceApexApi: 8,
      maintenancePage: 1000,
    });
    expect(Math.max(...priorities)).to.equal(SHARED_RULE_PRIORITIES.maintenancePage);
  });

  it("names the Service Connect aliases of the internal services and their clients", () => {
    const internal = entries.flatMap((entry) =>
      entry.routing.kind === "internal"
        ? [[entry.name, entry.routing.alias, entry.routing.clients.join("+")]]
        : [],
    );
    expect(internal).to.deep.equal([
      ["meilisearch", "graasp-meilisearch", "core+workers"],
      ["iframely", "graasp-iframely", "core"],
      ["redis", "graasp-redis", "core+workers"],
    ]);
  });

  it("derives the database clients from the catalog", () => {
    expect(databaseClients()).to.deep.equal([
      "core",
      "workers",
      "etherpad",
      "umami",
      "admin",
      "migrate",
    ]);
  });

  it("gives each task exactly the secret keys it needs, all of them known to config", () => {
    const keysOf = (name: string) => secretKeysOf(allTasks.find((task) => task.name === name)!);
    expect(keysOf("core")).to.deep.equal([
      "APPS_JWT_SECRET",
      "EMAIL_CHANGE_JWT_SECRET",
      "ETHERPAD_API_KEY",
      "GEOLOCATION_API_KEY",
      "JWT_SECRET",
      "MAILER_CONNECTION",
      "MEILISEARCH_MASTER_KEY",
      "MEILISEARCH_REBUILD_SECRET",
      "OPENAI_API_KEY",
      "PASSWORD_RESET_JWT_SECRET",
      "RECAPTCHA_SECRET_KEY",
      "SECURE_SESSION_SECRET_KEY",
    ]);
    expect(keysOf("workers")).to.deep.equal(keysOf("core"));
    expect(keysOf("admin")).to.deep.equal([
      "ADMIN_RELEASE_COOKIE",
      "ADMIN_SECRET_KEY_BASE",
      "ADMIN_SHARED_SECRET",
      "APPS_JWT_SECRET",
      "CHATBOT_APP_KEY",
      "MEILISEARCH_REBUILD_SECRET",
      "OPENAI_API_KEY",
      "UMAMI_PASSWORD",
      "UMAMI_USERNAME",
      "UMAMI_WEBSITE_ID",
    ]);
    expect(keysOf("etherpad")).to.deep.equal(["ETHERPAD_DB_PASSWORD"]);
    expect(keysOf("umami")).to.deep.equal(["UMAMI_DB_PASSWORD", "UMAMI_JWT_SECRET"]);
    expect(keysOf("meilisearch")).to.deep.equal(["MEILISEARCH_MASTER_KEY"]);
    expect(keysOf("migrate")).to.deep.equal([]);
    for (const name of ["library", "iframely", "redis"]) expect(keysOf(name)).to.deep.equal([]);
    const used = new Set(allTasks.flatMap(secretKeysOf));
    // The Docker Hub account feeds the pull-through cache's credential, not a task.
    expect(SECRET_KEYS.filter((key) => !used.has(key))).to.deep.equal([
      "DOCKER_HUB_USERNAME",
      "DOCKER_HUB_ACCESS_TOKEN",
    ]);
  });

  it("keeps every secret-looking variable out of the plain environment", () => {
    for (const task of allTasks)
      for (const container of task.containers)
        for (const name of Object.keys(container.environment))
          expect(looksLikeSecretName(name), `${task.name}: ${name}`).to.equal(false);
    expect(
      [
        "JWT_SECRET",
        "DB_PASS",
        "MEILI_MASTER_KEY",
        "SENTRY_DSN",
        "RELEASE_COOKIE",
        "DATABASE_URL",
        "RECAPTCHA_SITE_KEY",
      ].map(looksLikeSecretName),
    ).to.deep.equal([true, true, true, true, true, true, true]);
    expect(
      ["COOKIE_DOMAIN", "PUBLIC_URL", "REDIS_HOST", "GRAASPER_CREATOR_ID"].map(looksLikeSecretName),
    ).to.deep.equal([false, false, false, false]);
  });

  it("defaults every image to the stream it is released in, never anonymous Docker Hub", () => {
    const context = {
      containerRegistry: "reg.example",
      appVersion: "v1.66.0",
      dockerHubCachePrefix: "graasp-staging-docker-hub",
    };
    const images = allTasks.flatMap((task) =>
      task.containers.map(
        (container) => `${container.name}=${resolveImage(container.image, undefined, context)}`,
      ),
    );
    expect(images).to.deep.equal([
      "core=reg.example/graasp:core-v1.66.0",
      "nudenet=reg.example/graasp:nudenet-latest",
      "workers=reg.example/graasp:workers-v1.66.0",
      "library=reg.example/graasp/explore:latest",
      "etherpad=reg.example/graasp/etherpad:latest",
      "umami=ghcr.io/umami-software/umami:postgresql-v2.20.1",
      "admin=reg.example/graasp/admin:latest",
      "meilisearch=reg.example/graasp-staging-docker-hub/getmeili/meilisearch:v1.8",
      "iframely=reg.example/graasp-staging-docker-hub/graasp/iframely:latest",
      "redis=public.ecr.aws/docker/library/redis:7.4.2-alpine",
      "migrate=reg.example/graasp:migrate-v1.66.0",
    ]);
  });

  it("keeps the core, workers and admin variable names of the current images", () => {
    const names = (name: string) => {
      const container = allTasks.find((task) => task.name === name)!.containers[0];
      return [...Object.keys(container.environment), ...Object.keys(container.secrets)].sort();
    };
    expect(names("admin")).to.deep.equal([
      "ADMIN_SHARED_SECRET",
      "AWS_REGION",
      "DATABASE_URL",
      "FILE_ITEMS_BUCKET_NAME",
      "GRAASP_APPS_JWT_SECRET",
      "GRAASP_APP_KEY",
      "H5P_CONTENT_BUCKET_NAME",
      "MEILISEARCH_REBUILD_SECRET",
      "OPENAI_API_KEY",
      "PHX_HOST",
      "RECAPTCHA_SITE_KEY",
      "RELEASE_COOKIE",
      "SECRET_KEY_BASE",
      "SENTRY_DSN",
      "UMAMI_PASSWORD",
      "UMAMI_USERNAME",
      "UMAMI_WEBSITE_ID",
    ]);
    expect(names("core")).to.include.members([
      "DB_CONNECTION",
      "REDIS_CONNECTION",
      "MEILISEARCH_URL",
      "EMBEDDED_LINK_ITEM_IFRAMELY_HREF_ORIGIN",
      "IMAGE_CLASSIFIER_API",
      "S3_FILE_ITEM_BUCKET",
      "H5P_CONTENT_BUCKET",
      "RECAPTCHA_SECRET_ACCESS_KEY",
      "GRAASPER_CREATOR_ID",
    ]);
    // Backend v2.13.7 builds its S3 client only from explicit keys; it reads no REDIS_HOST.
    expect(names("core")).to.include.members([
      "S3_FILE_ITEM_ACCESS_KEY_ID",
      "S3_FILE_ITEM_SECRET_ACCESS_KEY",
      "H5P_CONTENT_ACCESS_KEY_ID",
      "H5P_CONTENT_SECRET_ACCESS_KEY_ID",
    ]);
    expect(names("core")).not.to.include.members(["REDIS_HOST"]);
    expect(names("core")).not.to.include.members(["REDIS_PORT"]);
    expect(names("core")).not.to.include.members(["ADMIN_SHARED_SECRET"]);
    expect(names("migrate")).to.deep.equal(["DB_CONNECTION"]);
  });
});

const TEMPLATE_VALUES: TemplateValues = {
  domain: "dev.graasp.org",
  region: "eu-central-1",
  environment: "staging",
  fileItemsBucket: "graasp-staging-file-items",
  h5pBucket: "graasp-staging-h5p",
  h5pIntegrationUrl:
    "https://graasp-staging-h5p.s3.eu-central-2.amazonaws.com/h5p-integration/index.html",
  databaseHost: "db.example",
  databasePort: "5432",
  settings: appSettingsFor("staging") as TemplateValues["settings"],
};

describe("container definitions", () => {
  it("expands templates and refuses unknown placeholders", () => {
    expect(expandTemplate("https://api.{domain}", TEMPLATE_VALUES)).to.equal(
      "https://api.dev.graasp.org",
    );
    expect(expandTemplate("^https?:\\/\\/(.*\\.)?{domainPattern}$", TEMPLATE_VALUES)).to.equal(
      "^https?:\\/\\/(.*\\.)?dev\\.graasp\\.org$",
    );
    expect(expandTemplate("{setting:GRAASPER_ID}", TEMPLATE_VALUES)).to.equal(
      "setting-graasper_id",
    );
    expect(expandTemplate("{h5pBucket}.s3.{region}", TEMPLATE_VALUES)).to.equal(
      "graasp-staging-h5p.s3.eu-central-1",
    );
    expect(() => expandTemplate("{setting:NOPE}", TEMPLATE_VALUES)).to.throw(
      "Unknown placeholder {setting:NOPE} in the service catalog",
    );
    expect(() => expandTemplate("{nope}", TEMPLATE_VALUES)).to.throw(
      "Unknown placeholder {nope} in the service catalog",
    );
  });

  it("expands every placeholder of every catalog variable", () => {
    for (const task of allTasks)
      for (const container of task.containers)
        for (const [name, template] of Object.entries(container.environment))
          expect(expandTemplate(template, TEMPLATE_VALUES), `${task.name} ${name}`).not.to.match(
            /[{}]/,
          );
  });

  it("writes the meilisearch container exactly, secrets by reference", () => {
    const [definition] = containerDefinitions(SERVICE_CATALOG.meilisearch, {
      region: "eu-central-2",
      logGroupName: "/graasp/staging/meilisearch",
      images: { meilisearch: "getmeili/meilisearch:v1.8.4" },
      templateValues: TEMPLATE_VALUES,
      secretArn: "arn:secret",
      secretVersionId: "v-1",
    });
    expect(definition).to.deep.equal({
      name: "meilisearch",
      image: "getmeili/meilisearch:v1.8.4",
      essential: true,
      cpu: 0,
      portMappings: [
        { name: "meilisearch-7700", containerPort: 7700, hostPort: 7700, protocol: "tcp" },
      ],
      environment: [
        { name: "MEILI_ENV", value: "production" },
        { name: "MEILI_EXPERIMENTAL_LOGS_MODE", value: "json" },
        { name: "MEILI_NO_ANALYTICS", value: "true" },
      ],
      secrets: [{ name: "MEILI_MASTER_KEY", valueFrom: "arn:secret:MEILI_MASTER_KEY::v-1" }],
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": "/graasp/staging/meilisearch",
          "awslogs-region": "eu-central-2",
          "awslogs-stream-prefix": "ecs",
        },
      },
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
    });
  });

  it("refuses a container with secrets but no secret", () => {
    expect(() =>
      containerDefinitions(SERVICE_CATALOG.umami, {
        region: "r",
        logGroupName: "l",
        images: {},
        templateValues: TEMPLATE_VALUES,
      }),
    ).to.throw("Container umami has secrets but its task has no secret");
  });

  it("builds each secret payload from config secrets, settings and database credentials", () => {
    const inputs = {
      secrets: SECRETS as never,
      settings: APP_SETTINGS as never,
      databaseHost: "db.example",
      databasePort: 5432,
      masterUsername: "graasp",
      masterPassword: "p@ss/word",
      s3AccessKeyId: "AKIAEXAMPLE",
      s3SecretAccessKey: "s3-secret-example",
    };
    expect(secretPayload(SERVICE_CATALOG.umami, inputs)).to.deep.equal({
      DATABASE_URL: `postgresql://umami:${SECRETS.UMAMI_DB_PASSWORD}@db.example:5432/umami?application_name=umami&sslmode=require`,
      APP_SECRET: SECRETS.UMAMI_JWT_SECRET,
    });
    expect(secretPayload(MIGRATE_TASK, inputs)).to.deep.equal({
      DB_CONNECTION:
        "postgres://graasp:p%40ss%2Fword@db.example:5432/graasp?application_name=migrate&sslmode=no-verify",
    });
    expect(secretPayload(SERVICE_CATALOG.admin, inputs).DATABASE_URL).to.equal(
      "ecto://graasp:p%40ss%2Fword@db.example:5432/graasp?application_name=admin",
    );
    expect(secretPayload(SERVICE_CATALOG.admin, inputs).SENTRY_DSN).to.equal(
      APP_SETTINGS.ADMIN_SENTRY_DSN,
    );
    expect(Object.keys(secretPayload(SERVICE_CATALOG.core, inputs))).to.have.length(18);
    expect(secretPayload(SERVICE_CATALOG.workers, inputs)).to.deep.include({
      S3_FILE_ITEM_ACCESS_KEY_ID: "AKIAEXAMPLE",
      S3_FILE_ITEM_SECRET_ACCESS_KEY: "s3-secret-example",
      H5P_CONTENT_ACCESS_KEY_ID: "AKIAEXAMPLE",
      H5P_CONTENT_SECRET_ACCESS_KEY_ID: "s3-secret-example",
    });
    expect(
      databaseUrl(
        {
          scheme: "postgres",
          login: "master",
          database: "d",
          applicationName: "a",
          tlsQuery: "sslmode=no-verify",
        },
        inputs,
      ),
    ).to.equal(
      "postgres://graasp:p%40ss%2Fword@db.example:5432/d?application_name=a&sslmode=no-verify",
    );
  });
});

describe("IAM policies", () => {
  it("execution role: ECR login, pulls from the registry account, own logs and task secrets only", () => {
    expect(
      executionRolePolicy({
        region: "eu-central-2",
        accountId: "123456789012",
        registryAccountId: "111111111111",
        logGroupPattern: "/graasp/staging/*",
        secretPattern: "graasp/staging/tasks/*",
      }),
    ).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
          ],
          Resource: "arn:aws:ecr:*:111111111111:repository/*",
        },
        {
          Sid: "WriteLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: "arn:aws:logs:eu-central-2:123456789012:log-group:/graasp/staging/*:*",
        },
        {
          Sid: "ReadAppSecrets",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource:
            "arn:aws:secretsmanager:eu-central-2:123456789012:secret:graasp/staging/tasks/*",
        },
      ],
    });
  });

  it("task roles: buckets through the role, ECS Exec and email only where asked, nothing otherwise", () => {
    expect(taskRolePolicy({ bucketNames: [], ecsExec: false, sendEmail: false })).to.equal(
      undefined,
    );
    const admin = taskRolePolicy({
      bucketNames: ["graasp-staging-file-items", "graasp-staging-h5p"],
      ecsExec: true,
      sendEmail: true,
    })!;
    expect(admin.Statement.map((statement) => statement.Sid)).to.deep.equal([
      "ListBuckets",
      "ReadWriteObjects",
      "EcsExec",
      "SendEmail",
    ]);
    expect(admin.Statement[1]).to.deep.equal({
      Sid: "ReadWriteObjects",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: ["arn:aws:s3:::graasp-staging-file-items/*", "arn:aws:s3:::graasp-staging-h5p/*"],
    });
  });
});
