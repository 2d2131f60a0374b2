/**
 * What changes between two evaluations of the program: resources added, removed, and changed
 * property by property. Used by the offline plan, the transition report and the
 * transition-safety tests, so all three agree on what "changed" means.
 */

export interface EvaluatedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

export interface PropertyChange {
  /** Dotted path, e.g. `conditions[1].httpHeader.values[0]`. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ResourceChange {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly kind: "added" | "removed" | "changed";
  readonly properties: readonly PropertyChange[];
}

/**
 * Types whose replacement or deletion loses data or breaks what depends on their identity.
 * A state change must never touch them.
 */
export const STATEFUL_TYPES: readonly string[] = [
  "aws:rds/instance:Instance",
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/subnetGroup:SubnetGroup",
  "random:index/randomPassword:RandomPassword",
  "random:index/randomId:RandomId",
  "aws:secretsmanager/secret:Secret",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:ec2/vpc:Vpc",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:iam/accessKey:AccessKey",
  "aws:ecr/repository:Repository",
];

export function isStateful(type: string): boolean {
  return STATEFUL_TYPES.includes(type);
}

export function diffResources(
  before: readonly EvaluatedResource[],
  after: readonly EvaluatedResource[],
): ResourceChange[] {
  const beforeByUrn = new Map(before.map((resource) => [resource.urn, resource]));
  const afterByUrn = new Map(after.map((resource) => [resource.urn, resource]));
  const changes: ResourceChange[] = [];
  for (const resource of after) {
    const previous = beforeByUrn.get(resource.urn);
    if (previous === undefined) {
      changes.push({ ...identity(resource), kind: "added", properties: [] });
      continue;
    }
    const properties = diffValues("", previous.inputs, resource.inputs);
    if (properties.length > 0) changes.push({ ...identity(resource), kind: "changed", properties });
  }
  for (const resource of before)
    if (!afterByUrn.has(resource.urn))
      changes.push({ ...identity(resource), kind: "removed", properties: [] });
  return changes;
}

function identity(resource: EvaluatedResource): Pick<ResourceChange, "urn" | "type" | "name"> {
  return { urn: resource.urn, type: resource.type, name: resource.name };
}

function diffValues(path: string, before: unknown, after: unknown): PropertyChange[] {
  // Container definitions and policies are JSON strings: compare what they say, not their text.
  if (typeof before === "string" && typeof after === "string" && before !== after) {
    const [parsedBefore, parsedAfter] = [parseJson(before), parseJson(after)];
    if (parsedBefore !== undefined && parsedAfter !== undefined)
      return diffValues(path, parsedBefore, parsedAfter);
  }
  if (isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) =>
      diffValues(
        Array.isArray(before) ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`,
        (before as Record<string, unknown>)[key],
        (after as Record<string, unknown>)[key],
      ),
    );
  }
  return Object.is(before, after) ? [] : [{ path, before, after }];
}

function parseJson(text: string): object | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as object;
  } catch {
    return undefined;
  }
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}
