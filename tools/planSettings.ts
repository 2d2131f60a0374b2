/**
 * The few settings an operator reads per resource type, and the short type names the reports
 * print. The order of `SETTINGS` is also the order resources are listed in within a component:
 * network and security first, then logs and secrets, compute, routing, scaling.
 */
import { BYPASS_TOKEN_KEY } from "../components/cdnFunction";
import { PlannedResource } from "./planModel";
import { adoptionId } from "./adoptPlan";

export type Setting = readonly [label: string, value: string];
// Inputs are whatever the AWS provider's schema says; each reader below knows its type's shape.
type Inputs = Record<string, any>;
type Reader = (inputs: Inputs) => (Setting | undefined)[];

const SETTINGS: Readonly<Record<string, Reader>> = {
  "aws:ec2/vpc:Vpc": (i) => [["cidr", i.cidrBlock]],
  "aws:ec2/subnet:Subnet": (i) => [
    ["cidr", i.cidrBlock],
    ["az", i.availabilityZone],
  ],
  "aws:ec2/eip:Eip": (i) => [["domain", i.domain]],
  "aws:ec2/natGateway:NatGateway": (i) => [
    ["subnet", i.subnetId],
    ["connectivity", i.connectivityType],
  ],
  "aws:ec2/route:Route": (i) => [
    ["destination", i.destinationCidrBlock],
    ["via", i.natGatewayId ?? i.gatewayId],
  ],
  "aws:ec2/securityGroup:SecurityGroup": (i) => [["description", i.description]],
  "aws:cloudwatch/metricAlarm:MetricAlarm": (i) => [
    ["actions", i.actionsEnabled === false ? "off in this state" : "on"],
    ["when", `${i.comparisonOperator} ${i.threshold}`],
  ],
  "aws:sns/topic:Topic": (i) => [["kms", i.kmsMasterKeyId]],
  "aws:sns/topicSubscription:TopicSubscription": (i) => [["email", i.endpoint]],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (i) => [
    ["ingress", `${ports(i)} from ${peer(i)}`],
  ],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (i) => [
    ["egress", `${ports(i)} to ${peer(i)}`],
  ],
  "aws:lb/loadBalancer:LoadBalancer": (i) => [
    ["type", i.loadBalancerType],
    ["internal", String(i.internal)],
    ["deletionProtection", String(i.enableDeletionProtection)],
    ["dropInvalidHeaders", String(i.dropInvalidHeaderFields)],
  ],
  "aws:lb/listener:Listener": (i) => [
    ["port", `${i.port}/${i.protocol}`],
    i.sslPolicy ? ["tls", i.sslPolicy] : undefined,
    ["default", list(i.defaultActions, action)],
  ],
  "aws:lb/listenerRule:ListenerRule": (i) => [
    ["priority", String(i.priority)],
    ...(i.conditions ?? []).flatMap(condition),
    ["action", list(i.actions, action)],
    ...(i.transforms ?? []).map((t: Inputs): Setting => [
      "rewrite",
      `${t.urlRewriteConfig?.rewrite?.regex} → ${t.urlRewriteConfig?.rewrite?.replace}`,
    ]),
  ],
  "aws:lb/targetGroup:TargetGroup": (i) => [
    ["port", `${i.port}/${i.protocol}`],
    ["health", `${i.healthCheck?.path} ${i.healthCheck?.matcher}`],
    ["deregistrationDelay", `${i.deregistrationDelay}s`],
  ],
  "aws:cloudwatch/logGroup:LogGroup": (i) => [
    ["name", i.name],
    ["retention", `${i.retentionInDays}d`],
  ],
  "aws:secretsmanager/secret:Secret": (i) => [["name", i.name]],
  "aws:secretsmanager/secretVersion:SecretVersion": (i) => [["value", i.secretString]],
  "random:index/randomPassword:RandomPassword": (i) => [
    ["length", String(i.length)],
    ["special", String(i.special)],
  ],
  "random:index/randomId:RandomId": (i) => [["bytes", String(i.byteLength)]],
  "aws:iam/role:Role": (i) => [
    ["description", i.description],
    ["trust", list(statements(i.assumeRolePolicy), (s) => principals(s.Principal))],
  ],
  "aws:iam/rolePolicy:RolePolicy": (i) => [
    ["statements", list(statements(i.policy), (s) => s.Sid ?? list([s.Action].flat(), String))],
  ],
  "aws:servicediscovery/httpNamespace:HttpNamespace": (i) => [["name", i.name]],
  "aws:ecs/cluster:Cluster": (i) => [
    ["name", i.name],
    [
      "containerInsights",
      (i.settings ?? []).find((s: Inputs) => s.name === "containerInsights")?.value,
    ],
  ],
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": (i) => [
    ["providers", list(i.capacityProviders, String)],
  ],
  "aws:rds/subnetGroup:SubnetGroup": (i) => [["subnets", String(i.subnetIds?.length)]],
  "aws:rds/parameterGroup:ParameterGroup": (i) => [
    ["family", i.family],
    ["parameters", list(i.parameters, (p) => `${p.name}=${p.value}`)],
  ],
  "aws:rds/instance:Instance": (i) => [
    ["class", i.instanceClass],
    ["engine", `${i.engine} ${i.engineVersion}`],
    ["storage", `${i.allocatedStorage}-${i.maxAllocatedStorage} GiB ${i.storageType}`],
    ["encrypted", String(i.storageEncrypted)],
    ["multiAz", String(i.multiAz)],
    ["backups", `${i.backupRetentionPeriod}d`],
    ["deletionProtection", String(i.deletionProtection)],
    ["publiclyAccessible", String(i.publiclyAccessible)],
    i.snapshotIdentifier !== undefined ? ["restoreFromSnapshot", i.snapshotIdentifier] : undefined,
  ],
  "aws:ecs/taskDefinition:TaskDefinition": (i) => [
    ["cpu", i.cpu],
    ["memory", i.memory],
    ["arch", i.runtimePlatform?.cpuArchitecture],
    ["images", list(parseJson(i.containerDefinitions), (c) => `${c.name}=${c.image}`)],
  ],
  "aws:ecs/service:Service": (i) => [
    ["desiredCount", String(i.desiredCount)],
    ["capacity", list(i.capacityProviderStrategies, capacity, " + ")],
    ["assignPublicIp", String(i.networkConfiguration?.assignPublicIp)],
  ],
  "aws:appautoscaling/target:Target": (i) => [
    ["min", String(i.minCapacity)],
    ["max", String(i.maxCapacity)],
  ],
  "aws:appautoscaling/policy:Policy": (i) => {
    const config = i.targetTrackingScalingPolicyConfiguration ?? {};
    return [
      [
        "target",
        `${config.targetValue}% ${config.predefinedMetricSpecification?.predefinedMetricType}`,
      ],
      ["cooldown", `in ${config.scaleInCooldown}s out ${config.scaleOutCooldown}s`],
    ];
  },
  "aws:s3/bucket:Bucket": (i) => [["name", i.bucket]],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (i) => [
    [
      "block",
      list(
        ["blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"],
        (key) => `${key}=${i[key]}`,
      ),
    ],
  ],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (i) => [
    ["encryption", list(i.rules, (r) => r.applyServerSideEncryptionByDefault?.sseAlgorithm)],
  ],
  "aws:s3/bucketVersioning:BucketVersioning": (i) => [
    ["versioning", i.versioningConfiguration?.status],
  ],
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (i) => [
    [
      "lifecycle",
      list(i.rules, (r) => `${r.id} after ${r.noncurrentVersionExpiration?.noncurrentDays}d`),
    ],
  ],
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (i) => [
    ["ownership", i.rule?.objectOwnership],
  ],
  "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": (i) => [
    [
      "cors",
      list(
        i.corsRules,
        (r) => `${list(r.allowedMethods, String, "/")} from ${list(r.allowedOrigins, String, " ")}`,
        "; ",
      ),
    ],
  ],
  "aws:s3/bucketPolicy:BucketPolicy": (i) => [
    [
      "statements",
      list(statements(i.policy), (s) => `${s.Sid ?? s.Action} to ${principals(s.Principal)}`),
    ],
  ],
  "aws:cloudfront/distribution:Distribution": (i) => [
    ["aliases", list(i.aliases, String)],
    ["viewer", i.defaultCacheBehavior?.viewerProtocolPolicy],
    ["ipv6", String(i.isIpv6Enabled)],
    ["functions", list(i.defaultCacheBehavior?.functionAssociations, (f) => f.eventType)],
  ],
  "aws:cloudfront/function:Function": (i) => [
    ["runtime", i.runtime],
    ["code", `${typeof i.code === "string" ? Buffer.byteLength(i.code) : "?"} bytes`],
  ],
  // The bypass token is a value of the store: only its key is shown.
  "aws:cloudfront/keyvaluestoreKey:KeyvaluestoreKey": (i) => [
    ["key", i.key],
    i.key === BYPASS_TOKEN_KEY ? ["value", "[secret]"] : ["value", i.value],
  ],
  "aws:route53/record:Record": (i) => [
    ["record", `${i.type} ${i.name}`],
    ["alias", list(i.aliases, (a) => a.name)],
    ["allowOverwrite", String(i.allowOverwrite)],
  ],
  "aws:ecr/repository:Repository": (i) => [
    ["name", i.name],
    ["scanOnPush", String(i.imageScanningConfiguration?.scanOnPush)],
  ],
  // DatabasePower and MigrationRun share the dynamic provider's type; their inputs tell them apart.
  "pulumi-nodejs:dynamic:Resource": (i) => [
    i.desiredState !== undefined ? ["desiredState", i.desiredState] : undefined,
    i.instanceIdentifier !== undefined ? ["instance", i.instanceIdentifier] : undefined,
    i.appVersion !== undefined ? ["appVersion", i.appVersion] : undefined,
    i.containerName !== undefined ? ["container", i.containerName] : undefined,
    i.databases !== undefined ? ["databases", list(i.databases, String)] : undefined,
    i.timeoutMinutes !== undefined ? ["timeout", `${i.timeoutMinutes}min`] : undefined,
  ],
};

/** Rank of a type in a listing; types without settings come last. */
export function typeRank(type: string): number {
  const rank = Object.keys(SETTINGS).indexOf(type);
  return rank === -1 ? Object.keys(SETTINGS).length : rank;
}

/**
 * `aws:ecs/service:Service` → `aws.ecs.Service`, as the SDK spells it; the project's components
 * by their class name; dynamic resources as `dynamic.Resource`.
 */
export function shortType(type: string): string {
  const [pkg, module = "", name = type] = type.split(":");
  if (pkg === "graasp") return name;
  if (pkg === "pulumi-nodejs") return `dynamic.${name}`;
  const area = module.split("/")[0];
  return area === "index" || area === "" ? `${pkg}.${name}` : `${pkg}.${area}.${name}`;
}

/** The settings of a resource, then the options that change what `pulumi up` may do to it. */
export function keySettings(resource: PlannedResource): Setting[] {
  const read = SETTINGS[resource.type];
  const settings = (read ? read(resource.inputs) : []).filter(
    (setting): setting is Setting => setting !== undefined && setting[1] !== undefined,
  );
  // What `npm run adopt` imports instead of creating (the cutover in README).
  const adopted = resource.custom ? adoptionId(resource.type, resource.inputs) : undefined;
  if (adopted !== undefined) settings.push(["adopt", adopted]);
  if (resource.protect) settings.push(["protect", "true"]);
  if (resource.retainOnDelete) settings.push(["retainOnDelete", "true"]);
  if (resource.ignoreChanges.length > 0)
    settings.push(["ignoreChanges", resource.ignoreChanges.join(",")]);
  return settings;
}

/** Host, path and the header's name; a header's value is the bypass token and never shown. */
function condition(c: Inputs): Setting[] {
  const settings: Setting[] = [];
  if (c.hostHeader) settings.push(["host", list(c.hostHeader.values, String)]);
  if (c.pathPattern) settings.push(["path", list(c.pathPattern.values, String)]);
  if (c.httpHeader) settings.push(["header", c.httpHeader.httpHeaderName]);
  if (c.httpRequestMethod) settings.push(["method", list(c.httpRequestMethod.values, String)]);
  if (c.sourceIp) settings.push(["sourceIp", list(c.sourceIp.values, String)]);
  if (c.queryStrings) settings.push(["query", list(c.queryStrings, (q) => q.key ?? "*")]);
  return settings;
}

function action(a: Inputs): string {
  switch (a.type) {
    case "forward":
      return `forward ${targetGroupName(a.targetGroupArn)}`;
    case "redirect": {
      const r = a.redirect ?? {};
      // Unset parts keep the request's own, which ALB writes as #{host} etc.
      const scheme = String(r.protocol ?? "#{protocol}").toLowerCase();
      const port = r.port === undefined || r.port === "443" ? "" : `:${r.port}`;
      const target = `${scheme}://${r.host ?? "#{host}"}${port}${r.path ?? ""}`;
      return `redirect ${String(r.statusCode).replace("HTTP_", "")} ${target}`;
    }
    case "fixed-response":
      return `fixed-response ${a.fixedResponse?.statusCode} ${a.fixedResponse?.contentType}`;
    default:
      return String(a.type);
  }
}

/** Target groups are auto-named; their ARN is the only place the name shows. */
function targetGroupName(arn: unknown): string {
  return typeof arn === "string" ? (arn.match(/targetgroup\/([^/]+)/)?.[1] ?? arn) : String(arn);
}

function capacity(s: Inputs): string {
  return `${s.capacityProvider}${s.base ? ` base ${s.base}` : ""} weight ${s.weight}`;
}

function ports(rule: Inputs): string {
  if (rule.ipProtocol === "-1") return "all";
  const range =
    rule.fromPort === rule.toPort ? `${rule.fromPort}` : `${rule.fromPort}-${rule.toPort}`;
  return `${rule.ipProtocol} ${range}`;
}

function peer(rule: Inputs): string {
  return (
    rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedSecurityGroupId ?? rule.prefixListId ?? "?"
  );
}

function statements(policy: unknown): Inputs[] {
  const parsed = typeof policy === "string" ? parseJson(policy) : policy;
  const statement = (parsed as Inputs | undefined)?.Statement ?? [];
  return Array.isArray(statement) ? statement : [statement];
}

function principals(principal: Inputs | undefined): string {
  return list(Object.values(principal ?? {}).flat(), String);
}

function parseJson(text: unknown): any {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function list(items: unknown, format: (item: any) => string, separator = ","): string {
  return Array.isArray(items) ? items.map(format).join(separator) : "";
}
