/**
 * AWS limits checked offline on the resources a program registers (the shape test/mocks.ts
 * records). Each check returns violations that name the resource and the limit; AWS would
 * otherwise reject the call halfway through `pulumi up`. The Fargate table is written here on
 * purpose, apart from components/fargate.ts, so that a mistake in one shows up against the other.
 * The name rules and condition limits live in components/awsLimits.ts: config.ts runs them on
 * the stack name and domain before anything registers, and the checks here on registrations.
 */
import {
  CONDITION_VALUE_MAX,
  HEADER_NAME_MAX,
  NAME_RULES,
  T,
  nameProblems,
} from "../components/awsLimits";

export { T };

import { edgeLimitViolations } from "../components/edgeLimits";
import { taskFamilyOf } from "../components/providers/taskRun";

export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}

export type LimitCheck = (resources: readonly RegisteredResource[]) => string[];
type Props = Record<string, any>;

const label = (resource: RegisteredResource) => `${resource.type} "${resource.name}"`;
const ofType = (resources: readonly RegisteredResource[], type: string) =>
  resources.filter((resource) => resource.type === type);
const list = (value: unknown): any[] =>
  Array.isArray(value) ? value : value == null ? [] : [value];

function steps(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, index) => from + index * step);
}

/** Fargate task sizes (ECS developer guide, "Task CPU and memory"): CPU units → MiB. */
const FARGATE_MEMORY: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, [1024, 2048, 3072, 4096]],
  [1024, steps(2048, 8192, 1024)],
  [2048, steps(4096, 16384, 1024)],
  [4096, steps(8192, 30720, 1024)],
  [8192, steps(16384, 61440, 4096)],
  [16384, steps(32768, 122880, 8192)],
]);
const FARGATE_WINDOWS_CPU = [1024, 2048, 4096];

/** `1024`, `"1024"`, `"1 vCPU"`, `".25 vcpu"` → CPU units; `"2 GB"` → MiB. */
function units(value: unknown, suffix: RegExp, perSuffix: number): number | undefined {
  const text = String(value ?? "").trim();
  const withSuffix = text.match(new RegExp(`^(\\d*\\.?\\d+)\\s*${suffix.source}$`, "i"));
  if (withSuffix) return Math.round(Number(withSuffix[1]) * perSuffix);
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function describeMemory(options: readonly number[]): string {
  if (options.length <= 4) return `${options.join(", ")} MiB`;
  return `${options[0]}-${options[options.length - 1]} MiB in steps of ${options[1] - options[0]}`;
}

export const checkFargateTaskSizes: LimitCheck = (resources) =>
  ofType(resources, T.taskDefinition).flatMap((task) => {
    const inputs = task.inputs;
    if (!list(inputs.requiresCompatibilities).includes("FARGATE")) return [];
    const problems: string[] = [];
    const cpu = units(inputs.cpu, /vcpu/, 1024);
    const memory = units(inputs.memory, /gb/, 1024);
    const os = String(inputs.runtimePlatform?.operatingSystemFamily ?? "LINUX");
    const architecture = String(inputs.runtimePlatform?.cpuArchitecture ?? "X86_64");
    if (inputs.networkMode !== "awsvpc") {
      problems.push(`networkMode is ${inputs.networkMode ?? "unset"} (Fargate requires awsvpc)`);
    }
    const options = cpu === undefined ? undefined : FARGATE_MEMORY.get(cpu);
    if (cpu === undefined || memory === undefined) {
      problems.push(
        `cpu ${inputs.cpu ?? "unset"} / memory ${inputs.memory ?? "unset"} is not a Fargate size (both are required, in CPU units or vCPU and MiB or GB)`,
      );
    } else if (!options) {
      problems.push(`cpu ${cpu} is not a Fargate size (256, 512, 1024, 2048, 4096, 8192 or 16384)`);
    } else if (!options.includes(memory)) {
      problems.push(
        `cpu ${cpu} with memory ${memory} MiB is not a Fargate size (cpu ${cpu} takes ${describeMemory(options)})`,
      );
    }
    if (architecture === "ARM64" && os !== "LINUX") {
      problems.push(`ARM64 with ${os} (ARM64 Fargate runs Linux only)`);
    }
    if (os.startsWith("WINDOWS") && cpu !== undefined && !FARGATE_WINDOWS_CPU.includes(cpu)) {
      problems.push(`cpu ${cpu} on ${os} (Windows on Fargate takes cpu 1024, 2048 or 4096)`);
    }
    return problems.map((problem) => `${label(task)}: ${problem}`);
  });

export const checkPhysicalNames: LimitCheck = (resources) =>
  NAME_RULES.flatMap((rule) =>
    ofType(resources, rule.type).flatMap((resource) => {
      const problems: string[] = [];
      const value = resource.inputs[rule.field];
      if (typeof value === "string")
        problems.push(...nameProblems(rule.field, value, rule.max, rule));
      const prefix = rule.prefixField ? resource.inputs[rule.prefixField] : undefined;
      if (rule.prefixField && rule.prefixMax && typeof prefix === "string") {
        problems.push(...nameProblems(rule.prefixField, prefix, rule.prefixMax, rule));
      }
      return problems.map((problem) => `${label(resource)}: ${problem}`);
    }),
  );

export const checkListenerRulePriorities: LimitCheck = (resources) => {
  const seen = new Map<string, string>();
  return ofType(resources, T.listenerRule).flatMap((rule) => {
    const priority = rule.inputs.priority;
    if (priority === undefined) return [];
    if (!Number.isInteger(priority) || priority < 1 || priority > 50000) {
      return [`${label(rule)}: priority ${priority} is outside 1-50000`];
    }
    const key = `${rule.inputs.listenerArn}#${priority}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, rule.name);
      return [];
    }
    return [
      `${label(rule)}: priority ${priority} is already used by "${first}" on the same listener (unique per listener)`,
    ];
  });
};

const SINGLE_CONDITIONS = ["hostHeader", "httpRequestMethod", "pathPattern", "sourceIp"];

interface ConditionBlock {
  readonly kind: string;
  /** Match values, as AWS counts them (a query-string key/value pair is one). */
  readonly count: number;
  /** Every string the 128-character limit applies to. */
  readonly strings: readonly string[];
}

function conditionBlocks(condition: Props): ConditionBlock[] {
  const blocks: ConditionBlock[] = [];
  for (const kind of [...SINGLE_CONDITIONS, "httpHeader"]) {
    const block = condition[kind];
    if (!block) continue;
    const values = [...list(block.values), ...list(block.regexValues)].map(String);
    blocks.push({ kind, count: values.length, strings: values });
  }
  if (condition.queryStrings) {
    const pairs: Props[] = list(condition.queryStrings);
    const strings = pairs
      .flatMap((pair) => [pair.key, pair.value])
      .filter((text) => text !== undefined);
    blocks.push({ kind: "queryStrings", count: pairs.length, strings: strings.map(String) });
  }
  return blocks;
}

export const checkListenerRuleConditions: LimitCheck = (resources) =>
  ofType(resources, T.listenerRule).flatMap((rule) => {
    const problems: string[] = [];
    const blocks = list(rule.inputs.conditions).flatMap(conditionBlocks);
    const total = blocks.reduce((sum, block) => sum + block.count, 0);
    if (total > 5) problems.push(`${total} condition values (limit 5 per rule)`);
    for (const kind of SINGLE_CONDITIONS) {
      const count = blocks.filter((block) => block.kind === kind).length;
      if (count > 1) problems.push(`${count} ${kind} conditions (limit 1 per rule)`);
    }
    for (const block of blocks) {
      if (block.count > 3)
        problems.push(`a ${block.kind} condition has ${block.count} values (limit 3)`);
      for (const text of block.strings.filter((value) => value.length > CONDITION_VALUE_MAX)) {
        problems.push(
          `a ${block.kind} value is ${text.length} characters (limit ${CONDITION_VALUE_MAX})`,
        );
      }
    }
    for (const condition of list(rule.inputs.conditions)) {
      const header = condition.httpHeader?.httpHeaderName;
      if (typeof header === "string" && header.length > HEADER_NAME_MAX) {
        problems.push(
          `header name \`${header}\` is ${header.length} characters (limit ${HEADER_NAME_MAX})`,
        );
      }
    }
    return problems.map((problem) => `${label(rule)}: ${problem}`);
  });

export const checkFixedResponses: LimitCheck = (resources) =>
  resources
    .filter((resource) => resource.type === T.listenerRule || resource.type === T.listener)
    .flatMap((resource) =>
      list(resource.inputs.actions ?? resource.inputs.defaultActions).flatMap((action: Props) => {
        const body = action.fixedResponse?.messageBody;
        if (typeof body !== "string") return [];
        const bytes = Buffer.byteLength(body, "utf8");
        return bytes > 1024
          ? [`${label(resource)}: fixed-response body is ${bytes} bytes (limit 1024)`]
          : [];
      }),
    );

function containersOf(task: RegisteredResource): Props[] {
  const raw = task.inputs.containerDefinitions;
  try {
    return list(typeof raw === "string" ? JSON.parse(raw) : raw);
  } catch {
    return [];
  }
}

/** Fails on a definition that is not JSON: every other task check would silently see nothing. */
export const checkContainerPorts: LimitCheck = (resources) =>
  ofType(resources, T.taskDefinition).flatMap((task) => {
    const problems: string[] = [];
    const raw = task.inputs.containerDefinitions;
    if (typeof raw === "string" && containersOf(task).length === 0) {
      problems.push("containerDefinitions is not a JSON array of containers");
    }
    const ports = new Map<number, string>();
    const names = new Map<string, string>();
    for (const container of containersOf(task)) {
      for (const mapping of list(container.portMappings)) {
        const port = mapping.containerPort;
        const previous = ports.get(port);
        if (previous !== undefined) {
          problems.push(
            `containers "${previous}" and "${container.name}" both use container port ${port} (unique per task)`,
          );
        }
        ports.set(port, container.name);
        if (mapping.name === undefined) continue;
        if (names.has(mapping.name)) {
          problems.push(`port mapping name \`${mapping.name}\` is used twice (unique per task)`);
        }
        names.set(mapping.name, container.name);
      }
    }
    return problems.map((problem) => `${label(task)}: ${problem}`);
  });

export { taskFamilyOf };

export const checkServiceConnectPorts: LimitCheck = (resources) => {
  const portNames = new Map<string, Set<string>>(
    ofType(resources, T.taskDefinition).map((task) => [
      String(task.inputs.family),
      new Set(containersOf(task).flatMap((c) => list(c.portMappings).map((m: Props) => m.name))),
    ]),
  );
  return ofType(resources, T.service).flatMap((service) => {
    const family = taskFamilyOf(String(service.inputs.taskDefinition ?? ""));
    const known = portNames.get(family);
    return list(service.inputs.serviceConnectConfiguration?.services).flatMap((entry: Props) => {
      if (known?.has(entry.portName)) return [];
      const names = known
        ? [...known].filter(Boolean).join(", ") || "none"
        : "family not registered";
      return [
        `${label(service)}: Service Connect portName \`${entry.portName}\` matches no port mapping name of task family \`${family}\` (${names})`,
      ];
    });
  });
};

export const checkHealthCheckPaths: LimitCheck = (resources) =>
  ofType(resources, T.targetGroup).flatMap((group) => {
    const path = group.inputs.healthCheck?.path;
    if (path === undefined || (String(path).startsWith("/") && String(path).length <= 1024))
      return [];
    return [
      `${label(group)}: health check path \`${path}\` must start with / (at most 1024 characters)`,
    ];
  });

/** Policy sizes count characters other than whitespace (IAM quotas). */
const IAM_DOCUMENTS: ReadonlyArray<readonly [type: string, field: string, maxChars: number]> = [
  [T.role, "assumeRolePolicy", 2048],
  [T.rolePolicy, "policy", 10240],
  [T.policy, "policy", 6144],
];

function iamDocumentProblems(field: string, value: unknown, maxChars: number): string[] {
  let document: Props;
  try {
    document = typeof value === "string" ? JSON.parse(value) : value;
  } catch {
    return [`${field} is not valid JSON`];
  }
  if (document === null || typeof document !== "object") return [`${field} is not a JSON object`];
  const problems: string[] = [];
  if (document.Version !== "2012-10-17") {
    problems.push(`${field} Version is ${document.Version ?? "missing"} (must be 2012-10-17)`);
  }
  const statements = list(document.Statement);
  if (statements.length === 0) problems.push(`${field} has no Statement`);
  statements.forEach((statement: Props, index: number) => {
    if (statement?.Effect !== "Allow" && statement?.Effect !== "Deny") {
      problems.push(
        `${field} Statement[${index}] Effect is ${statement?.Effect ?? "missing"} (Allow or Deny)`,
      );
    }
  });
  const text = typeof value === "string" ? value : JSON.stringify(document);
  const size = text.replace(/\s/g, "").length;
  if (size > maxChars) problems.push(`${field} is ${size} characters (limit ${maxChars})`);
  return problems;
}

export const checkIamPolicyDocuments: LimitCheck = (resources) =>
  IAM_DOCUMENTS.flatMap(([type, field, maxChars]) =>
    ofType(resources, type).flatMap((resource) => {
      const value = resource.inputs[field];
      if (value === undefined) return [];
      return iamDocumentProblems(field, value, maxChars).map(
        (problem) => `${label(resource)}: ${problem}`,
      );
    }),
  );

/** CloudFront, KeyValueStore, S3, Route 53 and ECR limits (components/edgeLimits.ts). */
export const checkEdgeLimits: LimitCheck = (resources) => edgeLimitViolations(resources);

export const LIMIT_CHECKS: readonly LimitCheck[] = [
  checkFargateTaskSizes,
  checkPhysicalNames,
  checkListenerRulePriorities,
  checkListenerRuleConditions,
  checkFixedResponses,
  checkContainerPorts,
  checkServiceConnectPorts,
  checkHealthCheckPaths,
  checkIamPolicyDocuments,
  checkEdgeLimits,
];

export function awsLimitViolations(resources: readonly RegisteredResource[]): string[] {
  return LIMIT_CHECKS.flatMap((check) => check(resources));
}
