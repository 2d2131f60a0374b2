/**
 * Pure address arithmetic for the network: the subnet blocks of each role inside the VPC's
 * range, and the RFC 1918 check the configuration applies to that range.
 */
import type { NatStrategy } from "../config";

export interface SubnetLayout {
  readonly public: readonly string[];
  readonly isolated: readonly string[];
  /** Empty without NAT: tasks then run in the public subnets. */
  readonly private: readonly string[];
}

/** The private IPv4 ranges of RFC 1918, as [network address, prefix length]. */
export const RFC1918_RANGES: readonly (readonly [string, number])[] = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
];

export function parseCidr(cidr: string): { address: number; prefix: number } | undefined {
  const match = cidr.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/);
  if (!match) return undefined;
  const [a, b, c, d, prefix] = match.slice(1).map(Number);
  if ([a, b, c, d].some((octet) => octet > 255) || prefix > 32) return undefined;
  return { address: ((a << 24) | (b << 16) | (c << 8) | d) >>> 0, prefix };
}

function format(address: number, prefix: number): string {
  const octets = [24, 16, 8, 0].map((shift) => (address >>> shift) & 255);
  return `${octets.join(".")}/${prefix}`;
}

/** Whether the whole block lies inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16. */
export function isRfc1918(cidr: string): boolean {
  const block = parseCidr(cidr);
  if (block === undefined) return false;
  return RFC1918_RANGES.some(([network, prefix]) => {
    const range = parseCidr(`${network}/${prefix}`)!;
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    return block.prefix >= prefix && (block.address & mask) >>> 0 === range.address;
  });
}

/**
 * Per zone a /24 public and a /24 isolated subnet in the first 1,536 addresses, and with NAT a
 * /20 private subnet in each of the next three /20 blocks (inside a /18; the configuration
 * asks for a /17 or larger with NAT). The isolated
 * blocks never depend on the NAT strategy: choosing one later never moves the database.
 */
export function subnetLayout(cidr: string, natStrategy: NatStrategy): SubnetLayout {
  const { address } = parseCidr(cidr)!;
  const block = (offset: number, prefix: number) => format(address + offset, prefix);
  const zones = [0, 1, 2];
  return {
    public: zones.map((zone) => block(zone * 256, 24)),
    isolated: zones.map((zone) => block((3 + zone) * 256, 24)),
    private: natStrategy === "none" ? [] : zones.map((zone) => block((zone + 1) * 4096, 20)),
  };
}

/** The three zones the network uses: `a`, `b` and `c` of the region, which every region used has. */
export function availabilityZones(region: string): [string, string, string] {
  return [`${region}a`, `${region}b`, `${region}c`];
}
