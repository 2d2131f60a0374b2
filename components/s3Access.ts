import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { taskRolePolicy } from "./iamPolicies";
import { resourcePrefix } from "./naming";

export interface S3AccessArgs {
  /** Stack name; the IAM user is `graasp-<stack>-file-storage`. */
  readonly stack: string;
  /** Buckets whose objects the key may read, write and delete (file items, H5P content). */
  readonly bucketNames: readonly string[];
  /**
   * Generation of the access key, an integer from 1. A new value creates a new key, hands it to
   * the tasks, and deletes the old key only at the end of the update. @default 1
   */
  readonly keyGeneration: number;
}

/** Why `S3Access` cannot be built from these args, or undefined. */
export function validateS3AccessArgs(args: S3AccessArgs): string | undefined {
  if (!Number.isInteger(args.keyGeneration) || args.keyGeneration < 1)
    return `\`keyGeneration\` is ${args.keyGeneration}; use a whole number from 1.`;
  if (args.bucketNames.length === 0) return "`bucketNames` is empty.";
  return undefined;
}

/**
 * The S3 credentials backend v2.13.7 needs (it builds its S3 client only from explicit keys):
 * one IAM user per stack allowed only the buckets' objects and listing, and its access key.
 * The key's logical name carries the generation, so a bump is a create-then-delete: Pulumi
 * creates the new key, updates the task secrets and services (which wait for steady state),
 * and deletes resources the program no longer declares only after everything else.
 */
export class S3Access extends pulumi.ComponentResource {
  public readonly userName: pulumi.Output<string>;
  /** Secret output. */
  public readonly accessKeyId: pulumi.Output<string>;
  /** Secret output. */
  public readonly secretAccessKey: pulumi.Output<string>;

  constructor(name: string, args: S3AccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:S3Access", name, {}, opts);
    const problem = validateS3AccessArgs(args);
    if (problem !== undefined) throw new pulumi.ResourceError(problem, this);

    const user = new aws.iam.User(
      `${name}-user`,
      { name: `${resourcePrefix(args.stack)}-file-storage`, path: "/graasp/" },
      { parent: this },
    );
    const policy = taskRolePolicy({
      bucketNames: args.bucketNames,
      ecsExec: false,
      sendEmail: false,
    });
    new aws.iam.UserPolicy(
      `${name}-policy`,
      { user: user.name, policy: JSON.stringify(policy) },
      { parent: this },
    );
    const key = new aws.iam.AccessKey(
      `${name}-key-${args.keyGeneration}`,
      { user: user.name },
      // The provider already marks `secret` secret; the id is Pulumi's resource id, which
      // cannot be encrypted in state (pulumi/pulumi#2717), so only its outputs are wrapped.
      { parent: this, additionalSecretOutputs: ["secret"] },
    );

    this.userName = user.name;
    this.accessKeyId = pulumi.secret(key.id);
    this.secretAccessKey = pulumi.secret(key.secret);
    this.registerOutputs({ userName: this.userName });
  }
}
