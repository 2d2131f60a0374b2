/**
 * What every guardrail module shares: the type tokens, type dispatch, the policy constructor
 * and the environment tag.
 */
import type {
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";

/** Type tokens, as strings so the pack does not load @pulumi/aws (thousands of modules). */
export const TYPES = {
  rdsInstance: "aws:rds/instance:Instance",
  rdsParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  rdsDesiredState: "aws:rds/instanceDesiredState:InstanceDesiredState",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  listener: "aws:lb/listener:Listener",
  listenerRule: "aws:lb/listenerRule:ListenerRule",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  scalableTarget: "aws:appautoscaling/target:Target",
  role: "aws:iam/role:Role",
  dynamicResource: "pulumi-nodejs:dynamic:Resource",
} as const;

export const ENVIRONMENT_TAG = "graasp:environment";

export type Props = Record<string, any>;
export type PropsCheck = (
  props: Props,
  args: ResourceValidationArgs,
  report: ReportViolation,
) => void;

/** One validation for several resource types, dispatched on the type token. */
export function forTypes(checks: Readonly<Record<string, PropsCheck>>): ResourceValidation {
  const validate: ResourceValidation = (args, report) => {
    const check = checks[args.type];
    if (!check) {
      args.notApplicable(`Policy only applies to ${Object.keys(checks).join(", ")}`);
    }
    check(args.props, args, report);
  };
  const types = Object.keys(checks);
  // With a single type the policy server skips other resources without calling us.
  return types.length === 1 ? Object.assign(validate, { __pulumiType: types[0] }) : validate;
}

/**
 * The `graasp:environment` tag from `tags`, or from `tagsAll`, where the provider's defaultTags
 * land during preview.
 */
export function environmentOf(props: Props): string | undefined {
  return props.tags?.[ENVIRONMENT_TAG] ?? props.tagsAll?.[ENVIRONMENT_TAG];
}

/** Fails closed: a resource without a recognised non-production tag gets production's rules. */
export function productionLabel(props: Props): string | undefined {
  const environment = environmentOf(props);
  if (environment === "staging") return undefined;
  if (environment === "production") return "on production";
  if (environment !== undefined) {
    return `tagged \`${ENVIRONMENT_TAG}=${environment}\` (treated as production)`;
  }
  return `with no \`${ENVIRONMENT_TAG}\` tag (treated as production)`;
}

/** A mandatory resource policy: a violation blocks `pulumi preview` and `pulumi up`. */
export function resourcePolicy(
  name: string,
  description: string,
  checks: Readonly<Record<string, PropsCheck>>,
): ResourceValidationPolicy {
  return { name, description, enforcementLevel: "mandatory", validateResource: forTypes(checks) };
}

export function asList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...value] : [value as T];
}
