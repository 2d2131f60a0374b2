/*
 * The network's address layout and its NAT per strategy and state. What this cannot prove:
 * that AWS accepts the zones `a`–`c` in a region (it does in eu-central-1 and -2), or the order
 * in which a real `pulumi up` deletes a NAT gateway and releases its address.
 */
import { expect } from "chai";
import { availabilityZones, isRfc1918, subnetLayout } from "../components/networkLayout";
import { configFor } from "./fixtures";
import { createPlatform } from "../platform";
import { GraaspNetwork } from "../components/network";
import { evaluate, named, ofType, promiseOf } from "./mocks";

describe("network layout", () => {
  it("recognises RFC 1918 ranges and nothing else", () => {
    const inside = [
      "10.0.0.0/16",
      "10.255.0.0/16",
      "172.16.0.0/12",
      "172.31.128.0/17",
      "192.168.0.0/16",
    ];
    const outside = [
      "172.32.0.0/16",
      "172.15.0.0/16",
      "192.169.0.0/16",
      "11.0.0.0/16",
      "10.0.0.0/7",
      "not a cidr",
    ];
    expect(inside.filter(isRfc1918)).to.deep.equal(inside);
    expect(outside.filter(isRfc1918)).to.deep.equal([]);
  });

  it("places the isolated subnets at the same blocks whatever the NAT strategy", () => {
    expect(subnetLayout("10.20.0.0/16", "none")).to.deep.equal({
      public: ["10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"],
      isolated: ["10.20.3.0/24", "10.20.4.0/24", "10.20.5.0/24"],
      private: [],
    });
    expect(subnetLayout("10.20.0.0/16", "perAz")).to.deep.equal({
      public: ["10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"],
      isolated: ["10.20.3.0/24", "10.20.4.0/24", "10.20.5.0/24"],
      private: ["10.20.16.0/20", "10.20.32.0/20", "10.20.48.0/20"],
    });
    expect(availabilityZones("eu-central-2")).to.deep.equal([
      "eu-central-2a",
      "eu-central-2b",
      "eu-central-2c",
    ]);
  });
});

describe("NAT per zone", function () {
  this.timeout(20_000);
  it("perAz: one gateway per zone while tasks may run, each zone routed through its own", async () => {
    const config = configFor("production", "db-only", {
      network: JSON.stringify({ natStrategy: "perAz" }),
    });
    const { registrations } = await evaluate("production", () => createPlatform(config));
    expect(
      ofType(registrations, "aws:ec2/natGateway:NatGateway").map((r) => [
        r.name,
        r.inputs.subnetId,
      ]),
    ).to.deep.equal([
      ["network-nat-a", "subnet-public-a"],
      ["network-nat-b", "subnet-public-b"],
      ["network-nat-c", "subnet-public-c"],
    ]);
    for (const zone of ["a", "b", "c"])
      expect(
        named(registrations, "aws:ec2/route:Route", `network-private-${zone}-nat`).inputs
          .natGatewayId,
      ).to.equal(`nat-network-nat-${zone}`);
    // The migration runs in the private subnets, behind the NAT gateways.
    const migration = registrations.find((r) => r.name === "migration")!;
    expect([migration.inputs.subnetIds, migration.inputs.assignPublicIp]).to.deep.equal([
      ["subnet-private-a", "subnet-private-b", "subnet-private-c"],
      false,
    ]);
  });
});

describe("one-off tasks without a NAT gateway", function () {
  this.timeout(20_000);
  it("run in the public subnets with a public IP, so they still reach the registries", async () => {
    const placements: Record<string, unknown> = {};
    for (const tasksMayRun of [true, false]) {
      const { result } = await evaluate("production", () => {
        const network = new GraaspNetwork("network", {
          cidr: "10.0.0.0/16",
          natStrategy: "single",
          availabilityZones: availabilityZones("eu-central-2"),
          tasksMayRun,
        });
        return network;
      });
      placements[String(tasksMayRun)] = [
        result.natGatewayCount,
        await promiseOf(result.oneOffSubnetIds),
        result.oneOffAssignPublicIp,
        await promiseOf(result.serviceSubnetIds),
        result.assignPublicIp,
      ];
    }
    const privateSubnets = ["subnet-private-a", "subnet-private-b", "subnet-private-c"];
    expect(placements).to.deep.equal({
      true: [1, privateSubnets, false, privateSubnets, false],
      false: [
        0,
        ["subnet-public-a", "subnet-public-b", "subnet-public-c"],
        true,
        privateSubnets,
        false,
      ],
    });
  });
});
