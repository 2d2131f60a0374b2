import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SHARED_RULE_PRIORITIES, qualifiedHost } from "./catalog";
import { StateBehaviour, ServiceTier, tierBehindMaintenance } from "./deploymentStates";
import { MAINTENANCE_HTML, MAINTENANCE_JSON } from "./maintenanceContent";

type RuleCondition = aws.types.input.lb.ListenerRuleCondition;

/** The header that lets the team through during maintenance. */
export interface BypassHeader {
  /** Header name, lower case, at most 40 characters. */
  readonly name: string;
  /** Secret value the header must carry. */
  readonly token: pulumi.Input<string>;
}

/**
 * Extra conditions a tier's listener rules carry in a state: the bypass header when the tier
 * is behind maintenance, nothing otherwise. Redirect rules count as the `core` tier.
 */
export function bypassConditions(
  behaviour: StateBehaviour,
  tier: ServiceTier,
  header: BypassHeader,
): RuleCondition[] {
  if (!tierBehindMaintenance(behaviour, tier)) return [];
  return [{ httpHeader: { httpHeaderName: header.name, values: [pulumi.secret(header.token)] } }];
}

export interface MaintenanceResponse {
  readonly role: string;
  readonly priority: number;
  readonly conditions: RuleCondition[];
  readonly contentType: "text/html" | "application/json";
  readonly body: string;
}

/**
 * The 503 answers for requests that no (gated) rule took: JSON for the API, HTML for people.
 * Their priorities sit right after the gated rules of the same host (see the catalog).
 */
export function maintenanceResponses(domain: string): MaintenanceResponse[] {
  const apiHost = qualifiedHost("api", domain);
  return [
    {
      role: "api",
      priority: SHARED_RULE_PRIORITIES.maintenanceApi,
      conditions: [{ hostHeader: { values: [apiHost] } }],
      contentType: "application/json",
      body: MAINTENANCE_JSON,
    },
    {
      role: "apex-api",
      priority: SHARED_RULE_PRIORITIES.maintenanceApexApi,
      conditions: [{ hostHeader: { values: [domain] } }, { pathPattern: { values: ["/api/*"] } }],
      contentType: "application/json",
      body: MAINTENANCE_JSON,
    },
    {
      role: "page",
      priority: SHARED_RULE_PRIORITIES.maintenancePage,
      conditions: [{ hostHeader: { values: [domain, `*.${domain}`] } }],
      contentType: "text/html",
      body: MAINTENANCE_HTML,
    },
  ];
}

export interface MaintenancePageArgs {
  /** Whether maintenance is on; decides whether the 503 rules exist. */
  readonly enabled: boolean;
  /** ARN of the HTTPS listener the rules are added to. */
  readonly listenerArn: pulumi.Input<string>;
  /** Apex domain of the environment, e.g. `graasp.org`. */
  readonly domain: string;
}

/**
 * The maintenance answer of the load balancer: when maintenance is on, fixed 503 responses
 * (HTML for browsers, JSON for the API) catch every request that the gated rules, which
 * require the bypass header, let through. When it is off, nothing exists.
 */
export class MaintenancePage extends pulumi.ComponentResource {
  public readonly enabled: boolean;
  public readonly ruleArns: pulumi.Output<string>[];

  constructor(name: string, args: MaintenancePageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:MaintenancePage", name, {}, opts);
    const responses = args.enabled ? maintenanceResponses(args.domain) : [];
    const rules = responses.map(
      (response) =>
        new aws.lb.ListenerRule(
          `${name}-${response.role}`,
          {
            listenerArn: args.listenerArn,
            priority: response.priority,
            conditions: response.conditions,
            actions: [
              {
                type: "fixed-response",
                fixedResponse: {
                  statusCode: "503",
                  contentType: response.contentType,
                  messageBody: response.body,
                },
              },
            ],
          },
          { parent: this },
        ),
    );
    this.enabled = args.enabled;
    this.ruleArns = rules.map((rule) => rule.arn);
    this.registerOutputs({ enabled: this.enabled, ruleArns: this.ruleArns });
  }
}
