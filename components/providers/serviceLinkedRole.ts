import * as pulumi from "@pulumi/pulumi";
import type { IAMClient } from "@aws-sdk/client-iam";
import {
  awsClientConfig,
  changedInputs,
  Clock,
  describeError,
  pickInputs,
  pollUntil,
  systemClock,
} from "./awsClients";

export interface ServiceLinkedRoleArgs {
  /** The AWS service whose role this is, e.g. `ecs.amazonaws.com`. */
  readonly awsServiceName: pulumi.Input<string>;
  /** Region for the IAM client (IAM itself is global), e.g. `eu-central-1`. */
  readonly region: pulumi.Input<string>;
  /**
   * IAM role to assume for the IAM calls, on top of the credentials of the process running
   * `pulumi up`. @default none: those credentials are used directly
   */
  readonly assumeRoleArn?: pulumi.Input<string>;
}

/** The inputs as the provider receives them, once Pulumi has resolved them. */
export interface ServiceLinkedRoleInputs {
  readonly awsServiceName: string;
  readonly region: string;
  readonly assumeRoleArn?: string;
}

export interface ServiceLinkedRoleOutputs extends ServiceLinkedRoleInputs {
  /** Whether this resource created the role (false: the account already had it). */
  readonly created: boolean;
}

const INPUT_KEYS = ["awsServiceName", "region", "assumeRoleArn"] as const;
/** How long IAM may take to show a role it has just created. */
export const ROLE_VISIBLE_TIMEOUT_MS = 2 * 60_000;

/** IAM's answer when the account already has the service's role. */
export function alreadyExists(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === "InvalidInputException" || error.name === "InvalidInput") &&
    /has been taken/.test(error.message)
  );
}

function iamSdk(): typeof import("@aws-sdk/client-iam") {
  // Loaded at run time so that neither the program nor the serialized provider carries the SDK.
  return require("@aws-sdk/client-iam");
}

/**
 * Creates the service-linked role unless the account has it, then waits until IAM shows it,
 * so that the first resource using the service does not race its creation.
 */
export async function ensureServiceLinkedRole(
  iam: IAMClient,
  inputs: ServiceLinkedRoleInputs,
  clock: Clock = systemClock,
): Promise<ServiceLinkedRoleOutputs> {
  const sdk = iamSdk();
  const stored = pickInputs(INPUT_KEYS, inputs) as unknown as ServiceLinkedRoleInputs;
  let roleName: string | undefined;
  try {
    const created = await iam.send(
      new sdk.CreateServiceLinkedRoleCommand({ AWSServiceName: inputs.awsServiceName }),
    );
    roleName = created.Role?.RoleName;
  } catch (error) {
    if (alreadyExists(error)) {
      return { ...stored, created: false };
    }
    throw new Error(
      `Could not create the service-linked role of ${inputs.awsServiceName}: ${describeError(error)}. Give the credentials in use iam:CreateServiceLinkedRole for this service, or create the role once with \`aws iam create-service-linked-role --aws-service-name ${inputs.awsServiceName}\`, then run \`pulumi up\` again.`,
    );
  }
  if (roleName !== undefined) {
    const name = roleName;
    await pollUntil<void, string>(
      async () => {
        try {
          await iam.send(new sdk.GetRoleCommand({ RoleName: name }));
          return { done: true, value: undefined };
        } catch (error) {
          return { done: false, seen: describeError(error) };
        }
      },
      {
        clock,
        timeoutMs: ROLE_VISIBLE_TIMEOUT_MS,
        initialDelayMs: 2_000,
        maxDelayMs: 10_000,
        timeoutError: (seen) =>
          new Error(
            `IAM created the service-linked role ${name} but did not show it within 2 minutes (${seen}). Run \`pulumi up\` again.`,
          ),
      },
    );
  }
  return { ...stored, created: true };
}

function iamFor(inputs: ServiceLinkedRoleInputs): IAMClient {
  return new (iamSdk().IAMClient)(awsClientConfig(inputs.region, inputs.assumeRoleArn));
}

// One object for the whole process: Pulumi caches its serialized closure by identity. Exported
// for tests.
export const serviceLinkedRoleProvider: pulumi.dynamic.ResourceProvider<
  ServiceLinkedRoleInputs,
  ServiceLinkedRoleOutputs
> = {
  diff: async (_id, olds, news) => ({
    changes: changedInputs(INPUT_KEYS, olds, news).length > 0,
  }),
  create: async (inputs) => ({
    id: inputs.awsServiceName,
    outs: await ensureServiceLinkedRole(iamFor(inputs), inputs),
  }),
  update: async (_id, olds, news) => ({
    outs: { ...(pickInputs(INPUT_KEYS, news) as ServiceLinkedRoleInputs), created: olds.created },
  }),
  // The role is the account's, shared with everything else using the service: never deleted.
  delete: async () => {},
};

/**
 * Makes sure the account has an AWS service's service-linked role (ECS creates its own only
 * on first use, which races the first cluster and services of a fresh account). An existing
 * role is kept as is; removing this resource never deletes the role.
 */
export class ServiceLinkedRole extends pulumi.dynamic.Resource {
  declare public readonly created: pulumi.Output<boolean>;

  constructor(name: string, args: ServiceLinkedRoleArgs, opts?: pulumi.CustomResourceOptions) {
    super(serviceLinkedRoleProvider, name, { ...args, created: undefined }, opts);
  }
}
