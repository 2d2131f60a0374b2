import * as pulumi from "@pulumi/pulumi";
import type { RDSClient } from "@aws-sdk/client-rds";
import {
  awsClientConfig,
  changedInputs,
  describeError,
  pickInputs,
  PREVIEW_UNKNOWN,
} from "./awsClients";

export interface EngineVersionGuardArgs {
  /** Identifier of the RDS instance (not its ARN), which may not exist yet. */
  readonly instanceIdentifier: pulumi.Input<string>;
  /** AWS region of the instance, e.g. `eu-central-1`. */
  readonly region: pulumi.Input<string>;
  /** The PostgreSQL major version the program asks for, e.g. 16. */
  readonly engineMajorVersion: pulumi.Input<number>;
  /** The configuration key that sets it, quoted in the error with its fix. */
  readonly configKey: pulumi.Input<string>;
  /**
   * IAM role to assume for the RDS read, on top of the credentials of the process running
   * `pulumi up`. @default none: those credentials are used directly
   */
  readonly assumeRoleArn?: pulumi.Input<string>;
}

/** The inputs as the provider receives them, once Pulumi has resolved them. */
export interface EngineVersionGuardInputs {
  readonly instanceIdentifier: string;
  readonly region: string;
  readonly engineMajorVersion: number;
  readonly configKey: string;
  readonly assumeRoleArn?: string;
}

const INPUT_KEYS = [
  "instanceIdentifier",
  "region",
  "engineMajorVersion",
  "configKey",
  "assumeRoleArn",
] as const;

/** `16` from RDS's `16.11`, or undefined when it is not a version. */
export function majorOf(engineVersion: string | undefined): number | undefined {
  const major = Number.parseInt(engineVersion ?? "", 10);
  return Number.isInteger(major) ? major : undefined;
}

/**
 * The error for asking `wanted` where major `deployed` already runs, or undefined when allowed;
 * `seen` says how that is known, e.g. `runs PostgreSQL 17.6`.
 */
export function downgradeError(
  inputs: Pick<EngineVersionGuardInputs, "instanceIdentifier" | "configKey">,
  wanted: number,
  deployed: number | undefined,
  seen: string,
): string | undefined {
  if (deployed === undefined || wanted >= deployed) {
    return undefined;
  }
  const key = inputs.configKey;
  return `\`${key}\` is ${wanted}, but RDS instance "${inputs.instanceIdentifier}" ${seen}: RDS cannot downgrade a major version. Fix: pulumi config set --path '${key.replace(/^graasp:/, "")}' ${deployed} (going back to ${wanted} means restoring a snapshot taken before the upgrade into a new instance).`;
}

/** The `check` failures: only the stored inputs are seen here, so this works offline. */
export function checkEngineVersionGuardInputs(
  olds: Partial<EngineVersionGuardInputs>,
  news: Partial<EngineVersionGuardInputs>,
): pulumi.dynamic.CheckFailure[] {
  const wanted: unknown = news.engineMajorVersion;
  if (wanted === PREVIEW_UNKNOWN) {
    return [];
  }
  if (typeof wanted !== "number" || !Number.isInteger(wanted)) {
    return [
      {
        property: "engineMajorVersion",
        reason: `\`engineMajorVersion\` must be a whole number, not ${JSON.stringify(wanted)}.`,
      },
    ];
  }
  const stored = typeof olds.engineMajorVersion === "number" ? olds.engineMajorVersion : undefined;
  const reason = downgradeError(
    { instanceIdentifier: String(news.instanceIdentifier), configKey: String(news.configKey) },
    wanted,
    stored,
    `was deployed with PostgreSQL ${stored}`,
  );
  return reason === undefined ? [] : [{ property: "engineMajorVersion", reason }];
}

function rdsSdk(): typeof import("@aws-sdk/client-rds") {
  // Loaded at run time so that neither the program nor the serialized provider carries the SDK.
  return require("@aws-sdk/client-rds");
}

/**
 * Refuses a major version below the one the instance really runs, for a guard created next to
 * an existing instance (no stored version yet) or an instance upgraded by hand. A missing
 * instance (the first deployment) passes.
 */
export async function assertNoDowngrade(
  rds: RDSClient,
  inputs: EngineVersionGuardInputs,
): Promise<EngineVersionGuardInputs> {
  const sdk = rdsSdk();
  let engineVersion: string | undefined;
  try {
    const found = await rds.send(
      new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: inputs.instanceIdentifier }),
    );
    engineVersion = found.DBInstances?.[0]?.EngineVersion;
  } catch (error) {
    if (!(error instanceof Error && error.name === "DBInstanceNotFoundFault")) {
      throw new Error(
        `Could not read the engine version of RDS instance "${inputs.instanceIdentifier}" to refuse a downgrade: ${describeError(error)}. Check that the credentials in use may call rds:DescribeDBInstances, then run \`pulumi up\` again.`,
      );
    }
  }
  const message = downgradeError(
    inputs,
    inputs.engineMajorVersion,
    majorOf(engineVersion),
    `runs PostgreSQL ${engineVersion}`,
  );
  if (message !== undefined) {
    throw new Error(message);
  }
  return pickInputs(INPUT_KEYS, inputs) as unknown as EngineVersionGuardInputs;
}

function rdsFor(inputs: EngineVersionGuardInputs): RDSClient {
  return new (rdsSdk().RDSClient)(awsClientConfig(inputs.region, inputs.assumeRoleArn));
}

// One object for the whole process: Pulumi caches its serialized closure by identity. Exported
// for tests.
export const engineVersionGuardProvider: pulumi.dynamic.ResourceProvider<
  EngineVersionGuardInputs,
  EngineVersionGuardInputs
> = {
  check: async (olds, news) => ({
    inputs: news,
    failures: checkEngineVersionGuardInputs(olds, news),
  }),
  diff: async (_id, olds, news) => ({
    changes: changedInputs(INPUT_KEYS, olds, news).length > 0,
  }),
  create: async (inputs) => ({
    id: inputs.instanceIdentifier,
    outs: await assertNoDowngrade(rdsFor(inputs), inputs),
  }),
  update: async (_id, _olds, news) => ({ outs: await assertNoDowngrade(rdsFor(news), news) }),
  // It only reads: removing it changes nothing in AWS.
  delete: async () => {},
};

/**
 * Refuses a PostgreSQL major version below the deployed one before the instance or its
 * parameter group is touched: offline against the version recorded in the stack (every preview),
 * and against the instance's real version when created or changed.
 */
export class EngineVersionGuard extends pulumi.dynamic.Resource {
  constructor(name: string, args: EngineVersionGuardArgs, opts?: pulumi.CustomResourceOptions) {
    super(engineVersionGuardProvider, name, { ...args }, opts);
  }
}
