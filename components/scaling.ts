/** How many tasks a service runs and where: pure decisions, tested per state and preference. */
import { SpotPreference } from "./catalog";

export interface CapacityProviderShare {
  readonly capacityProvider: "FARGATE" | "FARGATE_SPOT";
  readonly base: number;
  readonly weight: number;
}

/**
 * Capacity provider strategy of a spot preference. Mixed strategies give every provider a
 * weight above 0: ECS never places tasks on a provider of weight 0.
 */
export function capacityProviderStrategy(spot: SpotPreference): CapacityProviderShare[] {
  switch (spot) {
    case "none":
      return [{ capacityProvider: "FARGATE", base: 0, weight: 1 }];
    case "only":
      return [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }];
    case "upscale":
      // One on-demand task always; beyond it, three of every four tasks on Spot.
      return [
        { capacityProvider: "FARGATE", base: 1, weight: 1 },
        { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 },
      ];
  }
}

export interface CountInputs {
  /** The state table runs this service's tier. */
  readonly running: boolean;
  readonly desiredCount: number;
  readonly maxCount: number;
  readonly autoscaled: boolean;
}

export interface CountPlan {
  readonly desiredCount: number;
  /** Leave `desiredCount` to autoscaling on updates (`ignoreChanges`). */
  readonly ignoreDesiredCountChanges: boolean;
  readonly minCapacity: number;
  readonly maxCapacity: number;
}

/**
 * Who owns a service's task count.
 *
 * Off: the program sets 0 and does not ignore it, so the update goes through ECS and waits
 * until the tasks have drained; autoscaling's bounds are 0..0 so no alarm can bring a task back.
 *
 * On and autoscaled: autoscaling owns the count between the configured base and max, and the
 * program ignores `desiredCount` on updates, so a routine `pulumi up` never scales a scaled-out
 * service back to its base. When such a service comes back from 0, raising the scalable
 * target's minimum to the base makes Application Auto Scaling start the tasks.
 *
 * On and not autoscaled: the program sets the configured count.
 */
export function countPlan(inputs: CountInputs): CountPlan {
  if (!inputs.running)
    return { desiredCount: 0, ignoreDesiredCountChanges: false, minCapacity: 0, maxCapacity: 0 };
  return {
    desiredCount: inputs.desiredCount,
    ignoreDesiredCountChanges: inputs.autoscaled,
    minCapacity: inputs.desiredCount,
    maxCapacity: inputs.maxCount,
  };
}
