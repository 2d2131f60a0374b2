import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmSpec, AlarmTargets, alarmSpecs } from "./alarms";
import type { AlertThresholds } from "../config";
import { StateBehaviour } from "./deploymentStates";
import { dashboardBody } from "./dashboard";

export interface GraaspMonitoringArgs {
  /** Stack name; prefixes the alarm, topic and dashboard names. */
  readonly stack: string;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** Addresses subscribed to the alarm topic (each confirms by e-mail). @default [] */
  readonly emails: readonly string[];
  readonly thresholds: AlertThresholds;
  /** The current state's row of the state table: it decides which alarms notify. */
  readonly behaviour: StateBehaviour;
  readonly targets: AlarmTargets;
}

/**
 * Alarms on the load balancer, every service and the database, an encrypted SNS topic they
 * notify (with e-mail subscriptions), and one dashboard of the same metrics. A state change
 * only switches alarms' actions on or off: the alarms, topic and dashboard stay as they are.
 */
export class GraaspMonitoring extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;
  /** Alarm names whose actions are on in this state. */
  public readonly alarmsNotifying: string[];
  public readonly subscriberCount: number;

  constructor(name: string, args: GraaspMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspMonitoring", name, {}, opts);
    const topic = this.createTopic(name, args);
    args.emails.forEach(
      (email, index) =>
        new aws.sns.TopicSubscription(
          `${name}-email-${index}`,
          { topic: topic.arn, protocol: "email", endpoint: email },
          { parent: this },
        ),
    );
    const specs = alarmSpecs(args.targets, args.thresholds, args.behaviour);
    for (const spec of specs) this.createAlarm(name, args.stack, spec, topic.arn);
    new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `graasp-${args.stack}`,
        // The same definitions with every name resolved; only metrics and thresholds are used.
        dashboardBody: resolvedTargets(args.targets).apply((targets) =>
          JSON.stringify(
            dashboardBody(alarmSpecs(targets, args.thresholds, args.behaviour), args.region),
          ),
        ),
      },
      { parent: this },
    );

    this.topicArn = topic.arn;
    this.alarmsNotifying = specs.filter((s) => s.actionsEnabled).map((s) => s.role);
    this.subscriberCount = args.emails.length;
    this.registerOutputs({
      topicArn: this.topicArn,
      alarmsNotifying: this.alarmsNotifying,
      subscriberCount: this.subscriberCount,
    });
  }

  /**
   * CloudWatch cannot publish to a topic under the AWS-managed `alias/aws/sns` key (its policy
   * cannot admit the service), so the topic has its own key that admits CloudWatch.
   */
  private createTopic(name: string, args: GraaspMonitoringArgs): aws.sns.Topic {
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Encrypts the graasp-${args.stack} alarm topic`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountAdministers",
              Effect: "Allow",
              Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.accountId}:root` },
              Action: "kms:*",
              Resource: "*",
            },
            {
              Sid: "CloudWatchAlarmsPublish",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
              Resource: "*",
            },
          ],
        }),
      },
      { parent: this },
    );
    new aws.kms.Alias(
      `${name}-key-alias`,
      { name: `alias/graasp-${args.stack}-alarms`, targetKeyId: key.keyId },
      { parent: this },
    );
    const topic = new aws.sns.Topic(
      `${name}-topic`,
      { name: `graasp-${args.stack}-alarms`, kmsMasterKeyId: key.arn },
      { parent: this },
    );
    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: topic.arn,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "CloudWatchAlarmsOfThisAccount",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "sns:Publish",
              Resource: topic.arn,
              Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
            },
          ],
        }),
      },
      { parent: this },
    );
    return topic;
  }

  private createAlarm(
    name: string,
    stack: string,
    spec: AlarmSpec,
    topicArn: pulumi.Output<string>,
  ): aws.cloudwatch.MetricAlarm {
    const single = spec.expression === undefined ? spec.metrics[0] : undefined;
    return new aws.cloudwatch.MetricAlarm(
      `${name}-${spec.role}`,
      {
        name: `graasp-${stack}-${spec.role}`,
        alarmDescription: spec.description,
        comparisonOperator: spec.comparison,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.evaluationPeriods,
        // No data (a stopped service or database, no traffic) is not a failure.
        treatMissingData: "notBreaching",
        actionsEnabled: spec.actionsEnabled,
        alarmActions: [topicArn],
        okActions: [topicArn],
        ...(single !== undefined
          ? {
              namespace: single.namespace,
              metricName: single.metricName,
              dimensions: single.dimensions,
              statistic: single.stat,
              period: spec.periodSeconds,
            }
          : {
              metricQueries: [
                ...spec.metrics.map((metric, index) => ({
                  id: `m${index + 1}`,
                  returnData: false,
                  metric: {
                    namespace: metric.namespace,
                    metricName: metric.metricName,
                    dimensions: metric.dimensions,
                    stat: metric.stat,
                    period: spec.periodSeconds,
                  },
                })),
                { id: "e1", expression: spec.expression, label: spec.role, returnData: true },
              ],
            }),
      },
      { parent: this },
    );
  }
}

/** The targets with every name resolved, for the dashboard's JSON. */
function resolvedTargets(targets: AlarmTargets): pulumi.Output<AlarmTargets> {
  return pulumi.output(targets) as unknown as pulumi.Output<AlarmTargets>;
}
