/**
 * Pure readers for what the policies inspect: security-group permissions in one shape, CIDR
 * ranges, container definitions, image references and IAM policy documents.
 */
import type { Props } from "./common";

/** An ingress permission as all three security-group resource types can express it. */
export interface IngressPermission {
  readonly where: string;
  /** `all`, `tcp`, `udp`, `icmp`, ... */
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrs: readonly string[];
}

const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = {
  "-1": "all",
  "6": "tcp",
  "17": "udp",
  "1": "icmp",
};

function protocolName(protocol: unknown): string {
  const text = String(protocol ?? "all").toLowerCase();
  return PROTOCOL_NUMBERS[text] ?? text;
}

function cidrList(...lists: unknown[]): string[] {
  return lists.flatMap((list) => (Array.isArray(list) ? list : list ? [list] : [])).map(String);
}

export function ingressPermissions(type: string, name: string, props: Props): IngressPermission[] {
  switch (type) {
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return [
        {
          where: `Security group ingress rule "${name}"`,
          protocol: protocolName(props.ipProtocol),
          fromPort: props.fromPort,
          toPort: props.toPort,
          cidrs: cidrList(props.cidrIpv4, props.cidrIpv6),
        },
      ];
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      if (props.type !== "ingress") return [];
      return [
        {
          where: `Security group rule "${name}"`,
          protocol: protocolName(props.protocol),
          fromPort: props.fromPort,
          toPort: props.toPort,
          cidrs: cidrList(props.cidrBlocks, props.ipv6CidrBlocks),
        },
      ];
    case "aws:ec2/securityGroup:SecurityGroup":
      return (Array.isArray(props.ingress) ? props.ingress : []).map(
        (rule: Props, index: number) => ({
          where: `Security group "${name}" ingress[${index}]`,
          protocol: protocolName(rule.protocol),
          fromPort: rule.fromPort,
          toPort: rule.toPort,
          cidrs: cidrList(rule.cidrBlocks, rule.ipv6CidrBlocks),
        }),
      );
    default:
      return [];
  }
}

export function describePorts(permission: IngressPermission): string {
  const { protocol, fromPort, toPort } = permission;
  if (protocol === "all") return "all traffic";
  if (fromPort === undefined || fromPort === toPort) return `${protocol} port ${fromPort ?? "any"}`;
  return `${protocol} ports ${fromPort}-${toPort}`;
}

export function coversPort(permission: IngressPermission, port: number): boolean {
  if (permission.protocol === "all") return true;
  if (permission.protocol !== "tcp") return false;
  const from = permission.fromPort ?? 0;
  const to = permission.toPort ?? 65535;
  return from <= port && port <= to;
}

export function isAnywhere(cidr: string): boolean {
  return cidr === "0.0.0.0/0" || cidr === "::/0";
}

const PRIVATE_IPV4: ReadonlyArray<readonly [network: number, prefix: number]> = [
  [ipv4(10, 0, 0, 0), 8],
  [ipv4(172, 16, 0, 0), 12],
  [ipv4(192, 168, 0, 0), 16],
];

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** RFC 1918 for IPv4, unique local fc00::/7 for IPv6; anything unparsable counts as public. */
export function isPrivateCidr(cidr: string): boolean {
  const [address, prefixText] = cidr.split("/");
  const prefix = Number(prefixText ?? (address.includes(":") ? 128 : 32));
  if (address.includes(":")) return prefix >= 7 && /^f[cd]/i.test(address);
  const octets = address.split(".").map(Number);
  if (octets.length !== 4 || octets.some((octet) => !(octet >= 0 && octet <= 255))) return false;
  const value = ipv4(octets[0], octets[1], octets[2], octets[3]);
  return PRIVATE_IPV4.some(([network, blockPrefix]) => {
    const mask = (~0 << (32 - blockPrefix)) >>> 0;
    return prefix >= blockPrefix && (value & mask) >>> 0 === network;
  });
}

export interface ContainerDefinition {
  readonly name?: string;
  readonly image?: string;
  readonly environment?: ReadonlyArray<{ readonly name: string; readonly value?: string }>;
  readonly secrets?: ReadonlyArray<{ readonly name: string; readonly valueFrom: string }>;
  readonly portMappings?: ReadonlyArray<{
    readonly containerPort?: number;
    readonly name?: string;
  }>;
}

/** `containerDefinitions` is a JSON string in @pulumi/aws; an array is accepted too. */
export function containerDefinitions(value: unknown): ContainerDefinition[] | undefined {
  if (Array.isArray(value)) return value as ContainerDefinition[];
  if (typeof value !== "string") return undefined;
  try {
    const parsed = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Shared with config validation, so the stack file and the pack agree on what moves. */
export { imagePinProblem } from "../components/images";

/** An IAM policy document given as a JSON string or as an object. */
export function policyDocument(value: unknown): Props | undefined {
  if (value !== null && typeof value === "object") return value as Props;
  if (typeof value !== "string") return undefined;
  try {
    const parsed = JSON.parse(value);
    return parsed !== null && typeof parsed === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}
