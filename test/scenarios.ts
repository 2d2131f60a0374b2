/**
 * The whole stack evaluated once per stack × deployment state and shared by every test file
 * that needs it: an evaluation costs a few hundred milliseconds, so each runs once per mocha
 * process, one after the other (the mocks are global).
 */
import { DEPLOYMENT_STATES, DeploymentState } from "../components/deploymentStates";
import { PlatformOutputs, createPlatform } from "../platform";
import { StackName, configFor } from "./fixtures";
import { Registration, evaluate, promiseOf } from "./mocks";

export interface Scenario {
  readonly stack: StackName;
  readonly state: DeploymentState;
  readonly outputs: PlatformOutputs;
  readonly loadBalancerDnsName: string;
  readonly databaseEndpoint: string;
  readonly registrations: readonly Registration[];
}

const cache = new Map<string, Promise<Scenario>>();
let queue: Promise<unknown> = Promise.resolve();

export function scenario(
  stack: StackName,
  state: DeploymentState,
  overrides: Record<string, string> = {},
): Promise<Scenario> {
  const key = `${stack}/${state}${Object.keys(overrides).length > 0 ? JSON.stringify(overrides) : ""}`;
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = queue.then(async () => {
      const { result, registrations } = await evaluate(stack, () =>
        createPlatform(configFor(stack, state, overrides)),
      );
      return {
        stack,
        state,
        outputs: result,
        loadBalancerDnsName: await promiseOf(result.loadBalancerDnsName),
        databaseEndpoint: await promiseOf(result.databaseEndpoint),
        registrations,
      };
    });
    queue = pending.catch(() => undefined);
    cache.set(key, pending);
  }
  return pending;
}

export const STATES: readonly DeploymentState[] = DEPLOYMENT_STATES;
