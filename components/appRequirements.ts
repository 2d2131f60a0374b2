/**
 * The project's own copy of what Graasp's applications require at start-up, read from their
 * sources (not from any infrastructure), with the file and line that throws without each
 * variable. A new application release is one change here; the contract test then fails until
 * the catalog gives every container what its application requires.
 */

export const APPLICATION_NAMES = ["backend", "migrate", "admin"] as const;
export type ApplicationName = (typeof APPLICATION_NAMES)[number];

/** Variables required only when the container's own environment has these values. */
export interface ConditionalRequirement {
  readonly when: Readonly<Record<string, string>>;
  readonly variables: Readonly<Record<string, string>>;
}

export interface ApplicationRequirements {
  /** Repository and commit the requirements were read from. */
  readonly source: string;
  /** Variable → the source line that needs it. */
  readonly required: Readonly<Record<string, string>>;
  readonly requiredIf: readonly ConditionalRequirement[];
  /** Every variable the application reads; anything else given to it is noise. */
  readonly reads: readonly string[];
  /** Variables given although this release does not read them: later releases do. */
  readonly anticipated: readonly string[];
}

const BACKEND_SOURCE = "graasp/graasp@7d087415c3ec (release v2.13.7)";

export const APPLICATION_REQUIREMENTS: Readonly<Record<ApplicationName, ApplicationRequirements>> =
  {
    backend: {
      source: BACKEND_SOURCE,
      required: {
        COOKIE_DOMAIN: "src/utils/config.ts:43-44 throws 'COOKIE_DOMAIN is undefined'",
        H5P_PATH_PREFIX: "src/utils/config.ts:134 throws 'Invalid H5P path prefix'",
        H5P_FILE_STORAGE_TYPE: "src/utils/config.ts:141-146 must be s3 or local, else throws",
        REDIS_CONNECTION: "src/config/redis.ts:6 requiredEnvVar",
        MAILER_CONNECTION: "src/config/mailer.ts:6 requiredEnvVar",
        SECURE_SESSION_SECRET_KEY: "src/config/secrets.ts:10 requiredEnvVar",
        JWT_SECRET: "src/config/secrets.ts:17 requiredEnvVar",
        PASSWORD_RESET_JWT_SECRET: "src/config/secrets.ts:24 requiredEnvVar",
        EMAIL_CHANGE_JWT_SECRET: "src/config/secrets.ts:29 requiredEnvVar",
        APPS_JWT_SECRET: "src/config/secrets.ts:34 requiredEnvVar",
        ETHERPAD_URL: "src/utils/config.ts:186 validateEnv(UrlValidator)",
        ETHERPAD_API_KEY: "src/utils/config.ts:188 validateEnv(RegexValidator)",
        EMBEDDED_LINK_ITEM_IFRAMELY_HREF_ORIGIN: "src/utils/config.ts:191 requiredEnvVar",
        APPS_PUBLISHER_ID: "src/utils/config.ts:206 requiredEnvVar",
        GRAASPER_CREATOR_ID: "src/utils/config.ts:207 requiredEnvVar",
        RECAPTCHA_SECRET_ACCESS_KEY: "src/utils/config.ts:211 requiredEnvVar",
        DB_CONNECTION: "src/drizzle/db.ts:10 Pool connectionString (no database without it)",
      },
      requiredIf: [
        {
          when: { FILE_STORAGE_TYPE: "s3" },
          variables: {
            S3_FILE_ITEM_REGION: "src/utils/config.ts:106",
            S3_FILE_ITEM_BUCKET: "src/utils/config.ts:109",
            S3_FILE_ITEM_ACCESS_KEY_ID:
              "src/utils/config.ts:112-113 throws 'Missing s3 \"access key\" config for file plugin'",
            S3_FILE_ITEM_SECRET_ACCESS_KEY:
              "src/utils/config.ts:115-116 throws 'Missing s3 \"secret access key\"'",
          },
        },
        {
          when: { H5P_FILE_STORAGE_TYPE: "s3" },
          variables: {
            H5P_CONTENT_REGION: "src/utils/config.ts:150-157",
            H5P_CONTENT_BUCKET: "src/utils/config.ts:150-157",
            H5P_CONTENT_ACCESS_KEY_ID:
              "src/utils/config.ts:150-157 throws 'H5P S3 configuration missing'",
            H5P_CONTENT_SECRET_ACCESS_KEY_ID:
              "src/utils/config.ts:150-157 throws 'H5P S3 configuration missing'",
          },
        },
      ],
      reads: [
        ...["APPS_JWT_SECRET", "APPS_PUBLISHER_ID", "APP_VERSION", "AUTO_RUN_MIGRATIONS"],
        ...["BUILD_TIMESTAMP", "CLIENT_HOST", "COOKIE_DOMAIN", "CORS_ORIGIN_REGEX"],
        ...["DATABASE_LOGS", "DB_CONNECTION", "DB_CONNECTION_POOL_SIZE"],
        ...["DB_READ_REPLICA_CONNECTIONS", "EMAIL_CHANGE_JWT_SECRET"],
        ...["EMBEDDED_LINK_ITEM_IFRAMELY_HREF_ORIGIN", "ETHERPAD_API_KEY"],
        ...["ETHERPAD_COOKIE_DOMAIN", "ETHERPAD_PUBLIC_URL", "ETHERPAD_URL"],
        ...["FILE_STORAGE_HOST", "FILE_STORAGE_ROOT_PATH", "FILE_STORAGE_TYPE"],
        ...["GEOLOCATION_API_HOST", "GEOLOCATION_API_KEY", "GRAASPER_CREATOR_ID"],
        ...["H5P_CONTENT_ACCESS_KEY_ID", "H5P_CONTENT_BUCKET", "H5P_CONTENT_REGION"],
        ...["H5P_CONTENT_SECRET_ACCESS_KEY_ID", "H5P_FILE_STORAGE_HOST", "H5P_FILE_STORAGE_TYPE"],
        ...["H5P_INTEGRATION_URL", "H5P_PATH_PREFIX", "H5P_STORAGE_ROOT_PATH", "HOSTNAME"],
        ...["HOST_LISTEN_ADDRESS", "IMAGE_CLASSIFIER_API", "JWT_SECRET", "LIBRARY_CLIENT_HOST"],
        ...["LOG_LEVEL", "MAILER_CONFIG_FROM_EMAIL", "MAILER_CONNECTION", "MAILER_USE_SSL"],
        ...["MEILISEARCH_MASTER_KEY", "MEILISEARCH_REBUILD_SECRET"],
        ...["MEILISEARCH_STORE_LEGACY_PDF_CONTENT", "MEILISEARCH_URL", "NODE_ENV"],
        ...["OPENAI_API_KEY", "OPENAI_GPT_VERSION", "OPENAI_ORG_ID", "PASSWORD_RESET_JWT_SECRET"],
        ...["PORT", "PROTOCOL", "PUBLIC_URL", "RECAPTCHA_SECRET_ACCESS_KEY", "REDIS_CONNECTION"],
        ...["S3_FILE_ITEM_ACCESS_KEY_ID", "S3_FILE_ITEM_BUCKET", "S3_FILE_ITEM_HOST"],
        ...["S3_FILE_ITEM_REGION", "S3_FILE_ITEM_SECRET_ACCESS_KEY", "SECURE_SESSION_SECRET_KEY"],
        ...["SENTRY_DSN", "SENTRY_ENABLE_PERFORMANCE", "SENTRY_ENABLE_PROFILING", "SENTRY_ENV"],
        ...["SENTRY_PROFILES_SAMPLE_RATE", "SENTRY_TRACES_SAMPLE_RATE", "SHORT_LINK_BASE_URL"],
        "TMPDIR",
      ],
      anticipated: [],
    },
    migrate: {
      source: `${BACKEND_SOURCE} docker/migrate.Dockerfile + drizzle.config.ts`,
      required: { DB_CONNECTION: "drizzle.config.ts dbCredentials.url (drizzle-kit migrate)" },
      requiredIf: [],
      reads: ["DB_CONNECTION", "DATABASE_LOGS"],
      anticipated: [],
    },
    admin: {
      source: "graasp/admin@45a9d3ab1a9d config/runtime.exs",
      required: {
        DATABASE_URL: "config/runtime.exs raises 'environment variable DATABASE_URL is missing'",
        SECRET_KEY_BASE:
          "config/runtime.exs raises 'environment variable SECRET_KEY_BASE is missing'",
      },
      requiredIf: [],
      reads: [
        ...["AWS_REGION", "AWS_S3_HOST", "AWS_S3_PORT", "AWS_S3_SCHEME", "AWS_S3_USE_PATH_STYLE"],
        ...["DATABASE_URL", "DNS_CLUSTER_QUERY", "ECTO_IPV6", "FILE_ITEMS_BUCKET_NAME"],
        ...["H5P_CONTENT_BUCKET_NAME", "MAILER_CONNECTION", "MAILER_SSL"],
        ...["MEILISEARCH_REBUILD_SECRET", "PHX_HOST", "PHX_SERVER", "POOL_SIZE", "PORT"],
        ...["PROTOCOL", "PUBLIC_PORT", "RELEASE_COOKIE", "SECRET_KEY_BASE", "SENTRY_DSN"],
        ...["UMAMI_PASSWORD", "UMAMI_USERNAME", "UMAMI_WEBSITE_ID"],
      ],
      // Read by admin commits after 45a9d3a; admin is released as `latest`, so they stay.
      anticipated: [
        "ADMIN_SHARED_SECRET",
        "GRAASP_APPS_JWT_SECRET",
        "GRAASP_APP_KEY",
        "OPENAI_API_KEY",
        "RECAPTCHA_SITE_KEY",
      ],
    },
  };

/** A container as ECS receives it: plain variables and the names it gets from secrets. */
export interface DeliveredContainer {
  readonly name: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly secretNames: readonly string[];
}

/** Every variable the application needs in this container, with the line that needs it. */
export function requiredVariables(
  application: ApplicationName,
  environment: Readonly<Record<string, string>>,
): Record<string, string> {
  const requirements = APPLICATION_REQUIREMENTS[application];
  const required: Record<string, string> = { ...requirements.required };
  for (const conditional of requirements.requiredIf)
    if (Object.entries(conditional.when).every(([name, value]) => environment[name] === value))
      Object.assign(required, conditional.variables);
  return required;
}

/**
 * What is wrong with one container against its application's requirements: a required
 * variable missing, or given both in `environment` and `secrets`. Empty when it can start.
 */
export function contractProblems(
  application: ApplicationName,
  container: DeliveredContainer,
): string[] {
  const problems: string[] = [];
  const required = requiredVariables(application, container.environment);
  for (const [variable, source] of Object.entries(required))
    if (!(variable in container.environment) && !container.secretNames.includes(variable))
      problems.push(
        `container ${container.name} (${application}) lacks ${variable}, required by ${source}`,
      );
  for (const variable of container.secretNames.filter((name) => name in container.environment))
    problems.push(
      `container ${container.name} (${application}) gets ${variable} both as a plain variable and as a secret`,
    );
  return problems;
}

/** Variables a container is given that its application neither reads nor will read. */
export function unreadVariables(
  application: ApplicationName,
  container: DeliveredContainer,
): string[] {
  const { reads, anticipated } = APPLICATION_REQUIREMENTS[application];
  return [...Object.keys(container.environment), ...container.secretNames]
    .filter((name) => !reads.includes(name) && !anticipated.includes(name))
    .sort();
}
