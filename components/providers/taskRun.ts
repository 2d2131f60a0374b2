/**
 * One-off ECS tasks run by dynamic providers: start one Fargate task, wait until it stops,
 * succeed only if its main container exited 0, otherwise fail with the exit code, the stop
 * reasons and the tail of its log. MigrationRun, InitialMigration and DatabaseSetup are this
 * runner with their own purpose (messages, tags) and their own triggers (what runs it again).
 *
 * Serialized into the providers' closures: it imports the AWS SDK for types only and loads it
 * at run time.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CheckFailure, DiffResult, ResourceProvider } from "@pulumi/pulumi/dynamic";
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

/** Where and how the task runs; every one-off resource takes these. */
export interface TaskRunArgs {
  /** AWS region of the cluster, e.g. `eu-central-1`. */
  readonly region: pulumi.Input<string>;
  /** ARN of the ECS cluster the task runs in. */
  readonly clusterArn: pulumi.Input<string>;
  /** ARN of the task definition; its family is also used to detect a run already going on. */
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
   * ECS services that must have no task left before the task starts. Changing it never runs
   * the task again. @default none
   */
  readonly drain?: DrainArgs;
}

/** `TaskRunArgs` as the provider receives them, once Pulumi has resolved them. */
export interface TaskRunInputs {
  readonly region: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly assignPublicIp: boolean;
  readonly containerName: string;
  readonly logGroupName: string;
  readonly logStreamPrefix: string;
  readonly assumeRoleArn?: string;
  readonly timeoutMinutes?: number;
  readonly drain?: DrainInputs;
}

/** What a successful run records. */
export interface TaskRunRecord {
  readonly taskArn: string;
  readonly exitCode: number;
  /** ISO 8601 times of the task's start and stop. */
  readonly startedAt: string;
  readonly stoppedAt: string;
}

/** The words, tags and advice that make the runner's messages specific to one purpose. */
export interface TaskRunPurpose<I extends TaskRunInputs = TaskRunInputs> {
  /** Lower-case noun used in sentences, e.g. `migration` or `database setup`. */
  readonly noun: string;
  /** `startedBy` of every task launched, to find them in the console and CLI. */
  readonly startedBy: string;
  /** Tags of the task beyond `graasp:purpose` (= `startedBy` without `graasp-`). */
  readonly tags: (inputs: I) => { key: string; value: string }[];
  readonly defaultTimeoutMinutes: number;
  /** Last line of a failure when the container ran, and when it never started. */
  readonly adviceWhenRan: string;
  readonly adviceWhenNotRan: string;
}

export const DEFAULT_TASK_TIMEOUT_MINUTES = 60;
/** What a failure says when the task never ran its command, whatever its purpose. */
export const NOTHING_RAN_ADVICE =
  "Nothing ran against the database: fix the cause (image, network, secrets or task definition), then run `pulumi up` again.";
export const LOG_TAIL_LINES = 20;

export const TASK_RUN_INPUT_KEYS = [
  "region",
  "clusterArn",
  "taskDefinitionArn",
  "subnetIds",
  "securityGroupIds",
  "assignPublicIp",
  "containerName",
  "logGroupName",
  "logStreamPrefix",
  "assumeRoleArn",
  "timeoutMinutes",
  "drain",
] as const;

/** `migrate` from `arn:aws:ecs:…:task-definition/migrate:12`, `migrate:12` or `migrate`. */
export function taskFamilyOf(taskDefinitionArn: string): string {
  const nameAndRevision = taskDefinitionArn.split("/").pop() ?? taskDefinitionArn;
  return nameAndRevision.split(":")[0];
}

/** Failures common to every one-off task: subnets, timeout, drain. */
export function checkTaskRunInputs(news: Partial<TaskRunInputs>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  if (Array.isArray(news.subnetIds) && news.subnetIds.length === 0) {
    failures.push({ property: "subnetIds", reason: "`subnetIds` needs at least one subnet." });
  }
  failures.push(...timeoutMinutesFailure(news.timeoutMinutes));
  failures.push(...drainFailures(news.drain));
  return failures;
}

/**
 * A change of a trigger replaces the resource, which runs the task again; any other change is
 * an update that keeps the record of the run that already happened.
 */
export function diffTaskRun<K extends string>(
  triggers: readonly K[],
  inputKeys: readonly K[],
  olds: Partial<Record<K, unknown>>,
  news: Partial<Record<K, unknown>>,
): DiffResult {
  const replaces = changedInputs(triggers, olds, news);
  if (replaces.length > 0) return { changes: true, replaces };
  return { changes: changedInputs(inputKeys, olds, news).length > 0 };
}

function stopTaskCommand(inputs: TaskRunInputs, taskArn: string): string {
  return `\`aws ecs stop-task --region ${inputs.region} --cluster ${inputs.clusterArn} --task ${taskArn}\``;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function ecsSdk(): typeof import("@aws-sdk/client-ecs") {
  // Loaded at run time so that neither the program nor the serialized provider carries the SDK.
  return require("@aws-sdk/client-ecs");
}

function logsSdk(): typeof import("@aws-sdk/client-cloudwatch-logs") {
  return require("@aws-sdk/client-cloudwatch-logs");
}

/** Runs one task to completion; all AWS calls of the providers go through here. */
export class OneOffTaskRunner<I extends TaskRunInputs = TaskRunInputs> {
  constructor(
    private readonly ecs: ECSClient,
    private readonly logs: CloudWatchLogsClient,
    private readonly purpose: TaskRunPurpose<I>,
    private readonly clock: Clock = systemClock,
  ) {}

  async run(inputs: I): Promise<TaskRunRecord> {
    const timeoutMinutes = inputs.timeoutMinutes ?? this.purpose.defaultTimeoutMinutes;
    // One budget for the drain and the run, so `timeoutMinutes` bounds the whole step.
    const deadline =
      this.clock.now() + timeoutMsOf(timeoutMinutes, this.purpose.defaultTimeoutMinutes);
    await waitForDrain(this.ecs, inputs.drain, {
      clock: this.clock,
      deadline,
      timeoutMinutes,
      notDone: `the ${this.purpose.noun} (task family "${taskFamilyOf(inputs.taskDefinitionArn)}") was not started`,
    });
    await this.refuseIfAlreadyRunning(inputs);
    const taskArn = await this.start(inputs);
    const task = await this.waitUntilStopped(inputs, taskArn, deadline, timeoutMinutes);
    const container = task.containers?.find((c) => c.name === inputs.containerName);
    if (container?.exitCode !== 0) {
      throw new Error(await this.failureMessage(inputs, taskArn, task, container));
    }
    return {
      taskArn,
      exitCode: 0,
      startedAt: (task.startedAt ?? task.createdAt)?.toISOString() ?? "",
      stoppedAt: task.stoppedAt?.toISOString() ?? "",
    };
  }

  // By family rather than by startedBy: ListTasks accepts startedBy only as its sole filter, and
  // the family also catches a run started by hand.
  private async refuseIfAlreadyRunning(inputs: I): Promise<void> {
    const sdk = ecsSdk();
    const family = taskFamilyOf(inputs.taskDefinitionArn);
    const listed = await this.ecs.send(
      new sdk.ListTasksCommand({ cluster: inputs.clusterArn, family, desiredStatus: "RUNNING" }),
    );
    const running = listed.taskArns ?? [];
    if (running.length > 0) {
      throw new Error(
        `A ${this.purpose.noun} of task family "${family}" is already running in cluster ${inputs.clusterArn}: ${running.join(", ")}. Wait for it to finish, or stop it with ${stopTaskCommand(inputs, running[0])}, then run \`pulumi up\` again.`,
      );
    }
  }

  private async start(inputs: I): Promise<string> {
    const sdk = ecsSdk();
    const started = await this.ecs.send(
      new sdk.RunTaskCommand({
        cluster: inputs.clusterArn,
        taskDefinition: inputs.taskDefinitionArn,
        launchType: "FARGATE",
        count: 1,
        startedBy: this.purpose.startedBy,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: inputs.subnetIds,
            securityGroups: inputs.securityGroupIds,
            assignPublicIp: inputs.assignPublicIp ? "ENABLED" : "DISABLED",
          },
        },
        tags: [
          { key: "graasp:purpose", value: this.purpose.startedBy.replace(/^graasp-/, "") },
          ...this.purpose.tags(inputs),
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
        `ECS did not start the ${this.purpose.noun} task: ${reasons.join("; ") || "RunTask returned no task"}. Fix the cause (subnets, security groups, capacity or task definition), then run \`pulumi up\` again.`,
      );
    }
    return taskArn;
  }

  private async waitUntilStopped(
    inputs: I,
    taskArn: string,
    deadline: number,
    timeoutMinutes: number,
  ): Promise<Task> {
    const sdk = ecsSdk();
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
            `${capitalized(this.purpose.noun)} task ${taskArn} did not stop within ${timeoutMinutes} minutes (last status ${lastStatus}); it is still running and was not stopped. Watch it in the ECS console, or stop it with ${stopTaskCommand(inputs, taskArn)}, then run \`pulumi up\` again.`,
          ),
      },
    );
  }

  private async failureMessage(
    inputs: I,
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
    const ran = container?.exitCode !== undefined;
    return [
      `${capitalized(this.purpose.noun)} task ${taskArn} failed: ${outcome}.`,
      `Task stopped reason: ${task.stoppedReason ?? "none"} (stop code ${task.stopCode ?? "none"}).`,
      `Container reason: ${container?.reason ?? "none"}.`,
      await this.logTail(inputs, taskArn),
      ran ? this.purpose.adviceWhenRan : this.purpose.adviceWhenNotRan,
    ].join("\n");
  }

  // Never throws: a missing log must not hide why the task failed.
  private async logTail(inputs: I, taskArn: string): Promise<string> {
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

/** A runner with real clients for the inputs' region and role. */
export function taskRunnerFor<I extends TaskRunInputs>(
  inputs: I,
  purpose: TaskRunPurpose<I>,
): OneOffTaskRunner<I> {
  const config = awsClientConfig(inputs.region, inputs.assumeRoleArn);
  return new OneOffTaskRunner(
    new (ecsSdk().ECSClient)(config),
    new (logsSdk().CloudWatchLogsClient)(config),
    purpose,
  );
}

export interface OneOffTaskProviderSpec<I extends TaskRunInputs> {
  readonly purpose: TaskRunPurpose<I>;
  /** Every input key the provider records (the common ones and its own). */
  readonly inputKeys: readonly (keyof I & string)[];
  /** Inputs whose change runs the task again. */
  readonly triggers: readonly (keyof I & string)[];
  /** Checks of the provider's own inputs, besides the common ones. */
  readonly check?: (news: Partial<I>) => CheckFailure[];
}

/**
 * The provider of a one-off task resource: create runs the task, a trigger change replaces
 * (runs again), any other change only records the new inputs, delete does nothing (ECS forgets
 * stopped tasks within hours). Previews never launch anything.
 */
export function oneOffTaskProvider<I extends TaskRunInputs>(
  spec: OneOffTaskProviderSpec<I>,
): ResourceProvider<I, I & TaskRunRecord> {
  const inputsOf = (props: Partial<I>) =>
    pickInputs(spec.inputKeys, props as Partial<Record<string, unknown>>) as unknown as I;
  return {
    check: async (_olds, news) => ({
      inputs: news,
      failures: [...(spec.check?.(news) ?? []), ...checkTaskRunInputs(news)],
    }),
    diff: async (_id, olds, news) =>
      diffTaskRun(
        spec.triggers,
        spec.inputKeys,
        olds as unknown as Partial<Record<string, unknown>>,
        news as unknown as Partial<Record<string, unknown>>,
      ),
    create: async (inputs) => {
      const record = await taskRunnerFor(inputs, spec.purpose).run(inputs);
      return { id: record.taskArn, outs: { ...inputsOf(inputs), ...record } };
    },
    update: async (_id, olds, news) => ({
      outs: {
        ...inputsOf(news),
        taskArn: olds.taskArn,
        exitCode: olds.exitCode,
        startedAt: olds.startedAt,
        stoppedAt: olds.stoppedAt,
      },
    }),
    delete: async () => {},
  };
}

/** The outputs every one-off resource declares, unknown until it has run. */
export const TASK_RUN_OUTPUTS = {
  taskArn: undefined,
  exitCode: undefined,
  startedAt: undefined,
  stoppedAt: undefined,
} as const;
