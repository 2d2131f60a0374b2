import * as pulumi from "@pulumi/pulumi";
import type { Deployment, ECSClient, Service, Task } from "@aws-sdk/client-ecs";
import {
  awsClientConfig,
  changedInputs,
  Clock,
  describeError,
  emptyInputFailures,
  pickInputs,
  pollUntil,
  PollAttempt,
  systemClock,
  timeoutMinutesFailure,
  timeoutMsOf,
} from "./awsClients";

export interface DeploymentCheckArgs {
  /** AWS region of the cluster, e.g. `eu-central-1`. */
  readonly region: pulumi.Input<string>;
  /** ARN of the ECS cluster the service runs in. */
  readonly clusterArn: pulumi.Input<string>;
  /** Name of the ECS service (not its ARN). */
  readonly serviceName: pulumi.Input<string>;
  /** ARN, with revision, of the task definition the program gave the service. */
  readonly taskDefinitionArn: pulumi.Input<string>;
  /** Tasks the program asked for; a new count re-checks the deployment it starts. */
  readonly desiredCount: pulumi.Input<number>;
  /**
   * IAM role to assume for the ECS calls, on top of the credentials of the process running
   * `pulumi up`. @default none: those credentials are used directly
   */
  readonly assumeRoleArn?: pulumi.Input<string>;
  /** Minutes to wait for the deployment to complete. @default 20 */
  readonly timeoutMinutes?: pulumi.Input<number>;
}

/** The inputs as the provider receives them, once Pulumi has resolved them. */
export interface DeploymentCheckInputs {
  readonly region: string;
  readonly clusterArn: string;
  readonly serviceName: string;
  readonly taskDefinitionArn: string;
  readonly desiredCount: number;
  readonly assumeRoleArn?: string;
  readonly timeoutMinutes?: number;
}

export interface DeploymentCheckOutputs extends DeploymentCheckInputs {
  /** The ECS deployment found complete with the expected task definition. */
  readonly deploymentId: string;
}

export const DEFAULT_DEPLOYMENT_TIMEOUT_MINUTES = 20;
/** The number of stopped tasks ListTasks returns at most in one page, all DescribeTasks takes. */
const STOPPED_TASKS_LOOKED_AT = 100;

const INPUT_KEYS = [
  "region",
  "clusterArn",
  "serviceName",
  "taskDefinitionArn",
  "desiredCount",
  "assumeRoleArn",
  "timeoutMinutes",
] as const;

/** Any changed input checks again; nothing is ever replaced, since nothing is created. */
export function diffDeploymentCheck(
  olds: Partial<DeploymentCheckOutputs>,
  news: Partial<DeploymentCheckInputs>,
): pulumi.dynamic.DiffResult {
  return { changes: changedInputs(INPUT_KEYS, olds, news).length > 0 };
}

export function checkDeploymentCheckInputs(
  news: Partial<DeploymentCheckInputs>,
): pulumi.dynamic.CheckFailure[] {
  return [
    ...timeoutMinutesFailure(news.timeoutMinutes),
    ...emptyInputFailures(news, ["serviceName"]),
  ];
}

/**
 * What a service's primary deployment amounts to: done when it runs the expected task
 * definition and completed; an error message when ECS rolled it back or marked it failed;
 * otherwise still in progress, with what was seen.
 */
export type DeploymentVerdict =
  | { readonly kind: "completed"; readonly deploymentId: string }
  | { readonly kind: "rolled-back"; readonly running: string; readonly reason: string }
  | { readonly kind: "failed"; readonly reason: string }
  | { readonly kind: "in-progress"; readonly seen: string };

/**
 * Judges the deployments of one service. A circuit-breaker rollback shows as a PRIMARY
 * deployment of the previous task definition; the failed one, while ECS still lists it, carries
 * `rolloutState` FAILED and the reason.
 */
export function judgeDeployments(
  service: Service,
  expectedTaskDefinition: string,
): DeploymentVerdict {
  const deployments = service.deployments ?? [];
  const primary = deployments.find((deployment) => deployment.status === "PRIMARY");
  if (primary === undefined) {
    return { kind: "in-progress", seen: "no PRIMARY deployment yet" };
  }
  if (primary.taskDefinition !== expectedTaskDefinition) {
    const failed = deployments.find(
      (deployment) =>
        deployment !== primary && deployment.taskDefinition === expectedTaskDefinition,
    );
    return {
      kind: "rolled-back",
      running: primary.taskDefinition ?? "unknown",
      reason: rollbackReason(service, failed, primary),
    };
  }
  if (primary.rolloutState === "FAILED") {
    return { kind: "failed", reason: primary.rolloutStateReason ?? "not reported by ECS" };
  }
  // Without a rollout state (never so with the circuit breaker on), a single deployment with
  // all its tasks running is the steady state.
  const steady =
    primary.rolloutState === "COMPLETED" ||
    (primary.rolloutState === undefined &&
      deployments.length === 1 &&
      primary.runningCount === primary.desiredCount);
  if (steady) {
    return { kind: "completed", deploymentId: primary.id ?? "" };
  }
  return {
    kind: "in-progress",
    seen: `rollout ${primary.rolloutState ?? "state unknown"}, ${primary.runningCount ?? 0} of ${primary.desiredCount ?? 0} tasks running`,
  };
}

function rollbackReason(
  service: Service,
  failed: Deployment | undefined,
  primary: Deployment,
): string {
  const circuitBreakerEvent = (service.events ?? []).find((event) =>
    /circuit breaker|roll(ed|ing)? ?back/i.test(event.message ?? ""),
  );
  return (
    failed?.rolloutStateReason ??
    primary.rolloutStateReason ??
    circuitBreakerEvent?.message ??
    "not reported by ECS"
  );
}

/** One line on a stopped task: its stop reason, code and each container's exit. */
export function describeStoppedTask(task: Task): string {
  const containers = (task.containers ?? []).map(
    (container) =>
      `container "${container.name ?? "?"}" ${container.exitCode === undefined ? "has no exit code" : `exited with code ${container.exitCode}`}${container.reason === undefined ? "" : ` (${container.reason})`}`,
  );
  return [
    `${task.taskArn ?? "unknown task"} (task definition ${task.taskDefinitionArn ?? "unknown"}) stopped: ${task.stoppedReason ?? "no reason given"} (stop code ${task.stopCode ?? "none"})`,
    ...containers,
  ].join("; ");
}

// ECS's reasons sometimes end with a period, sometimes not; ours end the sentence.
function withoutFinalPeriod(text: string): string {
  return text.replace(/\.+$/, "");
}

function ecsSdk(): typeof import("@aws-sdk/client-ecs") {
  // Loaded at run time so that neither the program nor the serialized provider carries the SDK.
  return require("@aws-sdk/client-ecs");
}

/** Verifies one service's deployment; all AWS calls of the provider go through here. */
export class DeploymentChecker {
  constructor(
    private readonly ecs: ECSClient,
    private readonly clock: Clock = systemClock,
  ) {}

  async check(inputs: DeploymentCheckInputs): Promise<DeploymentCheckOutputs> {
    const timeoutMinutes = inputs.timeoutMinutes ?? DEFAULT_DEPLOYMENT_TIMEOUT_MINUTES;
    const what = `ECS service "${inputs.serviceName}" of cluster ${inputs.clusterArn}`;
    const deploymentId = await pollUntil<string, string>(
      async (): Promise<PollAttempt<string, string>> => {
        const verdict = judgeDeployments(
          await this.describe(inputs, what),
          inputs.taskDefinitionArn,
        );
        switch (verdict.kind) {
          case "completed":
            return { done: true, value: verdict.deploymentId };
          case "in-progress":
            return { done: false, seen: verdict.seen };
          case "rolled-back":
            throw new Error(
              [
                `ECS rolled back the deployment of ${what}: its primary deployment runs task definition ${verdict.running}, not ${inputs.taskDefinitionArn}, which this update registered.`,
                `Rollback reason: ${withoutFinalPeriod(verdict.reason)}.`,
                `Last stopped task: ${await this.lastStoppedTask(inputs)}.`,
                "The new version does not run: fix the cause (image, secrets, health check; see the service's events and the task's log), then run `pulumi up` again.",
              ].join("\n"),
            );
          case "failed":
            throw new Error(
              [
                `The deployment of task definition ${inputs.taskDefinitionArn} to ${what} failed: ${withoutFinalPeriod(verdict.reason)}.`,
                `Last stopped task: ${await this.lastStoppedTask(inputs)}.`,
                "Fix the cause (image, secrets, health check; see the service's events and the task's log), then run `pulumi up` again.",
              ].join("\n"),
            );
        }
      },
      {
        clock: this.clock,
        timeoutMs: timeoutMsOf(timeoutMinutes, DEFAULT_DEPLOYMENT_TIMEOUT_MINUTES),
        timeoutError: (seen) =>
          new Error(
            `Timed out after ${timeoutMinutes} minutes waiting for the deployment of task definition ${inputs.taskDefinitionArn} to ${what} to complete (${seen}). Watch it in the ECS console, then run \`pulumi up\` again, or raise \`timeoutMinutes\` if it is only slow.`,
          ),
      },
    );
    return { ...(pickInputs(INPUT_KEYS, inputs) as DeploymentCheckInputs), deploymentId };
  }

  private async describe(inputs: DeploymentCheckInputs, what: string): Promise<Service> {
    const sdk = ecsSdk();
    let described;
    try {
      described = await this.ecs.send(
        new sdk.DescribeServicesCommand({
          cluster: inputs.clusterArn,
          services: [inputs.serviceName],
        }),
      );
    } catch (error) {
      throw new Error(
        `Could not read the deployments of ${what}: ${describeError(error)}. Check that the credentials in use may call ecs:DescribeServices, then run \`pulumi up\` again.`,
      );
    }
    const service = described.services?.[0];
    if (service === undefined || service.status === "INACTIVE") {
      throw new Error(
        `${what} was not found (${described.failures?.[0]?.reason ?? service?.status ?? "no answer"}). Check \`clusterArn\` and \`serviceName\`, then run \`pulumi up\` again.`,
      );
    }
    return service;
  }

  /** The most recently stopped task, preferring those of the new task definition; never throws. */
  private async lastStoppedTask(inputs: DeploymentCheckInputs): Promise<string> {
    const sdk = ecsSdk();
    try {
      const listed = await this.ecs.send(
        new sdk.ListTasksCommand({
          cluster: inputs.clusterArn,
          serviceName: inputs.serviceName,
          desiredStatus: "STOPPED",
          maxResults: STOPPED_TASKS_LOOKED_AT,
        }),
      );
      const taskArns = listed.taskArns ?? [];
      if (taskArns.length === 0) {
        return "none (ECS keeps stopped tasks only for about an hour)";
      }
      const described = await this.ecs.send(
        new sdk.DescribeTasksCommand({ cluster: inputs.clusterArn, tasks: taskArns }),
      );
      const stoppedAt = (task: Task) => (task.stoppedAt ?? task.createdAt)?.getTime() ?? 0;
      const tasks = [...(described.tasks ?? [])].sort((a, b) => stoppedAt(b) - stoppedAt(a));
      const task =
        tasks.find((candidate) => candidate.taskDefinitionArn === inputs.taskDefinitionArn) ??
        tasks[0];
      return task === undefined ? "none described by ECS" : describeStoppedTask(task);
    } catch (error) {
      return `could not be read (${describeError(error)})`;
    }
  }
}

function checkerFor(inputs: DeploymentCheckInputs): DeploymentChecker {
  return new DeploymentChecker(
    new (ecsSdk().ECSClient)(awsClientConfig(inputs.region, inputs.assumeRoleArn)),
  );
}

// One object for the whole process: Pulumi caches its serialized closure by identity. Exported
// for tests.
export const deploymentCheckProvider: pulumi.dynamic.ResourceProvider<
  DeploymentCheckInputs,
  DeploymentCheckOutputs
> = {
  check: async (_olds, news) => ({ inputs: news, failures: checkDeploymentCheckInputs(news) }),
  diff: async (_id, olds, news) => diffDeploymentCheck(olds, news),
  create: async (inputs) => {
    const outs = await checkerFor(inputs).check(inputs);
    return { id: `${inputs.clusterArn}/${inputs.serviceName}`, outs };
  },
  update: async (_id, _olds, news) => ({ outs: await checkerFor(news).check(news) }),
  // It only reads: removing it leaves the service as it is.
  delete: async () => {},
};

/**
 * Fails the `pulumi up` when an ECS service's deployment did not end on the task definition
 * the program registered: the circuit breaker's rollback, or a failed rollout. Runs after the
 * service, whenever its task definition or count changes; the error names the service, the
 * rollback reason and the last stopped task's reason.
 */
export class DeploymentCheck extends pulumi.dynamic.Resource {
  declare public readonly deploymentId: pulumi.Output<string>;

  constructor(name: string, args: DeploymentCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(deploymentCheckProvider, name, { ...args, deploymentId: undefined }, opts);
  }
}
