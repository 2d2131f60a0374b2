import * as pulumi from "@pulumi/pulumi";
import {
  awsClientConfig,
  changedInputs,
  Clock,
  pickInputs,
  systemClock,
  timeoutMinutesFailure,
  timeoutMsOf,
} from "./awsClients";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { DrainArgs, drainFailures, DrainInputs, newEcsClient, waitForDrain } from "./drain";

export interface ServicesDrainedArgs {
  /** AWS region of the cluster, e.g. `eu-central-1`. */
  readonly region: pulumi.Input<string>;
  /**
   * The services that must have no task left; an empty list waits for nothing. A new list
   * (the deployment state changed) waits again.
   */
  readonly drain: DrainArgs;
  /**
   * IAM role to assume for the ECS calls, on top of the credentials of the process running
   * `pulumi up`. @default none: those credentials are used directly
   */
  readonly assumeRoleArn?: pulumi.Input<string>;
  /** Minutes to wait for the services to drain. @default 30 */
  readonly timeoutMinutes?: pulumi.Input<number>;
}

/** The inputs as the provider receives them, once Pulumi has resolved them. */
export interface ServicesDrainedInputs {
  readonly region: string;
  readonly drain: DrainInputs;
  readonly assumeRoleArn?: string;
  readonly timeoutMinutes?: number;
}

export const DEFAULT_DRAIN_TIMEOUT_MINUTES = 30;

const INPUT_KEYS = ["region", "drain", "assumeRoleArn", "timeoutMinutes"] as const;

export function diffServicesDrained(
  olds: Partial<ServicesDrainedInputs>,
  news: Partial<ServicesDrainedInputs>,
): pulumi.dynamic.DiffResult {
  return { changes: changedInputs(INPUT_KEYS, olds, news).length > 0 };
}

export function checkServicesDrainedInputs(
  news: Partial<ServicesDrainedInputs>,
): pulumi.dynamic.CheckFailure[] {
  return [...timeoutMinutesFailure(news.timeoutMinutes), ...drainFailures(news.drain)];
}

/** Waits until the `drain` services have no task that is not STOPPED, counting real tasks. */
export async function awaitServicesDrained(
  ecs: () => ECSClient,
  inputs: ServicesDrainedInputs,
  clock: Clock = systemClock,
): Promise<ServicesDrainedInputs> {
  const timeoutMinutes = inputs.timeoutMinutes ?? DEFAULT_DRAIN_TIMEOUT_MINUTES;
  if (inputs.drain.serviceNames.length > 0) {
    await waitForDrain(ecs(), inputs.drain, {
      clock,
      deadline: clock.now() + timeoutMsOf(timeoutMinutes, DEFAULT_DRAIN_TIMEOUT_MINUTES),
      timeoutMinutes,
      notDone: "the services that wait for them were not stopped",
    });
  }
  return pickInputs(INPUT_KEYS, inputs) as unknown as ServicesDrainedInputs;
}

function ecsFor(inputs: ServicesDrainedInputs): () => ECSClient {
  return () => newEcsClient(awsClientConfig(inputs.region, inputs.assumeRoleArn));
}

// One object for the whole process: Pulumi caches its serialized closure by identity. Exported
// for tests.
export const servicesDrainedProvider: pulumi.dynamic.ResourceProvider<
  ServicesDrainedInputs,
  ServicesDrainedInputs
> = {
  check: async (_olds, news) => ({ inputs: news, failures: checkServicesDrainedInputs(news) }),
  diff: async (_id, olds, news) => diffServicesDrained(olds, news),
  create: async (inputs) => ({
    id: `${inputs.drain.clusterArn}/drained`,
    outs: await awaitServicesDrained(ecsFor(inputs), inputs),
  }),
  update: async (_id, _olds, news) => ({ outs: await awaitServicesDrained(ecsFor(news), news) }),
  // It only reads: removing it changes nothing in AWS.
  delete: async () => {},
};

/**
 * A point in the update that is reached only once the `drain` services have no task left,
 * counted from ECS's real tasks rather than from a stored desired count (autoscaling may still
 * be scaling them in). Resources that must outlive those services depend on it.
 */
export class ServicesDrained extends pulumi.dynamic.Resource {
  constructor(name: string, args: ServicesDrainedArgs, opts?: pulumi.CustomResourceOptions) {
    super(servicesDrainedProvider, name, { ...args }, opts);
  }
}
