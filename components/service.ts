import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ServiceEntry, SpotPreference, qualifiedHost } from "./catalog";
import { ServiceTier } from "./deploymentStates";
import { portName } from "./containers";
import { DeploymentCheck } from "./providers/deploymentCheck";
import { capacityProviderStrategy, countPlan } from "./scaling";
import { GraaspTaskDefinition, GraaspTaskDefinitionArgs } from "./taskDefinition";

export interface PublicEntry {
  readonly listenerArn: pulumi.Input<string>;
  readonly securityGroupId: pulumi.Input<string>;
}

export interface GraaspServiceArgs extends GraaspTaskDefinitionArgs {
  /** The catalog entry: containers, routing, tier, autoscaling. */
  readonly entry: ServiceEntry;
  /** Whether the deployment state runs this service's tier; off means 0 tasks. */
  readonly running: boolean;
  /** Tasks when running (the autoscaling base). */
  readonly desiredCount: number;
  /** Autoscaling ceiling. */
  readonly maxCount: number;
  readonly spot: SpotPreference;
  readonly clusterArn: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  /** Cloud Map namespace for Service Connect. */
  readonly namespaceArn: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Tasks in public subnets need a public IP to pull images (no NAT). */
  readonly assignPublicIp: boolean;
  /** Apex domain; route hosts are relative to it. */
  readonly domain: string;
  /** The HTTPS listener and load balancer security group; required for public services. */
  readonly loadBalancer?: PublicEntry;
  /** Extra conditions on every route of this service (the maintenance bypass header). */
  readonly routeConditions: aws.types.input.lb.ListenerRuleCondition[];
  /** Resources that must be in place before the task count changes (see `transitionOrder`). */
  readonly countDependsOn?: pulumi.Input<pulumi.Resource>[];
  /**
   * IAM role the deployment check assumes for its ECS reads, on top of the credentials of the
   * process running `pulumi up`. @default none: those credentials are used directly
   */
  readonly assumeRoleArn?: string;
}

/**
 * One Graasp service from its catalog entry: task definition, who may reach it (load balancer
 * or named clients), target group and listener rules for public routes, the ECS service with
 * its count from the state table, and target-tracking autoscaling where the catalog asks.
 */
export class GraaspService extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;
  public readonly tier: ServiceTier;
  public readonly desiredCount: number;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly taskDefinitionArn: pulumi.Output<string>;
  /** CloudWatch's name of the target group (`targetgroup/...`); public services only. */
  public readonly targetGroupArnSuffix?: pulumi.Output<string>;
  /** The resources whose updates change the task count; others order themselves after them. */
  public readonly countResources: pulumi.Resource[];
  private readonly name: string;
  private readonly entry: ServiceEntry;

  constructor(name: string, args: GraaspServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspService", name, {}, opts);
    const { entry } = args;
    if (entry.routing.kind === "public" && args.loadBalancer === undefined)
      throw new pulumi.ResourceError(
        `Service ${entry.name} is public but has no \`loadBalancer\``,
        this,
      );
    this.name = name;
    this.entry = entry;
    const task = new GraaspTaskDefinition(`${name}-task`, args, { parent: this });
    this.securityGroupId = task.securityGroupId;
    const port = entry.containers[0].port;
    const routing = this.createRouting(name, args, port);
    const targetGroup = routing?.targetGroup;
    const plan = countPlan({
      running: args.running,
      desiredCount: args.desiredCount,
      maxCount: args.maxCount,
      autoscaled: entry.autoscaling !== undefined,
    });
    const service = new aws.ecs.Service(
      `${name}-service`,
      {
        name: entry.name,
        cluster: args.clusterArn,
        taskDefinition: task.taskDefinitionArn,
        desiredCount: plan.desiredCount,
        capacityProviderStrategies: capacityProviderStrategy(args.spot),
        networkConfiguration: {
          subnets: args.subnetIds,
          securityGroups: [task.securityGroupId],
          assignPublicIp: args.assignPublicIp,
        },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        healthCheckGracePeriodSeconds: targetGroup ? 120 : undefined,
        loadBalancers: targetGroup
          ? [
              {
                targetGroupArn: targetGroup.arn,
                containerName: task.mainContainer,
                containerPort: port!,
              },
            ]
          : [],
        serviceConnectConfiguration: {
          enabled: true,
          namespace: args.namespaceArn,
          services:
            serviceConnectAlias(entry) !== undefined
              ? [
                  {
                    portName: portName(task.mainContainer, port!),
                    discoveryName: serviceConnectAlias(entry),
                    clientAlias: [{ port: port!, dnsName: serviceConnectAlias(entry)! }],
                  },
                ]
              : [],
        },
        enableExecuteCommand: task.needsExec,
        enableEcsManagedTags: true,
        propagateTags: "SERVICE",
        // A scale-down returns only once the tasks have drained: the database power and the
        // migration order themselves after this.
        waitForSteadyState: true,
        // A changed capacity provider strategy (a new spot preference) needs a new deployment;
        // without it the provider would replace the service, which its fixed name forbids.
        forceNewDeployment: true,
      },
      {
        parent: this,
        // ECS refuses a target group that no listener rule uses yet.
        dependsOn: [...(args.countDependsOn ?? []), ...(routing?.rules ?? [])],
        ignoreChanges: plan.ignoreDesiredCountChanges ? ["desiredCount"] : [],
      },
    );
    this.countResources = [service];
    // `waitForSteadyState` also succeeds once a circuit-breaker rollback has settled.
    new DeploymentCheck(
      `${name}-deployment-check`,
      {
        region: args.region,
        clusterArn: args.clusterArn,
        serviceName: service.name,
        taskDefinitionArn: task.taskDefinitionArn,
        desiredCount: plan.desiredCount,
        assumeRoleArn: args.assumeRoleArn,
      },
      { parent: this, dependsOn: [service] },
    );
    if (entry.autoscaling !== undefined) {
      const target = new aws.appautoscaling.Target(
        `${name}-scaling`,
        {
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: pulumi.interpolate`service/${args.clusterName}/${service.name}`,
          minCapacity: plan.minCapacity,
          maxCapacity: plan.maxCapacity,
        },
        { parent: this, dependsOn: args.countDependsOn },
      );
      new aws.appautoscaling.Policy(
        `${name}-scaling-policy`,
        {
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            targetValue: entry.autoscaling.targetPercent,
            scaleInCooldown: entry.autoscaling.scaleInCooldownSeconds,
            scaleOutCooldown: entry.autoscaling.scaleOutCooldownSeconds,
            predefinedMetricSpecification: {
              predefinedMetricType:
                entry.autoscaling.metric === "cpu"
                  ? "ECSServiceAverageCPUUtilization"
                  : "ECSServiceAverageMemoryUtilization",
            },
          },
        },
        { parent: this },
      );
      this.countResources.push(target);
    }

    this.serviceName = service.name;
    this.tier = entry.tier;
    this.desiredCount = plan.desiredCount;
    this.taskDefinitionArn = task.taskDefinitionArn;
    this.targetGroupArnSuffix = targetGroup?.arnSuffix;
    this.registerOutputs({
      serviceName: this.serviceName,
      desiredCount: this.desiredCount,
      securityGroupId: this.securityGroupId,
      taskDefinitionArn: this.taskDefinitionArn,
    });
  }

  /** Admits one client service (by its security group) on this internal service's port. */
  allowFrom(
    client: string,
    securityGroupId: pulumi.Input<string>,
  ): aws.vpc.SecurityGroupIngressRule {
    if (this.entry.routing.kind !== "internal")
      throw new pulumi.ResourceError(
        `Service ${this.entry.name} is not internal: its clients come through the load balancer`,
        this,
      );
    return this.admit(client, securityGroupId);
  }

  private admit(
    source: string,
    securityGroupId: pulumi.Input<string>,
  ): aws.vpc.SecurityGroupIngressRule {
    const port = this.entry.containers[0].port!;
    return new aws.vpc.SecurityGroupIngressRule(
      `${this.name}-from-${source}`,
      {
        securityGroupId: this.securityGroupId,
        referencedSecurityGroupId: securityGroupId,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description: `${this.entry.name} from ${source}`,
      },
      { parent: this },
    );
  }

  /** A public service: ingress from the load balancer, target group, rules of its routes. */
  private createRouting(
    name: string,
    args: GraaspServiceArgs,
    port: number | undefined,
  ): { targetGroup: aws.lb.TargetGroup; rules: aws.lb.ListenerRule[] } | undefined {
    const { routing } = args.entry;
    if (routing.kind !== "public" || port === undefined) return undefined;
    this.admit("load-balancer", args.loadBalancer!.securityGroupId);

    const targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        vpcId: args.vpcId,
        port,
        protocol: "HTTP",
        targetType: "ip",
        // Tasks leaving (a deploy, a scale-down, a stop) get 30 s to finish their requests.
        deregistrationDelay: 30,
        healthCheck: {
          path: routing.healthCheckPath,
          matcher: "200-399",
          interval: 30,
          timeout: 15,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
      },
      { parent: this },
    );
    const rules = routing.routes.map(
      (route) =>
        new aws.lb.ListenerRule(
          `${name}-rule-${route.priority}`,
          {
            listenerArn: args.loadBalancer!.listenerArn,
            priority: route.priority,
            conditions: [
              { hostHeader: { values: [qualifiedHost(route.host, args.domain)] } },
              ...(route.path === undefined ? [] : [{ pathPattern: { values: [route.path] } }]),
              ...args.routeConditions,
            ],
            actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            transforms: route.rewrite && [
              {
                type: "url-rewrite",
                urlRewriteConfig: {
                  rewrite: { regex: route.rewrite.regex, replace: route.rewrite.replace },
                },
              },
            ],
          },
          // Leaving `stopped`, the rules open only once the database is back.
          { parent: this, dependsOn: args.countDependsOn },
        ),
    );
    return { targetGroup, rules };
  }
}

/** The Service Connect name a service serves under: internal ones always, public ones if named. */
export function serviceConnectAlias(entry: ServiceEntry): string | undefined {
  if (entry.routing.kind === "internal") return entry.routing.alias;
  if (entry.routing.kind === "public") return entry.routing.serviceConnectAlias;
  return undefined;
}
