/**
 * AWS limits on names and load balancer rules, as pure functions used twice: by config.ts on the
 * user's configuration (the stack name and the domain), so that `pulumi preview`, `pulumi up`
 * and `npm run plan` refuse a name AWS would refuse before anything registers; and by
 * test/awsLimits.ts on every resource the program registers under mocks. Limits come from the
 * AWS documentation of each API.
 */
import { REDIRECTS, SERVICE_CATALOG, SERVICE_NAMES, TaskName, qualifiedHost } from "./catalog";
import {
  databaseSecretName,
  dockerHubCredentialName,
  RDS_LOG_EXPORTS,
  logGroupName,
  rdsLogGroupName,
  resourcePrefix,
  taskFamily,
  taskSecretName,
} from "./naming";

export const T = {
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  cluster: "aws:ecs/cluster:Cluster",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  rdsInstance: "aws:rds/instance:Instance",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  secret: "aws:secretsmanager/secret:Secret",
  bucket: "aws:s3/bucket:Bucket",
} as const;

/** Characters in one listener-rule condition value (host, path, header value, query string). */
export const CONDITION_VALUE_MAX = 128;
/** Characters in an HTTP header name of a listener-rule condition. */
export const HEADER_NAME_MAX = 40;

export interface NameRule {
  readonly type: string;
  readonly field: string;
  readonly prefixField?: string;
  readonly max: number;
  /** AWS appends 26 characters to a Terraform-style prefix; ELB names allow a 6-character one. */
  readonly prefixMax?: number;
  readonly pattern: RegExp;
  readonly allowed: string;
  readonly extra?: (value: string) => string | undefined;
}

const edgesAlphanumeric = (value: string) =>
  /^-|-$/.test(value) ? "must not start or end with a hyphen" : undefined;

export const NAME_RULES: readonly NameRule[] = [
  {
    type: T.loadBalancer,
    field: "name",
    prefixField: "namePrefix",
    max: 32,
    prefixMax: 6,
    pattern: /^[A-Za-z0-9-]+$/,
    allowed: "letters, digits and hyphens",
    extra: (value) =>
      value.startsWith("internal-") ? "must not start with internal-" : edgesAlphanumeric(value),
  },
  {
    type: T.targetGroup,
    field: "name",
    prefixField: "namePrefix",
    max: 32,
    prefixMax: 6,
    pattern: /^[A-Za-z0-9-]+$/,
    allowed: "letters, digits and hyphens",
    extra: edgesAlphanumeric,
  },
  {
    type: T.rdsInstance,
    field: "identifier",
    prefixField: "identifierPrefix",
    max: 63,
    prefixMax: 37,
    pattern: /^[a-z][a-z0-9-]*$/,
    allowed: "a lowercase letter first, then lowercase letters, digits and hyphens",
    extra: (value) =>
      value.includes("--")
        ? "must not contain two consecutive hyphens"
        : value.endsWith("-")
          ? "must not end with a hyphen"
          : undefined,
  },
  {
    type: T.logGroup,
    field: "name",
    prefixField: "namePrefix",
    max: 512,
    prefixMax: 486,
    pattern: /^[.\-_/#A-Za-z0-9]+$/,
    allowed: "letters, digits and . - _ / #",
  },
  {
    type: T.role,
    field: "name",
    prefixField: "namePrefix",
    max: 64,
    prefixMax: 38,
    pattern: /^[\w+=,.@-]+$/,
    allowed: "letters, digits and + = , . @ _ -",
  },
  {
    type: T.secret,
    field: "name",
    prefixField: "namePrefix",
    max: 512,
    prefixMax: 486,
    pattern: /^[A-Za-z0-9/_+=.@-]+$/,
    allowed: "letters, digits and / _ + = . @ -",
  },
  {
    type: T.taskDefinition,
    field: "family",
    max: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, underscores and hyphens",
  },
  {
    type: T.cluster,
    field: "name",
    max: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: "letters, digits, underscores and hyphens",
  },
  {
    type: T.bucket,
    field: "bucket",
    prefixField: "bucketPrefix",
    max: 63,
    prefixMax: 37,
    pattern: /^[a-z0-9][a-z0-9.-]*$/,
    allowed: "lowercase letters, digits, dots and hyphens, starting with a letter or digit",
    extra: (value) =>
      /[.-]$/.test(value)
        ? "must end with a letter or digit"
        : /\.\.|\.-|-\./.test(value)
          ? "must not contain two adjacent periods or a period next to a hyphen"
          : undefined,
  },
];

export function nameProblems(field: string, value: string, max: number, rule: NameRule): string[] {
  const problems: string[] = [];
  if (value.length < 1 || value.length > max) {
    problems.push(`${field} \`${value}\` is ${value.length} characters (limit 1-${max})`);
  }
  if (!rule.pattern.test(value))
    problems.push(`${field} \`${value}\` may contain only ${rule.allowed}`);
  const extra = rule.extra?.(value);
  if (extra && field === rule.field) problems.push(`${field} \`${value}\` ${extra}`);
  return problems;
}

/** One physical name the program derives from the stack name, and what it names. */
export interface DerivedName {
  readonly what: string;
  readonly type: string;
  readonly field: string;
  readonly value: string;
}

const TASKS: readonly TaskName[] = [...SERVICE_NAMES, "migrate", "db-setup", "toolbox"];

/** Every physical name derived from the stack name, from the functions that name the resources. */
export function stackDerivedNames(stack: string): DerivedName[] {
  const names: DerivedName[] = [
    {
      what: "RDS instance identifier",
      type: T.rdsInstance,
      field: "identifier",
      value: resourcePrefix(stack),
    },
    { what: "ECS cluster name", type: T.cluster, field: "name", value: resourcePrefix(stack) },
    {
      what: "Secrets Manager secret name",
      type: T.secret,
      field: "name",
      value: databaseSecretName(stack),
    },
    {
      what: "Secrets Manager secret name",
      type: T.secret,
      field: "name",
      value: dockerHubCredentialName(stack),
    },
  ];
  for (const log of RDS_LOG_EXPORTS)
    names.push({
      what: "RDS log group name",
      type: T.logGroup,
      field: "name",
      value: rdsLogGroupName(resourcePrefix(stack), log),
    });
  // Bucket names come from `graasp:buckets`, not the stack name; config.ts checks them.
  for (const task of TASKS)
    names.push(
      {
        what: "ECS task family",
        type: T.taskDefinition,
        field: "family",
        value: taskFamily(stack, task),
      },
      { what: "log group name", type: T.logGroup, field: "name", value: logGroupName(stack, task) },
      {
        what: "Secrets Manager secret name",
        type: T.secret,
        field: "name",
        value: taskSecretName(stack, task),
      },
    );
  return names;
}

/** The problems of one physical name, without the field prefix (`is 64 characters (limit 1-63)`). */
export function physicalNameProblems(type: string, field: string, value: string): string[] {
  const rule = NAME_RULES.find((candidate) => candidate.type === type && candidate.field === field);
  if (rule === undefined) return [];
  return nameProblems(field, value, rule.max, rule).map((problem) =>
    problem.slice(`${field} \`${value}\` `.length),
  );
}

/**
 * The stack name as AWS sees it in every name derived from it: one problem per kind of name
 * (the first that fails), with the longest stack name that every kind allows.
 */
export function stackNameProblems(stack: string): string[] {
  const names = stackDerivedNames(stack);
  const longest = Math.min(
    ...names.map((name) => {
      const rule = NAME_RULES.find((r) => r.type === name.type && r.field === name.field)!;
      return rule.max - (name.value.length - stack.length);
    }),
  );
  const fix =
    `Fix: use a stack name of lowercase letters, digits and single hyphens, starting with a letter, ` +
    `at most ${longest} characters (pulumi stack init <name>, or pulumi stack rename <name> before the first deployment)`;
  const reported = new Set<string>();
  const problems: string[] = [];
  for (const name of names) {
    if (reported.has(name.what)) continue;
    const found = physicalNameProblems(name.type, name.field, name.value);
    if (found.length === 0) continue;
    reported.add(name.what);
    problems.push(
      `The stack name \`${stack}\` gives the ${name.what} \`${name.value}\`, which ${found.join(" and ")}. ${fix}`,
    );
  }
  return problems;
}

/** Sub-domain labels the load balancer's rules use: routes, redirects (both ends), maintenance. */
export function hostLabels(): string[] {
  const labels = new Set<string>(["*", "api"]);
  for (const name of SERVICE_NAMES) {
    const routing = SERVICE_CATALOG[name].routing;
    if (routing.kind === "public") for (const route of routing.routes) labels.add(route.host);
  }
  for (const redirect of REDIRECTS) labels.add(redirect.host).add(redirect.targetHost);
  return [...labels];
}

/** Host condition and redirect values over the 128-character limit of a listener rule. */
export function domainProblems(domain: string): string[] {
  const hosts = hostLabels().map((label) => qualifiedHost(label, domain));
  const longest = hosts.reduce((a, b) => (b.length > a.length ? b : a));
  if (longest.length <= CONDITION_VALUE_MAX) return [];
  const room = CONDITION_VALUE_MAX - (longest.length - domain.length);
  return [
    `\`graasp:domain\` is ${domain.length} characters: the load balancer rule value ` +
      `\`${longest.slice(0, longest.length - domain.length)}<domain>\` would be ${longest.length} characters ` +
      `(limit ${CONDITION_VALUE_MAX} per host condition or redirect host). Fix: pulumi config set domain <a domain of at most ${room} characters>`,
  ];
}
