import * as pulumi from "@pulumi/pulumi";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { Clock, emptyInputFailures, systemClock } from "./awsClients";
import {
  DEFAULT_TASK_TIMEOUT_MINUTES,
  NOTHING_RAN_ADVICE,
  OneOffTaskRunner,
  oneOffTaskProvider,
  TASK_RUN_INPUT_KEYS,
  TASK_RUN_OUTPUTS,
  TaskRunArgs,
  TaskRunInputs,
  TaskRunPurpose,
  TaskRunRecord,
} from "./taskRun";

export { LOG_TAIL_LINES, taskFamilyOf } from "./taskRun";

export interface MigrationRunArgs extends TaskRunArgs {
  /**
   * Version of the application being migrated to. Changing it replaces this resource, which
   * runs the migration again; nothing else does.
   */
  readonly appVersion: pulumi.Input<string>;
}

/** The inputs as the provider receives them, once Pulumi has resolved them. */
export interface MigrationRunInputs extends TaskRunInputs {
  readonly appVersion: string;
}

export interface MigrationRunOutputs extends MigrationRunInputs, TaskRunRecord {}

export const DEFAULT_MIGRATION_TIMEOUT_MINUTES = DEFAULT_TASK_TIMEOUT_MINUTES;
/** `startedBy` of every task this provider launches, to find them in the console and CLI. */
export const MIGRATION_STARTED_BY = "graasp-migration";

const INPUT_KEYS = [...TASK_RUN_INPUT_KEYS, "appVersion"] as const;

export const MIGRATION_PURPOSE: TaskRunPurpose<MigrationRunInputs> = {
  noun: "migration",
  startedBy: MIGRATION_STARTED_BY,
  tags: (inputs) => [{ key: "graasp:app-version", value: inputs.appVersion }],
  defaultTimeoutMinutes: DEFAULT_MIGRATION_TIMEOUT_MINUTES,
  adviceWhenRan:
    "The database may be partly migrated: read the log, restore the pre-release snapshot if needed, fix the cause, then run `pulumi up` again to start a new migration.",
  adviceWhenNotRan: NOTHING_RAN_ADVICE,
};

function appVersionFailures(news: Partial<MigrationRunInputs>): pulumi.dynamic.CheckFailure[] {
  return emptyInputFailures(news, ["appVersion"]);
}

/** Runs one migration task to completion and returns its inputs with the record of the run. */
export class MigrationRunner {
  private readonly runner: OneOffTaskRunner<MigrationRunInputs>;

  constructor(ecs: ECSClient, logs: CloudWatchLogsClient, clock: Clock = systemClock) {
    this.runner = new OneOffTaskRunner(ecs, logs, MIGRATION_PURPOSE, clock);
  }

  async run(inputs: MigrationRunInputs): Promise<MigrationRunOutputs> {
    const record = await this.runner.run(inputs);
    const recorded = Object.fromEntries(
      INPUT_KEYS.filter((key) => inputs[key] !== undefined).map((key) => [key, inputs[key]]),
    ) as unknown as MigrationRunInputs;
    return { ...recorded, ...record };
  }
}

// One object for the whole process: Pulumi caches its serialized closure by identity, so every
// MigrationRun after the first costs no serialization. Exported for tests.
export const migrationRunProvider = oneOffTaskProvider<MigrationRunInputs>({
  purpose: MIGRATION_PURPOSE,
  inputKeys: INPUT_KEYS,
  // Only a new `appVersion` runs the migration again. Any other change (a new task definition
  // revision, other subnets, other services to drain) is an update that keeps the record of
  // the run that already happened.
  triggers: ["appVersion"],
  check: appVersionFailures,
});

/**
 * Runs the database migration task once, when created, and fails the deployment unless its
 * container exits with code 0; the error carries the exit code, stop reasons and log tail.
 * A new `appVersion` replaces it and so runs the migration again.
 */
export class MigrationRun extends pulumi.dynamic.Resource {
  declare public readonly taskArn: pulumi.Output<string>;
  declare public readonly exitCode: pulumi.Output<number>;
  declare public readonly startedAt: pulumi.Output<string>;
  declare public readonly stoppedAt: pulumi.Output<string>;
  declare public readonly appVersion: pulumi.Output<string>;

  constructor(name: string, args: MigrationRunArgs, opts?: pulumi.CustomResourceOptions) {
    super(migrationRunProvider, name, { ...args, ...TASK_RUN_OUTPUTS }, opts);
  }
}
