/**
 * The service catalog: one entry per Graasp workload, as data. `GraaspService` is generic over
 * an entry, so adding a service is adding an entry here. Environment values are templates
 * (`{domain}`, `{setting:GRAASPER_ID}`, ...) expanded by `containers.ts`; names follow the
 * variables Graasp's images already read, so the images run unchanged.
 */
import { ApplicationName } from "./appRequirements";
import { ServiceTier } from "./deploymentStates";

export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const SECRET_KEYS = [
  "JWT_SECRET",
  "SECURE_SESSION_SECRET_KEY",
  "PASSWORD_RESET_JWT_SECRET",
  "EMAIL_CHANGE_JWT_SECRET",
  "APPS_JWT_SECRET",
  "ADMIN_SHARED_SECRET",
  "MAILER_CONNECTION",
  "MEILISEARCH_MASTER_KEY",
  "MEILISEARCH_REBUILD_SECRET",
  "OPENAI_API_KEY",
  "RECAPTCHA_SECRET_KEY",
  "GEOLOCATION_API_KEY",
  "ETHERPAD_API_KEY",
  "ETHERPAD_DB_PASSWORD",
  "UMAMI_DB_PASSWORD",
  "UMAMI_JWT_SECRET",
  "ADMIN_SECRET_KEY_BASE",
  "ADMIN_RELEASE_COOKIE",
  "UMAMI_USERNAME",
  "UMAMI_PASSWORD",
  "UMAMI_WEBSITE_ID",
  "CHATBOT_APP_KEY",
  // Docker Hub account of the ECR pull-through cache (imageCache.ts): no anonymous pulls.
  "DOCKER_HUB_USERNAME",
  "DOCKER_HUB_ACCESS_TOKEN",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
/**
 * Secrets a stack may leave out: without the Docker Hub account there is no pull-through
 * cache, and every image must then come from elsewhere (`graasp:images`).
 */
export const OPTIONAL_SECRET_KEYS: readonly SecretKey[] = [
  "DOCKER_HUB_USERNAME",
  "DOCKER_HUB_ACCESS_TOKEN",
];

export const APP_SETTING_KEYS = [
  "GRAASPER_ID",
  "APPS_PUBLISHER_ID",
  "OPENAI_ORG_ID",
  "SENTRY_DSN",
  "ADMIN_SENTRY_DSN",
  "RECAPTCHA_SITE_KEY",
  "SENTRY_ENV",
  "MAILER_CONFIG_FROM_EMAIL",
] as const;
export type AppSettingKey = (typeof APP_SETTING_KEYS)[number];
/**
 * Settings with a default when the stack file leaves them out (`{domain}` and `{environment}`
 * expanded by config.ts); the stack files set today's values (`dev`/`prod`, the senders).
 */
export const APP_SETTING_DEFAULTS: Readonly<Partial<Record<AppSettingKey, string>>> = {
  SENTRY_ENV: "{environment}",
  MAILER_CONFIG_FROM_EMAIL: "noreply@{domain}",
};
/** Settings the platform cannot work without; the others may be left empty. */
export const REQUIRED_APP_SETTINGS: readonly AppSettingKey[] = ["GRAASPER_ID", "APPS_PUBLISHER_ID"];

export const SERVICE_NAMES = [
  "core",
  "workers",
  "library",
  "etherpad",
  "umami",
  "admin",
  "meilisearch",
  "iframely",
  "redis",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export type TaskName = ServiceName | "migrate" | "db-setup" | "toolbox";

export type SpotPreference = "none" | "only" | "upscale";
export const SPOT_PREFERENCES: readonly SpotPreference[] = ["none", "only", "upscale"];
export type CpuArchitecture = "ARM64" | "X86_64";

/**
 * Where an image is released and its default tag (`{appVersion}` = `graasp:appVersion`).
 * `graasp`: a repository of `graasp:containerRegistry`; `dockerHub`: official images (no `/`)
 * through their ECR Public mirror, others through the ECR pull-through cache; `ghcr`: GitHub's
 * registry. `graasp:images.<container>` replaces the tag or the whole reference.
 */
export interface ImageSource {
  readonly registry: "graasp" | "dockerHub" | "ghcr";
  readonly repository: string;
  readonly tag: string;
}

/** What a database client can do with TLS: verify the server (CA bundle), encrypt only, nothing. */
export type TlsCapability = "verify" | "encrypt" | "none";

export interface DatabaseClientTls {
  readonly capability: TlsCapability;
  /** How the client is told (or why it cannot), and for `none` the change that lifts it. */
  readonly note: string;
}

/** A database URL built from credentials; the password never leaves Secrets Manager. */
export interface DatabaseUrlSpec {
  readonly scheme: "postgres" | "postgresql" | "ecto";
  /** `master`: the generated master credentials; otherwise a user whose password is a secret. */
  readonly login: "master" | { readonly user: string; readonly passwordSecret: SecretKey };
  readonly database: string;
  readonly applicationName: string;
  /** TLS option for the client library, matching the task's `databaseTls`; `""` for none. */
  readonly tlsQuery: string;
}

export type SecretSource =
  | { readonly secret: SecretKey }
  | { readonly setting: AppSettingKey }
  | { readonly databaseUrl: DatabaseUrlSpec }
  /** The stack's S3 access key (`s3Access.ts`), created by the program. */
  | { readonly s3Credential: "accessKeyId" | "secretAccessKey" }
  /** The generated master password alone, for PostgreSQL clients (`PGPASSWORD`). */
  | { readonly masterPassword: true }
  /**
   * A user's password as the SCRAM-SHA-256 verifier PostgreSQL stores (`scram.ts`), for the
   * setup run: it sets the password without ever holding it, so no failed statement can log it.
   */
  | { readonly scramVerifier: { readonly user: string; readonly passwordSecret: SecretKey } };

/**
 * A database of its own on the shared instance, owned by a user of the same purpose. The setup
 * run creates each one the catalog declares (`ownDatabase`) and sets its user's password.
 */
export interface ApplicationDatabase {
  readonly database: string;
  readonly user: string;
  readonly passwordSecret: SecretKey;
}

export const ETHERPAD_DATABASE: ApplicationDatabase = {
  database: "etherpad",
  user: "etherpad",
  passwordSecret: "ETHERPAD_DB_PASSWORD",
};
export const UMAMI_DATABASE: ApplicationDatabase = {
  database: "umami",
  user: "umami",
  passwordSecret: "UMAMI_DB_PASSWORD",
};

export interface ContainerHealthCheck {
  readonly command: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

export interface ContainerSpec {
  readonly name: string;
  /** The Graasp application it runs, whose requirements (appRequirements.ts) it must meet. */
  readonly application?: ApplicationName;
  readonly image: ImageSource;
  /** TCP port the container listens on, if others reach it. */
  readonly port?: number;
  readonly essential: boolean;
  /** Plain variables (templates). Anything secret-looking belongs in `secrets`. */
  readonly environment: Readonly<Record<string, string>>;
  /** Variables injected by ECS from the service's own Secrets Manager secret. */
  readonly secrets: Readonly<Record<string, SecretSource>>;
  readonly healthCheck?: ContainerHealthCheck;
  /** Replaces the image's command; never holds a secret (it shows in `ps` and the console). */
  readonly command?: readonly string[];
}

export interface PublicRoute {
  /** Sub-domain label, or `""` for the apex. */
  readonly host: string;
  readonly path?: string;
  readonly priority: number;
  /** ALB URL rewrite applied before forwarding. */
  readonly rewrite?: { readonly regex: string; readonly replace: string };
}

export type ServiceRouting =
  | {
      readonly kind: "public";
      readonly healthCheckPath: string;
      readonly routes: readonly PublicRoute[];
      /** Service Connect name other tasks may reach it by, besides the load balancer. */
      readonly serviceConnectAlias?: string;
    }
  | { readonly kind: "internal"; readonly alias: string; readonly clients: readonly TaskName[] }
  | { readonly kind: "none" };

export interface ServiceSize {
  readonly cpu: number;
  readonly memory: number;
  readonly desiredCount: number;
  readonly maxCount: number;
  readonly spot: SpotPreference;
}

export interface AutoscalingPolicy {
  readonly metric: "cpu" | "memory";
  readonly targetPercent: number;
  readonly scaleInCooldownSeconds: number;
  readonly scaleOutCooldownSeconds: number;
}

export interface TaskPermissions {
  /** Read, write and delete in the file-items and h5p buckets. */
  readonly buckets: boolean;
  /** `aws ecs execute-command` into the containers. */
  readonly ecsExec: boolean;
  readonly sendEmail: boolean;
}

/** What every task definition needs: services and the one-off migrate task. */
export interface TaskEntry {
  readonly name: TaskName;
  readonly architecture: CpuArchitecture;
  /** The first container is the main one (port, load balancer, Service Connect). */
  readonly containers: readonly ContainerSpec[];
  readonly usesDatabase: boolean;
  /** How its database client handles TLS; set exactly when `usesDatabase`. */
  readonly databaseTls?: DatabaseClientTls;
  /** Its own database and user on the instance, created by the setup run. */
  readonly ownDatabase?: ApplicationDatabase;
  readonly permissions: TaskPermissions;
  readonly sizes: Readonly<Record<Environment, Pick<ServiceSize, "cpu" | "memory">>>;
}

export interface ServiceEntry extends TaskEntry {
  readonly name: ServiceName;
  readonly tier: ServiceTier;
  readonly routing: ServiceRouting;
  readonly sizes: Readonly<Record<Environment, ServiceSize>>;
  readonly autoscaling?: AutoscalingPolicy;
}

const NO_PERMISSIONS: TaskPermissions = { buckets: false, ecsExec: false, sendEmail: false };
const DATABASE_TLS = "sslmode=no-verify";

function graaspImage(repository: string, tag: string): ImageSource {
  return { registry: "graasp", repository, tag };
}

const NODE_POSTGRES_TLS: DatabaseClientTls = {
  capability: "encrypt",
  note: "node-postgres: sslmode=no-verify encrypts without verifying (the RDS CA is not in Node's store)",
};

function size(
  cpu: number,
  memory: number,
  desiredCount: number,
  spot: SpotPreference,
  maxCount = desiredCount,
): ServiceSize {
  return { cpu, memory, desiredCount, maxCount, spot };
}

/** Core and workers run the same backend image family and read the same variables. */
const BACKEND_ENVIRONMENT: Readonly<Record<string, string>> = {
  SENTRY_ENV: "{setting:SENTRY_ENV}",
  LOG_LEVEL: "info",
  H5P_FILE_STORAGE_TYPE: "s3",
  FILE_STORAGE_TYPE: "s3",
  DB_CONNECTION_POOL_SIZE: "10",
  GEOLOCATION_API_HOST: "https://api.geoapify.com/v1/geocode",
  IMAGE_CLASSIFIER_API: "http://localhost:8080/infer",
  CORS_ORIGIN_REGEX: "^https?:\\/\\/(([a-z0-9]+\\.)+)?{domainPattern}$",
  H5P_PATH_PREFIX: "h5p-content/",
  PORT: "3111",
  HOSTNAME: "0.0.0.0",
  S3_FILE_ITEM_REGION: "{region}",
  H5P_CONTENT_REGION: "{region}",
  S3_FILE_ITEM_BUCKET: "{fileItemsBucket}",
  H5P_CONTENT_BUCKET: "{h5pBucket}",
  H5P_INTEGRATION_URL: "{h5pIntegrationUrl}",
  REDIS_CONNECTION: "redis://graasp-redis:6379",
  EMBEDDED_LINK_ITEM_IFRAMELY_HREF_ORIGIN: "http://graasp-iframely:8061",
  MEILISEARCH_URL: "http://graasp-meilisearch:7700",
  COOKIE_DOMAIN: ".{domain}",
  ETHERPAD_COOKIE_DOMAIN: ".{domain}",
  PUBLIC_URL: "https://{domain}",
  CLIENT_HOST: "https://{domain}",
  LIBRARY_CLIENT_HOST: "https://library.{domain}",
  SHORT_LINK_BASE_URL: "https://go.{domain}",
  ETHERPAD_URL: "https://etherpad.{domain}",
  MAILER_CONFIG_FROM_EMAIL: "{setting:MAILER_CONFIG_FROM_EMAIL}",
  APPS_PUBLISHER_ID: "{setting:APPS_PUBLISHER_ID}",
  GRAASPER_CREATOR_ID: "{setting:GRAASPER_ID}",
  OPENAI_ORG_ID: "{setting:OPENAI_ORG_ID}",
};

function backendSecrets(applicationName: string): Readonly<Record<string, SecretSource>> {
  return {
    DB_CONNECTION: {
      databaseUrl: {
        scheme: "postgres",
        login: "master",
        database: "graasp",
        applicationName,
        tlsQuery: DATABASE_TLS,
      },
    },
    SENTRY_DSN: { setting: "SENTRY_DSN" },
    MAILER_CONNECTION: { secret: "MAILER_CONNECTION" },
    ETHERPAD_API_KEY: { secret: "ETHERPAD_API_KEY" },
    GEOLOCATION_API_KEY: { secret: "GEOLOCATION_API_KEY" },
    MEILISEARCH_REBUILD_SECRET: { secret: "MEILISEARCH_REBUILD_SECRET" },
    MEILISEARCH_MASTER_KEY: { secret: "MEILISEARCH_MASTER_KEY" },
    RECAPTCHA_SECRET_ACCESS_KEY: { secret: "RECAPTCHA_SECRET_KEY" },
    OPENAI_API_KEY: { secret: "OPENAI_API_KEY" },
    JWT_SECRET: { secret: "JWT_SECRET" },
    SECURE_SESSION_SECRET_KEY: { secret: "SECURE_SESSION_SECRET_KEY" },
    PASSWORD_RESET_JWT_SECRET: { secret: "PASSWORD_RESET_JWT_SECRET" },
    EMAIL_CHANGE_JWT_SECRET: { secret: "EMAIL_CHANGE_JWT_SECRET" },
    APPS_JWT_SECRET: { secret: "APPS_JWT_SECRET" },
    // v2.13.7 builds its S3 clients only from these keys (its task role is not used).
    S3_FILE_ITEM_ACCESS_KEY_ID: { s3Credential: "accessKeyId" },
    S3_FILE_ITEM_SECRET_ACCESS_KEY: { s3Credential: "secretAccessKey" },
    H5P_CONTENT_ACCESS_KEY_ID: { s3Credential: "accessKeyId" },
    H5P_CONTENT_SECRET_ACCESS_KEY_ID: { s3Credential: "secretAccessKey" },
  };
}

const BACKEND_SCALING: AutoscalingPolicy = {
  metric: "cpu",
  targetPercent: 70,
  scaleInCooldownSeconds: 30,
  scaleOutCooldownSeconds: 300,
};

export const SERVICE_CATALOG: Readonly<Record<ServiceName, ServiceEntry>> = {
  core: {
    name: "core",
    tier: "core",
    architecture: "ARM64",
    usesDatabase: true,
    databaseTls: NODE_POSTGRES_TLS,
    permissions: { buckets: true, ecsExec: false, sendEmail: false },
    containers: [
      {
        name: "core",
        application: "backend",
        image: graaspImage("graasp", "core-{appVersion}"),
        port: 3111,
        essential: true,
        environment: BACKEND_ENVIRONMENT,
        secrets: backendSecrets("core"),
      },
      {
        // Image classifier reached by core on localhost:8080/infer; not exposed outside the task.
        name: "nudenet",
        // Built by hand; only `nudenet-latest` is published.
        image: graaspImage("graasp", "nudenet-latest"),
        port: 8080,
        essential: false,
        environment: {},
        secrets: {},
      },
    ],
    routing: {
      kind: "public",
      healthCheckPath: "/health",
      routes: [
        { host: "api", path: "/api/*", priority: 1 },
        // Legacy clients call the API without the /api prefix.
        { host: "api", priority: 2, rewrite: { regex: "^/(.*)$", replace: "/api/$1" } },
        { host: "", path: "/api/*", priority: 7 },
      ],
    },
    sizes: {
      staging: size(1024, 2048, 1, "only", 8),
      production: size(1024, 2048, 2, "upscale", 8),
    },
    autoscaling: BACKEND_SCALING,
  },
  workers: {
    name: "workers",
    tier: "core",
    architecture: "ARM64",
    usesDatabase: true,
    databaseTls: NODE_POSTGRES_TLS,
    permissions: { buckets: true, ecsExec: false, sendEmail: false },
    containers: [
      {
        name: "workers",
        application: "backend",
        image: graaspImage("graasp", "workers-{appVersion}"),
        essential: true,
        environment: BACKEND_ENVIRONMENT,
        secrets: backendSecrets("workers"),
      },
    ],
    routing: { kind: "none" },
    sizes: {
      staging: size(256, 512, 1, "only", 8),
      production: size(256, 512, 1, "upscale", 8),
    },
    autoscaling: { ...BACKEND_SCALING, scaleOutCooldownSeconds: 30 },
  },
  library: {
    name: "library",
    tier: "core",
    architecture: "X86_64",
    usesDatabase: false,
    permissions: NO_PERMISSIONS,
    containers: [
      {
        name: "library",
        image: graaspImage("graasp/explore", "latest"),
        port: 3000,
        essential: true,
        environment: {
          VITE_API_HOST: "https://api.{domain}",
          VITE_CLIENT_HOST: "https://{domain}",
          VITE_HOST: "https://library.{domain}",
        },
        secrets: {},
      },
    ],
    routing: {
      kind: "public",
      healthCheckPath: "/api/status",
      routes: [{ host: "library", priority: 30 }],
    },
    sizes: {
      staging: size(256, 512, 1, "upscale", 8),
      production: size(256, 512, 1, "upscale", 8),
    },
    autoscaling: {
      metric: "memory",
      targetPercent: 80,
      scaleInCooldownSeconds: 10,
      scaleOutCooldownSeconds: 300,
    },
  },
  etherpad: {
    name: "etherpad",
    tier: "core",
    architecture: "X86_64",
    usesDatabase: true,
    databaseTls: { capability: "encrypt", note: "node-postgres reads PGSSLMODE=no-verify" },
    ownDatabase: ETHERPAD_DATABASE,
    permissions: NO_PERMISSIONS,
    containers: [
      {
        name: "etherpad",
        image: graaspImage("graasp/etherpad", "latest"),
        port: 9001,
        essential: true,
        environment: {
          DB_TYPE: "postgres",
          DB_HOST: "{databaseHost}",
          DB_PORT: "{databasePort}",
          DB_NAME: ETHERPAD_DATABASE.database,
          DB_USER: ETHERPAD_DATABASE.user,
          // node-postgres reads it: the database refuses connections without TLS.
          PGSSLMODE: "no-verify",
          EDIT_ONLY: "true",
          PORT: "9001",
          MINIFY: "false",
        },
        secrets: { DB_PASS: { secret: ETHERPAD_DATABASE.passwordSecret } },
      },
    ],
    routing: {
      kind: "public",
      healthCheckPath: "/",
      routes: [{ host: "etherpad", priority: 4 }],
    },
    sizes: {
      staging: size(256, 512, 1, "only"),
      production: size(256, 512, 1, "none"),
    },
  },
  umami: {
    name: "umami",
    tier: "administration",
    architecture: "X86_64",
    usesDatabase: true,
    databaseTls: {
      capability: "encrypt",
      note: "Prisma: sslmode=require encrypts without verifying (sslaccept defaults to accept_invalid_certs)",
    },
    ownDatabase: UMAMI_DATABASE,
    permissions: NO_PERMISSIONS,
    containers: [
      {
        name: "umami",
        // Never older than production's `postgresql-latest`, frozen at the last v2 build.
        image: { registry: "ghcr", repository: "umami-software/umami", tag: "postgresql-v2.20.1" },
        port: 3000,
        essential: true,
        environment: { DISABLE_TELEMETRY: "1", HOSTNAME: "0.0.0.0" },
        secrets: {
          DATABASE_URL: {
            databaseUrl: {
              scheme: "postgresql",
              login: { user: UMAMI_DATABASE.user, passwordSecret: UMAMI_DATABASE.passwordSecret },
              database: UMAMI_DATABASE.database,
              applicationName: "umami",
              tlsQuery: "sslmode=require",
            },
          },
          APP_SECRET: { secret: "UMAMI_JWT_SECRET" },
        },
      },
    ],
    routing: {
      kind: "public",
      healthCheckPath: "/api/heartbeat",
      routes: [{ host: "umami", priority: 5 }],
      serviceConnectAlias: "umami",
    },
    sizes: {
      staging: size(256, 512, 1, "only"),
      production: size(256, 512, 1, "none"),
    },
  },
  admin: {
    name: "admin",
    tier: "administration",
    architecture: "ARM64",
    usesDatabase: true,
    databaseTls: {
      capability: "none",
      note:
        "Postgrex 0.22 with ssl=true verifies against the OS store, which lacks the Amazon RDS CA, " +
        "so admin connects without TLS. Lifted when the admin image ships the RDS CA bundle and " +
        "passes it as ssl: [cacertfile: ...] (then `verify`), or sets ssl: [verify: :verify_none] (then `encrypt`)",
    },
    permissions: { buckets: true, ecsExec: true, sendEmail: true },
    containers: [
      {
        name: "admin",
        application: "admin",
        image: graaspImage("graasp/admin", "latest"),
        port: 4000,
        essential: true,
        environment: {
          PHX_HOST: "{domain}",
          FILE_ITEMS_BUCKET_NAME: "{fileItemsBucket}",
          H5P_CONTENT_BUCKET_NAME: "{h5pBucket}",
          AWS_REGION: "{region}",
        },
        secrets: {
          DATABASE_URL: {
            databaseUrl: {
              scheme: "ecto",
              login: "master",
              database: "graasp",
              applicationName: "admin",
              tlsQuery: "",
            },
          },
          SECRET_KEY_BASE: { secret: "ADMIN_SECRET_KEY_BASE" },
          RELEASE_COOKIE: { secret: "ADMIN_RELEASE_COOKIE" },
          MEILISEARCH_REBUILD_SECRET: { secret: "MEILISEARCH_REBUILD_SECRET" },
          UMAMI_USERNAME: { secret: "UMAMI_USERNAME" },
          UMAMI_PASSWORD: { secret: "UMAMI_PASSWORD" },
          UMAMI_WEBSITE_ID: { secret: "UMAMI_WEBSITE_ID" },
          RECAPTCHA_SITE_KEY: { setting: "RECAPTCHA_SITE_KEY" },
          SENTRY_DSN: { setting: "ADMIN_SENTRY_DSN" },
          ADMIN_SHARED_SECRET: { secret: "ADMIN_SHARED_SECRET" },
          GRAASP_APPS_JWT_SECRET: { secret: "APPS_JWT_SECRET" },
          GRAASP_APP_KEY: { secret: "CHATBOT_APP_KEY" },
          OPENAI_API_KEY: { secret: "OPENAI_API_KEY" },
        },
        healthCheck: {
          command: ["CMD-SHELL", "curl -fs 'http://localhost:4000/up?aws=true' || exit 1"],
          intervalSeconds: 60,
          timeoutSeconds: 10,
          retries: 3,
          startPeriodSeconds: 60,
        },
      },
    ],
    routing: {
      kind: "public",
      healthCheckPath: "/up",
      routes: [{ host: "", priority: 10 }],
      serviceConnectAlias: "admin",
    },
    sizes: {
      staging: size(256, 512, 1, "none"),
      production: size(512, 1024, 1, "upscale"),
    },
  },
  meilisearch: {
    name: "meilisearch",
    tier: "core",
    architecture: "X86_64",
    usesDatabase: false,
    permissions: NO_PERMISSIONS,
    containers: [
      {
        name: "meilisearch",
        image: { registry: "dockerHub", repository: "getmeili/meilisearch", tag: "v1.8" },
        port: 7700,
        essential: true,
        environment: {
          MEILI_ENV: "production",
          MEILI_NO_ANALYTICS: "true",
          MEILI_EXPERIMENTAL_LOGS_MODE: "json",
        },
        secrets: { MEILI_MASTER_KEY: { secret: "MEILISEARCH_MASTER_KEY" } },
      },
    ],
    routing: { kind: "internal", alias: "graasp-meilisearch", clients: ["core", "workers"] },
    sizes: {
      staging: size(256, 1024, 1, "none"),
      production: size(256, 1024, 1, "none"),
    },
  },
  iframely: {
    name: "iframely",
    tier: "core",
    architecture: "X86_64",
    usesDatabase: false,
    permissions: NO_PERMISSIONS,
    containers: [
      {
        name: "iframely",
        // Only `latest` is published.
        image: { registry: "dockerHub", repository: "graasp/iframely", tag: "latest" },
        port: 8061,
        essential: true,
        environment: { NODE_ENV: "production" },
        secrets: {},
      },
    ],
    routing: { kind: "internal", alias: "graasp-iframely", clients: ["core"] },
    sizes: {
      staging: size(256, 512, 1, "only"),
      production: size(256, 512, 1, "none"),
    },
  },
  redis: {
    name: "redis",
    tier: "core",
    architecture: "X86_64",
    usesDatabase: false,
    permissions: NO_PERMISSIONS,
    containers: [
      {
        name: "redis",
        image: { registry: "dockerHub", repository: "redis", tag: "7.4.2-alpine" },
        port: 6379,
        essential: true,
        environment: {},
        secrets: {},
        healthCheck: {
          command: ["CMD", "redis-cli", "ping"],
          intervalSeconds: 30,
          timeoutSeconds: 5,
          retries: 3,
          startPeriodSeconds: 10,
        },
      },
    ],
    routing: { kind: "internal", alias: "graasp-redis", clients: ["core", "workers"] },
    sizes: {
      staging: size(256, 512, 1, "none"),
      production: size(256, 512, 1, "none"),
    },
  },
};

/** The database migration: a task definition run once by `MigrationRun`, never a service. */
export const MIGRATE_TASK: TaskEntry = {
  name: "migrate",
  architecture: "ARM64",
  usesDatabase: true,
  databaseTls: NODE_POSTGRES_TLS,
  permissions: NO_PERMISSIONS,
  containers: [
    {
      name: "migrate",
      application: "migrate",
      image: graaspImage("graasp", "migrate-{appVersion}"),
      essential: true,
      environment: {},
      secrets: { DB_CONNECTION: backendSecrets("migrate").DB_CONNECTION },
    },
  ],
  sizes: { staging: { cpu: 256, memory: 512 }, production: { cpu: 256, memory: 512 } },
};

/** Listener rules that belong to no service. Service routes carry their own priorities. */
export const SHARED_RULE_PRIORITIES = {
  /** 503 JSON for the API host, after core's gated rules (1, 2). */
  maintenanceApi: 3,
  /** 503 JSON for apex `/api/*`, after core's gated apex rule (7), before admin on the apex. */
  maintenanceApexApi: 8,
  /** 503 HTML for every other host of the domain: the last rule before the default 404. */
  maintenancePage: 1000,
} as const;

export interface RedirectEntry {
  readonly host: string;
  readonly priority: number;
  /** Target host label (`""` = apex) and path; ALB placeholders `#{path}`/`#{query}` allowed. */
  readonly targetHost: string;
  readonly targetPath: string;
  readonly statusCode: "HTTP_301" | "HTTP_302";
}

/** Former sub-sites that now live under the apex, and the short-link host. */
export const REDIRECTS: readonly RedirectEntry[] = [
  {
    host: "go",
    priority: 50,
    targetHost: "api",
    targetPath: "/items/short-links/#{path}",
    statusCode: "HTTP_302",
  },
  {
    host: "account",
    priority: 51,
    targetHost: "",
    targetPath: "/account/#{path}",
    statusCode: "HTTP_301",
  },
  {
    host: "auth",
    priority: 52,
    targetHost: "",
    targetPath: "/auth/#{path}",
    statusCode: "HTTP_301",
  },
  {
    host: "player",
    priority: 53,
    targetHost: "",
    targetPath: "/player/#{path}",
    statusCode: "HTTP_301",
  },
  {
    host: "builder",
    priority: 54,
    targetHost: "",
    targetPath: "/builder/#{path}",
    statusCode: "HTTP_301",
  },
  {
    host: "analytics",
    priority: 55,
    targetHost: "",
    targetPath: "/analytics/#{path}",
    statusCode: "HTTP_301",
  },
  {
    host: "association",
    priority: 56,
    targetHost: "",
    targetPath: "/about-us",
    statusCode: "HTTP_301",
  },
  {
    // Admin moved to the apex; its former host keeps answering (and has DNS records).
    host: "admin",
    priority: 57,
    targetHost: "",
    targetPath: "/#{path}",
    statusCode: "HTTP_301",
  },
];

/** `host` label relative to the domain (`""` = apex) → fully qualified host name. */
export function qualifiedHost(label: string, domain: string): string {
  return label === "" ? domain : `${label}.${domain}`;
}

/** Entries whose tasks open connections to the database, derived from the catalog. */
export function databaseClients(): TaskName[] {
  const tasks: TaskEntry[] = [...Object.values(SERVICE_CATALOG), MIGRATE_TASK];
  return tasks.filter((task) => task.usesDatabase).map((task) => task.name);
}

/**
 * Variable names that look like they carry a credential: such a variable must come from
 * `secrets`, never `environment`. Names ending in `_DOMAIN` only name a cookie scope.
 */
export function looksLikeSecretName(name: string): boolean {
  if (/_DOMAIN$/.test(name)) return false;
  const words = name.toUpperCase().split("_");
  const secretWords = [
    "SECRET",
    "PASSWORD",
    "PASS",
    "TOKEN",
    "KEY",
    "COOKIE",
    "DSN",
    "CREDENTIALS",
  ];
  return (
    words.some((word) => secretWords.includes(word)) ||
    name === "DATABASE_URL" ||
    name === "DB_CONNECTION"
  );
}

/** The `graasp:secrets` keys a task's containers are given, directly or inside a database URL. */
export function secretKeysOf(task: TaskEntry): SecretKey[] {
  const keys = task.containers
    .flatMap((container) => Object.values(container.secrets))
    .flatMap((source): SecretKey[] => {
      if ("secret" in source) return [source.secret];
      if ("databaseUrl" in source && source.databaseUrl.login !== "master")
        return [source.databaseUrl.login.passwordSecret];
      return [];
    });
  return [...new Set(keys)].sort();
}

/** Every container of every task, services first, then the migration. */
export const ALL_CONTAINERS: readonly ContainerSpec[] = [
  ...SERVICE_NAMES.flatMap((name) => SERVICE_CATALOG[name].containers),
  ...MIGRATE_TASK.containers,
];
