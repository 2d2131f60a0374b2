/** Guardrails for what the internet reaches: security groups, TLS, ALB rule limits. */
import { asList, Props, PropsCheck, resourcePolicy, TYPES } from "./common";
import {
  coversPort,
  describePorts,
  ingressPermissions,
  isAnywhere,
  isPrivateCidr,
} from "./inspect";

export const FIXED_RESPONSE_MAX_BYTES = 1024;
export const HEADER_NAME_MAX_CHARS = 40;
export const CONDITION_VALUE_MAX_CHARS = 128;
export const INTERNET_PORTS: readonly number[] = [80, 443];
export const POSTGRES_PORT = 5432;

/** ALB policies that accept TLS 1.2 or 1.3 only (AWS "Security policies for your ALB"). */
export const TLS12_SSL_POLICIES: readonly string[] = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
  "ELBSecurityPolicy-TLS-1-2-2017-01",
  "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];
export const RECOMMENDED_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";

const SECURITY_GROUP_TYPES = [TYPES.ingressRule, TYPES.securityGroupRule, TYPES.securityGroup];

function securityGroupChecks(check: PropsCheck): Record<string, PropsCheck> {
  return Object.fromEntries(SECURITY_GROUP_TYPES.map((type) => [type, check]));
}

export const internetIngressWebOnly = resourcePolicy(
  "internet-ingress-web-only",
  "Only tcp 80 and 443 are open to the internet (0.0.0.0/0 or ::/0).",
  securityGroupChecks((props, args, report) => {
    for (const permission of ingressPermissions(args.type, args.name, props)) {
      const web =
        permission.protocol === "tcp" &&
        permission.fromPort === permission.toPort &&
        INTERNET_PORTS.includes(permission.fromPort ?? -1);
      for (const cidr of permission.cidrs.filter(isAnywhere)) {
        if (web) continue;
        report(
          `${permission.where} opens ${describePorts(permission)} to the internet (${cidr}); only tcp 80 and 443 may be: use a security group or a private range as the source.`,
        );
      }
    }
  }),
);

export const noPublicPostgres = resourcePolicy(
  "no-public-postgres",
  "PostgreSQL (tcp 5432) is never reachable from a public address range.",
  securityGroupChecks((props, args, report) => {
    for (const permission of ingressPermissions(args.type, args.name, props)) {
      if (!coversPort(permission, POSTGRES_PORT)) continue;
      for (const cidr of permission.cidrs.filter((range) => !isPrivateCidr(range))) {
        report(
          `${permission.where} opens PostgreSQL (tcp ${POSTGRES_PORT}) to the public range ${cidr}: allow only the services' security groups.`,
        );
      }
    }
  }),
);

export const httpsListenerTls12 = resourcePolicy(
  "https-listener-tls12",
  "HTTPS listeners negotiate TLS 1.2 or newer only.",
  {
    [TYPES.listener]: (props, _args, report) => {
      if (props.protocol !== "HTTPS" && props.protocol !== "TLS") return;
      const policy = props.sslPolicy;
      if (typeof policy === "string" && TLS12_SSL_POLICIES.includes(policy)) return;
      const uses =
        policy === undefined
          ? "no sslPolicy, so AWS applies ELBSecurityPolicy-2016-08"
          : `sslPolicy \`${policy}\``;
      report(
        `${props.protocol} listener has ${uses}, which is not on the TLS 1.2+ allow-list: use ${RECOMMENDED_SSL_POLICY}.`,
      );
    },
  },
);

function albActionLimits(actions: unknown, report: (message: string) => void): void {
  for (const action of asList<Props>(actions as Props[])) {
    const body = action.fixedResponse?.messageBody;
    if (typeof body !== "string") continue;
    const bytes = Buffer.byteLength(body, "utf8");
    if (bytes > FIXED_RESPONSE_MAX_BYTES) {
      report(
        `Fixed-response body is ${bytes} bytes; the ALB accepts at most ${FIXED_RESPONSE_MAX_BYTES}.`,
      );
    }
  }
}

export const albRuleLimits = resourcePolicy(
  "alb-rule-limits",
  "Fixed-response bodies and http-header conditions stay within the ALB's limits, so `up` does not fail halfway.",
  {
    [TYPES.listener]: (props, _args, report) => albActionLimits(props.defaultActions, report),
    [TYPES.listenerRule]: (props, _args, report) => {
      albActionLimits(props.actions, report);
      for (const condition of asList<Props>(props.conditions)) {
        const header = condition.httpHeader;
        if (!header) continue;
        const name = String(header.httpHeaderName);
        if (name.length > HEADER_NAME_MAX_CHARS) {
          report(
            `Header condition name \`${name}\` is ${name.length} characters; the ALB accepts at most ${HEADER_NAME_MAX_CHARS}.`,
          );
        }
        for (const value of asList<string>(header.values)) {
          if (value.length <= CONDITION_VALUE_MAX_CHARS) continue;
          report(
            `Header condition ${name} has a value of ${value.length} characters; the ALB accepts at most ${CONDITION_VALUE_MAX_CHARS}.`,
          );
        }
      }
    },
  },
);
