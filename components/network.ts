import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { NatStrategy } from "../config";

export interface GraaspNetworkArgs {
  /** IPv4 block of the VPC. Changing it replaces the VPC and everything in it. @default "172.32.0.0/16" */
  readonly cidr: string;
  /**
   * How private workloads reach the internet: `none` puts services in public subnets with a
   * public IP (no NAT cost), `single` one NAT gateway, `perAz` one per availability zone.
   */
  readonly natStrategy: NatStrategy;
}

const NAT_GATEWAYS: Readonly<Record<NatStrategy, "None" | "Single" | "OnePerAz">> = {
  none: "None",
  single: "Single",
  perAz: "OnePerAz",
};

/**
 * Subnet layout per AZ. awsx refuses private subnets without NAT, so `none` has none; they come
 * last so that choosing a NAT later adds them without moving the database's isolated subnets.
 */
export function subnetSpecs(
  natStrategy: NatStrategy,
): { type: "Public" | "Private" | "Isolated"; cidrMask: number }[] {
  const specs: { type: "Public" | "Private" | "Isolated"; cidrMask: number }[] = [
    { type: "Public", cidrMask: 24 },
    { type: "Isolated", cidrMask: 24 },
  ];
  if (natStrategy !== "none") specs.push({ type: "Private", cidrMask: 20 });
  return specs;
}

/**
 * The VPC over three availability zones: public subnets for the load balancer (and for tasks
 * when there is no NAT), private subnets for tasks, isolated subnets for the database. Nothing
 * here varies with the deployment state, which is why awsx (opaque under mocks) is acceptable.
 */
export class GraaspNetwork extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly isolatedSubnetIds: pulumi.Output<string[]>;
  /** Where ECS tasks run, and whether they need a public IP to reach registries. */
  public readonly serviceSubnetIds: pulumi.Output<string[]>;
  public readonly assignPublicIp: boolean;
  public readonly cidr: string;

  constructor(name: string, args: GraaspNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspNetwork", name, {}, opts);
    const vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidr,
        numberOfAvailabilityZones: 3,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        natGateways: { strategy: NAT_GATEWAYS[args.natStrategy] },
        subnetStrategy: "Auto",
        subnetSpecs: subnetSpecs(args.natStrategy),
      },
      { parent: this, protect: true },
    );

    this.cidr = args.cidr;
    this.vpcId = vpc.vpcId;
    this.publicSubnetIds = vpc.publicSubnetIds;
    this.isolatedSubnetIds = vpc.isolatedSubnetIds;
    this.assignPublicIp = args.natStrategy === "none";
    this.serviceSubnetIds = this.assignPublicIp ? vpc.publicSubnetIds : vpc.privateSubnetIds;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
      serviceSubnetIds: this.serviceSubnetIds,
    });
  }
}
