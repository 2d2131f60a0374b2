import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NatStrategy } from "../config";
import { subnetLayout } from "./networkLayout";

export interface GraaspNetworkArgs {
  /** IPv4 block of the VPC (RFC 1918). Changing it replaces the VPC and everything in it. */
  readonly cidr: string;
  /**
   * How private workloads reach the internet: `none` puts services in public subnets with a
   * public IP (no NAT cost), `single` one NAT gateway, `perAz` one per availability zone.
   */
  readonly natStrategy: NatStrategy;
  /** The region's three availability zones, in order. */
  readonly availabilityZones: readonly [string, string, string];
  /**
   * Whether a task may run in this deployment state (the state table's `tasksMayRun`). Without
   * one, the NAT gateways and their addresses are removed: nothing would use them.
   */
  readonly tasksMayRun: boolean;
}

/**
 * The VPC over three availability zones from plain resources: public subnets for the load
 * balancer (and for tasks without NAT), isolated subnets for the database, private subnets
 * behind NAT for tasks. Only the VPC and the isolated subnets (the database's identity) are
 * protected; route tables, NAT gateways, their addresses and routes come and go with the NAT
 * strategy and the deployment state without being blocked.
 */
export class GraaspNetwork extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly isolatedSubnetIds: pulumi.Output<string[]>;
  /** Where ECS services run, and whether they need a public IP to reach registries. */
  public readonly serviceSubnetIds: pulumi.Output<string[]>;
  public readonly assignPublicIp: boolean;
  /**
   * Where a one-off task (migration, database setup) runs: the services' subnets while a NAT
   * gateway exists, otherwise the public subnets with a public IP, so it always reaches the
   * registries and AWS APIs.
   */
  public readonly oneOffSubnetIds: pulumi.Output<string[]>;
  public readonly oneOffAssignPublicIp: boolean;
  /** The NAT routes; task counts wait for them so a task never starts without egress. */
  public readonly egressResources: pulumi.Resource[];
  public readonly natGatewayCount: number;
  public readonly cidr: string;

  constructor(name: string, args: GraaspNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspNetwork", name, {}, opts);
    const layout = subnetLayout(args.cidr, args.natStrategy);
    const zones = args.availabilityZones;
    const zoneSuffix = (zone: string) => zone.slice(-1);

    // Identity: replacing the VPC or the database's subnets would move the database.
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true },
      { parent: this, protect: true },
    );
    const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, { parent: this });
    const subnet = (role: "public" | "isolated" | "private", index: number, protect: boolean) =>
      new aws.ec2.Subnet(
        `${name}-${role}-${zoneSuffix(zones[index])}`,
        {
          vpcId: vpc.id,
          cidrBlock: layout[role][index],
          availabilityZone: zones[index],
          mapPublicIpOnLaunch: false,
        },
        { parent: this, protect },
      );
    const publicSubnets = layout.public.map((_, index) => subnet("public", index, false));
    const isolatedSubnets = layout.isolated.map((_, index) => subnet("isolated", index, true));
    const privateSubnets = layout.private.map((_, index) => subnet("private", index, false));

    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id },
      { parent: this },
    );
    new aws.ec2.Route(
      `${name}-public-internet`,
      { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: gateway.id },
      { parent: this },
    );
    publicSubnets.forEach((s, index) =>
      associate(`${name}-public-${zoneSuffix(zones[index])}-routes`, s, publicRoutes, this),
    );
    // Isolated subnets keep the VPC's main route table: local traffic only.

    const natGateways = args.tasksMayRun ? natGatewayCount(args.natStrategy) : 0;
    const nats = publicSubnets.slice(0, natGateways).map((publicSubnet, index) => {
      const suffix = zoneSuffix(zones[index]);
      const address = new aws.ec2.Eip(`${name}-nat-${suffix}`, { domain: "vpc" }, { parent: this });
      return new aws.ec2.NatGateway(
        `${name}-nat-${suffix}`,
        {
          allocationId: address.allocationId,
          subnetId: publicSubnet.id,
          connectivityType: "public",
        },
        { parent: this, dependsOn: [gateway] },
      );
    });
    this.egressResources = privateSubnets.flatMap((privateSubnet, index) => {
      const suffix = zoneSuffix(zones[index]);
      const table = new aws.ec2.RouteTable(
        `${name}-private-${suffix}`,
        { vpcId: vpc.id },
        { parent: this },
      );
      associate(`${name}-private-${suffix}-routes`, privateSubnet, table, this);
      if (nats.length === 0) return [];
      // perAz: each zone its own gateway; single: every zone through the first.
      const nat = nats[Math.min(index, nats.length - 1)];
      return [
        new aws.ec2.Route(
          `${name}-private-${suffix}-nat`,
          { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id },
          { parent: this },
        ),
      ];
    });

    const ids = (subnets: aws.ec2.Subnet[]) => pulumi.all(subnets.map((s) => s.id));
    this.cidr = args.cidr;
    this.natGatewayCount = natGateways;
    this.vpcId = vpc.id;
    this.publicSubnetIds = ids(publicSubnets);
    this.isolatedSubnetIds = ids(isolatedSubnets);
    this.assignPublicIp = args.natStrategy === "none";
    this.serviceSubnetIds = this.assignPublicIp ? this.publicSubnetIds : ids(privateSubnets);
    this.oneOffAssignPublicIp = natGateways === 0;
    this.oneOffSubnetIds = this.oneOffAssignPublicIp ? this.publicSubnetIds : this.serviceSubnetIds;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
      serviceSubnetIds: this.serviceSubnetIds,
      oneOffSubnetIds: this.oneOffSubnetIds,
    });
  }
}

function associate(
  name: string,
  subnet: aws.ec2.Subnet,
  table: aws.ec2.RouteTable,
  parent: pulumi.Resource,
): aws.ec2.RouteTableAssociation {
  return new aws.ec2.RouteTableAssociation(
    name,
    { subnetId: subnet.id, routeTableId: table.id },
    { parent },
  );
}

/** NAT gateways a strategy needs while tasks may run. */
export function natGatewayCount(strategy: NatStrategy): number {
  return { none: 0, single: 1, perAz: 3 }[strategy];
}
