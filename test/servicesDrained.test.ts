/*
 * What these tests cannot prove: how long autoscaling takes to scale a client in once its
 * bounds are 0, or that the engine holds the servers back until this resource is done (it does
 * for `dependsOn`; test/runtimeOrder.test.ts asserts the edges). They drive the provider against
 * aws-sdk-client-mock with a fake clock.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import {
  awaitServicesDrained,
  checkServicesDrainedInputs,
  diffServicesDrained,
  ServicesDrainedInputs,
  servicesDrainedProvider,
} from "../components/providers/servicesDrained";
import { FakeClock, rejectionOf } from "./fakes";

const CLUSTER = "arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-production";
const TASK = "arn:aws:ecs:eu-central-2:123456789012:task/graasp-production/abc";
const STOPPING: ServicesDrainedInputs = {
  region: "eu-central-2",
  drain: { clusterArn: CLUSTER, serviceNames: ["core", "workers"] },
};
const RUNNING: ServicesDrainedInputs = {
  ...STOPPING,
  drain: { ...STOPPING.drain, serviceNames: [] },
};
const ecs = mockClient(ECSClient);
const client = () => new ECSClient({ region: "eu-central-2" });

describe("ServicesDrained provider", () => {
  beforeEach(() => {
    ecs.reset();
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  });
  after(() => ecs.restore());

  it("makes no ECS call when no service is to drain", async () => {
    expect(await awaitServicesDrained(client, RUNNING, new FakeClock())).to.deep.equal(RUNNING);
    expect(ecs.calls()).to.deep.equal([]);
  });

  it("waits on the real tasks although the stored count is already 0", async () => {
    // Autoscaling still runs one core task for two polls, then it has stopped.
    ecs
      .on(ListTasksCommand, { cluster: CLUSTER, serviceName: "core", desiredStatus: "RUNNING" })
      .resolvesOnce({ taskArns: [TASK] })
      .resolvesOnce({ taskArns: [TASK] })
      .resolves({ taskArns: [] });
    const clock = new FakeClock();
    expect(await awaitServicesDrained(client, STOPPING, clock)).to.deep.equal(STOPPING);
    expect(clock.sleeps).to.deep.equal([5_000, 10_000]);
    expect(ecs.commandCalls(DescribeTasksCommand)).to.deep.equal([]);
  });

  it("times out naming the services with tasks left and what it held back", async () => {
    ecs
      .on(ListTasksCommand, { cluster: CLUSTER, serviceName: "workers", desiredStatus: "RUNNING" })
      .resolves({ taskArns: [TASK] });
    const clock = new FakeClock();
    const error = await rejectionOf(
      awaitServicesDrained(client, { ...STOPPING, timeoutMinutes: 2 }, clock),
    );
    expect(error.message).to.equal(
      `Timed out after 2 minutes waiting for the ECS services of cluster ${CLUSTER} to drain, so the services that wait for them were not stopped. Tasks not STOPPED yet: service "workers" has 1 task (1 running or starting). Scale these services to 0 and let their tasks stop (check each one's desired count, autoscaling and deployments in the ECS console), then run \`pulumi up\` again; raise \`timeoutMinutes\` if the tasks are only slow to stop.`,
    );
    expect(clock.time).to.equal(120_000);
  });

  it("runs again whenever the services to drain change, which a new state does", () => {
    expect(diffServicesDrained(STOPPING, STOPPING)).to.deep.equal({ changes: false });
    expect(diffServicesDrained(RUNNING, STOPPING)).to.deep.equal({ changes: true });
  });

  it("checks the drain and the timeout", () => {
    expect(
      checkServicesDrainedInputs({
        ...STOPPING,
        timeoutMinutes: -1,
        drain: { clusterArn: "", serviceNames: ["core"] },
      }),
    ).to.deep.equal([
      {
        property: "timeoutMinutes",
        reason: "`timeoutMinutes` must be a positive number of minutes, not -1.",
      },
      {
        property: "drain",
        reason: '`drain.clusterArn` must be the ARN of an ECS cluster, not "".',
      },
    ]);
  });

  it("creates and updates by waiting, and deletes without a call", async () => {
    expect(await servicesDrainedProvider.create(STOPPING)).to.deep.equal({
      id: `${CLUSTER}/drained`,
      outs: STOPPING,
    });
    expect(await servicesDrainedProvider.update!("id", RUNNING, STOPPING)).to.deep.equal({
      outs: STOPPING,
    });
    expect(ecs.commandCalls(ListTasksCommand)).to.have.length(8);
    ecs.reset();
    await servicesDrainedProvider.delete!("id", STOPPING);
    expect(ecs.calls()).to.deep.equal([]);
  });
});
