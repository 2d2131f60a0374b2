import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createEcsTasksRole } from "./ecsRole";
import { executionRolePolicy } from "./iamPolicies";
import { ecrAccountId, logGroupPattern, resourcePrefix, taskSecretPattern } from "./naming";
import { ServiceLinkedRole } from "./providers/serviceLinkedRole";

export interface GraaspClusterArgs {
  /** Stack name; scopes the cluster name, log groups and secrets the execution role may touch. */
  readonly stack: string;
  readonly region: string;
  /** Account the stack deploys to. */
  readonly accountId: pulumi.Input<string>;
  /** Registry host of Graasp's private images; an ECR host scopes the pull permission. */
  readonly containerRegistry: string;
  /**
   * IAM role assumed to ensure the ECS service-linked role, on top of the credentials of the
   * process running `pulumi up`. @default none: those credentials are used directly
   */
  readonly assumeRoleArn?: string;
  /** Repository prefix of the stack's pull-through cache; its first pull creates repositories. */
  readonly pullThroughCachePrefix?: string;
}

/**
 * The ECS cluster on Fargate (on-demand and Spot), its Service Connect namespace, and the
 * task execution role every task shares: pull images, write its own log groups, read only
 * this stack's Secrets Manager secrets.
 */
export class GraaspCluster extends pulumi.ComponentResource {
  public readonly clusterArn: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly namespaceArn: pulumi.Output<string>;
  public readonly executionRoleArn: pulumi.Output<string>;

  constructor(name: string, args: GraaspClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspCluster", name, {}, opts);
    const namespace = new aws.servicediscovery.HttpNamespace(
      `${name}-namespace`,
      {
        name: resourcePrefix(args.stack),
        description: "Service Connect names of Graasp's services",
      },
      { parent: this },
    );
    // In a fresh account ECS creates this role on first use, racing the cluster and services.
    const ecsServiceRole = new ServiceLinkedRole(
      `${name}-ecs-service-role`,
      {
        awsServiceName: "ecs.amazonaws.com",
        region: args.region,
        assumeRoleArn: args.assumeRoleArn,
      },
      { parent: this },
    );
    const cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      {
        name: resourcePrefix(args.stack),
        settings: [{ name: "containerInsights", value: "enabled" }],
        serviceConnectDefaults: { namespace: namespace.arn },
      },
      { parent: this, dependsOn: [ecsServiceRole] },
    );
    const capacity = new aws.ecs.ClusterCapacityProviders(
      `${name}-capacity`,
      {
        clusterName: cluster.name,
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", base: 0, weight: 1 }],
      },
      { parent: this },
    );
    const executionRole = this.createExecutionRole(name, args);

    // Services name capacity providers: they must wait until the cluster has them.
    this.clusterArn = pulumi.all([cluster.arn, capacity.id]).apply(([arn]) => arn);
    this.clusterName = pulumi
      .all([cluster.name, capacity.id])
      .apply(([clusterName]) => clusterName);
    this.namespaceArn = namespace.arn;
    this.executionRoleArn = executionRole.arn;
    this.registerOutputs({
      clusterArn: this.clusterArn,
      clusterName: this.clusterName,
      namespaceArn: this.namespaceArn,
      executionRoleArn: this.executionRoleArn,
    });
  }

  private createExecutionRole(name: string, args: GraaspClusterArgs): aws.iam.Role {
    return createEcsTasksRole(
      {
        roleName: `${name}-execution-role`,
        policyName: `${name}-execution-policy`,
        description: "ECS task execution role of Graasp's tasks",
        accountId: args.accountId,
        policy: pulumi.output(args.accountId).apply((accountId) =>
          JSON.stringify(
            executionRolePolicy({
              region: args.region,
              accountId,
              registryAccountId: ecrAccountId(args.containerRegistry),
              pullThroughCachePrefix: args.pullThroughCachePrefix,
              logGroupPattern: logGroupPattern(args.stack),
              secretPattern: taskSecretPattern(args.stack),
            }),
          ),
        ),
      },
      this,
    );
  }
}
