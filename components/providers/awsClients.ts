/**
 * Plumbing shared by the dynamic providers: SDK client configuration, a polling loop with
 * exponential backoff, and the handling of values Pulumi does not know yet during a preview.
 *
 * Everything here is serialized into the providers' closures, so it imports the AWS SDK for
 * types only and loads it at run time.
 */
import type { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { CheckFailure } from "@pulumi/pulumi/dynamic";

/** Configuration accepted by every SDK v3 client constructor. */
export interface AwsClientConfig {
  readonly region: string;
  /** Absent: the client resolves the standard credential chain of the process itself. */
  readonly credentials?: ReturnType<typeof fromTemporaryCredentials>;
}

/** Session name shown in CloudTrail for calls the providers make under the assumed role. */
export const ASSUMED_ROLE_SESSION_NAME = "graasp-pulumi-dynamic-provider";

/**
 * Builds the client configuration for `region`, assuming `assumeRoleArn` when given. The base
 * credentials are those of the process running `pulumi up` (environment, profile, SSO, OIDC web
 * identity, instance role), never the `aws:` provider's configuration, which this code cannot see.
 */
export function awsClientConfig(region: string, assumeRoleArn?: string): AwsClientConfig {
  if (assumeRoleArn === undefined || assumeRoleArn === "") {
    return { region };
  }
  // Loaded here rather than at the top so that importing a component does not load the SDK.
  const providers: typeof import("@aws-sdk/credential-providers") = require("@aws-sdk/credential-providers");
  return {
    region,
    // The SDK refreshes these credentials when they expire, so waits longer than the role's
    // session duration keep working as long as the base credentials are still valid.
    credentials: providers.fromTemporaryCredentials({
      params: { RoleArn: assumeRoleArn, RoleSessionName: ASSUMED_ROLE_SESSION_NAME },
      clientConfig: { region },
    }),
  };
}

/** Time source and sleep, injected so that tests run without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** One poll: either the awaited value, or what was seen instead (used in the timeout error). */
export type PollAttempt<T, S> =
  { readonly done: true; readonly value: T } | { readonly done: false; readonly seen: S };

export interface PollOptions<S> {
  readonly clock: Clock;
  /** Total time allowed, in milliseconds, measured from the first attempt. */
  readonly timeoutMs: number;
  /** Delay after the first unsuccessful attempt, in milliseconds. @default 5000 */
  readonly initialDelayMs?: number;
  /** Upper bound of the doubling delay, in milliseconds. @default 30000 */
  readonly maxDelayMs?: number;
  /** Builds the error thrown at the deadline from the last thing seen. */
  readonly timeoutError: (seen: S) => Error;
}

/**
 * Calls `attempt` until it reports done, sleeping between calls with a doubling delay capped at
 * `maxDelayMs`. The last attempt happens at the deadline itself, so a change that lands just in
 * time is not reported as a timeout.
 */
export async function pollUntil<T, S>(
  attempt: () => Promise<PollAttempt<T, S>>,
  options: PollOptions<S>,
): Promise<T> {
  const { clock } = options;
  const deadline = clock.now() + options.timeoutMs;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let delayMs = Math.min(options.initialDelayMs ?? 5_000, maxDelayMs);
  for (;;) {
    const result = await attempt();
    if (result.done) {
      return result.value;
    }
    const remainingMs = deadline - clock.now();
    if (remainingMs <= 0) {
      throw options.timeoutError(result.seen);
    }
    await clock.sleep(Math.min(delayMs, remainingMs));
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
}

/**
 * The value the Pulumi engine sends to a dynamic provider for an input it does not know yet
 * (`runtime/rpc.js` `unknownValue`). Copied rather than imported: importing `@pulumi/pulumi`
 * here would pull the Pulumi SDK into the serialized providers.
 */
export const PREVIEW_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether two plain JSON input values are equal; an unknown value never equals anything. */
export function sameInputValue(a: unknown, b: unknown): boolean {
  if (a === PREVIEW_UNKNOWN || b === PREVIEW_UNKNOWN) {
    return false;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Names of `keys` whose values differ between the old outputs and the new inputs. */
export function changedInputs<K extends string>(
  keys: readonly K[],
  olds: Partial<Record<K, unknown>>,
  news: Partial<Record<K, unknown>>,
): K[] {
  return keys.filter((key) => !sameInputValue(olds[key], news[key]));
}

/** `name: message` of any thrown value, without a final period, to end one of our sentences. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\.+$/, "");
}

/**
 * The `check` failure for a `timeoutMinutes` that is not a positive number, if any; a value
 * unknown during preview passes.
 */
export function timeoutMinutesFailure(value: unknown): CheckFailure[] {
  const valid = typeof value === "number" && Number.isFinite(value) && value > 0;
  if (value === undefined || value === PREVIEW_UNKNOWN || valid) {
    return [];
  }
  return [
    {
      property: "timeoutMinutes",
      reason: `\`timeoutMinutes\` must be a positive number of minutes, not ${JSON.stringify(value)}.`,
    },
  ];
}

/** The inputs among a resource's stored properties, without `__provider` and absent keys. */
export function pickInputs<K extends string>(
  keys: readonly K[],
  props: Partial<Record<K, unknown>>,
): Partial<Record<K, unknown>> {
  const picked: Partial<Record<K, unknown>> = {};
  for (const key of keys) {
    if (props[key] !== undefined) {
      picked[key] = props[key];
    }
  }
  return picked;
}

/** Milliseconds from a `timeoutMinutes` input, which `check` has already validated. */
export function timeoutMsOf(timeoutMinutes: number | undefined, defaultMinutes: number): number {
  return (timeoutMinutes ?? defaultMinutes) * 60_000;
}

/** A failure for each of `keys` given as the empty string (identifiers, versions). */
export function emptyInputFailures<K extends string>(
  news: Partial<Record<K, unknown>>,
  keys: readonly K[],
): CheckFailure[] {
  return keys
    .filter((key) => news[key] === "")
    .map((key) => ({ property: key, reason: `\`${key}\` must not be empty.` }));
}
