/**
 * Runs every guardrail policy on hand-made resources, both ways, and checks the exact message.
 *
 * What this cannot prove: that the engine sends these property shapes (inputs after the
 * provider's Check, with defaultTags in `tagsAll`), nor how a preview treats a rule that reads
 * an unknown value (the pack server turns it into an advisory "can't run during preview").
 * `pulumi preview --policy-pack policy` against a real stack covers those.
 */
import { expect } from "chai";
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import {
  environmentSubject,
  githubTrustPolicy,
  pullRequestSubject,
} from "../components/ciAccessPolicies";
import { MAINTENANCE_HTML } from "../components/maintenanceContent";
import {
  albRuleLimits,
  alarmTopicEncrypted,
  capacityProviderWeights,
  githubOidcTrustScoped,
  GRAASP_POLICIES,
  httpsListenerTls12,
  imagesPinned,
  internetIngressWebOnly,
  logGroupRetention,
  MONITORING_TYPES,
  noPublicPostgres,
  productionAlarmsNotify,
  rdsForceSsl,
  rdsForceSslFor,
  rdsNotPublic,
  rdsProductionBackups,
  rdsProductionDeletionProtection,
  rdsStorageEncrypted,
  secretsNotInEnvironment,
  stoppedScalesToZero,
  TYPES,
  bucketsEncryptedAndRetained,
  cloudfrontHttpsOnly,
  EDGE_TYPES,
  fileItemsPrivate,
  publicStatements,
} from "../policy/rules";
import { STACKS } from "./fixtures";
import { Registration } from "./mocks";
import { scenario, STATES } from "./scenarios";

type Props = Record<string, any>;

class NotApplicable extends Error {}

function urnOf(type: string, name: string): string {
  return `urn:pulumi:production::graasp::${type}::${name}`;
}

const OPTIONS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function isTypeFor(type: string) {
  return (resourceClass: any) => resourceClass?.__pulumiType === type;
}

/** The args the policy server builds for one resource, props wrapped in its unknown-checking proxy. */
function resourceArgs(type: string, props: Props, name: string): ResourceValidationArgs {
  const proxied = unknownCheckingProxy(props);
  return {
    type,
    props: proxied,
    urn: urnOf(type, name),
    name,
    opts: OPTIONS,
    stackTags: new Map(),
    isType: isTypeFor(type),
    asType: (resourceClass: any) => (isTypeFor(type)(resourceClass) ? proxied : undefined),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

/** The violations one resource policy reports for a resource. */
async function violations(
  policy: ResourceValidationPolicy,
  type: string,
  props: Props,
  name = "subject",
): Promise<string[]> {
  const messages: string[] = [];
  const validations = policy.validateResource ?? [];
  for (const validate of Array.isArray(validations) ? validations : [validations]) {
    await validate(resourceArgs(type, props, name), (message) => messages.push(message));
  }
  return messages;
}

interface StackEntry {
  readonly type: string;
  readonly name: string;
  readonly props: Props;
  readonly urn?: string;
  /** The `protect` option the engine reports for the resource. */
  readonly protect?: boolean;
  /** Names (or URNs) of the entries each property was computed from. */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** The resources the policy server hands a stack policy, linked the way it links them. */
function policyResources(entries: readonly StackEntry[]): PolicyResource[] {
  const resources: PolicyResource[] = entries.map(({ type, name, props, urn, protect }) => ({
    type,
    name,
    props: unknownCheckingProxy(props),
    urn: urn ?? urnOf(type, name),
    opts: { ...OPTIONS, protect: protect ?? false },
    dependencies: [],
    propertyDependencies: {},
    isType: isTypeFor(type),
    asType: () => undefined,
  }));
  const find = (key: string) =>
    resources.filter((resource) => resource.urn === key || resource.name === key);
  entries.forEach((entry, index) => {
    for (const [property, keys] of Object.entries(entry.propertyDependencies ?? {})) {
      const sources = keys.flatMap(find);
      resources[index].propertyDependencies[property] = sources;
      resources[index].dependencies.push(...sources);
    }
  });
  return resources;
}

async function stackViolations(
  policy: StackValidationPolicy,
  entries: readonly StackEntry[],
): Promise<Array<{ message: string; urn?: string }>> {
  const args: StackValidationArgs = {
    resources: policyResources(entries),
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
  const reported: Array<{ message: string; urn?: string }> = [];
  await policy.validateStack(args, (message, urn) => reported.push({ message, urn }));
  return reported;
}

const PRODUCTION = { tagsAll: { "graasp:environment": "production" } };
const STAGING = { tags: { "graasp:environment": "staging" } };

describe("policy pack: the rule set", () => {
  it("has at least ten uniquely named, described, mandatory policies", () => {
    const names = GRAASP_POLICIES.map((policy) => policy.name);
    expect(names.length).to.be.at.least(10);
    expect(new Set(names).size).to.equal(names.length);
    for (const policy of GRAASP_POLICIES) {
      expect(policy.description, policy.name).to.have.length.above(10);
      expect(policy.enforcementLevel, policy.name).to.equal("mandatory");
    }
  });

  it("uses the type tokens @pulumi/aws gives its classes", async function () {
    this.timeout(20000);
    const aws = await import("@pulumi/aws");
    const classes: Record<string, { isInstance(obj: unknown): boolean }> = {
      [TYPES.rdsInstance]: aws.rds.Instance,
      [TYPES.rdsParameterGroup]: aws.rds.ParameterGroup,
      [TYPES.rdsDesiredState]: aws.rds.InstanceDesiredState,
      [TYPES.ingressRule]: aws.vpc.SecurityGroupIngressRule,
      [TYPES.securityGroup]: aws.ec2.SecurityGroup,
      [TYPES.securityGroupRule]: aws.ec2.SecurityGroupRule,
      [TYPES.listener]: aws.lb.Listener,
      [TYPES.listenerRule]: aws.lb.ListenerRule,
      [TYPES.taskDefinition]: aws.ecs.TaskDefinition,
      [TYPES.service]: aws.ecs.Service,
      [TYPES.logGroup]: aws.cloudwatch.LogGroup,
      [TYPES.scalableTarget]: aws.appautoscaling.Target,
      [TYPES.role]: aws.iam.Role,
      [MONITORING_TYPES.metricAlarm]: aws.cloudwatch.MetricAlarm,
      [MONITORING_TYPES.snsTopic]: aws.sns.Topic,
    };
    for (const [token, resourceClass] of Object.entries(classes)) {
      expect(resourceClass.isInstance({ __pulumiType: token }), token).to.equal(true);
    }
  });

  it("declares itself not applicable to other resource types", async () => {
    let thrown: unknown;
    try {
      await violations(rdsNotPublic, "aws:s3/bucket:Bucket", {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(NotApplicable);
  });

  it("lets an unknown preview value surface as the server's UnknownValueError", async () => {
    const { unknownBooleanValue } = require("@pulumi/policy/proxy");
    let thrown: unknown;
    try {
      await violations(rdsStorageEncrypted, TYPES.rdsInstance, {
        storageEncrypted: unknownBooleanValue,
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(UnknownValueError);
  });
});

describe("policy rds-not-publicly-accessible", () => {
  it("passes a private instance", async () => {
    expect(
      await violations(rdsNotPublic, TYPES.rdsInstance, { publiclyAccessible: false }),
    ).to.deep.equal([]);
  });
  it("reports a public instance", async () => {
    expect(
      await violations(rdsNotPublic, TYPES.rdsInstance, { publiclyAccessible: true }),
    ).to.deep.equal(["RDS instance is publicly accessible: set `publiclyAccessible: false`."]);
  });
});

describe("policy rds-storage-encrypted", () => {
  it("passes encrypted storage", async () => {
    expect(
      await violations(rdsStorageEncrypted, TYPES.rdsInstance, { storageEncrypted: true }),
    ).to.deep.equal([]);
  });
  it("reports storage left unencrypted by default", async () => {
    expect(await violations(rdsStorageEncrypted, TYPES.rdsInstance, {})).to.deep.equal([
      "RDS instance storage is not encrypted: set `storageEncrypted: true` (this replaces an existing instance).",
    ]);
  });
});

describe("policy rds-production-backup-retention", () => {
  it("passes 7 days on production and 1 day on staging", async () => {
    const production = { ...PRODUCTION, backupRetentionPeriod: 7 };
    const staging = { ...STAGING, backupRetentionPeriod: 1 };
    expect(await violations(rdsProductionBackups, TYPES.rdsInstance, production)).to.deep.equal([]);
    expect(await violations(rdsProductionBackups, TYPES.rdsInstance, staging)).to.deep.equal([]);
  });
  it("reports 3 days on production (tag found in tagsAll)", async () => {
    const props = { ...PRODUCTION, backupRetentionPeriod: 3 };
    expect(await violations(rdsProductionBackups, TYPES.rdsInstance, props)).to.deep.equal([
      "RDS instance on production has backupRetentionPeriod 3 days: set it to at least 7.",
    ]);
  });
  it("treats an untagged instance as production", async () => {
    expect(await violations(rdsProductionBackups, TYPES.rdsInstance, {})).to.deep.equal([
      "RDS instance with no `graasp:environment` tag (treated as production) has backupRetentionPeriod not set (AWS keeps 1 day): set it to at least 7.",
    ]);
  });
});

describe("policy rds-production-deletion-protection", () => {
  it("passes a protected production instance and an unprotected staging one", async () => {
    const production = { ...PRODUCTION, deletionProtection: true };
    expect(
      await violations(rdsProductionDeletionProtection, TYPES.rdsInstance, production),
    ).to.deep.equal([]);
    expect(
      await violations(rdsProductionDeletionProtection, TYPES.rdsInstance, STAGING),
    ).to.deep.equal([]);
  });
  it("reports an unprotected production instance (tag found in tags)", async () => {
    const props = { tags: { "graasp:environment": "production" }, deletionProtection: false };
    expect(
      await violations(rdsProductionDeletionProtection, TYPES.rdsInstance, props),
    ).to.deep.equal([
      "RDS instance on production has no deletion protection: set `deletionProtection: true`.",
    ]);
  });
  it("treats an unrecognised environment as production", async () => {
    const props = { tags: { "graasp:environment": "demo" } };
    expect(
      await violations(rdsProductionDeletionProtection, TYPES.rdsInstance, props),
    ).to.deep.equal([
      "RDS instance tagged `graasp:environment=demo` (treated as production) has no deletion protection: set `deletionProtection: true`.",
    ]);
  });
});

describe("policy rds-force-ssl", () => {
  // The rule as it reads once every client encrypts; the catalog's decision today is below.
  const allEncrypt = rdsForceSslFor({ forceSsl: true, holdouts: [] });
  const enforcingGroup: StackEntry = {
    type: TYPES.rdsParameterGroup,
    name: "db-parameters",
    props: {
      family: "postgres16",
      name: "db-parameters-1a2b",
      parameters: [{ name: "rds.force_ssl", value: "1" }],
    },
  };
  it("passes an instance on a group that forces TLS, and ignores other engines", async () => {
    const resources: StackEntry[] = [
      enforcingGroup,
      {
        type: TYPES.rdsParameterGroup,
        name: "mysql",
        props: { family: "mysql8.0", name: "m", parameters: [] },
      },
      {
        type: TYPES.rdsInstance,
        name: "db",
        props: { engine: "postgres", parameterGroupName: "db-parameters-1a2b" },
      },
    ];
    expect(await stackViolations(allEncrypt, resources)).to.deep.equal([]);
  });
  it("finds the group through the instance's property dependencies while its name is unknown", async () => {
    const { unknownStringValue } = require("@pulumi/policy/proxy");
    const resources: StackEntry[] = [
      { ...enforcingGroup, props: { ...enforcingGroup.props, name: unknownStringValue } },
      {
        type: TYPES.rdsInstance,
        name: "db",
        props: { engine: "postgres", parameterGroupName: unknownStringValue },
        propertyDependencies: { parameterGroupName: ["db-parameters"] },
      },
    ];
    expect(await stackViolations(allEncrypt, resources)).to.deep.equal([]);
  });
  it("reports a postgres group without rds.force_ssl=1 and instances not on an enforcing group", async () => {
    const resources: StackEntry[] = [
      enforcingGroup,
      {
        type: TYPES.rdsParameterGroup,
        name: "loose",
        props: {
          family: "postgres16",
          name: "loose-9f",
          parameters: [{ name: "rds.force_ssl", value: "0" }],
        },
      },
      {
        type: TYPES.rdsInstance,
        name: "db",
        props: { engine: "postgres", parameterGroupName: "loose-9f" },
      },
      { type: TYPES.rdsInstance, name: "replica", props: { engine: "postgres" } },
    ];
    expect(await stackViolations(allEncrypt, resources)).to.deep.equal([
      {
        message:
          'Parameter group "loose" (family postgres16) does not set rds.force_ssl to 1, so clients may connect without TLS.',
        urn: urnOf(TYPES.rdsParameterGroup, "loose"),
      },
      {
        message:
          'RDS instance "db" uses `loose-9f`, not a parameter group of this stack that sets rds.force_ssl to 1.',
        urn: urnOf(TYPES.rdsInstance, "db"),
      },
      {
        message:
          'RDS instance "replica" uses no parameterGroupName, not a parameter group of this stack that sets rds.force_ssl to 1.',
        urn: urnOf(TYPES.rdsInstance, "replica"),
      },
    ]);
  });
  it("follows the catalog today: admin cannot encrypt, so it expects 0 and names admin", async () => {
    expect(rdsForceSsl.description).to.equal(
      "Every PostgreSQL parameter group sets rds.force_ssl=0 while admin cannot encrypt, and every PostgreSQL instance uses one of them.",
    );
    const relaxed: StackEntry = {
      ...enforcingGroup,
      props: { ...enforcingGroup.props, parameters: [{ name: "rds.force_ssl", value: "0" }] },
    };
    const instance: StackEntry = {
      type: TYPES.rdsInstance,
      name: "db",
      props: { engine: "postgres", parameterGroupName: "db-parameters-1a2b" },
    };
    expect(await stackViolations(rdsForceSsl, [relaxed, instance])).to.deep.equal([]);
    const [groupViolation, instanceViolation] = await stackViolations(rdsForceSsl, [
      enforcingGroup,
      instance,
    ]);
    expect(groupViolation.message).to.match(
      /^Parameter group "db-parameters" \(family postgres16\) sets rds.force_ssl to 1, but admin cannot encrypt its database connection \(rds.force_ssl is 0: admin cannot encrypt/,
    );
    expect(groupViolation.message).to.include("ships the RDS CA bundle");
    expect(groupViolation.message).to.match(/: set it to 0 until that application can\.$/);
    expect(instanceViolation).to.deep.equal({
      message:
        'RDS instance "db" uses `db-parameters-1a2b`, not a parameter group of this stack that sets rds.force_ssl to 0.',
      urn: urnOf(TYPES.rdsInstance, "db"),
    });
  });
});

describe("policy internet-ingress-web-only", () => {
  it("passes https from anywhere, postgres from a security group, and egress to anywhere", async () => {
    const https = { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" };
    const postgres = {
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
      referencedSecurityGroupId: "sg-1",
    };
    const egress = {
      type: "egress",
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      cidrBlocks: ["0.0.0.0/0"],
    };
    expect(await violations(internetIngressWebOnly, TYPES.ingressRule, https)).to.deep.equal([]);
    expect(await violations(internetIngressWebOnly, TYPES.ingressRule, postgres)).to.deep.equal([]);
    expect(await violations(internetIngressWebOnly, TYPES.securityGroupRule, egress)).to.deep.equal(
      [],
    );
  });
  it("reports all traffic from ::/0 on an ingress rule", async () => {
    const props = { ipProtocol: "-1", cidrIpv6: "::/0" };
    expect(
      await violations(internetIngressWebOnly, TYPES.ingressRule, props, "alb-in"),
    ).to.deep.equal([
      'Security group ingress rule "alb-in" opens all traffic to the internet (::/0); only tcp 80 and 443 may be: use a security group or a private range as the source.',
    ]);
  });
  it("reports ssh in an inline ingress block", async () => {
    const props = {
      ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
      ],
    };
    expect(
      await violations(internetIngressWebOnly, TYPES.securityGroup, props, "bastion"),
    ).to.deep.equal([
      'Security group "bastion" ingress[1] opens tcp port 22 to the internet (0.0.0.0/0); only tcp 80 and 443 may be: use a security group or a private range as the source.',
    ]);
  });
  it("reports a port range spanning 80-443 on a security group rule", async () => {
    const props = {
      type: "ingress",
      protocol: "6",
      fromPort: 80,
      toPort: 443,
      ipv6CidrBlocks: ["::/0"],
    };
    expect(
      await violations(internetIngressWebOnly, TYPES.securityGroupRule, props, "web"),
    ).to.deep.equal([
      'Security group rule "web" opens tcp ports 80-443 to the internet (::/0); only tcp 80 and 443 may be: use a security group or a private range as the source.',
    ]);
  });
});

describe("policy no-public-postgres", () => {
  it("passes postgres from a private range", async () => {
    const props = { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "10.0.0.0/16" };
    expect(await violations(noPublicPostgres, TYPES.ingressRule, props)).to.deep.equal([]);
  });
  it("reports postgres from a public office range", async () => {
    const props = { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "203.0.113.0/24" };
    expect(await violations(noPublicPostgres, TYPES.ingressRule, props, "db-in")).to.deep.equal([
      'Security group ingress rule "db-in" opens PostgreSQL (tcp 5432) to the public range 203.0.113.0/24: allow only the services\' security groups.',
    ]);
  });
  it("reports a range covering 5432 in an inline block, even from a wide private-looking prefix", async () => {
    const props = {
      ingress: [{ protocol: "tcp", fromPort: 5000, toPort: 6000, cidrBlocks: ["10.0.0.0/7"] }],
    };
    expect(await violations(noPublicPostgres, TYPES.securityGroup, props, "db")).to.deep.equal([
      'Security group "db" ingress[0] opens PostgreSQL (tcp 5432) to the public range 10.0.0.0/7: allow only the services\' security groups.',
    ]);
  });
});

describe("policy https-listener-tls12", () => {
  it("passes an HTTPS listener on a TLS 1.2+ policy and a plain HTTP listener", async () => {
    const https = { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06" };
    expect(await violations(httpsListenerTls12, TYPES.listener, https)).to.deep.equal([]);
    expect(
      await violations(httpsListenerTls12, TYPES.listener, { protocol: "HTTP" }),
    ).to.deep.equal([]);
  });
  it("reports the TLS 1.0 policy", async () => {
    const props = { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" };
    expect(await violations(httpsListenerTls12, TYPES.listener, props)).to.deep.equal([
      "HTTPS listener has sslPolicy `ELBSecurityPolicy-2016-08`, which is not on the TLS 1.2+ allow-list: use ELBSecurityPolicy-TLS13-1-2-Res-2021-06.",
    ]);
  });
  it("reports a missing policy, which AWS fills with its TLS 1.0 default", async () => {
    expect(
      await violations(httpsListenerTls12, TYPES.listener, { protocol: "HTTPS" }),
    ).to.deep.equal([
      "HTTPS listener has no sslPolicy, so AWS applies ELBSecurityPolicy-2016-08, which is not on the TLS 1.2+ allow-list: use ELBSecurityPolicy-TLS13-1-2-Res-2021-06.",
    ]);
  });
});

describe("policy alb-rule-limits", () => {
  const maintenanceRule = {
    actions: [
      {
        type: "fixed-response",
        fixedResponse: { contentType: "text/html", messageBody: MAINTENANCE_HTML },
      },
    ],
    conditions: [{ httpHeader: { httpHeaderName: "X-Graasp-Bypass", values: ["token"] } }],
  };
  it("passes the real maintenance page and a short bypass header", async () => {
    expect(await violations(albRuleLimits, TYPES.listenerRule, maintenanceRule)).to.deep.equal([]);
  });
  it("reports a 1025-byte default fixed response on a listener", async () => {
    const props = {
      defaultActions: [
        { type: "fixed-response", fixedResponse: { messageBody: "é".repeat(512) + "x" } },
      ],
    };
    expect(await violations(albRuleLimits, TYPES.listener, props)).to.deep.equal([
      "Fixed-response body is 1025 bytes; the ALB accepts at most 1024.",
    ]);
  });
  it("reports a 41-character header name and a 129-character value", async () => {
    const name = `X-${"h".repeat(39)}`;
    const props = {
      actions: [],
      conditions: [{ httpHeader: { httpHeaderName: name, values: ["v".repeat(129)] } }],
    };
    expect(await violations(albRuleLimits, TYPES.listenerRule, props)).to.deep.equal([
      `Header condition name \`${name}\` is 41 characters; the ALB accepts at most 40.`,
      `Header condition ${name} has a value of 129 characters; the ALB accepts at most 128.`,
    ]);
  });
});

function taskDefinition(containers: Props[]): Props {
  return { family: "graasp-core", containerDefinitions: JSON.stringify(containers) };
}

describe("policy ecs-secrets-not-in-environment", () => {
  it("passes secrets from `secrets` and plain settings in `environment`", async () => {
    const props = taskDefinition([
      {
        name: "core",
        image: "graasp:core-v1.66.0",
        environment: [
          { name: "LOG_LEVEL", value: "info" },
          { name: "COOKIE_DOMAIN", value: ".graasp.org" },
        ],
        secrets: [
          {
            name: "JWT_SECRET",
            valueFrom: "arn:aws:secretsmanager:eu-central-2:1:secret:core:JWT_SECRET::",
          },
        ],
      },
    ]);
    expect(await violations(secretsNotInEnvironment, TYPES.taskDefinition, props)).to.deep.equal(
      [],
    );
  });
  it("reports a secret-looking variable in `environment`", async () => {
    const props = taskDefinition([
      {
        name: "core",
        image: "graasp:core-v1.66.0",
        environment: [{ name: "JWT_SECRET", value: "hunter2" }],
      },
    ]);
    expect(await violations(secretsNotInEnvironment, TYPES.taskDefinition, props)).to.deep.equal([
      'Container "core" sets JWT_SECRET in `environment`: a secret-looking variable must come from `secrets` (Secrets Manager), where it stays out of the task definition.',
    ]);
  });
  it("reports container definitions that are not a JSON array", async () => {
    const props = { containerDefinitions: "{not json" };
    expect(await violations(secretsNotInEnvironment, TYPES.taskDefinition, props)).to.deep.equal([
      "`containerDefinitions` is not a JSON array of container definitions.",
    ]);
  });
});

describe("policy ecs-images-pinned", () => {
  it("passes release tags, a registry with a port, and digests", async () => {
    const props = taskDefinition([
      {
        name: "core",
        image: "123456789012.dkr.ecr.eu-central-2.amazonaws.com/graasp:core-v1.66.0",
      },
      { name: "redis", image: "redis:7.4.2-alpine" },
      { name: "local", image: "registry.local:5000/tools/migrate:1.2" },
      { name: "built", image: "graasp/builder:sha-3f9c2a1" },
      { name: "digest", image: `getmeili/meilisearch@sha256:${"ab".repeat(32)}` },
    ]);
    expect(await violations(imagesPinned, TYPES.taskDefinition, props)).to.deep.equal([]);
  });
  it("reports latest, no tag, a bare major and a port mistaken for a tag", async () => {
    const props = taskDefinition([
      { name: "a", image: "redis:latest" },
      { name: "b", image: "redis" },
      { name: "c", image: "postgres:16-alpine" },
      { name: "d", image: "registry.local:5000/tools/migrate" },
    ]);
    expect(await violations(imagesPinned, TYPES.taskDefinition, props)).to.deep.equal([
      "Container \"a\" image `redis:latest` uses the floating tag `latest`: pin a release tag or an @sha256 digest, or accept the moving tag in the stack file (pulumi config set --path 'movingTags[<next index>]' a).",
      "Container \"b\" image `redis` has no tag, so ECS pulls `latest`: pin a release tag or an @sha256 digest, or accept the moving tag in the stack file (pulumi config set --path 'movingTags[<next index>]' b).",
      "Container \"c\" image `postgres:16-alpine` uses the tag `16-alpine`, which names no release or commit: pin a release tag or an @sha256 digest, or accept the moving tag in the stack file (pulumi config set --path 'movingTags[<next index>]' c).",
      "Container \"d\" image `registry.local:5000/tools/migrate` has no tag, so ECS pulls `latest`: pin a release tag or an @sha256 digest, or accept the moving tag in the stack file (pulumi config set --path 'movingTags[<next index>]' d).",
    ]);
  });
  it("accepts a moving tag only for the containers the task definition's graasp:moving-tags lists", async () => {
    const props = {
      ...taskDefinition([
        { name: "nudenet", image: "reg.example/graasp:nudenet-latest" },
        { name: "admin", image: "reg.example/graasp/admin:latest" },
        { name: "core", image: "reg.example/graasp:core-latest" },
      ]),
      tags: { "graasp:moving-tags": "admin nudenet" },
    };
    expect(await violations(imagesPinned, TYPES.taskDefinition, props)).to.deep.equal([
      "Container \"core\" image `reg.example/graasp:core-latest` uses the floating tag `core-latest`: pin a release tag or an @sha256 digest, or accept the moving tag in the stack file (pulumi config set --path 'movingTags[<next index>]' core).",
    ]);
  });
});

describe("policy log-group-retention", () => {
  it("passes a 30-day retention", async () => {
    expect(
      await violations(logGroupRetention, TYPES.logGroup, { retentionInDays: 30 }),
    ).to.deep.equal([]);
  });
  it("reports a missing retention and a 0 (never expire)", async () => {
    expect(await violations(logGroupRetention, TYPES.logGroup, {})).to.deep.equal([
      "Log group keeps events forever (retentionInDays not set): set `retentionInDays`, e.g. 30.",
    ]);
    expect(
      await violations(logGroupRetention, TYPES.logGroup, { retentionInDays: 0 }),
    ).to.deep.equal([
      "Log group keeps events forever (retentionInDays 0): set `retentionInDays`, e.g. 30.",
    ]);
  });
});

describe("policy ecs-capacity-provider-weights", () => {
  it("passes weighted providers and a lone provider with weight 0", async () => {
    const weighted = {
      capacityProviderStrategies: [
        { capacityProvider: "FARGATE", weight: 1, base: 1 },
        { capacityProvider: "FARGATE_SPOT", weight: 3 },
      ],
    };
    const lone = {
      capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 0, base: 1 }],
    };
    expect(await violations(capacityProviderWeights, TYPES.service, weighted)).to.deep.equal([]);
    expect(await violations(capacityProviderWeights, TYPES.service, lone)).to.deep.equal([]);
  });
  it("reports the upscale-with-spot bug: spot at weight 0, and a provider without weight", async () => {
    const props = {
      capacityProviderStrategies: [
        { capacityProvider: "FARGATE", weight: 1, base: 1 },
        { capacityProvider: "FARGATE_SPOT", weight: 0 },
        { capacityProvider: "EXTRA" },
      ],
    };
    expect(await violations(capacityProviderWeights, TYPES.service, props)).to.deep.equal([
      "Capacity provider FARGATE_SPOT has weight 0 next to other providers: ECS places no task on it beyond `base`; give it a weight of at least 1.",
      "Capacity provider EXTRA has weight unset next to other providers: ECS places no task on it beyond `base`; give it a weight of at least 1.",
    ]);
  });
});

describe("policy stopped-state-runs-no-tasks", () => {
  const power = (desiredState: string): StackEntry => ({
    type: TYPES.dynamicResource,
    name: "database-power",
    props: { desiredState, instanceIdentifier: "graasp-production", region: "eu-central-2" },
  });
  const core: StackEntry = { type: TYPES.service, name: "core", props: { desiredCount: 2 } };
  const coreScaling: StackEntry = {
    type: TYPES.scalableTarget,
    name: "core-scaling",
    props: { serviceNamespace: "ecs", minCapacity: 1, maxCapacity: 4 },
  };
  it("passes running services while the database is available", async () => {
    expect(
      await stackViolations(stoppedScalesToZero, [power("available"), core, coreScaling]),
    ).to.deep.equal([]);
  });
  it("passes a stopped stack whose services and ecs targets are all at 0", async () => {
    const resources: StackEntry[] = [
      power("stopped"),
      { ...core, props: { desiredCount: 0 } },
      { ...coreScaling, props: { serviceNamespace: "ecs", minCapacity: 0, maxCapacity: 0 } },
      {
        type: TYPES.scalableTarget,
        name: "table",
        props: { serviceNamespace: "dynamodb", minCapacity: 5, maxCapacity: 10 },
      },
    ];
    expect(await stackViolations(stoppedScalesToZero, resources)).to.deep.equal([]);
  });
  it("reports a service and a scaling target still running while the database is stopped", async () => {
    expect(
      await stackViolations(stoppedScalesToZero, [power("stopped"), core, coreScaling]),
    ).to.deep.equal([
      {
        message:
          'ECS service "core" keeps desiredCount 2 while the database is stopped: set it to 0.',
        urn: urnOf(TYPES.service, "core"),
      },
      {
        message:
          'Autoscaling target "core-scaling" keeps minCapacity 1 and maxCapacity 4 while the database is stopped: set both to 0 or it starts tasks again.',
        urn: urnOf(TYPES.scalableTarget, "core-scaling"),
      },
    ]);
  });
  it("also recognises the AWS provider's InstanceDesiredState", async () => {
    const stopped: StackEntry = {
      type: TYPES.rdsDesiredState,
      name: "db-state",
      props: { state: "stopped" },
    };
    expect(await stackViolations(stoppedScalesToZero, [stopped, core])).to.deep.equal([
      {
        message:
          'ECS service "core" keeps desiredCount 2 while the database is stopped: set it to 0.',
        urn: urnOf(TYPES.service, "core"),
      },
    ]);
  });
});

function githubTrust(condition?: Props): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: {
          Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        },
        Action: "sts:AssumeRoleWithWebIdentity",
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });
}

describe("policy github-oidc-trust-scoped", () => {
  it("passes a trust scoped to one repository, and roles not trusting GitHub", async () => {
    const scoped = githubTrust({
      StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
      StringLike: { "token.actions.githubusercontent.com:sub": "repo:graasp/graasp-deploy:*" },
    });
    const ecsTasks = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    };
    expect(
      await violations(githubOidcTrustScoped, TYPES.role, { assumeRolePolicy: scoped }),
    ).to.deep.equal([]);
    expect(
      await violations(githubOidcTrustScoped, TYPES.role, { assumeRolePolicy: ecsTasks }),
    ).to.deep.equal([]);
  });
  it("passes the trust policies components/ciAccessPolicies.ts builds for CI", async () => {
    const provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    for (const subject of [
      pullRequestSubject("graasp/graasp-deploy"),
      environmentSubject("graasp/graasp-deploy", "production"),
    ]) {
      const props = { assumeRolePolicy: JSON.stringify(githubTrustPolicy(provider, subject)) };
      expect(await violations(githubOidcTrustScoped, TYPES.role, props), subject).to.deep.equal([]);
    }
  });
  it("reports a trust with no subject condition", async () => {
    const props = { assumeRolePolicy: githubTrust() };
    expect(await violations(githubOidcTrustScoped, TYPES.role, props)).to.deep.equal([
      "Role trusts GitHub Actions without a `token.actions.githubusercontent.com:sub` condition, so any GitHub repository can assume it: add StringEquals/StringLike on `repo:<owner>/<repo>:...`.",
    ]);
  });
  it("reports a wildcard subject", async () => {
    const props = {
      assumeRolePolicy: githubTrust({
        StringLike: { "token.actions.githubusercontent.com:sub": "repo:*" },
      }),
    };
    expect(await violations(githubOidcTrustScoped, TYPES.role, props)).to.deep.equal([
      "Role trusts the GitHub subject `repo:*`, which does not name a repository owner: use `repo:<owner>/<repo>:...`.",
    ]);
  });
});

describe("policy production-alarms-notify", () => {
  const topic = "arn:aws:sns:eu-central-2:123456789012:graasp-production-alarms";
  it("passes a production alarm with the topic, even with its actions off, and a staging alarm without", async () => {
    const production = { tags: { "graasp:environment": "production" } };
    expect(
      await violations(productionAlarmsNotify, MONITORING_TYPES.metricAlarm, {
        ...production,
        alarmActions: [topic],
        actionsEnabled: false,
      }),
    ).to.deep.equal([]);
    expect(
      await violations(productionAlarmsNotify, MONITORING_TYPES.metricAlarm, {
        tagsAll: { "graasp:environment": "staging" },
        alarmActions: [],
      }),
    ).to.deep.equal([]);
  });
  it("reports a production alarm, and an untagged one, without alarm actions", async () => {
    expect(
      await violations(productionAlarmsNotify, MONITORING_TYPES.metricAlarm, {
        tags: { "graasp:environment": "production" },
        alarmActions: [],
      }),
    ).to.deep.equal([
      "Alarm has no `alarmActions` on production, so it notifies nobody: add the alarm topic's ARN to `alarmActions`.",
    ]);
    expect(
      await violations(productionAlarmsNotify, MONITORING_TYPES.metricAlarm, {}),
    ).to.deep.equal([
      "Alarm has no `alarmActions` with no `graasp:environment` tag (treated as production), so it notifies nobody: add the alarm topic's ARN to `alarmActions`.",
    ]);
  });
});

describe("policy pack: edge type tokens", () => {
  it("are the tokens @pulumi/aws gives its S3 and CloudFront classes", async function () {
    this.timeout(20000);
    const aws = await import("@pulumi/aws");
    const classes: Record<string, { isInstance(obj: unknown): boolean }> = {
      [EDGE_TYPES.bucket]: aws.s3.Bucket,
      [EDGE_TYPES.bucketPolicy]: aws.s3.BucketPolicy,
      [EDGE_TYPES.publicAccessBlock]: aws.s3.BucketPublicAccessBlock,
      [EDGE_TYPES.encryption]: aws.s3.BucketServerSideEncryptionConfiguration,
      [EDGE_TYPES.distribution]: aws.cloudfront.Distribution,
    };
    for (const [token, resourceClass] of Object.entries(classes))
      expect(resourceClass.isInstance({ __pulumiType: token }), token).to.equal(true);
  });
});

describe("policy s3-file-items-private", () => {
  const bucket = (purpose: string): StackEntry => ({
    type: EDGE_TYPES.bucket,
    name: `storage-${purpose}`,
    props: { bucket: `graasp-prod-${purpose}`, tags: { "graasp:bucket": purpose } },
    protect: true,
  });
  const block = (all: boolean): StackEntry => ({
    type: EDGE_TYPES.publicAccessBlock,
    name: "storage-file-items-public-access",
    props: {
      bucket: "graasp-prod-file-items",
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: all,
      restrictPublicBuckets: true,
    },
  });
  const policy = (principal: unknown): StackEntry => ({
    type: EDGE_TYPES.bucketPolicy,
    name: "storage-file-items-policy",
    props: {
      bucket: "graasp-prod-file-items",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: principal, Action: "s3:GetObject" }],
      }),
    },
  });

  it("passes a fully blocked file-items bucket with a policy for a named service", async () => {
    expect(
      await stackViolations(fileItemsPrivate, [
        bucket("file-items"),
        block(true),
        policy({ Service: "cloudfront.amazonaws.com" }),
        bucket("apps"),
      ]),
    ).to.deep.equal([]);
  });

  it("reports a missing or partial block and a public policy", async () => {
    expect(
      (await stackViolations(fileItemsPrivate, [bucket("file-items")])).map((v) => v.message),
    ).to.deep.equal([
      "Bucket graasp-prod-file-items holds user files but has no public access block with blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets all true.",
    ]);
    const reported = await stackViolations(fileItemsPrivate, [
      bucket("file-items"),
      block(false),
      policy({ AWS: ["*"] }),
    ]);
    expect(reported.map((v) => v.message)).to.deep.equal([
      "Bucket graasp-prod-file-items holds user files but has no public access block with blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets all true.",
      'Bucket policy of graasp-prod-file-items (user files) allows everyone (Principal "*"): grant named principals only.',
    ]);
    expect(
      publicStatements(JSON.stringify({ Statement: { Effect: "Allow", Principal: "*" } })),
    ).to.have.length(1);
  });
});

describe("policy s3-buckets-encrypted-and-retained", () => {
  const entries = (protect: boolean, algorithm?: string, forceDestroy = false): StackEntry[] => [
    {
      type: EDGE_TYPES.bucket,
      name: "storage-h5p",
      props: { bucket: "graasp-dev-h5p", forceDestroy },
      protect,
    },
    ...(algorithm
      ? [
          {
            type: EDGE_TYPES.encryption,
            name: "storage-h5p-encryption",
            props: {
              bucket: "graasp-dev-h5p",
              rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: algorithm } }],
            },
          },
        ]
      : []),
  ];

  it("passes a protected bucket encrypted with AES256 or KMS", async () => {
    expect(
      await stackViolations(bucketsEncryptedAndRetained, entries(true, "AES256")),
    ).to.deep.equal([]);
    expect(
      await stackViolations(bucketsEncryptedAndRetained, entries(true, "aws:kms")),
    ).to.deep.equal([]);
  });

  it("reports a bucket without encryption, without protect, or force-destroyed", async () => {
    const reported = await stackViolations(
      bucketsEncryptedAndRetained,
      entries(false, undefined, true),
    );
    expect(reported.map((v) => v.message)).to.deep.equal([
      "Bucket graasp-dev-h5p has no default encryption: add a BucketServerSideEncryptionConfiguration (AES256 or aws:kms).",
      "Bucket graasp-dev-h5p is not protected: register it with `protect: true` (and `retainOnDelete: true`).",
      "Bucket graasp-dev-h5p has `forceDestroy: true`: deleting it would delete every object.",
    ]);
  });
});

describe("policy sns-topic-encrypted", () => {
  it("passes a topic under a KMS key", async () => {
    expect(
      await violations(alarmTopicEncrypted, MONITORING_TYPES.snsTopic, {
        kmsMasterKeyId: "arn:aws:kms:eu-central-2:123456789012:key/1234",
      }),
    ).to.deep.equal([]);
  });
  it("reports a topic without a key", async () => {
    expect(await violations(alarmTopicEncrypted, MONITORING_TYPES.snsTopic, {})).to.deep.equal([
      "SNS topic is not encrypted: set `kmsMasterKeyId` to a customer-managed key that admits cloudwatch.amazonaws.com (CloudWatch cannot use alias/aws/sns).",
    ]);
  });
});

describe("policy cloudfront-viewer-https", () => {
  const distribution = (protocol: string, tls = "TLSv1.2_2021", ordered: Props[] = []) => ({
    defaultCacheBehavior: { viewerProtocolPolicy: protocol },
    orderedCacheBehaviors: ordered,
    viewerCertificate: { minimumProtocolVersion: tls },
  });

  it("passes redirect-to-https and https-only on TLS 1.2", async () => {
    expect(
      await violations(
        cloudfrontHttpsOnly,
        EDGE_TYPES.distribution,
        distribution("redirect-to-https"),
      ),
    ).to.deep.equal([]);
    expect(
      await violations(cloudfrontHttpsOnly, EDGE_TYPES.distribution, distribution("https-only")),
    ).to.deep.equal([]);
  });

  it("reports HTTP allowed anywhere and old TLS", async () => {
    expect(
      await violations(
        cloudfrontHttpsOnly,
        EDGE_TYPES.distribution,
        distribution("allow-all", "TLSv1", [
          { pathPattern: "/old/*", viewerProtocolPolicy: "allow-all" },
        ]),
      ),
    ).to.deep.equal([
      "Distribution default behaviour has viewerProtocolPolicy allow-all: use redirect-to-https.",
      "Distribution behaviour /old/* has viewerProtocolPolicy allow-all: use redirect-to-https.",
      "Distribution accepts TLSv1: set minimumProtocolVersion TLSv1.2_2021.",
    ]);
  });
});

/**
 * Every resource policy on every registration and every stack policy on the whole stack. The
 * mocks record one dependency list per resource where the engine records one per property, so
 * each property is taken to depend on all of them.
 */
async function programViolations(registrations: readonly Registration[]): Promise<string[]> {
  const entries: StackEntry[] = registrations.map((registration) => ({
    type: registration.type,
    name: registration.name,
    props: registration.inputs,
    urn: registration.urn,
    protect: registration.protect,
    propertyDependencies: Object.fromEntries(
      Object.keys(registration.inputs).map((key) => [key, registration.dependencies]),
    ),
  }));
  const found: string[] = [];
  for (const policy of GRAASP_POLICIES) {
    if ("validateStack" in policy) {
      const reported = await stackViolations(policy, entries);
      found.push(...reported.map(({ message }) => `${policy.name}: ${message}`));
      continue;
    }
    for (const { type, name, inputs } of registrations) {
      try {
        const reported = await violations(policy, type, inputs, name);
        found.push(...reported.map((message) => `${policy.name} ${type} "${name}": ${message}`));
      } catch (error) {
        if (!(error instanceof NotApplicable)) throw error;
      }
    }
  }
  return found;
}

for (const stack of STACKS) {
  for (const state of STATES) {
    describe(`policy pack on stack ${stack} in ${state}`, function () {
      this.timeout(20_000);
      it("finds no violation in anything the program registers", async () => {
        const { registrations } = await scenario(stack, state);
        expect(await programViolations(registrations)).to.deep.equal([]);
      });
      it("would report a database made public in the same stack", async () => {
        const { registrations } = await scenario(stack, state);
        const tampered = registrations.map((registration) =>
          registration.type === TYPES.rdsInstance
            ? { ...registration, inputs: { ...registration.inputs, publiclyAccessible: true } }
            : registration,
        );
        expect(await programViolations(tampered)).to.deep.equal([
          `rds-not-publicly-accessible ${TYPES.rdsInstance} "database-instance": RDS instance is publicly accessible: set \`publiclyAccessible: false\`.`,
        ]);
      });
      it("would report an alarm without actions and an unencrypted alarm topic", async () => {
        const { registrations } = await scenario(stack, state);
        const tampered = registrations.map((registration) =>
          registration.name === "monitoring-database-cpu"
            ? { ...registration, inputs: { ...registration.inputs, alarmActions: [] } }
            : registration.type === MONITORING_TYPES.snsTopic
              ? { ...registration, inputs: { ...registration.inputs, kmsMasterKeyId: undefined } }
              : registration,
        );
        // Registrations carry no tags under mocks (defaultTags come from the provider): fail closed.
        expect(await programViolations(tampered)).to.deep.equal([
          `production-alarms-notify ${MONITORING_TYPES.metricAlarm} "monitoring-database-cpu": Alarm has no \`alarmActions\` with no \`graasp:environment\` tag (treated as production), so it notifies nobody: add the alarm topic's ARN to \`alarmActions\`.`,
          `sns-topic-encrypted ${MONITORING_TYPES.snsTopic} "monitoring-topic": SNS topic is not encrypted: set \`kmsMasterKeyId\` to a customer-managed key that admits cloudwatch.amazonaws.com (CloudWatch cannot use alias/aws/sns).`,
        ]);
      });
      it("would report file-items opened to the public and a bucket left unprotected", async () => {
        const { registrations } = await scenario(stack, state);
        const tampered = registrations.map((registration) => {
          if (registration.name === "storage-file-items-public-access")
            return {
              ...registration,
              inputs: { ...registration.inputs, blockPublicPolicy: false },
            };
          if (registration.name === "storage-apps") return { ...registration, protect: false };
          return registration;
        });
        const bucket = stack === "production" ? "graasp-prod" : "graasp-dev";
        expect(await programViolations(tampered)).to.deep.equal([
          `s3-file-items-private: Bucket ${bucket}-file-items holds user files but has no public access block with blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets all true.`,
          `s3-buckets-encrypted-and-retained: Bucket ${bucket}-apps is not protected: register it with \`protect: true\` (and \`retainOnDelete: true\`).`,
        ]);
      });
    });
  }
}
