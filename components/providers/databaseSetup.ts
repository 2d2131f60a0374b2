import * as pulumi from "@pulumi/pulumi";
import { emptyInputFailures, PREVIEW_UNKNOWN } from "./awsClients";
import {
  NOTHING_RAN_ADVICE,
  oneOffTaskProvider,
  TASK_RUN_INPUT_KEYS,
  TASK_RUN_OUTPUTS,
  TaskRunArgs,
  TaskRunInputs,
  TaskRunPurpose,
} from "./taskRun";

export interface DatabaseSetupArgs extends TaskRunArgs {
  /**
   * The instance's `resourceId`, which a new instance (a replacement, a restore) changes:
   * a new value runs the setup again.
   */
  readonly instanceId: pulumi.Input<string>;
  /** Names of the databases the script creates; a change runs the setup again. */
  readonly databases: pulumi.Input<pulumi.Input<string>[]>;
}

export interface DatabaseSetupInputs extends TaskRunInputs {
  readonly instanceId: string;
  readonly databases: string[];
}

export const DATABASE_SETUP_STARTED_BY = "graasp-database-setup";

const INPUT_KEYS = [...TASK_RUN_INPUT_KEYS, "instanceId", "databases"] as const;
/**
 * What runs the setup again. A new task definition revision means a new script, image or
 * secret version (a changed password): the setup task definition pins its secret's version.
 */
export const DATABASE_SETUP_TRIGGERS = ["instanceId", "taskDefinitionArn", "databases"] as const;

export const DATABASE_SETUP_PURPOSE: TaskRunPurpose<DatabaseSetupInputs> = {
  noun: "database setup",
  startedBy: DATABASE_SETUP_STARTED_BY,
  tags: (inputs) => [{ key: "graasp:databases", value: inputs.databases.join(" ") }],
  defaultTimeoutMinutes: 15,
  adviceWhenRan:
    "The setup script is idempotent: read the log, fix the cause (a password the database refuses, a conflicting role or database), then run `pulumi up` again to run it again.",
  adviceWhenNotRan: NOTHING_RAN_ADVICE,
};

export function checkDatabaseSetupInputs(
  news: Partial<DatabaseSetupInputs>,
): pulumi.dynamic.CheckFailure[] {
  const failures = emptyInputFailures(news, ["instanceId"]);
  const databases = news.databases as unknown;
  const validList =
    databases === undefined ||
    databases === PREVIEW_UNKNOWN ||
    (Array.isArray(databases) &&
      databases.every((name) => typeof name === "string" && name !== ""));
  if (!validList)
    failures.push({
      property: "databases",
      reason: `\`databases\` must be a list of database names, not ${JSON.stringify(databases)}.`,
    });
  return failures;
}

// One object for the whole process: Pulumi serializes its closure once. Exported for tests.
export const databaseSetupProvider = oneOffTaskProvider<DatabaseSetupInputs>({
  purpose: DATABASE_SETUP_PURPOSE,
  inputKeys: INPUT_KEYS,
  triggers: DATABASE_SETUP_TRIGGERS,
  check: checkDatabaseSetupInputs,
});

/**
 * Runs the database setup task (application databases, users, passwords, ownership) when
 * created and again whenever the instance, the declared databases or the task definition
 * change; a plain `up` runs nothing. Fails the deployment unless the task exits 0.
 */
export class DatabaseSetup extends pulumi.dynamic.Resource {
  declare public readonly taskArn: pulumi.Output<string>;
  declare public readonly exitCode: pulumi.Output<number>;
  declare public readonly databases: pulumi.Output<string[]>;

  constructor(name: string, args: DatabaseSetupArgs, opts?: pulumi.CustomResourceOptions) {
    super(databaseSetupProvider, name, { ...args, ...TASK_RUN_OUTPUTS }, opts);
  }
}
