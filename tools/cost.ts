/**
 * The monthly cost of one evaluation of the program, computed from the resources it registers
 * (task sizes × counts × capacity providers, the database's class, storage and power, the load
 * balancer, NAT gateways, public IPv4 addresses, secrets, alarms, keys) with the price table in
 * pricing.ts. Pure: the offline plan and the transition report pass it their evaluations.
 */
import {
  GLOBAL_PRICES,
  HOURS_PER_MONTH,
  REGION_PRICES,
  SPOT_DISCOUNT,
  STOPPED_DATABASE_SOURCE,
  USAGE_ASSUMPTIONS,
} from "./pricing";

export interface CostedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}

export interface CostLine {
  /** Stable identity across states, e.g. `fargate:core`, so two estimates can be compared. */
  readonly key: string;
  /** What is paid for, e.g. `Fargate core (2 tasks, 1 vCPU, 2 GB, x86_64, 0% spot)`. */
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitUsd: number;
  readonly monthlyUsd: number;
  /** The assumption behind the quantity, where the resources alone do not tell it. */
  readonly note?: string;
}

export interface CostEstimate {
  readonly region: string;
  readonly monthlyUsd: number;
  readonly lines: readonly CostLine[];
}

const T = {
  service: "aws:ecs/service:Service",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  rds: "aws:rds/instance:Instance",
  dynamic: "pulumi-nodejs:dynamic:Resource",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  natGateway: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  secret: "aws:secretsmanager/secret:Secret",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  kmsKey: "aws:kms/key:Key",
  bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  distribution: "aws:cloudfront/distribution:Distribution",
};

export class CostError extends Error {}

/** The estimate, or why there is none (a resource the price table cannot price). */
export function costOrProblem<T>(estimate: () => T): T | { readonly problem: string } {
  try {
    return estimate();
  } catch (error) {
    if (error instanceof CostError) return { problem: error.message };
    throw error;
  }
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function line(
  key: string,
  item: string,
  quantity: number,
  unit: string,
  unitUsd: number,
  note?: string,
): CostLine {
  return { key, item, quantity, unit, unitUsd, monthlyUsd: round2(quantity * unitUsd), note };
}

/** Expected share of `count` tasks ECS places on Fargate Spot under a capacity strategy. */
export function spotShare(
  count: number,
  strategy: readonly { capacityProvider: string; base?: number; weight?: number }[],
): number {
  if (count === 0 || strategy.length === 0) return 0;
  const spot = strategy.filter((s) => s.capacityProvider === "FARGATE_SPOT");
  const baseTotal = strategy.reduce((sum, s) => sum + (s.base ?? 0), 0);
  const baseOnSpot = spot.reduce((sum, s) => sum + (s.base ?? 0), 0);
  const weightTotal = strategy.reduce((sum, s) => sum + (s.weight ?? 0), 0);
  const weightOnSpot = spot.reduce((sum, s) => sum + (s.weight ?? 0), 0);
  const placedByBase = Math.min(count, baseTotal);
  const rest = count - placedByBase;
  const spotTasks =
    Math.min(placedByBase, baseOnSpot) +
    (weightTotal === 0 ? 0 : (rest * weightOnSpot) / weightTotal);
  return spotTasks / count;
}

export function estimateCost(resources: readonly CostedResource[], region: string): CostEstimate {
  const prices = REGION_PRICES[region];
  if (prices === undefined)
    throw new CostError(
      `No prices for region ${region}: add it to tools/pricing.ts (known: ${Object.keys(REGION_PRICES).join(", ")}).`,
    );
  const ofType = (type: string | readonly string[]) =>
    resources.filter((r) => (typeof type === "string" ? r.type === type : type.includes(r.type)));
  const lines: CostLine[] = [];
  const hours = HOURS_PER_MONTH;

  // Fargate: every service's registered count on its task definition's size and architecture.
  const definitions = new Map(ofType(T.taskDefinition).map((r) => [r.inputs.family, r.inputs]));
  let runningTasks = 0;
  let publicTaskIps = 0;
  let servingBehindLoadBalancer = false;
  // By name: registration order follows the transition's direction.
  const byName = (r: CostedResource) => String(r.inputs.name ?? r.name);
  const services = ofType(T.service).sort((a, b) => byName(a).localeCompare(byName(b)));
  for (const service of services) {
    const count = Number(service.inputs.desiredCount ?? 0);
    if (count === 0) continue;
    const family = String(service.inputs.taskDefinition ?? "").match(
      /task-definition\/([^:]+)/,
    )?.[1];
    const definition = family === undefined ? undefined : definitions.get(family);
    if (definition === undefined)
      throw new CostError(
        `Service ${service.name} runs a task definition the program did not register.`,
      );
    const vcpu = Number(definition.cpu) / 1024;
    const gb = Number(definition.memory) / 1024;
    const architecture: "x86_64" | "arm64" =
      definition.runtimePlatform?.cpuArchitecture === "ARM64" ? "arm64" : "x86_64";
    const spot = spotShare(count, service.inputs.capacityProviderStrategies ?? []);
    const taskHourUsd =
      vcpu * prices.fargateVcpuHour[architecture].usd + gb * prices.fargateGbHour[architecture].usd;
    const discounted = taskHourUsd * (1 - spot * SPOT_DISCOUNT.usd);
    lines.push(
      line(
        `fargate:${service.inputs.name ?? service.name}`,
        `Fargate ${service.inputs.name ?? service.name} (${vcpu} vCPU, ${gb} GB, ${architecture}, ${Math.round(spot * 100)}% spot)`,
        count * hours,
        "task-hours",
        round6(discounted),
        spot > 0 ? `Spot at ${SPOT_DISCOUNT.usd * 100}% off (assumed)` : undefined,
      ),
    );
    runningTasks += count;
    if (service.inputs.networkConfiguration?.assignPublicIp === true) publicTaskIps += count;
    if ((service.inputs.loadBalancers ?? []).length > 0) servingBehindLoadBalancer = true;
  }

  // The database: instance-hours unless the state stops it; storage always.
  const powers = ofType(T.dynamic).filter((r) => r.name === "database-power");
  const stopped = powers.some((r) => r.inputs.desiredState === "stopped");
  for (const instance of ofType(T.rds)) {
    const instanceClass = String(instance.inputs.instanceClass);
    const price = prices.rdsInstanceHour[instanceClass];
    if (price === undefined)
      throw new CostError(
        `No price for RDS class ${instanceClass} in ${region}: add it to tools/pricing.ts.`,
      );
    const copies = instance.inputs.multiAz === true ? 2 : 1;
    lines.push(
      line(
        `rds:${instance.name}`,
        `RDS ${instanceClass}${copies === 2 ? " Multi-AZ" : ""}${stopped ? " (stopped)" : ""}`,
        stopped ? 0 : copies * hours,
        "instance-hours",
        price.usd,
        stopped ? `stopped: storage only (${STOPPED_DATABASE_SOURCE})` : undefined,
      ),
      line(
        `rds-storage:${instance.name}`,
        `RDS gp3 storage`,
        copies * Number(instance.inputs.allocatedStorage ?? 0),
        "GB-months",
        prices.rdsGp3GbMonth.usd,
        "allocated size; autoscaled growth and backups beyond it are not counted",
      ),
    );
  }

  // The load balancer: hours, LCUs by assumption, one public IPv4 address per zone.
  for (const balancer of ofType(T.loadBalancer)) {
    const lcu = servingBehindLoadBalancer
      ? USAGE_ASSUMPTIONS.albLcuWhileServing
      : USAGE_ASSUMPTIONS.albLcuMaintenanceOnly;
    lines.push(
      line(`alb:${balancer.name}`, "Load balancer", hours, "hours", prices.albHour.usd),
      line(
        `alb-lcu:${balancer.name}`,
        "Load balancer capacity units",
        lcu * hours,
        "LCU-hours",
        prices.albLcuHour.usd,
        `assumed ${lcu} LCU on average ${servingBehindLoadBalancer ? "while services answer" : "(maintenance page only)"}`,
      ),
      line(
        `ipv4-alb:${balancer.name}`,
        "Public IPv4: load balancer",
        (balancer.inputs.subnets ?? []).length * hours,
        "address-hours",
        GLOBAL_PRICES.publicIpv4Hour.usd,
        "one address per availability zone",
      ),
    );
  }

  const natGateways = ofType(T.natGateway).length;
  if (natGateways > 0)
    lines.push(
      line("nat", "NAT gateways", natGateways * hours, "hours", prices.natGatewayHour.usd),
      line(
        "nat-data",
        "NAT gateway data",
        natGateways * USAGE_ASSUMPTIONS.natGbPerGatewayMonth,
        "GB",
        prices.natGatewayGb.usd,
        `assumed ${USAGE_ASSUMPTIONS.natGbPerGatewayMonth} GB per gateway per month`,
      ),
    );
  const elasticIps = ofType(T.eip).length;
  if (elasticIps > 0)
    lines.push(
      line(
        "ipv4-nat",
        "Public IPv4: NAT addresses",
        elasticIps * hours,
        "address-hours",
        GLOBAL_PRICES.publicIpv4Hour.usd,
      ),
    );
  if (publicTaskIps > 0)
    lines.push(
      line(
        "ipv4-tasks",
        "Public IPv4: tasks",
        publicTaskIps * hours,
        "address-hours",
        GLOBAL_PRICES.publicIpv4Hour.usd,
        "tasks with assignPublicIp (no NAT)",
      ),
    );

  const counted = (label: string, count: number, unit: string, price: number, note?: string) => {
    const key = label.toLowerCase().replace(/ /g, "-");
    if (count > 0) lines.push(line(key, label, count, unit, price, note));
  };
  counted(
    "Secrets Manager secrets",
    ofType(T.secret).length,
    "secret-months",
    GLOBAL_PRICES.secretMonth.usd,
  );
  counted(
    "CloudWatch alarms",
    ofType(T.alarm).reduce((sum, alarm) => sum + alarmMetrics(alarm.inputs), 0),
    "alarm-metric-months",
    GLOBAL_PRICES.alarmMetricMonth.usd,
    "a metric-math alarm pays for each metric it reads",
  );
  counted(
    "CloudWatch dashboards",
    ofType(T.dashboard).length,
    "dashboard-months",
    GLOBAL_PRICES.dashboardMonth.usd,
  );
  counted("KMS keys", ofType(T.kmsKey).length, "key-months", GLOBAL_PRICES.kmsKeyMonth.usd);
  counted(
    "CloudWatch log ingestion",
    runningTasks * USAGE_ASSUMPTIONS.logGbPerTaskMonth,
    "GB",
    prices.logIngestionGb.usd,
    `assumed ${USAGE_ASSUMPTIONS.logGbPerTaskMonth} GB per running task per month`,
  );
  counted(
    "S3 storage",
    ofType(T.bucket).length * USAGE_ASSUMPTIONS.s3GbPerBucket,
    "GB-months",
    prices.s3StandardGbMonth.usd,
    `assumed ${USAGE_ASSUMPTIONS.s3GbPerBucket} GB per bucket`,
  );
  counted(
    "CloudFront data out",
    ofType(T.distribution).length * USAGE_ASSUMPTIONS.cloudFrontGbPerDistributionMonth,
    "GB",
    GLOBAL_PRICES.cloudFrontGbOut.usd,
    `assumed ${USAGE_ASSUMPTIONS.cloudFrontGbPerDistributionMonth} GB per distribution per month`,
  );

  return {
    region,
    monthlyUsd: round2(lines.reduce((sum, l) => sum + l.monthlyUsd, 0)),
    lines,
  };
}

function alarmMetrics(inputs: Record<string, any>): number {
  const queries: any[] = inputs.metricQueries ?? [];
  return queries.length === 0 ? 1 : queries.filter((query) => query.metric !== undefined).length;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Lines of a monthly estimate, aligned, with the total. */
export function costText(estimate: CostEstimate, indent = "  "): string[] {
  const width = Math.max(...estimate.lines.map((l) => l.item.length), 5);
  const money = (usd: number) => `${usd.toFixed(2)} USD`.padStart(12);
  return [
    ...estimate.lines.map(
      (l) =>
        `${indent}${l.item.padEnd(width)}  ${money(l.monthlyUsd)}  ${formatQuantity(l.quantity)} ${l.unit} × ${l.unitUsd}` +
        (l.note === undefined ? "" : `  (${l.note})`),
    ),
    `${indent}${"Total per month".padEnd(width)}  ${money(estimate.monthlyUsd)}`,
  ];
}

function formatQuantity(quantity: number): string {
  return Number.isInteger(quantity) ? String(quantity) : quantity.toFixed(2);
}

/** `+12.34 USD` / `-5.00 USD` */
export function signedUsd(value: number): string {
  const rounded = round2(value);
  return `${rounded >= 0 ? "+" : "-"}${Math.abs(rounded).toFixed(2)} USD`;
}

export const COST_NOTE =
  "Estimate from the registered resources with the on-demand price table in tools/pricing.ts " +
  "(dated, sourced, assumptions marked); excludes data transfer out, backups beyond the free " +
  "allowance, ECR and resources this program does not manage.";

export interface CostChange {
  readonly key: string;
  readonly item: string;
  readonly beforeUsd: number;
  readonly afterUsd: number;
}

/** What changes between two estimates, line by line (lines absent on one side count as 0). */
export function costDifference(before: CostEstimate, after: CostEstimate): CostChange[] {
  const keys = [...new Set([...before.lines, ...after.lines].map((l) => l.key))];
  const find = (estimate: CostEstimate, key: string) => estimate.lines.find((l) => l.key === key);
  return keys
    .map((key) => {
      const [from, to] = [find(before, key), find(after, key)];
      return {
        key,
        item: (to ?? from)!.item,
        beforeUsd: from?.monthlyUsd ?? 0,
        afterUsd: to?.monthlyUsd ?? 0,
      };
    })
    .filter((change) => change.beforeUsd !== change.afterUsd);
}

/**
 * The monthly cost of a weekly schedule: `runningHoursPerWeek` in one state, the rest of the
 * week in another (staging: running 06:00-17:00 UTC Monday to Friday, stopped otherwise).
 */
export function scheduleCost(
  runningMonthlyUsd: number,
  stoppedMonthlyUsd: number,
  runningHoursPerWeek: number,
): number {
  const share = runningHoursPerWeek / (7 * 24);
  return round2(runningMonthlyUsd * share + stoppedMonthlyUsd * (1 - share));
}
