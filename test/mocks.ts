/**
 * The one place that installs Pulumi mocks (project `graasp`). It records every registration
 * with its inputs and the options the engine would see (parent, dependencies, protect,
 * ignoreChanges, retainOnDelete), answers every invoke the program makes, and returns
 * realistic computed outputs per type.
 *
 * What mocks cannot prove: that AWS accepts these inputs, and which changes the provider turns
 * into replacements. `pulumi preview` against a real account covers those.
 */
import * as pulumi from "@pulumi/pulumi";
import { deserializeProperties, specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

export const ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "eu-central-2";

export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parentUrn: string;
  readonly custom: boolean;
  /** Inputs as plain values; secrets unwrapped (see `secretPaths`). */
  readonly inputs: Record<string, any>;
  /** Paths of the inputs the program marked secret, e.g. `conditions` or `password`. */
  readonly secretPaths: readonly string[];
  readonly dependencies: readonly string[];
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly ignoreChanges: readonly string[];
  readonly deleteBeforeReplace: boolean;
}

let registrations: Registration[] = [];

function urnOf(parentUrn: string, type: string, name: string): string {
  const qualifiedType = parentUrn ? `${parentUrn.split("::")[2].split("$").pop()}$${type}` : type;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualifiedType}::${name}`;
}

function arn(service: string, resource: string, region = MOCK_REGION): string {
  return `arn:aws:${service}:${region}:${ACCOUNT_ID}:${resource}`;
}

/** Computed outputs AWS would return, keyed by type token. */
function outputsFor(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "aws:ec2/vpc:Vpc":
      return { id: "vpc-0123456789abcdef0", arn: arn("ec2", "vpc/vpc-0123456789abcdef0") };
    case "aws:ec2/subnet:Subnet": {
      // `network-public-a` → `subnet-public-a`
      const id = `subnet-${name.split("-").slice(-2).join("-")}`;
      return { id, arn: arn("ec2", `subnet/${id}`) };
    }
    case "aws:ec2/eip:Eip":
      return { id: `eipalloc-${name}`, allocationId: `eipalloc-${name}`, publicIp: "198.51.100.7" };
    case "aws:ec2/natGateway:NatGateway":
      return { id: `nat-${name}` };
    case "aws:sns/topic:Topic":
      return { arn: arn("sns", inputs.name ?? name), name: inputs.name ?? name };
    case "aws:sns/topicSubscription:TopicSubscription":
      return { arn: arn("sns", `${name}:0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6`) };
    case "aws:kms/key:Key":
      return {
        arn: arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { arn: arn("cloudwatch", `alarm:${inputs.name ?? name}`) };
    case "aws:cloudwatch/dashboard:Dashboard":
      return {
        dashboardArn: `arn:aws:cloudwatch::${ACCOUNT_ID}:dashboard/${inputs.dashboardName}`,
      };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${name}`, arn: arn("ec2", `security-group/sg-${name}`) };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        arn: arn("elasticloadbalancing", `loadbalancer/app/${name}/50dc6c495c0c9188`),
        arnSuffix: `app/${name}/50dc6c495c0c9188`,
        dnsName: `${name}-1234567890.${MOCK_REGION}.elb.amazonaws.com`,
        zoneId: "Z3F0SRJ5LGBH90",
      };
    case "aws:lb/listener:Listener":
      return { arn: arn("elasticloadbalancing", `listener/app/alb/50dc6c495c0c9188/${name}`) };
    case "aws:lb/targetGroup:TargetGroup":
      return {
        arn: arn("elasticloadbalancing", `targetgroup/${name}/73e2d6bc24d8a067`),
        arnSuffix: `targetgroup/${name}/73e2d6bc24d8a067`,
      };
    case "aws:rds/instance:Instance": {
      const identifier = inputs.identifier ?? name;
      return {
        identifier,
        address: `${identifier}.c9akciq32.${MOCK_REGION}.rds.amazonaws.com`,
        endpoint: `${identifier}.c9akciq32.${MOCK_REGION}.rds.amazonaws.com:5432`,
        port: 5432,
        arn: arn("rds", `db:${identifier}`),
        resourceId: `db-${identifier.toUpperCase().replace(/[^A-Z0-9]/g, "")}0RESOURCEID`,
      };
    }
    case "aws:ecs/cluster:Cluster":
      return { arn: arn("ecs", `cluster/${inputs.name ?? name}`), name: inputs.name ?? name };
    case "aws:ecs/taskDefinition:TaskDefinition":
      return { arn: arn("ecs", `task-definition/${inputs.family}:1`), revision: 1 };
    case "aws:ecs/service:Service":
      return { name: inputs.name ?? name };
    case "aws:iam/role:Role":
      return {
        arn: `arn:aws:iam::${ACCOUNT_ID}:role/${inputs.name ?? name}`,
        name: inputs.name ?? name,
      };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return {
        arn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`,
      };
    case "aws:secretsmanager/secret:Secret":
      return { arn: arn("secretsmanager", `secret:${inputs.name ?? name}-AbCdEf`) };
    case "aws:secretsmanager/secretVersion:SecretVersion":
      return { versionId: `version-${name}`, arn: arn("secretsmanager", `secret:${name}`) };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: arn("logs", `log-group:${inputs.name ?? name}`), name: inputs.name ?? name };
    case "aws:servicediscovery/httpNamespace:HttpNamespace":
      return {
        arn: arn("servicediscovery", `namespace/ns-${name}`),
        httpName: inputs.name ?? name,
      };
    case "aws:rds/subnetGroup:SubnetGroup":
    case "aws:rds/parameterGroup:ParameterGroup":
      return { name: inputs.name ?? `${name}-abc1234` };
    // AWS knows repositories (and buckets, below) by name; the adoption file relies on it.
    case "aws:ecr/repository:Repository": {
      const repository = inputs.name ?? name;
      return {
        id: repository,
        name: repository,
        arn: arn("ecr", `repository/${repository}`),
        repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${repository}`,
      };
    }
    case "random:index/randomPassword:RandomPassword":
      return { result: `generated-password-${name}` };
    case "random:index/randomId:RandomId":
      return { hex: "a1b2c3d4" };
    case "aws:iam/user:User":
      return {
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/${inputs.name ?? name}`,
        name: inputs.name ?? name,
      };
    case "aws:iam/accessKey:AccessKey":
      return { id: `AKIAMOCK${name.length}`, secret: `mock-secret-access-key-${name}` };
    case "aws:appautoscaling/target:Target":
      return { arn: arn("application-autoscaling", `scalable-target/${name}`) };
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = inputs.bucket ?? name;
      return {
        id: bucket,
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.${MOCK_REGION}.amazonaws.com`,
        region: MOCK_REGION,
      };
    }
    case "aws:cloudfront/distribution:Distribution": {
      const id = `E${name.replace(/[^a-z0-9]/gi, "").toUpperCase()}`;
      return {
        id,
        arn: `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/${id}`,
        domainName: `d${name.replace(/[^a-z0-9]/gi, "").toLowerCase()}.cloudfront.net`,
        hostedZoneId: "Z2FDTNDATAQYW2",
        status: "Deployed",
      };
    }
    case "aws:cloudfront/originAccessControl:OriginAccessControl":
      return { id: "E2QWRUHAPOMQZL", etag: "ETAG1" };
    case "aws:cloudfront/keyValueStore:KeyValueStore":
      return {
        id: inputs.name ?? name,
        arn: `arn:aws:cloudfront::${ACCOUNT_ID}:key-value-store/3e5a1b2c-0d4f-4a6b-8c9d-${name.length.toString().padStart(12, "0")}`,
        etag: "ETAG1",
      };
    case "aws:cloudfront/function:Function":
      return {
        arn: `arn:aws:cloudfront::${ACCOUNT_ID}:function/${inputs.name ?? name}`,
        etag: "ETVPDKIKX0DER",
        status: "UNASSOCIATED",
      };
    case "aws:route53/record:Record":
      return { fqdn: inputs.name };
    case "aws:ecr/repository:Repository":
      return {
        arn: arn("ecr", `repository/${inputs.name}`),
        name: inputs.name,
        registryId: ACCOUNT_ID,
        repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${inputs.name}`,
      };
    default:
      return { arn: arn("mock", name) };
  }
}

const mocks: pulumi.runtime.Mocks = {
  newResource(args: pulumi.runtime.MockResourceArgs) {
    const outputs = outputsFor(args.type, args.name, args.inputs);
    const id =
      outputs.id ??
      (args.type === "aws:rds/instance:Instance" ? outputs.identifier : `${args.name}-id`);
    return { id, state: { ...args.inputs, ...outputs } };
  },
  call(args: pulumi.runtime.MockCallArgs) {
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          accountId: ACCOUNT_ID,
          arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`,
          userId: "AIDAEXAMPLE",
          id: ACCOUNT_ID,
        };
      case "aws:index/getRegion:getRegion":
        return { region: MOCK_REGION, name: MOCK_REGION, id: MOCK_REGION };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "github:index/getUser:getUser":
        return {
          id: String(1000 + [...String(args.inputs.username)].length),
          login: args.inputs.username,
          nodeId: "U_mock",
        };
      default:
        throw new Error(`test/mocks.ts has no answer for invoke ${args.token}`);
    }
  },
};

/**
 * Installs the mocks for a stack (again). Wraps the mock monitor so the options of every
 * registration are recorded, since `MockResourceArgs` does not carry them.
 */
export function useStack(stack: string, preview = false): void {
  pulumi.runtime.setMocks(mocks, "graasp", stack, preview);
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request: any, callback: any) => {
    const parentUrn: string = request.getParent();
    let unwrapped: { inputs: Record<string, any>; secretPaths: string[] } | undefined;
    const read = () => (unwrapped ??= unwrapSecrets(deserializeProperties(request.getObject())));
    registrations.push({
      type: request.getType(),
      name: request.getName(),
      urn: urnOf(parentUrn, request.getType(), request.getName()),
      parentUrn,
      custom: request.getCustom(),
      // Deserialised on first use: most tests read the inputs of a few resources only.
      get inputs() {
        return read().inputs;
      },
      get secretPaths() {
        return read().secretPaths;
      },
      dependencies: request.getDependenciesList(),
      protect: request.getProtect() === true,
      retainOnDelete: request.getRetainondelete() === true,
      ignoreChanges: request.getIgnorechangesList(),
      deleteBeforeReplace: request.getDeletebeforereplace(),
    });
    return register(request, callback);
  };
}

/** Replaces the runtime's secret wrappers by their values and lists where they were. */
export function unwrapSecrets(inputs: Record<string, any>): {
  inputs: Record<string, any>;
  secretPaths: string[];
} {
  const secretPaths: string[] = [];
  const visit = (value: any, path: string): any => {
    if (typeof value !== "object" || value === null) return value;
    if (value[specialSigKey] === specialSecretSig) {
      secretPaths.push(path);
      return visit(value.value, path);
    }
    if (Array.isArray(value)) return value.map((item, index) => visit(item, `${path}[${index}]`));
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, visit(item, path ? `${path}.${key}` : key)]),
    );
  };
  return { inputs: visit(inputs, ""), secretPaths };
}

export function resetRegistrations(): void {
  registrations = [];
}

/** Waits until every registration in flight has reached the mock monitor. */
export async function settle(): Promise<readonly Registration[]> {
  const settings = require("@pulumi/pulumi/runtime/settings");
  await settings.waitForRPCs();
  return registrations;
}

/**
 * Builds a program under the mocks and waits for every registration. Pulumi's runtime records
 * a stack trace for each output promise (for its leak report) and each resource (for its
 * source position); under ts-node every frame is source-mapped, which was 80% of an
 * evaluation's time in a CPU profile. Nobody reads them in a mocked run, so they are switched
 * off (promises) and left unmapped (resources) while the program is evaluated.
 */
export async function evaluate<T>(
  stack: string,
  build: () => T,
  preview = false,
): Promise<{ result: T; registrations: readonly Registration[] }> {
  useStack(stack, preview);
  resetRegistrations();
  return withoutStackTraces(async () => {
    const result = build();
    return { result, registrations: await settle() };
  });
}

/** Runs `work` with the stack traces Pulumi takes per promise and resource switched off. */
export async function withoutStackTraces<T>(work: () => Promise<T>): Promise<T> {
  const { stackTraceLimit, prepareStackTrace } = Error;
  Error.stackTraceLimit = 0;
  // V8's own formatting: ts-node's source-mapping formatter would map every frame of the
  // full-depth trace Pulumi takes for each resource's source position.
  Error.prepareStackTrace = undefined;
  try {
    return await work();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    Error.prepareStackTrace = prepareStackTrace;
  }
}

export function registered(): readonly Registration[] {
  return registrations;
}

export function ofType(all: readonly Registration[], type: string): Registration[] {
  return all.filter((registration) => registration.type === type);
}

export function named(all: readonly Registration[], type: string, name: string): Registration {
  const found = all.filter(
    (registration) => registration.type === type && registration.name === name,
  );
  if (found.length !== 1)
    throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}
