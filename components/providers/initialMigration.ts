import * as pulumi from "@pulumi/pulumi";
import { emptyInputFailures } from "./awsClients";
import { MIGRATION_PURPOSE } from "./migrationRun";
import {
  oneOffTaskProvider,
  TASK_RUN_INPUT_KEYS,
  TASK_RUN_OUTPUTS,
  TaskRunArgs,
  TaskRunInputs,
  TaskRunPurpose,
} from "./taskRun";

export interface InitialMigrationArgs extends TaskRunArgs {
  /** The instance's `resourceId`: only a new instance (replaced, restored) runs it again. */
  readonly instanceId: pulumi.Input<string>;
  /** Version the migration task runs; recorded, never a reason to run again. */
  readonly appVersion: pulumi.Input<string>;
}

export interface InitialMigrationInputs extends TaskRunInputs {
  readonly instanceId: string;
  readonly appVersion: string;
}

export const INITIAL_MIGRATION_STARTED_BY = "graasp-initial-migration";

const INPUT_KEYS = [...TASK_RUN_INPUT_KEYS, "instanceId", "appVersion"] as const;

export const INITIAL_MIGRATION_PURPOSE: TaskRunPurpose<InitialMigrationInputs> = {
  ...MIGRATION_PURPOSE,
  noun: "initial migration",
  startedBy: INITIAL_MIGRATION_STARTED_BY,
  adviceWhenRan:
    "The new database may be partly migrated: read the log, fix the cause (image tag, schema of a restored snapshot), then run `pulumi up` again to start a new migration.",
};

export function checkInitialMigrationInputs(
  news: Partial<InitialMigrationInputs>,
): pulumi.dynamic.CheckFailure[] {
  return emptyInputFailures(news, ["instanceId", "appVersion"]);
}

// One object for the whole process: Pulumi serializes its closure once. Exported for tests.
export const initialMigrationProvider = oneOffTaskProvider<InitialMigrationInputs>({
  purpose: INITIAL_MIGRATION_PURPOSE,
  inputKeys: INPUT_KEYS,
  triggers: ["instanceId"],
  check: checkInitialMigrationInputs,
});

/**
 * Migrates a new database's schema once, in every deployment state, before any service that
 * uses the database starts: created with the instance, it runs the migration task of the
 * `appVersion` of that day. Later releases are `MigrationRun`'s job (in `db-only`).
 */
export class InitialMigration extends pulumi.dynamic.Resource {
  declare public readonly taskArn: pulumi.Output<string>;
  declare public readonly exitCode: pulumi.Output<number>;
  declare public readonly appVersion: pulumi.Output<string>;

  constructor(name: string, args: InitialMigrationArgs, opts?: pulumi.CustomResourceOptions) {
    super(initialMigrationProvider, name, { ...args, ...TASK_RUN_OUTPUTS }, opts);
  }
}
