/**
 * What AWS accepts at the edge, as pure checks: configuration values (bucket names, the
 * CloudFront certificate, hosted zone and repository names), called from config.ts, and limits
 * on registered resources (CloudFront, KeyValueStore, S3, Route 53), called by the AWS-limit
 * checks. Figures are AWS's documented quotas, not values read from an account.
 */

/** CloudFront quotas: alternate domain names per distribution and function code size. */
export const CLOUDFRONT_MAX_ALIASES = 100;
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10_240;
/** KeyValueStore: key at most 512 bytes, value at most 1 KB, name 1-64 of A-Za-z0-9_-. */
export const KVS_MAX_KEY_BYTES = 512;
export const KVS_MAX_VALUE_BYTES = 1024;
const KVS_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** An ACM certificate ARN (its id is a UUID); group 1 is the region. */
export const ACM_CERTIFICATE_PATTERN =
  /^arn:aws:acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/;
/** Route 53 hosted zone ids: `Z` and upper-case letters or digits, at most 32 characters. */
// Route 53 zone ids: "Z" and 9 to 31 more upper-case letters and digits (e.g. Z3F0SRJ5LGBH90).
const HOSTED_ZONE_PATTERN = /^Z[A-Z0-9]{9,31}$/;
const REPOSITORY_PATTERN =
  /^(?=.{2,256}$)[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const IPV4_PATTERN = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Why S3 would refuse a general-purpose bucket name, or `[]`. */
export function bucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63)
    problems.push(`is ${name.length} characters (S3 allows 3 to 63)`);
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    problems.push(
      "may contain only lower-case letters, digits, '.' and '-', and must begin and end with a letter or digit",
    );
  if (name.includes("..")) problems.push("must not contain two adjacent periods");
  if (IPV4_PATTERN.test(name)) problems.push("must not look like an IP address");
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) problems.push("uses a prefix S3 reserves");
  if (/(-s3alias|--ol-s3|--x-s3|--table-s3)$/.test(name))
    problems.push("uses a suffix S3 reserves");
  // CloudFront and virtual-hosted TLS need names without dots.
  if (name.includes("."))
    problems.push("contains '.', which breaks HTTPS to the bucket's host name");
  return problems;
}

/** Why a CloudFront viewer certificate ARN is unusable, or `[]`. */
export function cdnCertificateProblems(arn: string): string[] {
  const region = arn.match(ACM_CERTIFICATE_PATTERN)?.[1];
  if (region === undefined) return ["is not an ACM certificate ARN"];
  if (region !== "us-east-1")
    return [`is in region ${region}; CloudFront only uses ACM certificates from us-east-1`];
  return [];
}

export function hostedZoneIdProblems(id: string): string[] {
  return HOSTED_ZONE_PATTERN.test(id)
    ? []
    : ["is not a Route 53 hosted zone id (Z followed by upper-case letters and digits)"];
}

export function repositoryNameProblems(name: string): string[] {
  return REPOSITORY_PATTERN.test(name)
    ? []
    : [
        "is not an ECR repository name (2 to 256 lower-case letters, digits, '.', '_', '-', path segments separated by '/')",
      ];
}

/** Why Route 53 would refuse a record name, or `[]`. */
export function recordNameProblems(name: string): string[] {
  const problems: string[] = [];
  const bare = name.replace(/\.$/, "");
  if (bare.length > 253) problems.push(`is ${bare.length} characters (DNS allows 253)`);
  for (const label of bare.split("."))
    if (!/^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$/.test(label))
      problems.push(`has the label "${label}", not 1-63 letters, digits, '-' or '_'`);
  return problems;
}

export interface EdgeResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}

const byteLength = (text: string) => Buffer.byteLength(text, "utf8");
const label = (resource: EdgeResource) => `${resource.type} "${resource.name}"`;

export const EDGE_TYPES = {
  bucket: "aws:s3/bucket:Bucket",
  distribution: "aws:cloudfront/distribution:Distribution",
  function: "aws:cloudfront/function:Function",
  keyValueStore: "aws:cloudfront/keyValueStore:KeyValueStore",
  keyValueStoreKey: "aws:cloudfront/keyvaluestoreKey:KeyvaluestoreKey",
  record: "aws:route53/record:Record",
  repository: "aws:ecr/repository:Repository",
} as const;

/** Every edge limit the registered resources break, each naming the resource. */
export function edgeLimitViolations(resources: readonly EdgeResource[]): string[] {
  return resources.flatMap((resource) =>
    edgeResourceProblems(resource).map((problem) => `${label(resource)}: ${problem}`),
  );
}

function edgeResourceProblems({ type, inputs }: EdgeResource): string[] {
  switch (type) {
    case EDGE_TYPES.bucket:
      return typeof inputs.bucket === "string"
        ? bucketNameProblems(inputs.bucket).map(
            (problem) => `bucket \`${inputs.bucket}\` ${problem}`,
          )
        : [];
    case EDGE_TYPES.distribution: {
      const aliases: string[] = inputs.aliases ?? [];
      return [
        ...(aliases.length > CLOUDFRONT_MAX_ALIASES
          ? [`has ${aliases.length} aliases (CloudFront allows ${CLOUDFRONT_MAX_ALIASES})`]
          : []),
        ...aliases.flatMap((alias) =>
          recordNameProblems(alias).map((problem) => `alias \`${alias}\` ${problem}`),
        ),
      ];
    }
    case EDGE_TYPES.function: {
      const size = typeof inputs.code === "string" ? byteLength(inputs.code) : 0;
      return [
        ...(size > CLOUDFRONT_FUNCTION_MAX_BYTES
          ? [`code is ${size} bytes (CloudFront Functions allow ${CLOUDFRONT_FUNCTION_MAX_BYTES})`]
          : []),
        ...((inputs.keyValueStoreAssociations ?? []).length > 1
          ? ["has more than one KeyValueStore (a function may use one)"]
          : []),
      ];
    }
    case EDGE_TYPES.keyValueStore:
      return typeof inputs.name === "string" && !KVS_NAME_PATTERN.test(inputs.name)
        ? [`name \`${inputs.name}\` is not 1-64 of A-Za-z0-9_-`]
        : [];
    case EDGE_TYPES.keyValueStoreKey: {
      const problems: string[] = [];
      const key = String(inputs.key ?? "");
      const value = String(inputs.value ?? "");
      if (key.length === 0 || byteLength(key) > KVS_MAX_KEY_BYTES)
        problems.push(
          `key is ${byteLength(key)} bytes (KeyValueStore allows 1-${KVS_MAX_KEY_BYTES})`,
        );
      if (byteLength(value) > KVS_MAX_VALUE_BYTES)
        problems.push(
          `value is ${byteLength(value)} bytes (KeyValueStore allows ${KVS_MAX_VALUE_BYTES})`,
        );
      return problems;
    }
    case EDGE_TYPES.record:
      return typeof inputs.name === "string"
        ? recordNameProblems(inputs.name).map((problem) => `name \`${inputs.name}\` ${problem}`)
        : [];
    case EDGE_TYPES.repository:
      return typeof inputs.name === "string"
        ? repositoryNameProblems(inputs.name).map((problem) => `name \`${inputs.name}\` ${problem}`)
        : [];
    default:
      return [];
  }
}
