/**
 * The drain check shared by the dynamic providers that must not act while ECS services still
 * have tasks: DatabasePower before it stops the database, MigrationRun before it migrates.
 *
 * Serialized into the providers' closures like awsClients.ts: it imports the AWS SDK for types
 * only and loads it at run time.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { AwsClientConfig, Clock, describeError, pollUntil, PREVIEW_UNKNOWN } from "./awsClients";

/** The ECS services that must have no task left before a provider acts. */
export interface DrainArgs {
  /** ARN of the ECS cluster the services run in. */
  readonly clusterArn: pulumi.Input<string>;
  /** Names of the services (not ARNs); an empty list checks nothing. */
  readonly serviceNames: pulumi.Input<pulumi.Input<string>[]>;
}

/** `DrainArgs` as the provider receives them, once Pulumi has resolved them. */
export interface DrainInputs {
  readonly clusterArn: string;
  readonly serviceNames: string[];
}

/** What a service still has, counted in one poll. */
export interface ServiceTasks {
  readonly serviceName: string;
  /** Tasks whose desired status is RUNNING, whatever their last status (pending included). */
  readonly running: number;
  /** Tasks ECS is stopping whose last status is not STOPPED yet (connections may be open). */
  readonly stopping: number;
}

export interface DrainWaitOptions {
  readonly clock: Clock;
  /** Clock time, in milliseconds, by which the services must have drained. */
  readonly deadline: number;
  /** The caller's whole `timeoutMinutes`, quoted in the timeout error. */
  readonly timeoutMinutes: number;
  /** What the timeout prevented, e.g. `RDS instance "x" was not stopped`. */
  readonly notDone: string;
}

// The maximum number of tasks DescribeTasks accepts in one call.
const DESCRIBE_TASKS_LIMIT = 100;

/** The distinct service names to check; empty when there is nothing to wait for. */
export function servicesToDrain(drain: DrainInputs | undefined): string[] {
  return [...new Set(drain?.serviceNames ?? [])];
}

/**
 * Waits, polling with backoff until `options.deadline`, until none of the services has a task
 * that is not STOPPED. Makes no ECS call when there is no service to check.
 */
export async function waitForDrain(
  ecs: ECSClient,
  drain: DrainInputs | undefined,
  options: DrainWaitOptions,
): Promise<void> {
  const serviceNames = servicesToDrain(drain);
  if (drain === undefined || serviceNames.length === 0) {
    return;
  }
  const { clock } = options;
  await pollUntil<void, ServiceTasks[]>(
    async () => {
      const remaining: ServiceTasks[] = [];
      for (const serviceName of serviceNames) {
        const tasks = await tasksOf(ecs, drain.clusterArn, serviceName);
        if (tasks.running + tasks.stopping > 0) {
          remaining.push(tasks);
        }
      }
      return remaining.length === 0
        ? { done: true, value: undefined }
        : { done: false, seen: remaining };
    },
    {
      clock,
      timeoutMs: options.deadline - clock.now(),
      timeoutError: (remaining) => new Error(drainTimeoutMessage(drain, remaining, options)),
    },
  );
}

// Names only the services with tasks left, and whether they still run or are only slow to stop.
function drainTimeoutMessage(
  drain: DrainInputs,
  remaining: readonly ServiceTasks[],
  options: Pick<DrainWaitOptions, "timeoutMinutes" | "notDone">,
): string {
  const services = remaining.map(describeServiceTasks).join("; ");
  return `Timed out after ${options.timeoutMinutes} minutes waiting for the ECS services of cluster ${drain.clusterArn} to drain, so ${options.notDone}. Tasks not STOPPED yet: ${services}. Scale these services to 0 and let their tasks stop (check each one's desired count, autoscaling and deployments in the ECS console), then run \`pulumi up\` again; raise \`timeoutMinutes\` if the tasks are only slow to stop.`;
}

function describeServiceTasks({ serviceName, running, stopping }: ServiceTasks): string {
  const total = running + stopping;
  const parts = [
    ...(running > 0 ? [`${running} running or starting`] : []),
    ...(stopping > 0 ? [`${stopping} stopping`] : []),
  ];
  return `service "${serviceName}" has ${total} ${total === 1 ? "task" : "tasks"} (${parts.join(", ")})`;
}

function ecsSdk(): typeof import("@aws-sdk/client-ecs") {
  // Loaded at run time so that neither the program nor the serialized provider carries the SDK.
  return require("@aws-sdk/client-ecs");
}

/** An ECS client for the drain check, loading the SDK only when called. */
export function newEcsClient(config: AwsClientConfig): ECSClient {
  return new (ecsSdk().ECSClient)(config);
}

async function tasksOf(
  ecs: ECSClient,
  clusterArn: string,
  serviceName: string,
): Promise<ServiceTasks> {
  try {
    const running = await listTaskArns(ecs, clusterArn, serviceName, "RUNNING");
    // A task keeps serving connections until its last status is STOPPED, well after ECS set its
    // desired status to STOPPED (load balancer deregistration, stop timeout).
    const stoppedOrStopping = await listTaskArns(ecs, clusterArn, serviceName, "STOPPED");
    const stopping = await countNotStopped(ecs, clusterArn, stoppedOrStopping);
    return { serviceName, running: running.length, stopping };
  } catch (error) {
    throw new Error(
      `Could not check whether ECS service "${serviceName}" of cluster ${clusterArn} has drained: ${describeError(error)}. Check \`drain.clusterArn\`, \`drain.serviceNames\` and that the credentials in use may call ecs:ListTasks and ecs:DescribeTasks, then run \`pulumi up\` again.`,
    );
  }
}

async function listTaskArns(
  ecs: ECSClient,
  cluster: string,
  serviceName: string,
  desiredStatus: "RUNNING" | "STOPPED",
): Promise<string[]> {
  const sdk = ecsSdk();
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(
      new sdk.ListTasksCommand({
        cluster,
        serviceName,
        desiredStatus,
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    );
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined && nextToken !== "");
  return arns;
}

async function countNotStopped(
  ecs: ECSClient,
  cluster: string,
  taskArns: readonly string[],
): Promise<number> {
  const sdk = ecsSdk();
  let count = 0;
  for (let start = 0; start < taskArns.length; start += DESCRIBE_TASKS_LIMIT) {
    const described = await ecs.send(
      new sdk.DescribeTasksCommand({
        cluster,
        tasks: taskArns.slice(start, start + DESCRIBE_TASKS_LIMIT),
      }),
    );
    // A task ECS has already forgotten comes back as a MISSING failure: it is gone.
    count += (described.tasks ?? []).filter((task) => task.lastStatus !== "STOPPED").length;
  }
  return count;
}

/** The `check` failures of a `drain` input; values unknown during preview pass. */
export function drainFailures(value: unknown): CheckFailure[] {
  if (value === undefined || value === PREVIEW_UNKNOWN) {
    return [];
  }
  const drain = (typeof value === "object" && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const failures: CheckFailure[] = [];
  const cluster = drain.clusterArn;
  if (cluster !== PREVIEW_UNKNOWN && (typeof cluster !== "string" || cluster === "")) {
    failures.push({
      property: "drain",
      reason: `\`drain.clusterArn\` must be the ARN of an ECS cluster, not ${JSON.stringify(cluster) ?? "undefined"}.`,
    });
  }
  const names = drain.serviceNames;
  const validName = (name: unknown) =>
    name === PREVIEW_UNKNOWN || (typeof name === "string" && name !== "");
  if (names !== PREVIEW_UNKNOWN && !(Array.isArray(names) && names.every(validName))) {
    failures.push({
      property: "drain",
      reason: `\`drain.serviceNames\` must be a list of ECS service names, not ${JSON.stringify(names) ?? "undefined"}.`,
    });
  }
  return failures;
}
