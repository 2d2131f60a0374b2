import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { REDIRECTS, RedirectEntry, qualifiedHost } from "./catalog";

export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface GraaspLoadBalancerArgs {
  readonly vpcId: pulumi.Input<string>;
  /** IPv4 block of the VPC: the only destination the load balancer may send to. */
  readonly vpcCidr: string;
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** ACM certificate in the stack's region, for the HTTPS listener. */
  readonly certificateArn: pulumi.Input<string>;
  /** Apex domain, e.g. `graasp.org`. */
  readonly domain: string;
  /** Extra conditions on every redirect rule (the maintenance bypass header, or none). */
  readonly redirectConditions: aws.types.input.lb.ListenerRuleCondition[];
  /** AWS-side protection against deleting the load balancer. @default false */
  readonly deletionProtection?: boolean;
}

/** ALB redirect action for a catalog redirect; `#{query}` keeps the query string. */
export function redirectAction(
  entry: RedirectEntry,
  domain: string,
): aws.types.input.lb.ListenerRuleAction {
  return {
    type: "redirect",
    redirect: {
      host: qualifiedHost(entry.targetHost, domain),
      path: entry.targetPath,
      query: "#{query}",
      port: "443",
      protocol: "HTTPS",
      statusCode: entry.statusCode,
    },
  };
}

/**
 * The internet-facing Application Load Balancer: 80 redirects to 443, 443 terminates TLS 1.2+
 * and answers 404 to anything no rule claims. It also carries the redirects of the former
 * sub-sites. Services add their own rules to `httpsListener`.
 */
export class GraaspLoadBalancer extends pulumi.ComponentResource {
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly httpsListenerArn: pulumi.Output<string>;
  public readonly dnsName: pulumi.Output<string>;
  public readonly zoneId: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  /** CloudWatch's name of the load balancer (`app/<name>/<id>`). */
  public readonly arnSuffix: pulumi.Output<string>;

  constructor(name: string, args: GraaspLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspLoadBalancer", name, {}, opts);
    const securityGroup = this.createSecurityGroup(name, args);
    const loadBalancer = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        internal: false,
        loadBalancerType: "application",
        subnets: args.publicSubnetIds,
        securityGroups: [securityGroup.id],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: args.deletionProtection ?? false,
      },
      { parent: this },
    );
    new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [
          {
            type: "redirect",
            redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" },
          },
        ],
      },
      { parent: this },
    );
    const https = new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn: args.certificateArn,
        defaultActions: [
          {
            type: "fixed-response",
            fixedResponse: {
              statusCode: "404",
              contentType: "text/plain",
              messageBody: "Not found",
            },
          },
        ],
      },
      { parent: this },
    );
    for (const entry of REDIRECTS) {
      new aws.lb.ListenerRule(
        `${name}-redirect-${entry.host}`,
        {
          listenerArn: https.arn,
          priority: entry.priority,
          conditions: [
            { hostHeader: { values: [qualifiedHost(entry.host, args.domain)] } },
            ...args.redirectConditions,
          ],
          actions: [redirectAction(entry, args.domain)],
        },
        { parent: this },
      );
    }

    this.securityGroupId = securityGroup.id;
    this.httpsListenerArn = https.arn;
    this.dnsName = loadBalancer.dnsName;
    this.zoneId = loadBalancer.zoneId;
    this.arn = loadBalancer.arn;
    this.arnSuffix = loadBalancer.arnSuffix;
    this.registerOutputs({
      securityGroupId: this.securityGroupId,
      httpsListenerArn: this.httpsListenerArn,
      dnsName: this.dnsName,
      zoneId: this.zoneId,
      arn: this.arn,
    });
  }

  /** HTTP and HTTPS from anywhere, IPv4 and IPv6; traffic out only into the VPC. */
  private createSecurityGroup(name: string, args: GraaspLoadBalancerArgs): aws.ec2.SecurityGroup {
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: "Graasp load balancer: HTTP and HTTPS from the internet" },
      { parent: this },
    );
    const sources = [
      { family: "ipv4", cidrIpv4: "0.0.0.0/0" },
      { family: "ipv6", cidrIpv6: "::/0" },
    ];
    for (const port of [80, 443])
      for (const { family, ...source } of sources)
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-in-${port}-${family}`,
          {
            securityGroupId: securityGroup.id,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            ...source,
          },
          { parent: this },
        );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-out-vpc`,
      {
        securityGroupId: securityGroup.id,
        ipProtocol: "tcp",
        fromPort: 0,
        toPort: 65535,
        cidrIpv4: args.vpcCidr,
      },
      { parent: this },
    );
    return securityGroup;
  }
}
