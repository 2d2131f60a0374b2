/**
 * The only module that reads stack configuration. `loadConfig()` reads every key, validates
 * all of them and returns a frozen, typed object, or throws one `ConfigError` listing every
 * problem with its fix, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  APP_SETTING_DEFAULTS,
  APP_SETTING_KEYS,
  AppSettingKey,
  ENVIRONMENTS,
  Environment,
  OPTIONAL_SECRET_KEYS,
  REQUIRED_APP_SETTINGS,
  SECRET_KEYS,
  SERVICE_CATALOG,
  SERVICE_NAMES,
  SPOT_PREFERENCES,
  SecretKey,
  ServiceName,
  ServiceSize,
} from "./components/catalog";
import {
  DEPLOYMENT_STATES,
  DeploymentState,
  isDeploymentState,
} from "./components/deploymentStates";
import { domainProblems, stackNameProblems } from "./components/awsLimits";
import { FieldSpecs, closestKey, didYouMean, typeProblem } from "./components/configFields";
import { isValidFargateSize } from "./components/fargate";
import {
  BUCKET_PURPOSES,
  BucketNames,
  catalogRepositories,
  defaultBucketNames,
} from "./components/edge";
import {
  ACM_CERTIFICATE_PATTERN,
  bucketNameProblems,
  cdnCertificateProblems,
  hostedZoneIdProblems,
  repositoryNameProblems,
} from "./components/edgeLimits";
import { isRfc1918 } from "./components/networkLayout";
import { STATE_BUCKET_PATTERN } from "./components/ciAccessPolicies";
import { forceSslDecision, forceSslExplanation } from "./components/databaseTls";
import { imagePinProblem, imageValueProblem, resolveImage } from "./components/images";
import { dockerHubCachePrefix, ecrAccountId } from "./components/naming";
import { ALL_CONTAINERS } from "./components/catalog";

export const NAT_STRATEGIES = ["none", "single", "perAz"] as const;
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

export interface DatabaseSettings {
  readonly instanceClass: string;
  readonly storageGb: number;
  readonly maxStorageGb: number;
  readonly backupRetentionDays: number;
  readonly multiAz: boolean;
  readonly engineMajorVersion: number;
  /** Snapshot (identifier or ARN) the instance is created from; ignored once it exists. */
  readonly restoreFromSnapshot?: string;
}

export interface NetworkSettings {
  readonly cidr: string;
  readonly natStrategy: NatStrategy;
}

export type ServiceSettings = ServiceSize;

export interface TransitionSettings {
  /** Role assumed by the database-power and migration steps; unset: the ambient credentials. */
  readonly assumeRoleArn?: string;
  readonly databaseTimeoutMinutes: number;
  readonly migrationTimeoutMinutes: number;
}

export interface GithubSettings {
  /** `owner/name` of the repository whose workflows deploy this stack. */
  readonly repository: string;
  /** GitHub logins that must approve a production deployment. */
  readonly productionReviewers: readonly string[];
  /** An existing GitHub OIDC provider in the account; unset: the stack creates it. */
  readonly oidcProviderArn?: string;
  /** This account's Pulumi state bucket (DIY backend), in the stack's region. */
  readonly stateBucket: string;
}

/** Route 53 zone the stack writes its records into. */
export interface DnsSettings {
  readonly hostedZoneId: string;
}

/** Alarm thresholds (`graasp:alerts.thresholds.*`); each alarm compares one of them. */
export interface AlertThresholds {
  /** Load balancer 5xx responses, percent of its requests over 5 minutes. */
  readonly loadBalancer5xxPercent: number;
  /** A target group's 5xx responses, percent of its requests over 5 minutes. */
  readonly target5xxPercent: number;
  /** Unhealthy targets in a target group, for 5 minutes. */
  readonly unhealthyTargets: number;
  /** Minutes a service may run fewer tasks than desired. */
  readonly tasksBelowDesiredMinutes: number;
  readonly databaseCpuPercent: number;
  /** Alarm below this free storage, GiB. */
  readonly databaseFreeStorageGb: number;
  /** Alarm below this freeable memory, MiB. */
  readonly databaseFreeMemoryMb: number;
  readonly databaseConnections: number;
}

export interface AlertSettings {
  /** Addresses subscribed to the alarm topic; empty: the alarms notify nobody. */
  readonly emails: readonly string[];
  readonly thresholds: AlertThresholds;
}

export interface GraaspConfig {
  readonly stack: string;
  readonly environment: Environment;
  readonly deploymentState: DeploymentState;
  readonly region: string;
  readonly domain: string;
  readonly certificateArn: string;
  readonly containerRegistry: string;
  readonly appVersion: string;
  readonly maintenanceHeaderName: string;
  readonly maintenanceBypassToken: pulumi.Output<string>;
  readonly secrets: pulumi.Output<Readonly<Record<SecretKey, string>>>;
  readonly appSettings: Readonly<Record<AppSettingKey, string>>;
  readonly database: DatabaseSettings;
  readonly services: Readonly<Record<ServiceName, ServiceSettings>>;
  readonly network: NetworkSettings;
  readonly logRetentionDays: number;
  readonly transitions: TransitionSettings;
  readonly github?: GithubSettings;
  /** `graasp:images`: per container, a tag, a digest or a full reference replacing the default. */
  readonly images: Readonly<Record<string, string>>;
  /** `graasp:movingTags`: containers whose image may use a moving tag (a warning each). */
  readonly movingTags: readonly string[];
  /** `graasp:s3KeyGeneration`: bump to rotate the S3 access key. */
  readonly s3KeyGeneration: number;
  /** `graasp:adminHealthCheck`: admin's container health check (off in production by default). */
  readonly adminHealthCheck: boolean;
  /** Both `graasp:secrets.DOCKER_HUB_*` are set: the stack has a Docker Hub pull-through cache. */
  readonly dockerHubCache: boolean;
  /** Valid but worth a look: printed by `pulumi preview` and the offline plan. */
  readonly warnings: readonly string[];
  /** Bucket names by purpose; default today's live names. */
  readonly buckets: BucketNames;
  /** Days a replaced or deleted file-items version is kept. */
  readonly fileVersionRetentionDays: number;
  /** us-east-1 certificate for CloudFront; set: the stack serves the CloudFront sites. */
  readonly cdnCertificateArn?: string;
  /** Set: the stack writes the DNS records of every host it serves. */
  readonly dns?: DnsSettings;
  /** ECR repository names by role (last segment of the catalog's repository). */
  readonly repositories: Readonly<Record<string, string>>;
  readonly alerts: AlertSettings;
}

/** Raw values as the engine stores them: strings (objects as JSON), keyed without namespace. */
export interface RawConfig {
  readonly values: Readonly<Record<string, string | undefined>>;
  /** Keys (`graasp:x`, `aws:region`) stored encrypted. */
  readonly secretKeys: ReadonlySet<string>;
}

/**
 * Every problem of a stack's configuration. A `pulumi.RunError`, which the Pulumi runner prints
 * as its message alone (no stack trace, no object dump). `problems` name the key and the fix
 * without the stack; the message adds `-s <stack>` to every `pulumi config` command.
 */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly stackName: string,
    readonly problems: readonly string[],
  ) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(
      `Invalid configuration for stack "${stackName}" (${count}):\n` +
        problems.map((problem) => `  - ${withStackFlag(problem, stackName)}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** `pulumi config set x` → `pulumi config set -s <stack> x`, so a fix targets the right stack. */
export function withStackFlag(text: string, stack: string): string {
  return text.replace(/pulumi config (set|rm) /g, `pulumi config $1 -s ${stack} `);
}

export const DATABASE_DEFAULTS: Readonly<Record<Environment, DatabaseSettings>> = {
  staging: {
    instanceClass: "db.t4g.micro",
    storageGb: 20,
    maxStorageGb: 1000,
    backupRetentionDays: 1,
    multiAz: false,
    engineMajorVersion: 16,
  },
  production: {
    instanceClass: "db.t4g.small",
    storageGb: 20,
    maxStorageGb: 1000,
    backupRetentionDays: 7,
    multiAz: false,
    engineMajorVersion: 16,
  },
};
const DATABASE_FIELDS: FieldSpecs = {
  instanceClass: { type: "string", example: "db.<family>.<size>" },
  storageGb: { type: "integer", example: "20" },
  maxStorageGb: { type: "integer", example: "1000" },
  backupRetentionDays: { type: "integer", example: "7" },
  multiAz: { type: "boolean", example: "false" },
  engineMajorVersion: { type: "integer", example: "16" },
  restoreFromSnapshot: { type: "string", example: "<snapshot identifier or ARN>" },
};
const SERVICE_FIELDS: FieldSpecs = {
  cpu: { type: "integer", example: "512" },
  memory: { type: "integer", example: "1024" },
  desiredCount: { type: "integer", example: "1" },
  maxCount: { type: "integer", example: "8" },
  spot: { type: "string", example: "none" },
};
const NETWORK_FIELDS: FieldSpecs = {
  cidr: { type: "string", example: "<network>/16" },
  natStrategy: { type: "string", example: "single" },
};
const TRANSITION_FIELDS: FieldSpecs = {
  assumeRoleArn: { type: "string", example: "arn:aws:iam::<account>:role/<name>" },
  databaseTimeoutMinutes: { type: "integer", example: "30" },
  migrationTimeoutMinutes: { type: "integer", example: "60" },
};
const GITHUB_FIELDS: FieldSpecs = {
  repository: { type: "string", example: "graasp/graasp-infrastructure" },
  productionReviewers: { type: "list", example: "<login>" },
  oidcProviderArn: { type: "string", example: "<provider ARN>" },
  stateBucket: { type: "string", example: "graasp-pulumi-state-<account>" },
};
const MINIMUM_BACKUP_DAYS: Readonly<Record<Environment, number>> = { staging: 1, production: 7 };

/** Staging saves the NAT gateway's hourly cost; production keeps tasks off public IPs. */
export const NETWORK_DEFAULTS: Readonly<Record<Environment, NetworkSettings>> = {
  staging: { cidr: "10.0.0.0/16", natStrategy: "none" },
  production: { cidr: "10.0.0.0/16", natStrategy: "single" },
};
export const LOG_RETENTION_DAYS: Readonly<Record<Environment, number>> = {
  staging: 30,
  production: 90,
};
export const DEFAULT_MAINTENANCE_HEADER = "x-graasp-maintenance-bypass";
export const ALERT_THRESHOLD_DEFAULTS: Readonly<AlertThresholds> = {
  loadBalancer5xxPercent: 5,
  target5xxPercent: 5,
  unhealthyTargets: 1,
  tasksBelowDesiredMinutes: 10,
  databaseCpuPercent: 80,
  databaseFreeStorageGb: 2,
  databaseFreeMemoryMb: 64,
  databaseConnections: 80,
};
/** Upper bounds of the thresholds that have one (percentages, minutes). */
const ALERT_THRESHOLD_LIMITS: Partial<Record<keyof AlertThresholds, number>> = {
  loadBalancer5xxPercent: 100,
  target5xxPercent: 100,
  databaseCpuPercent: 100,
  tasksBelowDesiredMinutes: 1440,
};
const ALERT_THRESHOLD_FIELDS: FieldSpecs = Object.fromEntries(
  Object.entries(ALERT_THRESHOLD_DEFAULTS).map(([field, value]) => [
    field,
    { type: "number", example: String(value) },
  ]),
);
const ALERT_EMAIL_PATTERN = /^[^\s@"'<>(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const TRANSITION_DEFAULTS = { databaseTimeoutMinutes: 30, migrationTimeoutMinutes: 60 };

/** Fix examples; never one environment's value, which would be wrong for the other. */
const EXAMPLES: Readonly<Record<string, string>> = {
  environment: `<${ENVIRONMENTS.join("|")}>`,
  deploymentState: "running",
  domain: "<apex domain, e.g. example.org>",
  certificateArn: "arn:aws:acm:<region>:<account>:certificate/<id>",
  containerRegistry: "<account>.dkr.ecr.<region>.amazonaws.com",
  appVersion: "v1.66.0",
};

/** Keys people look for that this program answers differently. */
const UNKNOWN_KEY_HINTS: Readonly<Record<string, string>> = {
  adopt:
    " Existing buckets, repositories and DNS records are adopted once with `npm run -s adopt -- --stack <stack>` and `pulumi import --file` (README, Cutover), not with a setting.",
};
/** Region examples name both of Graasp's regions, never only the other environment's. */
const REGION_EXAMPLE = "<eu-central-1|eu-central-2>";

/**
 * Every top-level `graasp:*` key the program reads, one per line: adding a key is adding its
 * line here (and its Reader method). Any other `graasp:*` key in the stack is refused as a typo.
 */
export const CONFIG_KEYS = [
  "environment",
  "deploymentState",
  "domain",
  "certificateArn",
  "containerRegistry",
  "appVersion",
  "maintenanceBypassToken",
  "maintenanceHeaderName",
  "secrets",
  "appSettings",
  "database",
  "services",
  "network",
  "transitions",
  "github",
  "images",
  "movingTags",
  "s3KeyGeneration",
  "adminHealthCheck",
  "buckets",
  "fileVersionRetentionDays",
  "cdnCertificateArn",
  "dns",
  "repositories",
  "alerts",
] as const;

const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const REGISTRY_PATTERN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9._-]+)*$/;
const RELEASE_TAG_PATTERN = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/;
const EMAIL_PATTERN = /^[^@\s]+@([a-z0-9-]+\.)+[a-z]{2,63}$/;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const HEADER_PATTERN = /^[A-Za-z0-9-]{1,40}$/;
const ROLE_ARN_PATTERN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@\/-]{1,64}$/;
const OIDC_PROVIDER_PATTERN =
  /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const REPOSITORY_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const GITHUB_LOGIN_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const FLOATING_TAGS = ["latest", "main", "master", "nightly", "stable", "edge", "dev"];

/**
 * Reads the stack's configuration from the Pulumi engine and validates it. Every `graasp:*` key
 * the stack has is read (`allConfig`), so that an unknown one is reported, not ignored.
 */
export function loadConfig(): GraaspConfig {
  const all = pulumi.runtime.allConfig();
  const values: Record<string, string | undefined> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith("graasp:")) continue;
    values[fullKey.slice("graasp:".length)] = value;
    if (isConfigSecret(fullKey)) secretKeys.add(fullKey);
  }
  values["aws:region"] = all["aws:region"];
  const config = parseConfig({ values, secretKeys }, pulumi.getStack());
  for (const warning of [...configWarnings({ values, secretKeys }), ...config.warnings])
    pulumi.log.warn(withStackFlag(warning, pulumi.getStack()));
  return config;
}

/**
 * The engine lists encrypted keys in `PULUMI_CONFIG_SECRET_KEYS`; `isConfigSecret` reads that
 * list but is not part of the SDK's typed surface.
 */
function isConfigSecret(key: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret?.(key) ?? false;
}

/**
 * Secret keys stored in plain text. A warning, not an error: the values are still handled as
 * secrets from here on, and the fix (re-setting them with --secret) needs no code change.
 */
export function configWarnings(raw: RawConfig): string[] {
  return ["maintenanceBypassToken", "secrets"]
    .filter((key) => raw.values[key] !== undefined && !raw.secretKeys.has(`graasp:${key}`))
    .map(
      (key) =>
        `\`graasp:${key}\` is stored in plain text in Pulumi.<stack>.yaml. Fix: pulumi config rm ${key}, ` +
        `then set it again with pulumi config set --secret ${key === "secrets" ? "--path 'secrets.<KEY>' <value>" : `${key} <value>`}`,
    );
}

/** Validates raw configuration; throws one `ConfigError` listing every problem. */
export function parseConfig(raw: RawConfig, stack: string): GraaspConfig {
  const problems: string[] = [];
  const reader = new Reader(raw, problems, stack);
  reader.rejectUnknownKeys(CONFIG_KEYS);

  const environment = reader.oneOf("environment", ENVIRONMENTS);
  const stateText = reader.required("deploymentState");
  let deploymentState: DeploymentState | undefined;
  if (stateText !== undefined) {
    if (isDeploymentState(stateText)) deploymentState = stateText;
    else
      problems.push(
        `\`graasp:deploymentState\` is "${stateText}", which is not a deployment state. ` +
          `Fix: pulumi config set deploymentState ${closestKey(stateText, DEPLOYMENT_STATES) ?? `<${DEPLOYMENT_STATES.join("|")}>`}`,
      );
  }
  const regionText = raw.values["aws:region"];
  const region =
    regionText !== undefined && REGION_PATTERN.test(regionText) ? regionText : undefined;
  if (regionText === undefined || regionText === "")
    problems.push(`\`aws:region\` is not set. Fix: pulumi config set aws:region ${REGION_EXAMPLE}`);
  else if (region === undefined)
    problems.push(
      `\`aws:region\` is "${regionText}", which is not an AWS region. Fix: pulumi config set aws:region ${REGION_EXAMPLE}`,
    );

  const domain = reader.matching("domain", DOMAIN_PATTERN, "is not a valid lower-case DNS name");
  const certificateArn = reader.matching(
    "certificateArn",
    ACM_CERTIFICATE_PATTERN,
    "is not an ACM certificate ARN",
  );
  const certificateRegion = certificateArn?.match(ACM_CERTIFICATE_PATTERN)?.[1];
  if (certificateRegion && region && certificateRegion !== region)
    problems.push(
      `\`graasp:certificateArn\` is in region ${certificateRegion} but the stack deploys to ${region} ` +
        `(\`aws:region\`); a load balancer needs a certificate from its own region. ` +
        `Fix: pulumi config set certificateArn arn:aws:acm:${region}:<account>:certificate/<id>`,
    );
  const containerRegistry = reader.matching(
    "containerRegistry",
    REGISTRY_PATTERN,
    "is not a registry host (no scheme, no tag)",
  );
  const appVersion = reader.appVersion();
  const maintenanceBypassToken = reader.token();
  const maintenanceHeaderName = reader.headerName();
  const secrets = reader.secrets();
  const env: Environment = environment ?? "staging";
  const appSettings = reader.appSettings(env, domain);

  const database = {
    ...reader.database(env, environment !== undefined),
    ...reader.restoreFromSnapshot(region),
  };
  const services = reader.services(env);
  const network = reader.network(env);
  const transitions = reader.transitions();
  const github = reader.github(env);
  const images = reader.images();
  const movingTags = reader.movingTags();
  const s3KeyGeneration = reader.s3KeyGeneration();
  const adminHealthCheck = reader.adminHealthCheck(env);
  const dockerHubCache =
    secrets !== undefined &&
    secrets.DOCKER_HUB_USERNAME !== "" &&
    secrets.DOCKER_HUB_ACCESS_TOKEN !== "";
  const warnings = reader.applicationChecks({
    dockerHubCache: dockerHubCache || secrets === undefined,
    stack,
    environment: env,
    region,
    domain,
    containerRegistry,
    appVersion,
    images,
    movingTags,
  });
  const edge = reader.edge(env);
  const alerts = reader.alerts();

  // AWS limits on what the stack name and the domain become, before anything registers.
  problems.push(...stackNameProblems(stack));
  if (domain !== undefined) problems.push(...domainProblems(domain));

  if (problems.length > 0) throw new ConfigError(stack, problems);
  return deepFreeze({
    stack,
    environment: environment!,
    deploymentState: deploymentState!,
    region: region!,
    domain: domain!,
    certificateArn: certificateArn!,
    containerRegistry: containerRegistry!,
    appVersion: appVersion!,
    maintenanceHeaderName,
    maintenanceBypassToken: pulumi.secret(maintenanceBypassToken!),
    secrets: pulumi.secret(secrets!),
    appSettings: appSettings!,
    database,
    services,
    network,
    logRetentionDays: LOG_RETENTION_DAYS[env],
    transitions,
    github,
    images,
    movingTags,
    s3KeyGeneration,
    adminHealthCheck,
    dockerHubCache,
    warnings,
    ...edge,
    alerts,
  });
}

type Json = Record<string, unknown>;

/** Collects problems while reading; every method returns `undefined` for a bad value. */
export class Reader {
  constructor(
    private readonly raw: RawConfig,
    private readonly problems: string[],
    private readonly stack = "<stack>",
  ) {}

  /** Top-level `graasp:*` keys the program does not read: typos, reported with the nearest key. */
  rejectUnknownKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.raw.values))
      if (!key.includes(":") && !known.includes(key))
        this.problems.push(
          `\`graasp:${key}\` is not a configuration key of this program.${didYouMean(key, known, "graasp:")}${UNKNOWN_KEY_HINTS[key] ?? ""} ` +
            `Fix: pulumi config rm ${key}`,
        );
  }

  /**
   * The raw value of a top-level key. A key missing from CONFIG_KEYS would be refused as unknown
   * in every stack that sets it: reading one is a mistake in this file, reported at once.
   */
  private read(key: string): string | undefined {
    if (!(CONFIG_KEYS as readonly string[]).includes(key))
      throw new Error(
        `config.ts reads \`graasp:${key}\`, which CONFIG_KEYS does not list: add it there.`,
      );
    return this.raw.values[key];
  }

  required(key: string): string | undefined {
    const value = this.read(key);
    if (value === undefined || value === "") {
      const example = EXAMPLES[key] ?? "<value>";
      this.problems.push(`\`graasp:${key}\` is not set. Fix: pulumi config set ${key} ${example}`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.required(key);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    // The stack's own name when it is one of the values (an environment named like its stack).
    const example = (allowed as readonly string[]).includes(this.stack)
      ? this.stack
      : (closestKey(value, allowed) ?? `<${allowed.join("|")}>`);
    this.problems.push(
      `\`graasp:${key}\` is "${value}"; expected one of ${allowed.join(", ")}. ` +
        `Fix: pulumi config set ${key} ${example}`,
    );
    return undefined;
  }

  matching(key: string, pattern: RegExp, what: string): string | undefined {
    const value = this.required(key);
    if (value === undefined) return undefined;
    if (pattern.test(value)) return value;
    this.problems.push(
      `\`graasp:${key}\` is "${value}", which ${what}. Fix: pulumi config set ${key} ${EXAMPLES[key]}`,
    );
    return undefined;
  }

  appVersion(): string | undefined {
    const value = this.required("appVersion");
    if (value === undefined || RELEASE_TAG_PATTERN.test(value)) return value;
    const why = FLOATING_TAGS.includes(value.toLowerCase())
      ? "a floating tag that moves under running services"
      : "not a release tag like v1.66.0";
    this.problems.push(
      `\`graasp:appVersion\` is "${value}", ${why}. Fix: pulumi config set appVersion v1.66.0`,
    );
    return undefined;
  }

  token(): string | undefined {
    const key = "maintenanceBypassToken";
    const value = this.read(key);
    const fix = `Fix: pulumi config set --secret ${key} "$(openssl rand -hex 32)"`;
    if (value === undefined || value === "") {
      this.problems.push(`\`graasp:${key}\` is not set. ${fix}`);
      return undefined;
    }
    if (!TOKEN_PATTERN.test(value)) {
      this.problems.push(
        `\`graasp:${key}\` must be 16 to 128 characters of A-Z, a-z, 0-9, '_' and '-' ` +
          `(it has ${value.length}; the load balancer matches headers case-insensitively and ` +
          `treats '*' and '?' as wildcards). ${fix}`,
      );
      return undefined;
    }
    return value;
  }

  headerName(): string {
    const value = this.raw.values["maintenanceHeaderName"];
    if (value === undefined || value === "") return DEFAULT_MAINTENANCE_HEADER;
    if (HEADER_PATTERN.test(value) && value.toLowerCase() !== "host") return value.toLowerCase();
    this.problems.push(
      `\`graasp:maintenanceHeaderName\` is "${value}"; a load balancer header name is 1 to 40 ` +
        `letters, digits or '-' and not "host". Fix: pulumi config set maintenanceHeaderName ${DEFAULT_MAINTENANCE_HEADER}`,
    );
    return DEFAULT_MAINTENANCE_HEADER;
  }

  secrets(): Record<SecretKey, string> | undefined {
    const setOne = (key: string) => `pulumi config set --secret --path 'secrets.${key}' <value>`;
    const object = this.object(
      "secrets",
      `set each secret: ${setOne("JWT_SECRET")} (and the other ${SECRET_KEYS.length - 1})`,
    );
    if (object === undefined) return undefined;
    const result: Partial<Record<SecretKey, string>> = {};
    for (const key of SECRET_KEYS) {
      const value = object[key];
      if (value === undefined && OPTIONAL_SECRET_KEYS.includes(key)) result[key] = "";
      else if (value === undefined)
        this.problems.push(`\`graasp:secrets.${key}\` is missing. Fix: ${setOne(key)}`);
      else if (typeof value !== "string")
        // The kind of value only: a secret's value is never printed.
        this.problems.push(
          `\`graasp:secrets.${key}\` must be a string (found ${Array.isArray(value) ? "a list" : value === null ? "null" : `a ${typeof value}`}). Fix: ${setOne(key)}`,
        );
      else if (value === "")
        this.problems.push(`\`graasp:secrets.${key}\` is empty. Fix: ${setOne(key)}`);
      else result[key] = value;
    }
    this.rejectUnknown(
      "secrets",
      object,
      SECRET_KEYS,
      (key) => `pulumi config rm --path 'secrets.${key}'`,
    );
    return Object.keys(result).length === SECRET_KEYS.length
      ? (result as Record<SecretKey, string>)
      : undefined;
  }

  appSettings(env: Environment, domain?: string): Record<AppSettingKey, string> | undefined {
    const setOne = (key: string) => `pulumi config set --path 'appSettings.${key}' <value>`;
    const object = this.object("appSettings", setOne("GRAASPER_ID"));
    if (object === undefined) return undefined;
    const result = {} as Record<AppSettingKey, string>;
    for (const key of APP_SETTING_KEYS) {
      const value =
        object[key] ??
        APP_SETTING_DEFAULTS[key]
          ?.replace("{environment}", env)
          .replace("{domain}", domain ?? "") ??
        "";
      const wrongType = typeProblem(
        `appSettings.${key}`,
        value,
        { type: "string", example: "<value>" },
        setOne(key),
      );
      if (wrongType !== undefined) this.problems.push(wrongType);
      else if (value === "" && REQUIRED_APP_SETTINGS.includes(key))
        this.problems.push(
          `\`graasp:appSettings.${key}\` is missing or empty. Fix: ${setOne(key)}`,
        );
      result[key] = typeof value === "string" ? value : "";
    }
    const sender = result.MAILER_CONFIG_FROM_EMAIL;
    // A defaulted sender is only as good as the domain, which reports its own problem.
    const senderKnown = object.MAILER_CONFIG_FROM_EMAIL !== undefined || domain !== undefined;
    if (senderKnown && !EMAIL_PATTERN.test(sender))
      this.problems.push(
        `\`graasp:appSettings.MAILER_CONFIG_FROM_EMAIL\` is "${sender}", not a mail address. Fix: ${setOne("MAILER_CONFIG_FROM_EMAIL").replace("<value>", "noreply@graasp.org")}`,
      );
    if (result.SENTRY_ENV === "")
      this.problems.push(
        `\`graasp:appSettings.SENTRY_ENV\` is empty. Fix: ${setOne("SENTRY_ENV").replace("<value>", "prod")}`,
      );
    this.rejectUnknown(
      "appSettings",
      object,
      APP_SETTING_KEYS,
      (key) => `pulumi config rm --path 'appSettings.${key}'`,
    );
    return result;
  }

  database(env: Environment, environmentKnown: boolean): DatabaseSettings {
    const defaults = DATABASE_DEFAULTS[env];
    const object = this.optionalObject("database") ?? {};
    const settings = {
      ...defaults,
      ...this.typedFields("database", object, DATABASE_FIELDS),
    } as DatabaseSettings;
    const fix = (key: string, value: string) =>
      `Fix: pulumi config set --path 'database.${key}' ${value}`;
    if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(String(settings.instanceClass)))
      this.problems.push(
        `\`graasp:database.instanceClass\` is "${settings.instanceClass}", not an RDS instance class. ${fix("instanceClass", defaults.instanceClass)}`,
      );
    if (!isInteger(settings.storageGb, 20, 65536))
      this.problems.push(
        `\`graasp:database.storageGb\` is ${settings.storageGb}; gp3 storage is a whole number of GiB from 20 to 65536. ${fix("storageGb", "20")}`,
      );
    else if (!isInteger(settings.maxStorageGb, settings.storageGb + 1, 65536))
      this.problems.push(
        `\`graasp:database.maxStorageGb\` is ${settings.maxStorageGb}; storage autoscaling needs a whole number above storageGb (${settings.storageGb}) and at most 65536. ${fix("maxStorageGb", "1000")}`,
      );
    const minimumBackup = MINIMUM_BACKUP_DAYS[env];
    if (!isInteger(settings.backupRetentionDays, environmentKnown ? minimumBackup : 1, 35))
      this.problems.push(
        `\`graasp:database.backupRetentionDays\` is ${settings.backupRetentionDays}; ${env} keeps backups ${minimumBackup} to 35 days. ${fix("backupRetentionDays", String(defaults.backupRetentionDays))}`,
      );
    // Below 16 is refused: Graasp runs on 16 today, and RDS cannot go back to an older major.
    if (!isInteger(settings.engineMajorVersion, 16, 17))
      this.problems.push(
        `\`graasp:database.engineMajorVersion\` is ${settings.engineMajorVersion}; use PostgreSQL major version 16 or 17 (older majors are refused; the minor version is managed by RDS). ${fix("engineMajorVersion", "16")}`,
      );
    return settings;
  }

  /** `database.restoreFromSnapshot`: an identifier or ARN RestoreDBInstanceFromDBSnapshot takes. */
  restoreFromSnapshot(region: string | undefined): { restoreFromSnapshot?: string } {
    // `database()` reports a `graasp:database` that is not an object; this reads it quietly.
    let value: unknown;
    try {
      const parsed: unknown = JSON.parse(this.raw.values["database"] ?? "{}");
      value = isObject(parsed) ? parsed.restoreFromSnapshot : undefined;
    } catch {
      value = undefined;
    }
    // Not a string: a type error, which `database()` reports.
    if (typeof value !== "string") return {};
    const key = "`graasp:database.restoreFromSnapshot`";
    const fix =
      "Fix: pulumi config set --path 'database.restoreFromSnapshot' <snapshot identifier or ARN> (or pulumi config rm --path 'database.restoreFromSnapshot')";
    const problem = snapshotProblem(value, region);
    if (problem === undefined) return { restoreFromSnapshot: value as string };
    this.problems.push(`${key} is ${JSON.stringify(value)}: ${problem}. ${fix}`);
    return {};
  }

  services(env: Environment): Record<ServiceName, ServiceSettings> {
    const object = this.optionalObject("services") ?? {};
    this.rejectUnknown(
      "services",
      object,
      SERVICE_NAMES,
      (key) => `pulumi config rm --path 'services.${key}'`,
    );
    const result = {} as Record<ServiceName, ServiceSettings>;
    for (const name of SERVICE_NAMES) {
      const override = object[name] ?? {};
      const path = `services.${name}`;
      if (!isObject(override)) {
        this.problems.push(
          `\`graasp:${path}\` must be an object. Fix: pulumi config set --path '${path}.cpu' 512`,
        );
        result[name] = SERVICE_CATALOG[name].sizes[env];
        continue;
      }
      if (override.image !== undefined)
        this.problems.push(
          `\`graasp:${path}.image\` has moved to \`graasp:images.${name}\` (a tag, a digest or a full reference). Fix: pulumi config rm --path '${path}.image' && pulumi config set --path 'images.${name}' ${JSON.stringify(override.image)}`,
        );
      const typed = this.typedFields(
        path,
        Object.fromEntries(Object.entries(override).filter(([key]) => key !== "image")),
        SERVICE_FIELDS,
      );
      const badType = (field: string) => field in override && !(field in typed);
      const settings = { ...SERVICE_CATALOG[name].sizes[env], ...typed } as ServiceSettings;
      const fix = (field: string, value: string) =>
        `Fix: pulumi config set --path '${path}.${field}' ${value}`;
      if (
        !badType("cpu") &&
        !badType("memory") &&
        !isValidFargateSize(settings.cpu, settings.memory)
      )
        this.problems.push(
          `\`graasp:${path}\` asks for cpu ${settings.cpu} with memory ${settings.memory}, which Fargate does not offer (e.g. cpu 256: memory 512-2048; cpu 1024: 2048-8192). ${fix("memory", "<a valid size>")}`,
        );
      if (!isInteger(settings.maxCount, 1, 100))
        this.problems.push(
          `\`graasp:${path}.maxCount\` is ${settings.maxCount}; use a whole number from 1 to 100. ${fix("maxCount", "8")}`,
        );
      else if (!badType("maxCount") && !isInteger(settings.desiredCount, 1, settings.maxCount))
        this.problems.push(
          `\`graasp:${path}.desiredCount\` is ${settings.desiredCount}; use a whole number from 1 to maxCount (${settings.maxCount}); deployment states, not this key, take services to 0. ${fix("desiredCount", "1")}`,
        );
      if (!SPOT_PREFERENCES.includes(settings.spot))
        this.problems.push(
          `\`graasp:${path}.spot\` is "${settings.spot}"; expected one of ${SPOT_PREFERENCES.join(", ")}. ${fix("spot", "none")}`,
        );
      result[name] = settings;
    }
    return result;
  }

  network(env: Environment): NetworkSettings {
    const object = this.optionalObject("network") ?? {};
    const settings = {
      ...NETWORK_DEFAULTS[env],
      ...this.typedFields("network", object, NETWORK_FIELDS),
    } as NetworkSettings;
    if (!isCidr(settings.cidr, 16, 20))
      this.problems.push(
        `\`graasp:network.cidr\` is "${settings.cidr}"; use an IPv4 network address with a prefix from /16 to /20 (room for 9 subnets). Fix: pulumi config set --path 'network.cidr' 10.0.0.0/16`,
      );
    // A VPC on public address space shadows those addresses on the internet for its tasks.
    else if (!isRfc1918(settings.cidr))
      this.problems.push(
        `\`graasp:network.cidr\` is "${settings.cidr}", which is public address space; a VPC range must lie inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918). Fix: pulumi config set --path 'network.cidr' 10.0.0.0/16`,
      );
    // Three zones of /24 + /24 + /20 need a /17 at least; without NAT two /24 fit in a /20.
    else if (settings.natStrategy !== "none" && !isCidr(settings.cidr, 16, 17))
      this.problems.push(
        `\`graasp:network.cidr\` is "${settings.cidr}", too small for private subnets: with a NAT strategy use a /16 or /17. Fix: pulumi config set --path 'network.cidr' 10.0.0.0/16`,
      );
    if (!(NAT_STRATEGIES as readonly string[]).includes(settings.natStrategy))
      this.problems.push(
        `\`graasp:network.natStrategy\` is "${settings.natStrategy}"; expected one of ${NAT_STRATEGIES.join(", ")}. Fix: pulumi config set --path 'network.natStrategy' single`,
      );
    return settings;
  }

  transitions(): TransitionSettings {
    const object = this.optionalObject("transitions") ?? {};
    const settings = {
      ...TRANSITION_DEFAULTS,
      ...this.typedFields("transitions", object, TRANSITION_FIELDS),
    } as TransitionSettings;
    if (
      settings.assumeRoleArn !== undefined &&
      !ROLE_ARN_PATTERN.test(String(settings.assumeRoleArn))
    )
      this.problems.push(
        `\`graasp:transitions.assumeRoleArn\` is "${settings.assumeRoleArn}", not an IAM role ARN. Fix: pulumi config set --path 'transitions.assumeRoleArn' arn:aws:iam::<account>:role/<name>`,
      );
    for (const field of ["databaseTimeoutMinutes", "migrationTimeoutMinutes"] as const)
      if (!isInteger(settings[field], 1, 300))
        this.problems.push(
          `\`graasp:transitions.${field}\` is ${settings[field]}; use a whole number of minutes from 1 to 300. Fix: pulumi config set --path 'transitions.${field}' ${TRANSITION_DEFAULTS[field]}`,
        );
    return settings;
  }

  github(env: Environment): GithubSettings | undefined {
    const object = this.optionalObject("github");
    if (object === undefined) return undefined;
    const typed = this.typedFields("github", object, GITHUB_FIELDS);
    const settings = { productionReviewers: [], ...typed } as unknown as GithubSettings;
    if (
      "repository" in typed
        ? !REPOSITORY_PATTERN.test(settings.repository)
        : !("repository" in object)
    )
      this.problems.push(
        `\`graasp:github.repository\` is ${JSON.stringify(settings.repository)}; expected "owner/name" of a GitHub repository. Fix: pulumi config set --path 'github.repository' graasp/graasp-infrastructure`,
      );
    const reviewers = settings.productionReviewers;
    const validReviewers =
      Array.isArray(reviewers) &&
      reviewers.every((login) => typeof login === "string" && GITHUB_LOGIN_PATTERN.test(login));
    const reviewersBadType = "productionReviewers" in object && !("productionReviewers" in typed);
    if (
      !reviewersBadType &&
      (!validReviewers || (env === "production" && reviewers.length === 0) || reviewers.length > 6)
    )
      this.problems.push(
        `\`graasp:github.productionReviewers\` is ${JSON.stringify(reviewers)}; production needs 1 to 6 GitHub logins who approve deployments. Fix: pulumi config set --path 'github.productionReviewers[0]' <login>`,
      );
    if (
      settings.oidcProviderArn !== undefined &&
      !OIDC_PROVIDER_PATTERN.test(String(settings.oidcProviderArn))
    )
      this.problems.push(
        `\`graasp:github.oidcProviderArn\` is "${settings.oidcProviderArn}", not the ARN of a token.actions.githubusercontent.com OIDC provider. Fix: pulumi config rm --path 'github.oidcProviderArn' (the stack then creates one)`,
      );
    const bucketBadType = "stateBucket" in object && !("stateBucket" in typed);
    if (
      !bucketBadType &&
      (typeof settings.stateBucket !== "string" || !STATE_BUCKET_PATTERN.test(settings.stateBucket))
    )
      this.problems.push(
        `\`graasp:github.stateBucket\` is ${JSON.stringify(settings.stateBucket)}, not an S3 bucket name (3 to 63 of a-z 0-9 . -): the account's Pulumi state bucket (README, Bootstrap). Fix: pulumi config set --path 'github.stateBucket' graasp-pulumi-state-<account>`,
      );
    return settings;
  }

  /** Buckets, CDN, DNS and repositories: every key optional, defaults are today's names. */
  edge(
    env: Environment,
  ): Pick<
    GraaspConfig,
    "buckets" | "fileVersionRetentionDays" | "cdnCertificateArn" | "dns" | "repositories"
  > {
    const stringFields = (keys: readonly string[], example: string): FieldSpecs =>
      Object.fromEntries(keys.map((key) => [key, { type: "string", example }]));
    const bucketDefaults = defaultBucketNames(env);
    const buckets = {
      ...bucketDefaults,
      ...this.typedFields(
        "buckets",
        this.optionalObject("buckets") ?? {},
        stringFields(BUCKET_PURPOSES, "<bucket name>"),
      ),
    } as Record<string, string>;
    for (const purpose of BUCKET_PURPOSES) {
      const problems = bucketNameProblems(buckets[purpose]);
      if (problems.length > 0)
        this.problems.push(
          `\`graasp:buckets.${purpose}\` is ${JSON.stringify(buckets[purpose])}, which ${problems.join(", ")}. Fix: pulumi config set --path 'buckets.${purpose}' ${bucketDefaults[purpose]}`,
        );
      // Each purpose needs a bucket of its own: one bucket cannot hold two sets of settings.
      const earlier = BUCKET_PURPOSES.slice(0, BUCKET_PURPOSES.indexOf(purpose)).find(
        (other) => buckets[other] === buckets[purpose],
      );
      if (earlier !== undefined)
        this.problems.push(
          `\`graasp:buckets.${purpose}\` is ${JSON.stringify(buckets[purpose])}, the same bucket as \`graasp:buckets.${earlier}\`; each purpose needs its own bucket. Fix: pulumi config set --path 'buckets.${purpose}' ${bucketDefaults[purpose]}`,
        );
    }

    const daysText = this.raw.values["fileVersionRetentionDays"];
    const days = daysText === undefined || daysText === "" ? 30 : Number(daysText);
    if (!isInteger(days, 1, 3650))
      this.problems.push(
        `\`graasp:fileVersionRetentionDays\` is "${daysText}"; use a whole number of days from 1 to 3650. Fix: pulumi config set fileVersionRetentionDays 30`,
      );

    const certificate = this.raw.values["cdnCertificateArn"];
    const cdnCertificateArn =
      certificate === undefined || certificate === "" ? undefined : certificate;
    const certificateProblems =
      cdnCertificateArn === undefined ? [] : cdnCertificateProblems(cdnCertificateArn);
    if (certificateProblems.length > 0)
      this.problems.push(
        `\`graasp:cdnCertificateArn\` is "${cdnCertificateArn}", which ${certificateProblems.join(", ")}. Fix: pulumi config set cdnCertificateArn arn:aws:acm:us-east-1:<account>:certificate/<id> (or pulumi config rm cdnCertificateArn to leave the CloudFront sites out)`,
      );

    const dnsObject = this.optionalObject("dns");
    let dns: DnsSettings | undefined;
    if (dnsObject !== undefined) {
      const zone = this.typedFields("dns", dnsObject, stringFields(["hostedZoneId"], "<zone id>"))
        .hostedZoneId as string | undefined;
      const fix = `Fix: pulumi config set --path 'dns.hostedZoneId' <id from aws route53 list-hosted-zones-by-name --dns-name <domain>>`;
      if (zone === undefined && !("hostedZoneId" in dnsObject))
        this.problems.push(`\`graasp:dns.hostedZoneId\` is not set. ${fix}`);
      const problems = zone === undefined ? [] : hostedZoneIdProblems(zone);
      if (problems.length > 0)
        this.problems.push(
          `\`graasp:dns.hostedZoneId\` is "${zone}", which ${problems.join(", ")}. ${fix}`,
        );
      dns = { hostedZoneId: String(zone) };
    }

    const repositoryDefaults = catalogRepositories();
    const roles = Object.keys(repositoryDefaults);
    const repositories = {
      ...repositoryDefaults,
      ...this.typedFields(
        "repositories",
        this.optionalObject("repositories") ?? {},
        stringFields(roles, "<repository name>"),
      ),
    } as Record<string, string>;
    for (const role of roles) {
      const problems = repositoryNameProblems(repositories[role]);
      if (problems.length > 0)
        this.problems.push(
          `\`graasp:repositories.${role}\` is ${JSON.stringify(repositories[role])}, which ${problems.join(", ")}. Fix: pulumi config set --path 'repositories.${role}' ${repositoryDefaults[role]}`,
        );
    }
    return {
      buckets: buckets as BucketNames,
      fileVersionRetentionDays: days,
      cdnCertificateArn,
      dns,
      repositories,
    };
  }

  alerts(): AlertSettings {
    const object = this.optionalObject("alerts") ?? {};
    this.rejectUnknown(
      "alerts",
      object,
      ["emails", "thresholds"],
      (key) => `pulumi config rm --path 'alerts.${key}'`,
    );
    const emailFix = (index: number) =>
      `pulumi config set --path 'alerts.emails[${index}]' ops@graasp.org`;
    const emails = object.emails ?? [];
    let validEmails: string[] = [];
    const listProblem = typeProblem(
      "alerts.emails",
      emails,
      { type: "list", example: "ops@graasp.org" },
      `pulumi config rm --path 'alerts.emails', then ${emailFix(0)} (one address per index)`,
    );
    if (listProblem !== undefined) this.problems.push(listProblem);
    else {
      (emails as unknown[]).forEach((email, index) => {
        if (typeof email !== "string" || !ALERT_EMAIL_PATTERN.test(email))
          this.problems.push(
            `\`graasp:alerts.emails[${index}]\` is ${JSON.stringify(email)}, which is not an e-mail address. Fix: ${emailFix(index)}`,
          );
        else if ((emails as unknown[]).indexOf(email) < index)
          this.problems.push(
            `\`graasp:alerts.emails[${index}]\` repeats ${JSON.stringify(email)}: each address is subscribed once. Fix: pulumi config rm --path 'alerts.emails[${index}]'`,
          );
      });
      validEmails = (emails as unknown[]).filter(
        (email): email is string => typeof email === "string",
      );
    }
    const thresholds = { ...ALERT_THRESHOLD_DEFAULTS } as Record<keyof AlertThresholds, number>;
    const given = object.thresholds ?? {};
    if (!isObject(given)) {
      this.problems.push(
        `\`graasp:alerts.thresholds\` must be an object of thresholds. Fix: pulumi config set --path 'alerts.thresholds.databaseCpuPercent' 80`,
      );
      return { emails: validEmails, thresholds };
    }
    const typed = this.typedFields("alerts.thresholds", given, ALERT_THRESHOLD_FIELDS);
    for (const field of Object.keys(typed) as (keyof AlertThresholds)[]) {
      const value = typed[field] as number;
      const limit = ALERT_THRESHOLD_LIMITS[field];
      const fix = `Fix: pulumi config set --path 'alerts.thresholds.${field}' ${ALERT_THRESHOLD_DEFAULTS[field]}`;
      if (value < 0 || (limit !== undefined && value > limit))
        this.problems.push(
          `\`graasp:alerts.thresholds.${field}\` is ${value}; use a number from 0${limit === undefined ? " up" : ` to ${limit}`}. ${fix}`,
        );
      // An unhealthy-target alarm at 0 would be in alarm whenever a target group exists.
      else if (field === "unhealthyTargets" && !isInteger(value, 1, 1000))
        this.problems.push(
          `\`graasp:alerts.thresholds.${field}\` is ${value}; use a whole number of targets from 1 (at 0 the alarm never leaves ALARM). ${fix}`,
        );
      else if (field === "tasksBelowDesiredMinutes" && !isInteger(value, 1, 1440))
        this.problems.push(
          `\`graasp:alerts.thresholds.${field}\` is ${value}; use a whole number of minutes from 1 to 1440. ${fix}`,
        );
      else thresholds[field] = value;
    }
    return { emails: validEmails, thresholds };
  }

  /**
   * The typed-field layer: reads an object's fields against their specs, reports unknown fields
   * (with the nearest known one) and fields of the wrong type (`must be a number (found the
   * string "20")`), and returns only the well-typed fields, so that range checks never see a
   * value already reported. Use it for every new object key.
   */
  typedFields(path: string, object: Json, specs: FieldSpecs): Json {
    const known = Object.keys(specs);
    this.rejectUnknown(path, object, known, (key) => `pulumi config rm --path '${path}.${key}'`);
    const typed: Json = {};
    for (const field of Object.keys(pick(object, known))) {
      const spec = specs[field];
      const fieldPath = `${path}.${field}`;
      const fix =
        spec.type === "list"
          ? `pulumi config rm --path '${fieldPath}', then pulumi config set --path '${fieldPath}[0]' ${spec.example} (one item per index)`
          : `pulumi config set --path '${fieldPath}' ${spec.example}`;
      const problem = typeProblem(fieldPath, object[field], spec, fix);
      if (problem === undefined) typed[field] = object[field];
      else this.problems.push(problem);
    }
    return typed;
  }

  images(): Record<string, string> {
    const object = this.optionalObject("images") ?? {};
    const keys = ALL_CONTAINERS.map((container) => container.name);
    this.rejectUnknown("images", object, keys, (key) => `pulumi config rm --path 'images.${key}'`);
    const result: Record<string, string> = {};
    for (const key of keys.filter((name) => object[name] !== undefined)) {
      const problem = imageValueProblem(object[key]);
      if (problem === undefined) result[key] = object[key] as string;
      else
        this.problems.push(
          `\`graasp:images.${key}\` is ${JSON.stringify(object[key])}, which ${problem}. Fix: pulumi config set --path 'images.${key}' <tag, sha256:<digest> or registry/repository:tag>`,
        );
    }
    return result;
  }

  movingTags(): string[] {
    const text = this.raw.values["movingTags"];
    if (text === undefined || text === "") return [];
    const keys = ALL_CONTAINERS.map((container) => container.name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) {
      this.problems.push(
        `\`graasp:movingTags\` must be a list of container names. Fix: pulumi config set --path 'movingTags[0]' nudenet`,
      );
      return [];
    }
    for (const [index, name] of parsed.entries())
      if (!keys.includes(name))
        this.problems.push(
          `\`graasp:movingTags[${index}]\` is "${name}", not a container; known: ${keys.join(", ")}. Fix: pulumi config rm --path 'movingTags[${index}]'`,
        );
    return parsed.filter((name) => keys.includes(name));
  }

  s3KeyGeneration(): number {
    const text = this.raw.values["s3KeyGeneration"];
    if (text === undefined || text === "") return 1;
    const value = Number(text);
    if (/^\d+$/.test(text.trim()) && Number.isSafeInteger(value) && value >= 1) return value;
    this.problems.push(
      `\`graasp:s3KeyGeneration\` is "${text}"; use a whole number from 1 (bump it by one to rotate the S3 access key). Fix: pulumi config set s3KeyGeneration 1`,
    );
    return 1;
  }

  adminHealthCheck(env: Environment): boolean {
    const text = this.raw.values["adminHealthCheck"];
    // Today's production admin runs without one, on purpose; non-production keeps it.
    if (text === undefined || text === "") return env !== "production";
    if (text === "true" || text === "false") return text === "true";
    this.problems.push(
      `\`graasp:adminHealthCheck\` is "${text}"; expected true or false. Fix: pulumi config set adminHealthCheck ${env !== "production"}`,
    );
    return env !== "production";
  }

  /**
   * Checks across keys that only the applications explain: moving image tags (an error unless
   * `graasp:movingTags` accepts them, then a warning), the registry's region (the pull-through
   * cache lives there) and how admin reads the domain. Returns the warnings.
   */
  applicationChecks(args: {
    stack: string;
    environment: Environment;
    region?: string;
    domain?: string;
    containerRegistry?: string;
    appVersion?: string;
    images: Readonly<Record<string, string>>;
    movingTags: readonly string[];
    /** The Docker Hub account is set, so the pull-through cache exists. */
    dockerHubCache: boolean;
  }): string[] {
    const warnings: string[] = [];
    if (args.containerRegistry !== undefined && args.appVersion !== undefined) {
      const context = {
        containerRegistry: args.containerRegistry,
        appVersion: args.appVersion,
        dockerHubCachePrefix: dockerHubCachePrefix(args.stack),
      };
      const nextIndex = args.movingTags.length;
      // ECR allows 2-30 characters; the prefix carries the stack name.
      if (args.dockerHubCache && context.dockerHubCachePrefix.length > 30)
        this.problems.push(
          `The stack name \`${args.stack}\` makes the Docker Hub pull-through cache prefix \`${context.dockerHubCachePrefix}\` ${context.dockerHubCachePrefix.length} characters (ECR's limit is 30). Fix: use a stack name of at most 12 characters, or leave out graasp:secrets.DOCKER_HUB_* and take meilisearch and iframely from elsewhere (graasp:images)`,
        );
      for (const container of ALL_CONTAINERS) {
        const reference = resolveImage(container.image, args.images[container.name], context);
        const moving = imagePinProblem(reference);
        if (
          !args.dockerHubCache &&
          reference.startsWith(`${args.containerRegistry}/${context.dockerHubCachePrefix}/`)
        )
          this.problems.push(
            `\`graasp:images.${container.name}\` comes from Docker Hub through the pull-through cache, which needs a Docker Hub account (ECR requires one for Docker Hub). Fix: pulumi config set --secret --path 'secrets.DOCKER_HUB_USERNAME' <user> and pulumi config set --secret --path 'secrets.DOCKER_HUB_ACCESS_TOKEN' <access token>, or set graasp:images.${container.name} to a reference outside Docker Hub`,
          );
        const accepted = args.movingTags.includes(container.name);
        if (moving !== undefined && accepted)
          warnings.push(
            `Container ${container.name} runs \`${reference}\`, which ${moving}: accepted by \`graasp:movingTags\`, so a task started later may run a different build than the one previewed.`,
          );
        else if (moving !== undefined)
          this.problems.push(
            `\`graasp:images.${container.name}\` resolves to \`${reference}\`, which ${moving}. Fix: pin it with pulumi config set --path 'images.${container.name}' <release tag or sha256:<digest>>, or accept the moving tag with pulumi config set --path 'movingTags[${nextIndex}]' ${container.name}`,
          );
        else if (accepted)
          warnings.push(
            `\`graasp:movingTags\` lists ${container.name}, whose image \`${reference}\` is pinned. Fix: pulumi config rm --path 'movingTags[${args.movingTags.indexOf(container.name)}]'`,
          );
      }
      const registryRegion = args.containerRegistry.match(/^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\./)?.[1];
      if (
        args.region !== undefined &&
        registryRegion !== undefined &&
        registryRegion !== args.region
      )
        this.problems.push(
          `\`graasp:containerRegistry\` is in region ${registryRegion} but the stack deploys to ${args.region}; the Docker Hub pull-through cache and the images belong to the stack's region. Fix: pulumi config set containerRegistry ${ecrAccountId(args.containerRegistry)}.dkr.ecr.${args.region}.amazonaws.com`,
        );
    }
    if (args.domain !== undefined) {
      const problem = adminDomainProblem(args.domain, args.environment);
      if (problem !== undefined) warnings.push(problem);
    }
    const decision = forceSslDecision();
    if (!decision.forceSsl) warnings.push(`Database TLS: ${forceSslExplanation(decision)}`);
    return warnings;
  }

  private object(key: string, fix: string): Json | undefined {
    const value = this.read(key);
    if (value === undefined || value === "") {
      this.problems.push(`\`graasp:${key}\` is not set. Fix: ${fix}`);
      return undefined;
    }
    return this.parseObject(key, value);
  }

  private optionalObject(key: string): Json | undefined {
    const value = this.read(key);
    return value === undefined || value === "" ? undefined : this.parseObject(key, value);
  }

  private parseObject(key: string, text: string): Json | undefined {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) return parsed;
    } catch {
      // Reported below: a plain string where an object belongs.
    }
    // `secrets` holds secret values: its fix must encrypt them.
    const secret = key === "secrets" ? "--secret " : "";
    this.problems.push(
      `\`graasp:${key}\` must be an object of keys. Fix: pulumi config rm ${key}, then set each key with pulumi config set ${secret}--path '${key}.<KEY>' <value>`,
    );
    return undefined;
  }

  private rejectUnknown(
    key: string,
    object: Json,
    known: readonly string[],
    removal: (unknownKey: string) => string,
  ): void {
    for (const unknownKey of Object.keys(object).filter((k) => !known.includes(k)))
      this.problems.push(
        `\`graasp:${key}.${unknownKey}\` is not a known key (a typo?); known keys: ${known.join(", ")}.` +
          `${didYouMean(unknownKey, known, `graasp:${key}.`)} Fix: ${removal(unknownKey)}`,
      );
  }
}

function pick(object: Json, fields: readonly string[]): Json {
  return Object.fromEntries(Object.entries(object).filter(([key]) => fields.includes(key)));
}

/**
 * How admin (graasp/admin config/runtime.exs) reads its `PHX_HOST`, the apex domain: a `dev`
 * label means development with links to dev.graasp.org, a `stage` label staging with links to
 * graasp.org (production!), anything else production with links to graasp.org.
 */
export function adminEnvironmentView(domain: string): {
  environment: "development" | "staging" | "production";
  linksTo: string;
} {
  const labels = domain.split(".");
  if (labels.includes("dev")) return { environment: "development", linksTo: "dev.graasp.org" };
  if (labels.includes("stage")) return { environment: "staging", linksTo: "graasp.org" };
  return { environment: "production", linksTo: "graasp.org" };
}

/** A warning when admin would take this domain for another environment or link elsewhere. */
export function adminDomainProblem(domain: string, environment: Environment): string | undefined {
  const view = adminEnvironmentView(domain);
  const expected = environment === "production" ? "production" : "development";
  if (view.environment === expected && view.linksTo === domain) return undefined;
  return (
    `\`graasp:domain\` is "${domain}": admin reads its PHX_HOST as ${view.environment} and builds its ` +
    `backend, client, umami and library links from ${view.linksTo}, not from ${domain} ` +
    `(a "dev" label means development with dev.graasp.org, "stage" means staging with graasp.org, ` +
    `anything else production with graasp.org). Fix: use ${environment === "production" ? "graasp.org" : "dev.graasp.org"} ` +
    `(pulumi config set domain ${environment === "production" ? "graasp.org" : "dev.graasp.org"}) or an admin release that takes its origins from settings`
  );
}

const SNAPSHOT_NAME = /^(rds:)?[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}$/;
const SNAPSHOT_ARN = /^arn:aws(-[a-z]+)*:rds:([a-z0-9-]+):(\d{12}):snapshot:(.+)$/;

/**
 * Why RDS would refuse a snapshot to restore from, or undefined. A name is 1 to 255 letters,
 * digits and hyphens, starts with a letter, has no `--` and does not end with `-`; automated
 * snapshots carry `rds:`; a snapshot shared from another account is named by its ARN, which
 * must be in the stack's region (copy it there first).
 */
export function snapshotProblem(value: unknown, region: string | undefined): string | undefined {
  if (typeof value !== "string" || value === "") return "expected a snapshot identifier or ARN";
  const arn = value.match(SNAPSHOT_ARN);
  const name = arn ? arn[4] : value;
  if (!SNAPSHOT_NAME.test(name) || name.endsWith("-"))
    return value.startsWith("arn:") && !arn
      ? "not an RDS DB snapshot ARN (arn:aws:rds:<region>:<account>:snapshot:<name>)"
      : "a snapshot identifier is 1 to 255 letters, digits and hyphens, starts with a letter, has no two consecutive hyphens and does not end with one (automated snapshots start with rds:)";
  if (arn && region !== undefined && arn[2] !== region)
    return `the snapshot is in ${arn[2]} but the stack deploys to ${region}; copy it first (aws rds copy-db-snapshot --source-region ${arn[2]} --region ${region} ...) and name the copy`;
  return undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function isCidr(value: unknown, minPrefix: number, maxPrefix: number): boolean {
  const match =
    typeof value === "string" &&
    value.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/);
  if (!match) return false;
  const [a, b, c, d, prefix] = match.slice(1).map(Number);
  if ([a, b, c, d].some((octet) => octet > 255) || prefix < minPrefix || prefix > maxPrefix)
    return false;
  const address = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const hostBits = 2 ** (32 - prefix) - 1;
  return (address & hostBits) === 0;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !pulumi.Output.isInstance(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
