import * as pulumi from "@pulumi/pulumi";
import type { Container, ECSClient, Task } from "@aws-sdk/client-ecs";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import {
  awsClientConfig,
  changedInputs,
  Clock,
  describeError,
  pollUntil,
  pickInputs,
  systemClock,
  timeoutMinutesFailure,
  timeoutMsOf,
} from "./awsClients";
import { DrainArgs, drainFailures, DrainInputs, waitForDrain } from "./drain";

export interface MigrationRunArgs {
  /** AWS region of the cluster, e.g. `eu-central-1`. */
  readonly region: pulumi.Input<string>;
  /** ARN of the ECS cluster the migration task runs in. */
  readonly clusterArn: pulumi.Input<string>;
  /** ARN of the migration task definition; its family is also used to detect a running migration. */
  readonly taskDefinitionArn: pulumi.Input<string>;
  /** Subnets of the task's network interface. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security groups of the task's network interface. */
  readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Whether the task gets a public IP, needed to pull images from a public subnet without NAT. */
  readonly assignPublicIp: pulumi.Input<boolean>;
  /** Container whose exit code decides success, e.g. `migrate`. */
  readonly containerName: pulumi.Input<string>;
  /** The `awslogs-group` of that container, read for the log tail of a failed run. */
  readonly logGroupName: pulumi.Input<string>;
  /** The `awslogs-stream-prefix`; the stream is `<prefix>/<containerName>/<task id>`. */
  readonly logStreamPrefix: pulumi.Input<string>;
  /**
   * Version of the application being migrated to. Changing it replaces this resource, which
   * runs the migration again; nothing else does.
   */
  readonly appVersion: pulumi.Input<string>;
  /**
   * IAM role to assume for the ECS and CloudWatch Logs calls, on top of the credentials of the
   * process running `pulumi up`. @default none: those credentials are used directly
   */
  readonly assumeRoleArn?: pulumi.Input<string>;
  /**
   * Minutes to wait, in all, for the `drain` services and for the task to stop before failing
   * (the task keeps running). @default 60
   */
  readonly timeoutMinutes?: pulumi.Input<number>;
  /**
   * ECS services that must have no task left before the migration starts, so that no old code
   * uses the schema it changes. Changing it never runs the migration again. @default none
   */
  readonly drain?: DrainArgs;
}

/** The inputs as the provider receives them, once Pulumi has resolved them. */
export interface MigrationRunInputs {
  readonly region: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly assignPublicIp: boolean;
  readonly containerName: string;
  readonly logGroupName: string;
  readonly logStreamPrefix: string;
  readonly appVersion: string;
  readonly assumeRoleArn?: string;
  readonly timeoutMinutes?: number;
  readonly drain?: DrainInputs;
}

export interface MigrationRunOutputs extends MigrationRunInputs {
  readonly taskArn: string;
  readonly exitCode: number;
  /** ISO 8601 times of the task's start and stop. */
  readonly startedAt: string;
  readonly stoppedAt: string;
}

export const DEFAULT_MIGRATION_TIMEOUT_MINUTES = 60;
/** `startedBy` of every task this provider launches, to find them in the console and CLI. */
export const MIGRATION_STARTED_BY = "graasp-migration";
export const LOG_TAIL_LINES = 20;

const INPUT_KEYS = [
  "region",
  "clusterArn",
  "taskDefinitionArn",
  "subnetIds",
  "securityGroupIds",
  "assignPublicIp",
  "containerName",
  "logGroupName",
  "logStreamPrefix",
  "appVersion",
  "assumeRoleArn",
  "timeoutMinutes",
  "drain",
] as const;

/**
 * Only a new `appVersion` runs the migration again. Any other change (a new task definition
 * revision, other subnets, other services to drain) is an update that keeps the record of the
 * run that already happened.
 */
export function diffMigrationRun(
  olds: Partial<MigrationRunOutputs>,
  news: Partial<MigrationRunInputs>,
): pulumi.dynamic.DiffResult {
  if (changedInputs(["appVersion"], olds, news).length > 0) {
    return { changes: true, replaces: ["appVersion"] };
  }
  return { changes: changedInputs(INPUT_KEYS, olds, news).length > 0 };
}

export function checkMigrationRunInputs(
  news: Partial<MigrationRunInputs>,
): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (news.appVersion === "") {
    failures.push({ property: "appVersion", reason: "`appVersion` must not be empty." });
  }
  if (Array.isArray(news.subnetIds) && news.subnetIds.length === 0) {
    failures.push({ property: "subnetIds", reason: "`subnetIds` needs at least one subnet." });
  }
  failures.push(...timeoutMinutesFailure(news.timeoutMinutes));
  failures.push(...drainFailures(news.drain));
  return failures;
}

/** `migrate` from `arn:aws:ecs:…:task-definition/migrate:12`, `migrate:12` or `migrate`. */
export function taskFamilyOf(taskDefinitionArn: string): string {
  const nameAndRevision = taskDefinitionArn.split("/").pop() ?? taskDefinitionArn;
  return nameAndRevision.split(":")[0];
}

function inputsOf(props: Partial<MigrationRunInputs>): MigrationRunInputs {
  return pickInputs(INPUT_KEYS, props) as unknown as MigrationRunInputs;
}

function stopTaskCommand(inputs: MigrationRunInputs, taskArn: string): string {
  return `\`aws ecs stop-task --region ${inputs.region} --cluster ${inputs.clusterArn} --task ${taskArn}\``;
}

function ecsSdk(): typeof import("@aws-sdk/client-ecs") {
  // Loaded at run time so that neither the program nor the serialized provider carries the SDK.
  return require("@aws-sdk/client-ecs");
}

function logsSdk(): typeof import("@aws-sdk/client-cloudwatch-logs") {
  return require("@aws-sdk/client-cloudwatch-logs");
}

/** Runs one migration task to completion; all AWS calls of the provider go through here. */
export class MigrationRunner {
  constructor(
    private readonly ecs: ECSClient,
    private readonly logs: CloudWatchLogsClient,
    private readonly clock: Clock = systemClock,
  ) {}

  async run(inputs: MigrationRunInputs): Promise<MigrationRunOutputs> {
    const timeoutMinutes = inputs.timeoutMinutes ?? DEFAULT_MIGRATION_TIMEOUT_MINUTES;
    // One budget for the drain and the run, so `timeoutMinutes` bounds the whole step.
    const deadline =
      this.clock.now() + timeoutMsOf(timeoutMinutes, DEFAULT_MIGRATION_TIMEOUT_MINUTES);
    await waitForDrain(this.ecs, inputs.drain, {
      clock: this.clock,
      deadline,
      timeoutMinutes,
      notDone: `the migration (task family "${taskFamilyOf(inputs.taskDefinitionArn)}") was not started`,
    });
    await this.refuseIfAlreadyRunning(inputs);
    const taskArn = await this.start(inputs);
    const task = await this.waitUntilStopped(inputs, taskArn, deadline);
    const container = task.containers?.find((c) => c.name === inputs.containerName);
    if (container?.exitCode !== 0) {
      throw new Error(await this.failureMessage(inputs, taskArn, task, container));
    }
    return {
      ...inputsOf(inputs),
      taskArn,
      exitCode: 0,
      startedAt: (task.startedAt ?? task.createdAt)?.toISOString() ?? "",
      stoppedAt: task.stoppedAt?.toISOString() ?? "",
    };
  }

  // By family rather than by startedBy: ListTasks accepts startedBy only as its sole filter, and
  // the family also catches a migration started by hand or by the old workflow.
  private async refuseIfAlreadyRunning(inputs: MigrationRunInputs): Promise<void> {
    const sdk = ecsSdk();
    const family = taskFamilyOf(inputs.taskDefinitionArn);
    const listed = await this.ecs.send(
      new sdk.ListTasksCommand({ cluster: inputs.clusterArn, family, desiredStatus: "RUNNING" }),
    );
    const running = listed.taskArns ?? [];
    if (running.length > 0) {
      throw new Error(
        `A migration of task family "${family}" is already running in cluster ${inputs.clusterArn}: ${running.join(", ")}. Wait for it to finish, or stop it with ${stopTaskCommand(inputs, running[0])}, then run \`pulumi up\` again.`,
      );
    }
  }

  private async start(inputs: MigrationRunInputs): Promise<string> {
    const sdk = ecsSdk();
    const started = await this.ecs.send(
      new sdk.RunTaskCommand({
        cluster: inputs.clusterArn,
        taskDefinition: inputs.taskDefinitionArn,
        launchType: "FARGATE",
        count: 1,
        startedBy: MIGRATION_STARTED_BY,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: inputs.subnetIds,
            securityGroups: inputs.securityGroupIds,
            assignPublicIp: inputs.assignPublicIp ? "ENABLED" : "DISABLED",
          },
        },
        tags: [
          { key: "graasp:purpose", value: "migration" },
          { key: "graasp:app-version", value: inputs.appVersion },
        ],
      }),
    );
    const taskArn = started.tasks?.[0]?.taskArn;
    const failures = started.failures ?? [];
    if (failures.length > 0 || taskArn === undefined) {
      const reasons = failures.map(
        (f) => `${f.arn ?? "?"}: ${f.reason ?? "?"} (${f.detail ?? "no detail"})`,
      );
      throw new Error(
        `ECS did not start the migration task: ${reasons.join("; ") || "RunTask returned no task"}. Fix the cause (subnets, security groups, capacity or task definition), then run \`pulumi up\` again.`,
      );
    }
    return taskArn;
  }

  private async waitUntilStopped(
    inputs: MigrationRunInputs,
    taskArn: string,
    deadline: number,
  ): Promise<Task> {
    const sdk = ecsSdk();
    const timeoutMinutes = inputs.timeoutMinutes ?? DEFAULT_MIGRATION_TIMEOUT_MINUTES;
    return pollUntil<Task, string>(
      async () => {
        const described = await this.ecs.send(
          new sdk.DescribeTasksCommand({ cluster: inputs.clusterArn, tasks: [taskArn] }),
        );
        // A task can be missing from DescribeTasks for a moment after RunTask; keep polling.
        const task = described.tasks?.[0];
        if (task?.lastStatus === "STOPPED") {
          return { done: true, value: task };
        }
        return { done: false, seen: task?.lastStatus ?? "not visible yet" };
      },
      {
        clock: this.clock,
        timeoutMs: deadline - this.clock.now(),
        timeoutError: (lastStatus) =>
          new Error(
            `Migration task ${taskArn} did not stop within ${timeoutMinutes} minutes (last status ${lastStatus}); it is still running and was not stopped. Watch it in the ECS console, or stop it with ${stopTaskCommand(inputs, taskArn)}, then run \`pulumi up\` again.`,
          ),
      },
    );
  }

  private async failureMessage(
    inputs: MigrationRunInputs,
    taskArn: string,
    task: Task,
    container: Container | undefined,
  ): Promise<string> {
    const outcome =
      container === undefined
        ? `no exit code: the task has no container named "${inputs.containerName}" (check \`containerName\`)`
        : container.exitCode === undefined
          ? `no exit code: the container "${inputs.containerName}" never started`
          : `container "${inputs.containerName}" exited with code ${container.exitCode}`;
    const ranMigration = container?.exitCode !== undefined;
    return [
      `Migration task ${taskArn} failed: ${outcome}.`,
      `Task stopped reason: ${task.stoppedReason ?? "none"} (stop code ${task.stopCode ?? "none"}).`,
      `Container reason: ${container?.reason ?? "none"}.`,
      await this.logTail(inputs, taskArn),
      ranMigration
        ? "The database may be partly migrated: read the log, restore the pre-release snapshot if needed, fix the cause, then run `pulumi up` again to start a new migration."
        : "Nothing ran against the database: fix the cause (image, network, secrets or task definition), then run `pulumi up` again.",
    ].join("\n");
  }

  // Never throws: a missing log must not hide why the migration failed.
  private async logTail(inputs: MigrationRunInputs, taskArn: string): Promise<string> {
    const sdk = logsSdk();
    const taskId = taskArn.split("/").pop() ?? taskArn;
    const stream = `${inputs.logStreamPrefix}/${inputs.containerName}/${taskId}`;
    const where = `log group ${inputs.logGroupName}, stream ${stream}`;
    try {
      const page = await this.logs.send(
        new sdk.GetLogEventsCommand({
          logGroupName: inputs.logGroupName,
          logStreamName: stream,
          startFromHead: false,
          limit: LOG_TAIL_LINES,
        }),
      );
      const lines = (page.events ?? []).map((e) => `  ${(e.message ?? "").trimEnd()}`);
      return lines.length === 0
        ? `The log (${where}) is empty.`
        : [`Last ${lines.length} log lines (${where}):`, ...lines].join("\n");
    } catch (error) {
      return `The log (${where}) could not be read: ${describeError(error)}.`;
    }
  }
}

function runnerFor(inputs: MigrationRunInputs): MigrationRunner {
  const config = awsClientConfig(inputs.region, inputs.assumeRoleArn);
  return new MigrationRunner(
    new (ecsSdk().ECSClient)(config),
    new (logsSdk().CloudWatchLogsClient)(config),
  );
}

// One object for the whole process: Pulumi caches its serialized closure by identity, so every
// MigrationRun after the first costs no serialization. Exported for tests.
export const migrationRunProvider: pulumi.dynamic.ResourceProvider<
  MigrationRunInputs,
  MigrationRunOutputs
> = {
  check: async (_olds, news) => ({ inputs: news, failures: checkMigrationRunInputs(news) }),
  diff: async (_id, olds, news) => diffMigrationRun(olds, news),
  create: async (inputs) => {
    const outs = await runnerFor(inputs).run(inputs);
    return { id: outs.taskArn, outs };
  },
  // Reached only for changes other than appVersion: record the new inputs, launch nothing.
  update: async (_id, olds, news) => ({
    outs: {
      ...inputsOf(news),
      taskArn: olds.taskArn,
      exitCode: olds.exitCode,
      startedAt: olds.startedAt,
      stoppedAt: olds.stoppedAt,
    },
  }),
  // The task finished long ago and ECS forgets stopped tasks within hours: nothing to delete.
  delete: async () => {},
};

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
    const outputs = { taskArn: undefined, exitCode: undefined, startedAt: undefined };
    super(migrationRunProvider, name, { ...args, ...outputs, stoppedAt: undefined }, opts);
  }
}
