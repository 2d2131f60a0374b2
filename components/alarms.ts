/**
 * What the platform alarms on, as data: each alarm's metric (or metric math), comparison and
 * threshold, and whether its actions are on in a deployment state. Pure, so that the tests and
 * the dashboard read the same definitions `GraaspMonitoring` registers.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AlertThresholds } from "../config";
import { StateBehaviour, ServiceTier, tierRuns } from "./deploymentStates";

export interface MetricRef {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
  readonly stat: "Sum" | "Average" | "Maximum" | "Minimum" | "SampleCount";
}

export interface AlarmSpec {
  /** Role word: the resource is `monitoring-<role>`, the alarm `graasp-<stack>-<role>`. */
  readonly role: string;
  readonly description: string;
  /** One metric, or metric math over `m1`, `m2` with `expression`. */
  readonly metrics: readonly MetricRef[];
  readonly expression?: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly comparison:
    "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
  readonly threshold: number;
  /** Whether the alarm notifies in this state (it evaluates in every state). */
  readonly actionsEnabled: boolean;
}

export interface MonitoredService {
  readonly name: string;
  readonly tier: ServiceTier;
  /** `targetgroup/...` of a public service; internal services have none. */
  readonly targetGroup?: pulumi.Input<string>;
}

/** CloudWatch's names of what is watched (known once the resources exist). */
export interface AlarmTargets {
  /** `app/<name>/<id>` */
  readonly loadBalancer: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  readonly services: readonly MonitoredService[];
  readonly databaseIdentifier: pulumi.Input<string>;
}

const ELB = "AWS/ApplicationELB";
const ECS = "ECS/ContainerInsights";
const RDS = "AWS/RDS";
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/**
 * Every alarm of the stack. Actions follow the state table: a service's alarms notify only
 * while its tier runs; the load balancer's 5xx rate only without maintenance (its own 503
 * page counts as 5xx); the database's alarms only while it is to be available, and the
 * "available while stopped" alarm (AWS restarts a stopped instance after 7 days) only while
 * it is to be stopped.
 */
export function alarmSpecs(
  targets: AlarmTargets,
  thresholds: AlertThresholds,
  behaviour: StateBehaviour,
): AlarmSpec[] {
  const lb = { LoadBalancer: targets.loadBalancer };
  const databaseUp = behaviour.databasePower === "available";
  const rds = (metricName: string, stat: MetricRef["stat"]): MetricRef[] => [
    {
      namespace: RDS,
      metricName,
      stat,
      dimensions: { DBInstanceIdentifier: targets.databaseIdentifier },
    },
  ];
  const rate = "IF(m2 > 0, 100 * FILL(m1, 0) / m2, 0)";
  const specs: AlarmSpec[] = [
    {
      role: "load-balancer-5xx",
      description: `Load balancer 5xx responses above ${thresholds.loadBalancer5xxPercent}% of requests (5 min)`,
      metrics: [
        { namespace: ELB, metricName: "HTTPCode_ELB_5XX_Count", stat: "Sum", dimensions: lb },
        { namespace: ELB, metricName: "RequestCount", stat: "Sum", dimensions: lb },
      ],
      expression: rate,
      periodSeconds: 300,
      evaluationPeriods: 1,
      comparison: "GreaterThanThreshold",
      threshold: thresholds.loadBalancer5xxPercent,
      actionsEnabled: !behaviour.maintenance,
    },
  ];
  for (const service of targets.services) {
    const running = tierRuns(behaviour, service.tier);
    if (service.targetGroup !== undefined) {
      const group = { ...lb, TargetGroup: service.targetGroup };
      specs.push(
        {
          role: `${service.name}-target-5xx`,
          description: `${service.name}: 5xx responses above ${thresholds.target5xxPercent}% of its requests (5 min)`,
          metrics: [
            {
              namespace: ELB,
              metricName: "HTTPCode_Target_5XX_Count",
              stat: "Sum",
              dimensions: group,
            },
            { namespace: ELB, metricName: "RequestCount", stat: "Sum", dimensions: group },
          ],
          expression: rate,
          periodSeconds: 300,
          evaluationPeriods: 1,
          comparison: "GreaterThanThreshold",
          threshold: thresholds.target5xxPercent,
          actionsEnabled: running,
        },
        {
          role: `${service.name}-unhealthy-targets`,
          description: `${service.name}: at least ${thresholds.unhealthyTargets} unhealthy target(s) for 5 minutes`,
          metrics: [
            {
              namespace: ELB,
              metricName: "UnHealthyHostCount",
              stat: "Maximum",
              dimensions: group,
            },
          ],
          periodSeconds: 60,
          evaluationPeriods: 5,
          comparison: "GreaterThanOrEqualToThreshold",
          threshold: thresholds.unhealthyTargets,
          actionsEnabled: running,
        },
      );
    }
    const ecs = { ClusterName: targets.clusterName, ServiceName: service.name };
    specs.push({
      role: `${service.name}-tasks-below-desired`,
      description: `${service.name}: fewer tasks running than desired for ${thresholds.tasksBelowDesiredMinutes} minutes`,
      metrics: [
        { namespace: ECS, metricName: "DesiredTaskCount", stat: "Average", dimensions: ecs },
        { namespace: ECS, metricName: "RunningTaskCount", stat: "Average", dimensions: ecs },
      ],
      expression: "FILL(m1, 0) - FILL(m2, 0)",
      periodSeconds: 60,
      evaluationPeriods: thresholds.tasksBelowDesiredMinutes,
      comparison: "GreaterThanThreshold",
      threshold: 0,
      actionsEnabled: running,
    });
  }
  specs.push(
    {
      role: "database-cpu",
      description: `Database CPU above ${thresholds.databaseCpuPercent}% for 15 minutes`,
      metrics: rds("CPUUtilization", "Average"),
      periodSeconds: 300,
      evaluationPeriods: 3,
      comparison: "GreaterThanThreshold",
      threshold: thresholds.databaseCpuPercent,
      actionsEnabled: databaseUp,
    },
    {
      role: "database-free-storage",
      description: `Database free storage below ${thresholds.databaseFreeStorageGb} GiB`,
      metrics: rds("FreeStorageSpace", "Minimum"),
      periodSeconds: 300,
      evaluationPeriods: 1,
      comparison: "LessThanThreshold",
      threshold: thresholds.databaseFreeStorageGb * GIB,
      actionsEnabled: databaseUp,
    },
    {
      role: "database-free-memory",
      description: `Database freeable memory below ${thresholds.databaseFreeMemoryMb} MiB for 15 minutes`,
      metrics: rds("FreeableMemory", "Minimum"),
      periodSeconds: 300,
      evaluationPeriods: 3,
      comparison: "LessThanThreshold",
      threshold: thresholds.databaseFreeMemoryMb * MIB,
      actionsEnabled: databaseUp,
    },
    {
      role: "database-connections",
      description: `Database connections above ${thresholds.databaseConnections} for 10 minutes`,
      metrics: rds("DatabaseConnections", "Maximum"),
      periodSeconds: 300,
      evaluationPeriods: 2,
      comparison: "GreaterThanThreshold",
      threshold: thresholds.databaseConnections,
      actionsEnabled: databaseUp,
    },
    {
      // A stopped instance publishes no metrics; one that reports again has been started.
      role: "database-awake-while-stopped",
      description:
        "Database reports metrics for 30 minutes while the deployment state says stopped (AWS restarts a stopped instance after 7 days): run the stop again",
      metrics: rds("CPUUtilization", "SampleCount"),
      periodSeconds: 900,
      evaluationPeriods: 2,
      comparison: "GreaterThanThreshold",
      threshold: 0,
      actionsEnabled: behaviour.databasePower === "stopped",
    },
  );
  return specs;
}
