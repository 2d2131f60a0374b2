import * as pulumi from "@pulumi/pulumi";
import type { DBInstance, RDSClient } from "@aws-sdk/client-rds";
import type { ECSClient } from "@aws-sdk/client-ecs";
import {
  awsClientConfig,
  changedInputs,
  Clock,
  describeError,
  pollUntil,
  pickInputs,
  PollAttempt,
  PREVIEW_UNKNOWN,
  systemClock,
  timeoutMinutesFailure,
  timeoutMsOf,
} from "./awsClients";
import {
  DrainArgs,
  drainFailures,
  DrainInputs,
  newEcsClient,
  servicesToDrain,
  waitForDrain,
} from "./drain";

export type DatabasePowerState = "available" | "stopped";

export interface DatabasePowerArgs {
  /** Identifier of the RDS instance (not its ARN). Changing it replaces this resource. */
  readonly instanceIdentifier: pulumi.Input<string>;
  /** AWS region of the instance, e.g. `eu-central-1`. Changing it replaces this resource. */
  readonly region: pulumi.Input<string>;
  /** Status the instance is driven to and held at on every `pulumi up`. */
  readonly desiredState: pulumi.Input<DatabasePowerState>;
  /**
   * IAM role to assume for the RDS calls, on top of the credentials of the process running
   * `pulumi up`. @default none: those credentials are used directly
   */
  readonly assumeRoleArn?: pulumi.Input<string>;
  /**
   * Minutes to wait, in all, for the `drain` services and for the instance to settle and reach
   * `desiredState`. @default 30
   */
  readonly timeoutMinutes?: pulumi.Input<number>;
  /**
   * ECS services that must have no task left before the instance is stopped; checked only when
   * a stop is about to be sent. Changing it alone touches nothing. @default none: no check
   */
  readonly drain?: DrainArgs;
}

/** The inputs as the provider receives them, once Pulumi has resolved them. */
export interface DatabasePowerInputs {
  readonly instanceIdentifier: string;
  readonly region: string;
  readonly desiredState: DatabasePowerState;
  readonly assumeRoleArn?: string;
  readonly timeoutMinutes?: number;
  readonly drain?: DrainInputs;
}

export interface DatabasePowerOutputs extends Omit<DatabasePowerInputs, "desiredState"> {
  /** `available` or `stopped`, or after a refresh the raw status of a broken instance. */
  readonly desiredState: string;
  /** The instance's `DBInstanceStatus` when it was last applied or refreshed. */
  readonly status: string;
}

export const DEFAULT_DATABASE_TIMEOUT_MINUTES = 30;

const INPUT_KEYS = [
  "instanceIdentifier",
  "region",
  "desiredState",
  "assumeRoleArn",
  "timeoutMinutes",
  "drain",
] as const;

// Statuses AWS will not leave without someone fixing something; waiting would only hit the timeout.
const BROKEN_STATUS_FIXES: Readonly<Record<string, string>> = {
  failed: "AWS could not recover it: restore it from a snapshot or contact AWS Support",
  "storage-full": "increase its allocated storage (`aws rds modify-db-instance`)",
  "inaccessible-encryption-credentials":
    "restore access to its KMS key, or restore the instance from a backup",
  "inaccessible-encryption-credentials-recoverable":
    "re-enable its KMS key so that AWS can recover the instance",
  "insufficient-capacity": "try again later or choose another instance class",
  "restore-error": "restore it again from a snapshot",
  deleting: "it is being deleted: remove this resource or recreate the instance",
  "delete-precheck": "it is being deleted: remove this resource or recreate the instance",
};
const INCOMPATIBLE_FIX =
  "fix what the RDS console reports for it (network, option or parameter group)";

/**
 * Statuses in which the instance serves connections while RDS works on it (the RDS User
 * Guide's "DB instance status" table, Overview.DBInstance.Status): starting is done once one of
 * them is reached, rather than waiting until the work ends or the timeout does.
 */
export const USABLE_STATUSES: readonly string[] = [
  "available",
  "backing-up",
  "configuring-enhanced-monitoring",
  "configuring-iam-database-auth",
  "configuring-log-exports",
  "maintenance",
  "modifying",
  "renaming",
  "resetting-master-credentials",
  "storage-config-upgrade",
  "storage-initialization",
  "storage-optimization",
  "upgrading",
];

/** The only status from which RDS accepts StopDBInstance (any other: InvalidDBInstanceState). */
export const STOPPABLE_STATUS = "available";

/** Whether `status` already is the power state `desired`. */
export function reachedPowerState(status: string, desired: DatabasePowerState): boolean {
  return desired === "stopped" ? status === "stopped" : USABLE_STATUSES.includes(status);
}

function brokenStatusFix(status: string): string | undefined {
  return status.startsWith("incompatible-") ? INCOMPATIBLE_FIX : BROKEN_STATUS_FIXES[status];
}

/**
 * The power state an RDS status amounts to, used by refresh so that drift (such as AWS starting
 * an instance after 7 days stopped) shows as a change of `desiredState`. A broken status is
 * returned as is, so that the next `pulumi up` reports it instead of seeing no change.
 */
export function powerStateOf(status: string): string {
  if (status === "stopped" || status === "stopping") {
    return "stopped";
  }
  return brokenStatusFix(status) === undefined ? "available" : status;
}

/**
 * Replacing only re-targets the resource: delete never touches the database. A new `drain`
 * alone is an update that `onlyDrainChanged` lets skip every AWS call.
 */
export function diffDatabasePower(
  olds: Partial<DatabasePowerOutputs>,
  news: Partial<DatabasePowerInputs>,
): pulumi.dynamic.DiffResult {
  const replaces = changedInputs(["instanceIdentifier", "region"], olds, news);
  const changed = changedInputs(INPUT_KEYS, olds, news);
  return replaces.length > 0 ? { changes: true, replaces } : { changes: changed.length > 0 };
}

export function checkDatabasePowerInputs(
  news: Partial<DatabasePowerInputs>,
): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const state: unknown = news.desiredState;
  if (state !== PREVIEW_UNKNOWN && state !== "available" && state !== "stopped") {
    failures.push({
      property: "desiredState",
      reason: `\`desiredState\` must be "available" or "stopped", not ${JSON.stringify(state)}.`,
    });
  }
  failures.push(...timeoutMinutesFailure(news.timeoutMinutes));
  failures.push(...drainFailures(news.drain));
  return failures;
}

/** Whether `drain` is the only input that changed, which matters only for the next stop. */
export function onlyDrainChanged(
  olds: Partial<DatabasePowerOutputs>,
  news: Partial<DatabasePowerInputs>,
): boolean {
  const changed = changedInputs(INPUT_KEYS, olds, news);
  return changed.length > 0 && changed.every((key) => key === "drain");
}

type StoredInputs = Omit<DatabasePowerOutputs, "status">;

function inputsOf(props: Partial<DatabasePowerOutputs>): StoredInputs {
  return pickInputs(INPUT_KEYS, props) as unknown as StoredInputs;
}

function rdsSdk(): typeof import("@aws-sdk/client-rds") {
  // Loaded at run time so that neither the program nor the serialized provider carries the SDK.
  return require("@aws-sdk/client-rds");
}

/** Drives one RDS instance's power state; all AWS calls of the provider go through here. */
export class DatabasePowerController {
  constructor(
    private readonly rds: RDSClient,
    /** Called only when services have to be drained, so holding power alone needs no ECS. */
    private readonly ecsClient: () => ECSClient,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Create and update: wait for a settled status, start or stop only if needed, wait again.
   * Right before a stop, wait for the `drain` services to have no task left.
   */
  async apply(inputs: DatabasePowerInputs): Promise<DatabasePowerOutputs> {
    const { instanceIdentifier: id, desiredState: desired } = inputs;
    const timeoutMinutes = inputs.timeoutMinutes ?? DEFAULT_DATABASE_TIMEOUT_MINUTES;
    const timeoutMs = timeoutMsOf(timeoutMinutes, DEFAULT_DATABASE_TIMEOUT_MINUTES);
    const deadline = this.clock.now() + timeoutMs;
    let requested = false;
    let drained = servicesToDrain(inputs.drain).length === 0;
    const attempt = async (): Promise<PollAttempt<string, string>> => {
      const instance = await this.find(id);
      if (instance === undefined) {
        throw new Error(
          `RDS instance "${id}" was not found in region ${inputs.region}. Check \`instanceIdentifier\`, \`region\` and the AWS account of the credentials in use, then run \`pulumi up\` again.`,
        );
      }
      const current = instance.DBInstanceStatus ?? "unknown";
      if (reachedPowerState(current, desired)) {
        return { done: true, value: current };
      }
      assertPowerChangePossible(instance, id, current, desired);
      // Right after a start or stop, DescribeDBInstances can still show the old settled status
      // for a while; sending the request again would fail with InvalidDBInstanceState.
      if (!requested && (current === STOPPABLE_STATUS || current === "stopped")) {
        if (desired === "stopped" && !drained) {
          await waitForDrain(this.ecsClient(), inputs.drain, {
            clock: this.clock,
            deadline,
            timeoutMinutes,
            notDone: `RDS instance "${id}" was not stopped`,
          });
          drained = true;
          // The wait can take minutes: decide on the status the instance has after it.
          return attempt();
        }
        await this.request(id, current, desired);
        requested = true;
      }
      return { done: false, seen: current };
    };
    const status = await pollUntil<string, string>(attempt, {
      clock: this.clock,
      timeoutMs,
      timeoutError: (seen) =>
        new Error(
          `Timed out after ${timeoutMinutes} minutes waiting for RDS instance "${id}" to be "${desired}"; its status is still "${seen}".${stopBlockedBy(seen, desired)} It may still get there: check it in the RDS console, then run \`pulumi up\` again, or raise \`timeoutMinutes\` if it is only slow.`,
        ),
    });
    return { ...inputsOf(inputs), status };
  }

  /** Refresh: the real status, and the power state it amounts to; undefined when gone. */
  async read(
    props: DatabasePowerOutputs,
  ): Promise<{ outputs: DatabasePowerOutputs; inputs: StoredInputs } | undefined> {
    const instance = await this.find(props.instanceIdentifier);
    if (instance === undefined) {
      return undefined;
    }
    const status = instance.DBInstanceStatus ?? "unknown";
    const inputs = { ...inputsOf(props), desiredState: powerStateOf(status) };
    return { inputs, outputs: { ...inputs, status } };
  }

  private async find(id: string): Promise<DBInstance | undefined> {
    const sdk = rdsSdk();
    try {
      const found = await this.rds.send(
        new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: id }),
      );
      return found.DBInstances?.[0];
    } catch (error) {
      if (error instanceof Error && error.name === "DBInstanceNotFoundFault") {
        return undefined;
      }
      throw error;
    }
  }

  private async request(id: string, current: string, desired: DatabasePowerState): Promise<void> {
    const sdk = rdsSdk();
    try {
      await this.rds.send(
        desired === "stopped"
          ? new sdk.StopDBInstanceCommand({ DBInstanceIdentifier: id })
          : new sdk.StartDBInstanceCommand({ DBInstanceIdentifier: id }),
      );
    } catch (error) {
      const verb = desired === "stopped" ? "stop" : "start";
      throw new Error(
        `RDS refused to ${verb} instance "${id}" (status "${current}"): ${describeError(error)}. Check the instance in the RDS console, then run \`pulumi up\` again.`,
      );
    }
  }
}

// A usable status other than `available` (a backup, a storage optimization) holds a stop back.
function stopBlockedBy(status: string, desired: DatabasePowerState): string {
  return desired === "stopped" && status !== STOPPABLE_STATUS && USABLE_STATUSES.includes(status)
    ? ` RDS accepts a stop only from "${STOPPABLE_STATUS}", so the stop was not sent yet.`
    : "";
}

/** Throws when AWS cannot move this instance to `desired` however long we wait. */
function assertPowerChangePossible(
  instance: DBInstance,
  id: string,
  status: string,
  desired: DatabasePowerState,
): void {
  const fix = brokenStatusFix(status);
  if (fix !== undefined) {
    throw new Error(
      `RDS instance "${id}" is in status "${status}", from which it cannot be made "${desired}". To fix it, ${fix}; then run \`pulumi up\` again.`,
    );
  }
  if (instance.DBClusterIdentifier !== undefined) {
    throw new Error(
      `RDS instance "${id}" (status "${status}") belongs to the Aurora cluster "${instance.DBClusterIdentifier}", whose instances can only be started and stopped with their cluster. Use \`aws rds start-db-cluster\` or \`aws rds stop-db-cluster\` instead of this resource.`,
    );
  }
  if (desired !== "stopped") {
    return;
  }
  const replicas = instance.ReadReplicaDBInstanceIdentifiers ?? [];
  if (replicas.length > 0) {
    throw new Error(
      `RDS instance "${id}" (status "${status}") cannot be stopped because it has read replicas (${replicas.join(", ")}). Delete the replicas first, or keep \`desiredState\` "available" for this instance.`,
    );
  }
  if (instance.ReadReplicaSourceDBInstanceIdentifier !== undefined) {
    throw new Error(
      `RDS instance "${id}" (status "${status}") cannot be stopped because it is a read replica of "${instance.ReadReplicaSourceDBInstanceIdentifier}". Promote it first, or keep \`desiredState\` "available" for this instance.`,
    );
  }
}

function controllerFor(
  props: Pick<DatabasePowerInputs, "region" | "assumeRoleArn">,
): DatabasePowerController {
  // One configuration, so that both clients share the assumed role's credentials.
  const config = awsClientConfig(props.region, props.assumeRoleArn);
  return new DatabasePowerController(new (rdsSdk().RDSClient)(config), () => newEcsClient(config));
}

// One object for the whole process: Pulumi caches its serialized closure by identity, so every
// DatabasePower after the first costs no serialization. Exported for tests.
export const databasePowerProvider: pulumi.dynamic.ResourceProvider<
  DatabasePowerInputs,
  DatabasePowerOutputs
> = {
  check: async (_olds, news) => ({ inputs: news, failures: checkDatabasePowerInputs(news) }),
  diff: async (_id, olds, news) => {
    const result = diffDatabasePower(olds, news);
    if (result.changes) return result;
    const drift = await checkDrift(news, (inputs) => controllerFor(inputs).read(inputs));
    // The provider host has no engine connection, so `pulumi.log` there is console output too;
    // the engine hides the output of other resource plugins but shows a dynamic provider's
    // stderr in the run's output (sdk/go/common/resource/plugin/plugin.go, `newPlugin`).
    if (drift.warning !== undefined) console.warn(drift.warning);
    return { changes: drift.changes };
  },
  create: async (inputs) => {
    const outs = await controllerFor(inputs).apply(inputs);
    return { id: outs.instanceIdentifier, outs };
  },
  update: async (_id, olds, news) => {
    if (onlyDrainChanged(olds, news)) {
      return { outs: { ...inputsOf(news), status: olds.status } };
    }
    return { outs: await controllerFor(news).apply(news) };
  },
  read: async (id, props) => {
    if (props === undefined) {
      throw new Error(
        `DatabasePower "${id}" cannot be imported: declare it in the program and run \`pulumi up\`, which changes the instance only if its status differs.`,
      );
    }
    const found = await controllerFor(props).read(props);
    if (found === undefined) {
      // An empty id tells the engine the instance is gone, so a refresh drops this resource.
      return { id: "" };
    }
    // ReadResult types `inputs` as the outputs type; the engine stores them as the inputs.
    return { id, props: found.outputs, inputs: found.inputs as DatabasePowerOutputs };
  },
  // Removing the resource from the program only stops managing power; the database stays as is.
  delete: async () => {},
};

export interface DriftCheck {
  /** Whether the diff reports a change: real drift, or a status that could not be read. */
  readonly changes: boolean;
  /** Why the status could not be read, for the run's output. */
  readonly warning?: string;
}

/**
 * Whether the instance's real power state differs from the requested one although no input
 * changed: AWS restarts an instance after 7 days stopped, and people stop instances by hand.
 * One read-only call, so every preview and up notice it without a refresh. A status that cannot
 * be read is reported as a change with a warning naming the cause, never as "no drift": the
 * update then reads again and fails with the cause if it still cannot.
 */
export async function checkDrift(
  news: Partial<DatabasePowerInputs>,
  read: (props: DatabasePowerOutputs) => Promise<{ outputs: DatabasePowerOutputs } | undefined>,
): Promise<DriftCheck> {
  const { instanceIdentifier, region, desiredState } = news;
  if (
    [instanceIdentifier, region, desiredState].some(
      (value) => typeof value !== "string" || value === PREVIEW_UNKNOWN,
    )
  )
    return { changes: false };
  try {
    const found = await read({ ...(news as DatabasePowerInputs), status: "" });
    return { changes: found === undefined || found.outputs.desiredState !== desiredState };
  } catch (error) {
    return {
      changes: true,
      warning: `warning: the drift check of RDS instance "${instanceIdentifier}" could not read its status (${describeError(error)}), so its power state is unknown and shown as a change. Give the credentials in use rds:DescribeDBInstances on it to see real drift; \`pulumi up\` reads the status again before acting.`,
    };
  }
}

/**
 * Holds an existing RDS instance at `available` or `stopped` across `pulumi up` runs, waiting
 * through transitional statuses. Deleting it never touches the database. Every diff reads the
 * real status, so AWS's automatic restart of an instance stopped for 7 days shows as a change.
 */
export class DatabasePower extends pulumi.dynamic.Resource {
  declare public readonly instanceIdentifier: pulumi.Output<string>;
  /** The requested state; after a refresh, the state the instance is really in. */
  declare public readonly desiredState: pulumi.Output<string>;
  /** The instance's `DBInstanceStatus` when it was last applied or refreshed. */
  declare public readonly status: pulumi.Output<string>;

  constructor(name: string, args: DatabasePowerArgs, opts?: pulumi.CustomResourceOptions) {
    super(databasePowerProvider, name, { ...args, status: undefined }, opts);
  }
}
