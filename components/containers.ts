/**
 * Pure functions that turn a catalog entry into ECS container definitions and into the
 * payload of the task's own secret. Tested value by value; no resources here.
 */
import { scramVerifier } from "./scram";
import {
  AppSettingKey,
  ContainerSpec,
  DatabaseUrlSpec,
  SecretKey,
  SecretSource,
  TaskEntry,
} from "./catalog";

/** Values the `{placeholder}`s of catalog environment templates stand for. */
export interface TemplateValues {
  readonly domain: string;
  readonly region: string;
  readonly environment: string;
  readonly fileItemsBucket: string;
  readonly h5pBucket: string;
  /** Where browsers load the H5P integration page: CloudFront when it serves h5p, else S3. */
  readonly h5pIntegrationUrl: string;
  readonly databaseHost: string;
  readonly databasePort: string;
  readonly settings: Readonly<Record<AppSettingKey, string>>;
}

export function expandTemplate(template: string, values: TemplateValues): string {
  return template.replace(
    // Any brace pair is a placeholder, so a misspelt one fails here instead of shipping.
    /\{([^{}:]*)(?::([^{}]*))?\}/g,
    (placeholder, name: string, key?: string) => {
      if (name === "setting" && key !== undefined && key in values.settings)
        return values.settings[key as AppSettingKey];
      if (name === "domainPattern") return values.domain.replace(/\./g, "\\.");
      // A known placeholder whose value an evaluation without real outputs left undefined
      // (a database address under mocks) expands to nothing; an unknown one is a typo.
      if (key === undefined && name in values)
        return String((values as unknown as Record<string, unknown>)[name] ?? "");
      throw new Error(`Unknown placeholder ${placeholder} in the service catalog`);
    },
  );
}

export function portName(container: string, port: number): string {
  return `${container}-${port}`;
}

export interface ContainerContext {
  readonly region: string;
  readonly logGroupName: string;
  /** Image of each container, by container name. */
  readonly images: Readonly<Record<string, string>>;
  readonly templateValues: TemplateValues;
  /** Containers whose catalog health check is switched off (`graasp:adminHealthCheck`). */
  readonly withoutHealthCheck?: readonly string[];
  /** ARN of the task's own secret; required when a container has `secrets`. */
  readonly secretArn?: string;
  /**
   * The secret's version: pinning it makes a changed secret a new task definition revision,
   * so running tasks are replaced instead of keeping the old value until some later deploy.
   */
  readonly secretVersionId?: string;
}

export const LOG_STREAM_PREFIX = "ecs";

/**
 * ECS container definitions. Every field ECS would otherwise fill in with a default is
 * written out, so the task definition does not show a diff (and a new revision) on every up.
 */
export function containerDefinitions(entry: TaskEntry, context: ContainerContext): object[] {
  return entry.containers.map((container) => containerDefinition(container, context));
}

function containerDefinition(container: ContainerSpec, context: ContainerContext): object {
  const secretNames = Object.keys(container.secrets).sort();
  if (secretNames.length > 0 && context.secretArn === undefined)
    throw new Error(`Container ${container.name} has secrets but its task has no secret`);
  return {
    name: container.name,
    image: context.images[container.name],
    essential: container.essential,
    cpu: 0,
    portMappings:
      container.port === undefined
        ? []
        : [
            {
              name: portName(container.name, container.port),
              containerPort: container.port,
              hostPort: container.port,
              protocol: "tcp",
            },
          ],
    environment: Object.keys(container.environment)
      .sort()
      .map((name) => ({
        name,
        value: expandTemplate(container.environment[name], context.templateValues),
      })),
    secrets: secretNames.map((name) => ({
      name,
      valueFrom: `${context.secretArn}:${name}::${context.secretVersionId ?? ""}`,
    })),
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": context.logGroupName,
        "awslogs-region": context.region,
        "awslogs-stream-prefix": LOG_STREAM_PREFIX,
      },
    },
    ...(container.healthCheck &&
      !(context.withoutHealthCheck ?? []).includes(container.name) && {
        healthCheck: {
          command: container.healthCheck.command,
          interval: container.healthCheck.intervalSeconds,
          timeout: container.healthCheck.timeoutSeconds,
          retries: container.healthCheck.retries,
          startPeriod: container.healthCheck.startPeriodSeconds,
        },
      }),
    ...(container.command && { command: [...container.command] }),
    mountPoints: [],
    volumesFrom: [],
    systemControls: [],
  };
}

/** Everything a task's secret payload can be built from. */
export interface SecretInputs {
  readonly secrets: Readonly<Record<SecretKey, string>>;
  readonly settings: Readonly<Record<AppSettingKey, string>>;
  readonly databaseHost: string;
  readonly databasePort: number;
  readonly masterUsername: string;
  readonly masterPassword: string;
  /** The stack's S3 access key (s3Access.ts). */
  readonly s3AccessKeyId: string;
  readonly s3SecretAccessKey: string;
}

/** The JSON the task's secret holds: one key per variable its containers take from `secrets`. */
export function secretPayload(entry: TaskEntry, inputs: SecretInputs): Record<string, string> {
  const payload: Record<string, string> = {};
  for (const container of entry.containers)
    for (const [name, source] of Object.entries(container.secrets))
      payload[name] = resolveSecret(source, inputs);
  return payload;
}

export function hasSecrets(entry: TaskEntry): boolean {
  return entry.containers.some((container) => Object.keys(container.secrets).length > 0);
}

function resolveSecret(source: SecretSource, inputs: SecretInputs): string {
  if ("secret" in source) return inputs.secrets[source.secret];
  if ("setting" in source) return inputs.settings[source.setting];
  if ("s3Credential" in source)
    return source.s3Credential === "accessKeyId" ? inputs.s3AccessKeyId : inputs.s3SecretAccessKey;
  if ("masterPassword" in source) return inputs.masterPassword;
  if ("scramVerifier" in source)
    return scramVerifier(
      source.scramVerifier.user,
      inputs.secrets[source.scramVerifier.passwordSecret],
    );
  return databaseUrl(source.databaseUrl, inputs);
}

export function databaseUrl(spec: DatabaseUrlSpec, inputs: SecretInputs): string {
  const [user, password] =
    spec.login === "master"
      ? [inputs.masterUsername, inputs.masterPassword]
      : [spec.login.user, inputs.secrets[spec.login.passwordSecret]];
  const credentials = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  const query = [`application_name=${spec.applicationName}`, spec.tlsQuery]
    .filter((part) => part !== "")
    .join("&");
  return `${spec.scheme}://${credentials}@${inputs.databaseHost}:${inputs.databasePort}/${spec.database}?${query}`;
}
