import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Environment, TaskEntry } from "./catalog";
import { TemplateValues, containerDefinitions, hasSecrets } from "./containers";
import { MOVING_TAGS_TAG, imagePinProblem, movingTagsTagValue } from "./images";
import { statefulOptions } from "./database";
import { createEcsTasksRole } from "./ecsRole";
import { taskRolePolicy } from "./iamPolicies";
import { logGroupName, taskFamily, taskSecretName } from "./naming";

export interface GraaspTaskDefinitionArgs {
  /** The catalog entry to run. */
  readonly entry: TaskEntry;
  readonly stack: string;
  readonly environment: Environment;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Task size in CPU units and MiB; must be a Fargate size. */
  readonly cpu: number;
  readonly memory: number;
  /** Image reference of each container, by name (`images.ts`); a change is a new revision. */
  readonly images: Readonly<Record<string, string>>;
  /** Containers whose moving tag the stack file accepts (`graasp:movingTags`). @default [] */
  readonly acceptedMovingTags?: readonly string[];
  /** Containers whose catalog health check is off (`graasp:adminHealthCheck`). @default [] */
  readonly withoutHealthCheck?: readonly string[];
  readonly executionRoleArn: pulumi.Input<string>;
  readonly vpcId: pulumi.Input<string>;
  /** Values of the catalog's environment templates. */
  readonly templateValues: pulumi.Input<TemplateValues>;
  /** Secret: variable name → value, stored in the task's own Secrets Manager secret. */
  readonly secretPayload: pulumi.Input<Record<string, string>>;
  /** Days CloudWatch keeps this task's logs. */
  readonly logRetentionDays: number;
  /** Buckets a task with bucket permissions may use (file-items and h5p). */
  readonly bucketNames: readonly string[];
}

/**
 * Everything one task needs before it can run: its log group, its own secret (only its keys),
 * a least-privilege task role where it needs AWS access, a security group (ingress is added
 * by whoever admits it) and the task definition. Identical in every deployment state.
 */
export class GraaspTaskDefinition extends pulumi.ComponentResource {
  public readonly taskDefinitionArn: pulumi.Output<string>;
  public readonly family: string;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly logGroupName: string;
  public readonly mainContainer: string;
  public readonly needsExec: boolean;

  constructor(
    name: string,
    args: GraaspTaskDefinitionArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("graasp:index:GraaspTaskDefinition", name, {}, opts);
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: logGroupName(args.stack, args.entry.name), retentionInDays: args.logRetentionDays },
      statefulOptions(this),
    );
    const secret = hasSecrets(args.entry) ? this.createSecret(name, args) : undefined;
    const taskRole = this.createTaskRole(name, args);
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: `Graasp ${args.entry.name} tasks` },
      { parent: this },
    );
    // Tasks reach registries, the database and outside APIs; what reaches them is the limit.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-out`,
      { securityGroupId: securityGroup.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" },
      { parent: this },
    );
    const images = Object.fromEntries(
      args.entry.containers.map((container) => [container.name, args.images[container.name]]),
    );
    // The policy pack reads this tag: a moving tag passes only where the stack file accepts it.
    const movingAccepted = args.entry.containers
      .map((container) => container.name)
      .filter(
        (container) =>
          (args.acceptedMovingTags ?? []).includes(container) &&
          imagePinProblem(images[container]) !== undefined,
      );
    const family = taskFamily(args.stack, args.entry.name);
    const taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family,
        cpu: String(args.cpu),
        memory: String(args.memory),
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: {
          operatingSystemFamily: "LINUX",
          cpuArchitecture: args.entry.architecture,
        },
        executionRoleArn: args.executionRoleArn,
        taskRoleArn: taskRole?.arn,
        containerDefinitions: pulumi
          .all([args.templateValues, secret?.arn, secret?.versionId])
          .apply(([templateValues, arn, versionId]) =>
            JSON.stringify(
              containerDefinitions(args.entry, {
                region: args.region,
                logGroupName: logGroupName(args.stack, args.entry.name),
                images,
                templateValues,
                withoutHealthCheck: args.withoutHealthCheck,
                // With a secret, a string even where no ARN is known yet (mocks without
                // outputs); without one, undefined, which refuses containers that need it.
                secretArn: secret === undefined ? undefined : (arn ?? ""),
                secretVersionId: versionId,
              }),
            ),
          ),
        // An explicit map even when empty: without it the provider reports a tags diff on every update.
        tags:
          movingAccepted.length > 0
            ? { [MOVING_TAGS_TAG]: movingTagsTagValue(movingAccepted) }
            : {},
      },
      { parent: this, dependsOn: [logGroup] },
    );

    this.taskDefinitionArn = taskDefinition.arn;
    this.family = family;
    this.securityGroupId = securityGroup.id;
    this.logGroupName = logGroupName(args.stack, args.entry.name);
    this.mainContainer = args.entry.containers[0].name;
    this.needsExec = args.entry.permissions.ecsExec;
    this.registerOutputs({
      taskDefinitionArn: this.taskDefinitionArn,
      family: this.family,
      securityGroupId: this.securityGroupId,
      logGroupName: this.logGroupName,
    });
  }

  private createSecret(
    name: string,
    args: GraaspTaskDefinitionArgs,
  ): { arn: pulumi.Output<string>; versionId: pulumi.Output<string> } {
    const secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: taskSecretName(args.stack, args.entry.name),
        description: `Variables of Graasp's ${args.entry.name} tasks`,
      },
      statefulOptions(this),
    );
    const version = new aws.secretsmanager.SecretVersion(
      `${name}-secret-value`,
      {
        secretId: secret.id,
        secretString: pulumi.secret(
          pulumi.output(args.secretPayload).apply((payload) => JSON.stringify(payload)),
        ),
      },
      { parent: this },
    );
    return { arn: secret.arn, versionId: version.versionId };
  }

  private createTaskRole(name: string, args: GraaspTaskDefinitionArgs): aws.iam.Role | undefined {
    const { buckets, ecsExec, sendEmail } = args.entry.permissions;
    const policy = taskRolePolicy({
      bucketNames: buckets ? args.bucketNames : [],
      ecsExec,
      sendEmail,
    });
    if (policy === undefined) return undefined;
    return createEcsTasksRole(
      {
        roleName: `${name}-task-role`,
        policyName: `${name}-task-policy`,
        description: `Graasp ${args.entry.name} tasks`,
        accountId: args.accountId,
        policy: JSON.stringify(policy),
      },
      this,
    );
  }
}
