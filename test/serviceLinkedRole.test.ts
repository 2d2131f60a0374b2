/*
 * What these tests cannot prove: that IAM answers an existing role exactly so in every
 * partition, or that ECS can assume a role as soon as GetRole shows it. They drive the provider
 * against aws-sdk-client-mock with a fake clock, and check in the stack that the cluster (and so
 * every service, which uses its ARN) waits for the role.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
  CreateServiceLinkedRoleCommand,
  GetRoleCommand,
  IAMClient,
  InvalidInputException,
  NoSuchEntityException,
} from "@aws-sdk/client-iam";
import {
  ensureServiceLinkedRole,
  ServiceLinkedRoleInputs,
  serviceLinkedRoleProvider,
} from "../components/providers/serviceLinkedRole";
import { REGIONS, STACKS } from "./fixtures";
import { named } from "./mocks";
import { scenario } from "./scenarios";
import { FakeClock, commandsInOrder, rejectionOf } from "./fakes";

const INPUTS: ServiceLinkedRoleInputs = {
  awsServiceName: "ecs.amazonaws.com",
  region: "eu-central-2",
};
const ROLE = "AWSServiceRoleForECS";
const iam = mockClient(IAMClient);
const client = () => new IAMClient({ region: "eu-central-2" });

describe("ServiceLinkedRole provider", () => {
  beforeEach(() => iam.reset());
  after(() => iam.restore());

  it("creates the role and waits until IAM shows it", async () => {
    iam.on(CreateServiceLinkedRoleCommand).resolves({ Role: { RoleName: ROLE } as never });
    iam
      .on(GetRoleCommand)
      .rejectsOnce(new NoSuchEntityException({ message: "not found", $metadata: {} }))
      .resolves({});
    const clock = new FakeClock();
    expect(await ensureServiceLinkedRole(client(), INPUTS, clock)).to.deep.equal({
      ...INPUTS,
      created: true,
    });
    expect(iam.commandCalls(CreateServiceLinkedRoleCommand)[0].args[0].input).to.deep.equal({
      AWSServiceName: "ecs.amazonaws.com",
    });
    expect(iam.commandCalls(GetRoleCommand)[0].args[0].input).to.deep.equal({ RoleName: ROLE });
    expect(commandsInOrder(iam)).to.deep.equal([
      "CreateServiceLinkedRoleCommand",
      "GetRoleCommand",
      "GetRoleCommand",
    ]);
    expect(clock.sleeps).to.deep.equal([2_000]);
  });

  it("takes a role the account already has as success", async () => {
    iam.on(CreateServiceLinkedRoleCommand).rejects(
      new InvalidInputException({
        message:
          "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.",
        $metadata: {},
      }),
    );
    expect(await serviceLinkedRoleProvider.create(INPUTS)).to.deep.equal({
      id: "ecs.amazonaws.com",
      outs: { ...INPUTS, created: false },
    });
    expect(iam.commandCalls(GetRoleCommand)).to.deep.equal([]);
  });

  it("fails with the cause and the one-off command on any other error", async () => {
    const denied = new Error("not authorized to perform: iam:CreateServiceLinkedRole");
    denied.name = "AccessDenied";
    iam.on(CreateServiceLinkedRoleCommand).rejects(denied);
    const error = await rejectionOf(ensureServiceLinkedRole(client(), INPUTS, new FakeClock()));
    expect(error.message).to.equal(
      "Could not create the service-linked role of ecs.amazonaws.com: AccessDenied: not authorized to perform: iam:CreateServiceLinkedRole. Give the credentials in use iam:CreateServiceLinkedRole for this service, or create the role once with `aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com`, then run `pulumi up` again.",
    );
  });

  it("times out when IAM never shows the new role", async () => {
    iam.on(CreateServiceLinkedRoleCommand).resolves({ Role: { RoleName: ROLE } as never });
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: "gone", $metadata: {} }));
    const clock = new FakeClock();
    const error = await rejectionOf(ensureServiceLinkedRole(client(), INPUTS, clock));
    expect(error.message).to.equal(
      "IAM created the service-linked role AWSServiceRoleForECS but did not show it within 2 minutes (NoSuchEntityException: gone). Run `pulumi up` again.",
    );
    expect(clock.time).to.equal(120_000);
  });

  it("updates and deletes without any IAM call: the role is the account's", async () => {
    const olds = { ...INPUTS, created: true };
    expect(
      await serviceLinkedRoleProvider.update!("ecs.amazonaws.com", olds, {
        ...INPUTS,
        assumeRoleArn: "arn:aws:iam::123456789012:role/deploy",
      }),
    ).to.deep.equal({
      outs: { ...INPUTS, assumeRoleArn: "arn:aws:iam::123456789012:role/deploy", created: true },
    });
    await serviceLinkedRoleProvider.delete!("ecs.amazonaws.com", olds);
    expect(iam.calls()).to.deep.equal([]);
  });
});

for (const stack of STACKS)
  describe(`ECS service-linked role of ${stack}`, function () {
    this.timeout(30_000);

    it("is ensured before the cluster, which every service waits for", async () => {
      const { registrations } = await scenario(stack, "running");
      const role = named(
        registrations,
        "pulumi-nodejs:dynamic:Resource",
        "cluster-ecs-service-role",
      );
      const { __provider, ...inputs } = role.inputs;
      expect(inputs).to.deep.equal({ awsServiceName: "ecs.amazonaws.com", region: REGIONS[stack] });
      const cluster = named(registrations, "aws:ecs/cluster:Cluster", "cluster-cluster");
      expect(cluster.dependencies).to.include(role.urn);
      const core = named(registrations, "aws:ecs/service:Service", "core-service");
      expect(core.dependencies).to.include(cluster.urn);
    });
  });
