/**
 * The offline AWS limit checks of test/awsLimits.ts, each one way and the other, with the exact
 * violation. The stack-level part runs them on every resource both stacks register in all four
 * deployment states.
 *
 * What this cannot prove: limits AWS applies per account or region (quotas such as 100 rules per
 * ALB), values only AWS computes (auto-names, ARNs), or limits not written down here; the
 * tables come from the AWS documentation, not from calling AWS.
 */
import { expect } from "chai";
import { MAINTENANCE_HTML, MAINTENANCE_JSON } from "../components/maintenanceContent";
import {
  awsLimitViolations,
  checkContainerPorts,
  checkFargateTaskSizes,
  checkFixedResponses,
  checkHealthCheckPaths,
  checkIamPolicyDocuments,
  checkListenerRuleConditions,
  checkListenerRulePriorities,
  checkPhysicalNames,
  checkServiceConnectPorts,
  RegisteredResource,
  T,
  taskFamilyOf,
} from "./awsLimits";
import { STACKS } from "./fixtures";
import { Registration } from "./mocks";
import { scenario, STATES } from "./scenarios";

function resource(type: string, name: string, inputs: Record<string, any>): RegisteredResource {
  return { type, name, inputs };
}

function fargateTask(name: string, inputs: Record<string, any>): RegisteredResource {
  return resource(T.taskDefinition, name, {
    family: `graasp-staging-${name}`,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    ...inputs,
  });
}

const TASK = `${T.taskDefinition} "core"`;

describe("AWS limits: Fargate task sizes", () => {
  it("passes valid sizes in units and in vCPU/GB, and ignores EC2-only tasks", () => {
    const resources = [
      fargateTask("a", { cpu: "256", memory: "512" }),
      fargateTask("b", { cpu: "1 vCPU", memory: "2 GB" }),
      fargateTask("c", { cpu: ".25 vCPU", memory: "2048" }),
      fargateTask("d", {
        cpu: "16384",
        memory: "122880",
        runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
      }),
      fargateTask("e", { cpu: "2048", memory: "16384" }),
      resource(T.taskDefinition, "ec2", {
        requiresCompatibilities: ["EC2"],
        cpu: "300",
        memory: "7",
      }),
    ];
    expect(checkFargateTaskSizes(resources)).to.deep.equal([]);
  });
  it("reports 256 CPU units with 4096 MiB", () => {
    expect(
      checkFargateTaskSizes([fargateTask("core", { cpu: "256", memory: "4096" })]),
    ).to.deep.equal([
      `${TASK}: cpu 256 with memory 4096 MiB is not a Fargate size (cpu 256 takes 512, 1024, 2048 MiB)`,
    ]);
  });
  it("reports 2 vCPU with 2 GB, naming the range that would fit", () => {
    expect(
      checkFargateTaskSizes([fargateTask("core", { cpu: "2 vCPU", memory: "2 GB" })]),
    ).to.deep.equal([
      `${TASK}: cpu 2048 with memory 2048 MiB is not a Fargate size (cpu 2048 takes 4096-16384 MiB in steps of 1024)`,
    ]);
  });
  it("reports 8 vCPU with memory off its 4 GB steps", () => {
    expect(
      checkFargateTaskSizes([fargateTask("core", { cpu: "8192", memory: "18432" })]),
    ).to.deep.equal([
      `${TASK}: cpu 8192 with memory 18432 MiB is not a Fargate size (cpu 8192 takes 16384-61440 MiB in steps of 4096)`,
    ]);
  });
  it("reports a CPU value Fargate does not offer", () => {
    expect(
      checkFargateTaskSizes([fargateTask("core", { cpu: "300", memory: "1024" })]),
    ).to.deep.equal([
      `${TASK}: cpu 300 is not a Fargate size (256, 512, 1024, 2048, 4096, 8192 or 16384)`,
    ]);
  });
  it("reports a task without task-level cpu and memory", () => {
    expect(checkFargateTaskSizes([fargateTask("core", {})])).to.deep.equal([
      `${TASK}: cpu unset / memory unset is not a Fargate size (both are required, in CPU units or vCPU and MiB or GB)`,
    ]);
  });
  it("reports ARM64 with Windows", () => {
    const task = fargateTask("core", {
      cpu: "1024",
      memory: "2048",
      runtimePlatform: {
        cpuArchitecture: "ARM64",
        operatingSystemFamily: "WINDOWS_SERVER_2022_CORE",
      },
    });
    expect(checkFargateTaskSizes([task])).to.deep.equal([
      `${TASK}: ARM64 with WINDOWS_SERVER_2022_CORE (ARM64 Fargate runs Linux only)`,
    ]);
  });
  it("reports Windows below 1 vCPU", () => {
    const task = fargateTask("core", {
      cpu: "512",
      memory: "1024",
      runtimePlatform: { operatingSystemFamily: "WINDOWS_SERVER_2019_FULL" },
    });
    expect(checkFargateTaskSizes([task])).to.deep.equal([
      `${TASK}: cpu 512 on WINDOWS_SERVER_2019_FULL (Windows on Fargate takes cpu 1024, 2048 or 4096)`,
    ]);
  });
  it("reports a network mode other than awsvpc", () => {
    const task = fargateTask("core", { cpu: "256", memory: "512", networkMode: "bridge" });
    expect(checkFargateTaskSizes([task])).to.deep.equal([
      `${TASK}: networkMode is bridge (Fargate requires awsvpc)`,
    ]);
  });
});

describe("AWS limits: physical names", () => {
  it("passes valid names, valid prefixes and auto-named resources", () => {
    const resources = [
      resource(T.loadBalancer, "alb", { name: "graasp-production-alb" }),
      resource(T.targetGroup, "tg", { namePrefix: "core-" }),
      resource(T.targetGroup, "auto", {}),
      resource(T.rdsInstance, "db", { identifier: "graasp-production" }),
      resource(T.logGroup, "logs", { name: "/graasp/production/core" }),
      resource(T.role, "role", { name: "graasp-production-core-task" }),
      resource(T.secret, "secret", { name: "graasp/production/core@v1" }),
      resource(T.taskDefinition, "task", { family: "graasp-production_core" }),
    ];
    expect(checkPhysicalNames(resources)).to.deep.equal([]);
  });
  it("reports an ALB name over 32 characters", () => {
    const name = "graasp-production-load-balancer-1";
    expect(checkPhysicalNames([resource(T.loadBalancer, "alb", { name })])).to.deep.equal([
      `${T.loadBalancer} "alb": name \`${name}\` is 33 characters (limit 1-32)`,
    ]);
  });
  it("reports an ALB name with an underscore and one starting with internal-", () => {
    const resources = [
      resource(T.loadBalancer, "a", { name: "graasp_alb" }),
      resource(T.loadBalancer, "b", { name: "internal-graasp" }),
    ];
    expect(checkPhysicalNames(resources)).to.deep.equal([
      `${T.loadBalancer} "a": name \`graasp_alb\` may contain only letters, digits and hyphens`,
      `${T.loadBalancer} "b": name \`internal-graasp\` must not start with internal-`,
    ]);
  });
  it("reports a target group name ending with a hyphen and a 7-character prefix", () => {
    const resources = [
      resource(T.targetGroup, "a", { name: "core-" }),
      resource(T.targetGroup, "b", { namePrefix: "graasp-" }),
    ];
    expect(checkPhysicalNames(resources)).to.deep.equal([
      `${T.targetGroup} "a": name \`core-\` must not start or end with a hyphen`,
      `${T.targetGroup} "b": namePrefix \`graasp-\` is 7 characters (limit 1-6)`,
    ]);
  });
  it("reports RDS identifiers: uppercase, double hyphen, trailing hyphen, 64 characters", () => {
    const long = `g${"x".repeat(63)}`;
    const resources = [
      resource(T.rdsInstance, "a", { identifier: "Graasp" }),
      resource(T.rdsInstance, "b", { identifier: "graasp--db" }),
      resource(T.rdsInstance, "c", { identifier: "graasp-" }),
      resource(T.rdsInstance, "d", { identifier: long }),
    ];
    const allowed = "a lowercase letter first, then lowercase letters, digits and hyphens";
    expect(checkPhysicalNames(resources)).to.deep.equal([
      `${T.rdsInstance} "a": identifier \`Graasp\` may contain only ${allowed}`,
      `${T.rdsInstance} "b": identifier \`graasp--db\` must not contain two consecutive hyphens`,
      `${T.rdsInstance} "c": identifier \`graasp-\` must not end with a hyphen`,
      `${T.rdsInstance} "d": identifier \`${long}\` is 64 characters (limit 1-63)`,
    ]);
  });
  it("reports a log group name with a space", () => {
    expect(
      checkPhysicalNames([resource(T.logGroup, "logs", { name: "/graasp/core logs" })]),
    ).to.deep.equal([
      `${T.logGroup} "logs": name \`/graasp/core logs\` may contain only letters, digits and . - _ / #`,
    ]);
  });
  it("reports an IAM role name over 64 characters", () => {
    const name = "r".repeat(65);
    expect(checkPhysicalNames([resource(T.role, "role", { name })])).to.deep.equal([
      `${T.role} "role": name \`${name}\` is 65 characters (limit 1-64)`,
    ]);
  });
  it("reports a secret name with a character Secrets Manager refuses", () => {
    expect(checkPhysicalNames([resource(T.secret, "s", { name: "graasp/core!" })])).to.deep.equal([
      `${T.secret} "s": name \`graasp/core!\` may contain only letters, digits and / _ + = . @ -`,
    ]);
  });
  it("reports a task family with a dot", () => {
    expect(
      checkPhysicalNames([resource(T.taskDefinition, "t", { family: "graasp.core" })]),
    ).to.deep.equal([
      `${T.taskDefinition} "t": family \`graasp.core\` may contain only letters, digits, underscores and hyphens`,
    ]);
  });
});

const LISTENER = "arn:aws:elasticloadbalancing:eu-central-2:123456789012:listener/app/alb/1/https";

function listenerRule(name: string, inputs: Record<string, any>): RegisteredResource {
  return resource(T.listenerRule, name, {
    listenerArn: LISTENER,
    actions: [],
    conditions: [],
    ...inputs,
  });
}

describe("AWS limits: listener rule priorities", () => {
  it("passes distinct priorities, and the same priority on another listener", () => {
    const resources = [
      listenerRule("a", { priority: 1 }),
      listenerRule("b", { priority: 50000 }),
      listenerRule("c", { priority: 1, listenerArn: `${LISTENER}-2` }),
      listenerRule("d", {}),
    ];
    expect(checkListenerRulePriorities(resources)).to.deep.equal([]);
  });
  it("reports a priority used twice on one listener", () => {
    const resources = [
      listenerRule("core", { priority: 10 }),
      listenerRule("library", { priority: 10 }),
    ];
    expect(checkListenerRulePriorities(resources)).to.deep.equal([
      `${T.listenerRule} "library": priority 10 is already used by "core" on the same listener (unique per listener)`,
    ]);
  });
  it("reports priorities outside 1-50000", () => {
    const resources = [listenerRule("a", { priority: 0 }), listenerRule("b", { priority: 50001 })];
    expect(checkListenerRulePriorities(resources)).to.deep.equal([
      `${T.listenerRule} "a": priority 0 is outside 1-50000`,
      `${T.listenerRule} "b": priority 50001 is outside 1-50000`,
    ]);
  });
});

describe("AWS limits: listener rule conditions", () => {
  it("passes host, path, header and query conditions within every limit", () => {
    const rule = listenerRule("bypass", {
      conditions: [
        { hostHeader: { values: ["graasp.org"] } },
        { pathPattern: { values: ["/*"] } },
        {
          httpHeader: { httpHeaderName: "X-Graasp-Maintenance-Bypass", values: ["t".repeat(128)] },
        },
        { queryStrings: [{ key: "preview", value: "1" }] },
      ],
    });
    expect(checkListenerRuleConditions([rule])).to.deep.equal([]);
  });
  it("reports six condition values in one rule", () => {
    const rule = listenerRule("wide", {
      conditions: [
        { hostHeader: { values: ["a.graasp.org", "b.graasp.org", "c.graasp.org"] } },
        { pathPattern: { values: ["/a", "/b"] } },
        { queryStrings: [{ key: "x", value: "1" }] },
      ],
    });
    expect(checkListenerRuleConditions([rule])).to.deep.equal([
      `${T.listenerRule} "wide": 6 condition values (limit 5 per rule)`,
    ]);
  });
  it("reports four values in one condition", () => {
    const rule = listenerRule("hosts", {
      conditions: [{ hostHeader: { values: ["a", "b", "c", "d"] } }],
    });
    expect(checkListenerRuleConditions([rule])).to.deep.equal([
      `${T.listenerRule} "hosts": a hostHeader condition has 4 values (limit 3)`,
    ]);
  });
  it("reports two path-pattern conditions in one rule", () => {
    const rule = listenerRule("paths", {
      conditions: [{ pathPattern: { values: ["/a"] } }, { pathPattern: { values: ["/b"] } }],
    });
    expect(checkListenerRuleConditions([rule])).to.deep.equal([
      `${T.listenerRule} "paths": 2 pathPattern conditions (limit 1 per rule)`,
    ]);
  });
  it("reports a 41-character header name and a 129-character header value", () => {
    const header = `X-${"h".repeat(39)}`;
    const rule = listenerRule("bypass", {
      conditions: [{ httpHeader: { httpHeaderName: header, values: ["v".repeat(129)] } }],
    });
    expect(checkListenerRuleConditions([rule])).to.deep.equal([
      `${T.listenerRule} "bypass": a httpHeader value is 129 characters (limit 128)`,
      `${T.listenerRule} "bypass": header name \`${header}\` is 41 characters (limit 40)`,
    ]);
  });
});

function fixedResponse(messageBody: string, contentType = "text/html") {
  return [
    { type: "fixed-response", fixedResponse: { contentType, messageBody, statusCode: "503" } },
  ];
}

describe("AWS limits: fixed-response bodies", () => {
  it("passes Graasp's maintenance page and JSON body", () => {
    const resources = [
      listenerRule("page", { actions: fixedResponse(MAINTENANCE_HTML) }),
      listenerRule("api", { actions: fixedResponse(MAINTENANCE_JSON, "application/json") }),
      resource(T.listener, "https", { defaultActions: fixedResponse("x".repeat(1024)) }),
    ];
    expect(checkFixedResponses(resources)).to.deep.equal([]);
  });
  it("reports a default action body of 1025 bytes (counting UTF-8 bytes, not characters)", () => {
    const body = "é".repeat(512) + "x";
    expect(
      checkFixedResponses([resource(T.listener, "https", { defaultActions: fixedResponse(body) })]),
    ).to.deep.equal([`${T.listener} "https": fixed-response body is 1025 bytes (limit 1024)`]);
  });
});

function containers(list: Array<Record<string, any>>): string {
  return JSON.stringify(list);
}

describe("AWS limits: container ports", () => {
  it("passes distinct ports and names across containers", () => {
    const task = fargateTask("core", {
      containerDefinitions: containers([
        { name: "core", portMappings: [{ containerPort: 3111, name: "core-3111" }] },
        { name: "classifier", portMappings: [{ containerPort: 8080, name: "classifier-8080" }] },
      ]),
    });
    expect(checkContainerPorts([task])).to.deep.equal([]);
  });
  it("reports two containers on one port, and a port name used twice", () => {
    const task = fargateTask("core", {
      containerDefinitions: containers([
        { name: "core", portMappings: [{ containerPort: 3111, name: "http" }] },
        { name: "sidecar", portMappings: [{ containerPort: 3111, name: "http" }] },
      ]),
    });
    expect(checkContainerPorts([task])).to.deep.equal([
      `${TASK}: containers "core" and "sidecar" both use container port 3111 (unique per task)`,
      `${TASK}: port mapping name \`http\` is used twice (unique per task)`,
    ]);
  });
  it("reports container definitions that are not JSON", () => {
    expect(
      checkContainerPorts([fargateTask("core", { containerDefinitions: "[{" })]),
    ).to.deep.equal([`${TASK}: containerDefinitions is not a JSON array of containers`]);
  });
});

describe("AWS limits: Service Connect port names", () => {
  const task = fargateTask("redis", {
    family: "graasp-staging-redis",
    containerDefinitions: containers([
      { name: "redis", portMappings: [{ containerPort: 6379, name: "redis-6379" }] },
    ]),
  });
  const service = (portName: string, family = "graasp-staging-redis") =>
    resource(T.service, "redis", {
      taskDefinition: `arn:aws:ecs:eu-central-2:123456789012:task-definition/${family}:1`,
      serviceConnectConfiguration: {
        enabled: true,
        services: [{ portName, discoveryName: "graasp-redis" }],
      },
    });
  it("reads the family from an ARN or a family:revision", () => {
    expect(taskFamilyOf("arn:aws:ecs:eu-central-2:1:task-definition/graasp-core:12")).to.equal(
      "graasp-core",
    );
    expect(taskFamilyOf("graasp-core:3")).to.equal("graasp-core");
    expect(taskFamilyOf("graasp-core")).to.equal("graasp-core");
  });
  it("passes a portName the task definition declares", () => {
    expect(checkServiceConnectPorts([task, service("redis-6379")])).to.deep.equal([]);
  });
  it("reports a portName the task definition does not declare", () => {
    expect(checkServiceConnectPorts([task, service("redis")])).to.deep.equal([
      `${T.service} "redis": Service Connect portName \`redis\` matches no port mapping name of task family \`graasp-staging-redis\` (redis-6379)`,
    ]);
  });
  it("reports a service whose task family is not registered", () => {
    expect(checkServiceConnectPorts([task, service("redis-6379", "graasp-redis")])).to.deep.equal([
      `${T.service} "redis": Service Connect portName \`redis-6379\` matches no port mapping name of task family \`graasp-redis\` (family not registered)`,
    ]);
  });
});

describe("AWS limits: target group health check paths", () => {
  it("passes an absolute path and a target group without one", () => {
    const resources = [
      resource(T.targetGroup, "core", { healthCheck: { path: "/health" } }),
      resource(T.targetGroup, "tcp", {}),
    ];
    expect(checkHealthCheckPaths(resources)).to.deep.equal([]);
  });
  it("reports a relative path", () => {
    expect(
      checkHealthCheckPaths([resource(T.targetGroup, "core", { healthCheck: { path: "health" } })]),
    ).to.deep.equal([
      `${T.targetGroup} "core": health check path \`health\` must start with / (at most 1024 characters)`,
    ]);
  });
});

const ALLOW_LOGS = { Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" };

function iamDocument(fields: Record<string, any>): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [ALLOW_LOGS], ...fields });
}

describe("AWS limits: IAM policy documents", () => {
  it("passes trust, inline and managed documents, as strings or objects", () => {
    const trust = {
      Version: "2012-10-17",
      Statement: {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    };
    const resources = [
      resource(T.role, "task", { assumeRolePolicy: JSON.stringify(trust, null, 2) }),
      resource(T.rolePolicy, "inline", { policy: iamDocument({}) }),
      resource(T.policy, "managed", { policy: { Version: "2012-10-17", Statement: [ALLOW_LOGS] } }),
    ];
    expect(checkIamPolicyDocuments(resources)).to.deep.equal([]);
  });
  it("reports a document that is not JSON", () => {
    expect(
      checkIamPolicyDocuments([resource(T.rolePolicy, "inline", { policy: "{'Version':" })]),
    ).to.deep.equal([`${T.rolePolicy} "inline": policy is not valid JSON`]);
  });
  it("reports the 2008 version and a missing one", () => {
    const resources = [
      resource(T.role, "old", { assumeRolePolicy: iamDocument({ Version: "2008-10-17" }) }),
      resource(T.policy, "bare", { policy: iamDocument({ Version: undefined }) }),
    ];
    expect(checkIamPolicyDocuments(resources)).to.deep.equal([
      `${T.role} "old": assumeRolePolicy Version is 2008-10-17 (must be 2012-10-17)`,
      `${T.policy} "bare": policy Version is missing (must be 2012-10-17)`,
    ]);
  });
  it("reports an empty Statement and a statement without Effect", () => {
    const resources = [
      resource(T.rolePolicy, "empty", { policy: iamDocument({ Statement: [] }) }),
      resource(T.rolePolicy, "vague", {
        policy: iamDocument({ Statement: [{ Action: "s3:GetObject", Resource: "*" }] }),
      }),
    ];
    expect(checkIamPolicyDocuments(resources)).to.deep.equal([
      `${T.rolePolicy} "empty": policy has no Statement`,
      `${T.rolePolicy} "vague": policy Statement[0] Effect is missing (Allow or Deny)`,
    ]);
  });
  it("reports a managed policy over 6144 characters, not counting whitespace", () => {
    const resources = Array.from(
      { length: 200 },
      (_, index) => `arn:aws:s3:::graasp-bucket-${String(index).padStart(3, "0")}/*`,
    );
    const policy = iamDocument({
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: resources }],
    });
    const size = policy.replace(/\s/g, "").length;
    expect(size).to.be.above(6144);
    expect(checkIamPolicyDocuments([resource(T.policy, "buckets", { policy })])).to.deep.equal([
      `${T.policy} "buckets": policy is ${size} characters (limit 6144)`,
    ]);
  });
});

for (const stack of STACKS) {
  for (const state of STATES) {
    describe(`AWS limits: stack ${stack} in ${state}`, function () {
      this.timeout(20_000);
      let registrations: readonly Registration[];
      before(async () => {
        registrations = (await scenario(stack, state)).registrations;
      });

      it("registers no resource that breaks an AWS limit", () => {
        expect(awsLimitViolations(registrations)).to.deep.equal([]);
      });

      it("registers something for every check to inspect", () => {
        const count = (type: string, has: (inputs: Record<string, any>) => unknown) =>
          registrations.filter((r) => r.type === type && has(r.inputs)).length;
        const inspected = {
          fargateTasks: count(T.taskDefinition, (i) =>
            i.requiresCompatibilities?.includes("FARGATE"),
          ),
          namedLogGroups: count(T.logGroup, (i) => i.name),
          prioritisedRules: count(T.listenerRule, (i) => i.priority),
          ruleConditions: count(T.listenerRule, (i) => i.conditions?.length),
          fixedResponses: count(T.listener, (i) => JSON.stringify(i).includes("fixedResponse")),
          serviceConnectPorts: count(
            T.service,
            (i) => i.serviceConnectConfiguration?.services?.length,
          ),
          healthCheckPaths: count(T.targetGroup, (i) => i.healthCheck?.path),
          trustPolicies: count(T.role, (i) => i.assumeRolePolicy),
          inlinePolicies: count(T.rolePolicy, (i) => i.policy),
        };
        for (const [what, found] of Object.entries(inspected)) expect(found, what).to.be.above(0);
      });
    });
  }
}
