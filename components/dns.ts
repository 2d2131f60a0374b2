import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ServedHost, recordRole } from "./edge";
import { hostedZoneIdProblems } from "./edgeLimits";

/** An alias target: a load balancer or a CloudFront distribution. */
export interface AliasTarget {
  readonly dnsName: pulumi.Input<string>;
  readonly zoneId: pulumi.Input<string>;
}

export interface GraaspDnsArgs {
  /** Route 53 public hosted zone of the domain (not managed here). */
  readonly hostedZoneId: string;
  /** Every host to answer, with what serves it (see `servedHosts`). */
  readonly hosts: readonly ServedHost[];
  /** The load balancer's DNS name and zone. */
  readonly loadBalancer: AliasTarget;
  /** Per CloudFront site label, its distribution; required when a host targets `cdn`. */
  readonly cdnSites?: Readonly<Record<string, AliasTarget>>;
}

export function validateDnsArgs(args: GraaspDnsArgs): string[] {
  const problems = hostedZoneIdProblems(args.hostedZoneId).map(
    (problem) => `\`hostedZoneId\` "${args.hostedZoneId}" ${problem}`,
  );
  for (const host of args.hosts)
    if (host.target === "cdn" && args.cdnSites?.[host.label] === undefined)
      problems.push(`\`cdnSites\` has no distribution for ${host.fqdn}`);
  return problems;
}

/**
 * A and AAAA alias records for every host the stack serves. `allowOverwrite` lets them take
 * over records another stack created (the first `up` rewrites them in place, no gap). AAAA
 * names of an IPv4-only load balancer resolve to no address until the load balancer is
 * dual-stack; CloudFront answers both.
 */
export class GraaspDns extends pulumi.ComponentResource {
  public readonly recordNames: readonly string[];

  constructor(name: string, args: GraaspDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspDns", name, {}, opts);
    const problems = validateDnsArgs(args);
    if (problems.length > 0) throw new pulumi.ResourceError(problems.join("; "), this);

    for (const host of args.hosts) {
      const target =
        host.target === "cdn"
          ? { ...args.cdnSites![host.label], evaluateTargetHealth: false }
          : {
              // The `dualstack.` name answers AAAA as soon as the load balancer has IPv6.
              dnsName: pulumi.interpolate`dualstack.${args.loadBalancer.dnsName}`,
              zoneId: args.loadBalancer.zoneId,
              evaluateTargetHealth: true,
            };
      for (const type of ["A", "AAAA"] as const)
        new aws.route53.Record(
          `${name}-${recordRole(host.label)}-${type.toLowerCase()}`,
          {
            zoneId: args.hostedZoneId,
            name: host.fqdn,
            type,
            aliases: [
              {
                name: target.dnsName,
                zoneId: target.zoneId,
                evaluateTargetHealth: target.evaluateTargetHealth,
              },
            ],
            allowOverwrite: true,
          },
          { parent: this },
        );
    }
    this.recordNames = args.hosts.map((host) => host.fqdn);
    this.registerOutputs({ recordNames: this.recordNames });
  }
}
