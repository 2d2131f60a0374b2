/*
 * What these tests cannot prove: that ECS really lists a service's tasks this way (a task under
 * desiredStatus STOPPED while it still drains, stopped tasks kept for about an hour), how long a
 * real drain takes, or that the role may call ecs:ListTasks and ecs:DescribeTasks. They drive the
 * drain check against aws-sdk-client-mock with a fake clock; a `pulumi up` into `stopped` or
 * `db-only` against a real account proves the rest.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
  ClusterNotFoundException,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  Task,
} from "@aws-sdk/client-ecs";
import { PREVIEW_UNKNOWN } from "../components/providers/awsClients";
import {
  drainFailures,
  DrainInputs,
  DrainWaitOptions,
  servicesToDrain,
  waitForDrain,
} from "../components/providers/drain";
import { FakeClock, rejectionOf } from "./fakes";

const CLUSTER = "arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-production";
const DRAIN: DrainInputs = { clusterArn: CLUSTER, serviceNames: ["core", "umami"] };
const ecs = mockClient(ECSClient);

function taskArn(id: string): string {
  return `arn:aws:ecs:eu-central-2:123456789012:task/graasp-production/${id}`;
}

function tasks(lastStatus: string, ...ids: string[]): { tasks: Task[] } {
  return { tasks: ids.map((id) => ({ taskArn: taskArn(id), lastStatus })) };
}

/** ListTasks answers for one service and desired status; unmatched ones answer no task. */
function listed(serviceName: string, desiredStatus: "RUNNING" | "STOPPED") {
  return ecs.on(ListTasksCommand, { cluster: CLUSTER, serviceName, desiredStatus });
}

function options(clock: FakeClock, timeoutMinutes = 10): DrainWaitOptions {
  return {
    clock,
    deadline: clock.now() + timeoutMinutes * 60_000,
    timeoutMinutes,
    notDone: 'RDS instance "graasp-production" was not stopped',
  };
}

function sentCommands(): string[] {
  return ecs.calls().map((call) => call.args[0].constructor.name);
}

function listInputs(): unknown[] {
  return ecs.commandCalls(ListTasksCommand).map((call) => call.args[0].input);
}

describe("drain check", () => {
  beforeEach(() => {
    ecs.reset();
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  });
  after(() => ecs.restore());

  describe("waitForDrain", () => {
    it("makes no ECS call without services, or with an empty list", async () => {
      const clock = new FakeClock();
      await waitForDrain(new ECSClient({}), undefined, options(clock));
      await waitForDrain(new ECSClient({}), { ...DRAIN, serviceNames: [] }, options(clock));
      expect(ecs.calls()).to.deep.equal([]);
      expect(clock.sleeps).to.deep.equal([]);
    });

    it("lists each service's running and stopping tasks once when they have drained", async () => {
      const clock = new FakeClock();
      await waitForDrain(new ECSClient({}), DRAIN, options(clock));
      expect(listInputs()).to.deep.equal([
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "RUNNING" },
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "STOPPED" },
        { cluster: CLUSTER, serviceName: "umami", desiredStatus: "RUNNING" },
        { cluster: CLUSTER, serviceName: "umami", desiredStatus: "STOPPED" },
      ]);
      expect(sentCommands()).to.deep.equal(Array(4).fill("ListTasksCommand"));
      expect(clock.sleeps).to.deep.equal([]);
    });

    it("describes tasks ECS is stopping and counts those already STOPPED as drained", async () => {
      listed("core", "STOPPED").resolves({ taskArns: [taskArn("old-1"), taskArn("old-2")] });
      ecs.on(DescribeTasksCommand).resolves({
        ...tasks("STOPPED", "old-1"),
        failures: [{ arn: taskArn("old-2"), reason: "MISSING" }],
      });
      await waitForDrain(new ECSClient({}), DRAIN, options(new FakeClock()));
      expect(
        ecs.commandCalls(DescribeTasksCommand).map((call) => call.args[0].input),
      ).to.deep.equal([{ cluster: CLUSTER, tasks: [taskArn("old-1"), taskArn("old-2")] }]);
    });

    it("waits, with backoff, while tasks run and then while they stop", async () => {
      listed("core", "RUNNING")
        .resolvesOnce({ taskArns: [taskArn("a"), taskArn("b")] })
        .resolves({ taskArns: [] });
      listed("core", "STOPPED")
        .resolvesOnce({ taskArns: [] })
        .resolves({ taskArns: [taskArn("a"), taskArn("b")] });
      ecs
        .on(DescribeTasksCommand)
        .resolvesOnce(tasks("DEACTIVATING", "a", "b"))
        .resolvesOnce({ tasks: [...tasks("STOPPED", "a").tasks, ...tasks("STOPPING", "b").tasks] })
        .resolves(tasks("STOPPED", "a", "b"));
      const clock = new FakeClock();
      await waitForDrain(new ECSClient({}), { ...DRAIN, serviceNames: ["core"] }, options(clock));
      expect(sentCommands()).to.deep.equal([
        "ListTasksCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "DescribeTasksCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "DescribeTasksCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "DescribeTasksCommand",
      ]);
      expect(clock.sleeps).to.deep.equal([5_000, 10_000, 20_000]);
    });

    it("follows nextToken and describes stopping tasks 100 at a time", async () => {
      const ids = Array.from({ length: 150 }, (_, index) => `t${index}`);
      listed("core", "RUNNING")
        .resolvesOnce({ taskArns: [], nextToken: "page-2" })
        .resolves({ taskArns: [] });
      listed("core", "STOPPED")
        .resolvesOnce({ taskArns: ids.slice(0, 100).map(taskArn), nextToken: "page-2" })
        .resolves({ taskArns: ids.slice(100).map(taskArn) });
      ecs.on(DescribeTasksCommand).resolves(tasks("STOPPED", "t0"));
      await waitForDrain(
        new ECSClient({}),
        { ...DRAIN, serviceNames: ["core"] },
        options(new FakeClock()),
      );
      expect(listInputs()).to.deep.equal([
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "RUNNING" },
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "RUNNING", nextToken: "page-2" },
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "STOPPED" },
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "STOPPED", nextToken: "page-2" },
      ]);
      const described = ecs.commandCalls(DescribeTasksCommand).map((call) => call.args[0].input);
      expect(described).to.deep.equal([
        { cluster: CLUSTER, tasks: ids.slice(0, 100).map(taskArn) },
        { cluster: CLUSTER, tasks: ids.slice(100).map(taskArn) },
      ]);
    });

    it("counts tasks on every page of a paginated service", async () => {
      listed("core", "RUNNING")
        .resolves({ taskArns: [taskArn("a")], nextToken: "page-2" })
        .on(ListTasksCommand, {
          serviceName: "core",
          desiredStatus: "RUNNING",
          nextToken: "page-2",
        })
        .resolves({ taskArns: [taskArn("b"), taskArn("c")] });
      const clock = new FakeClock();
      const error = await rejectionOf(
        waitForDrain(new ECSClient({}), { ...DRAIN, serviceNames: ["core"] }, options(clock, 1)),
      );
      expect(error.message).to.contain('service "core" has 3 tasks (3 running or starting)');
    });

    it("times out naming each service with tasks left, and what to do", async () => {
      listed("core", "RUNNING").resolves({ taskArns: [taskArn("a"), taskArn("b")] });
      listed("core", "STOPPED").resolves({ taskArns: [taskArn("c")] });
      listed("umami", "STOPPED").resolves({ taskArns: [taskArn("d")] });
      ecs
        .on(DescribeTasksCommand, { tasks: [taskArn("c")] })
        .resolves(tasks("DEPROVISIONING", "c"));
      ecs.on(DescribeTasksCommand, { tasks: [taskArn("d")] }).resolves(tasks("STOPPED", "d"));
      const clock = new FakeClock();
      const drain = { ...DRAIN, serviceNames: ["core", "umami", "library"] };
      listed("library", "STOPPED").resolves({ taskArns: [taskArn("e")] });
      ecs.on(DescribeTasksCommand, { tasks: [taskArn("e")] }).resolves(tasks("STOPPING", "e"));
      const error = await rejectionOf(waitForDrain(new ECSClient({}), drain, options(clock, 2)));
      expect(error.message).to.equal(
        `Timed out after 2 minutes waiting for the ECS services of cluster ${CLUSTER} to drain, so RDS instance "graasp-production" was not stopped. Tasks not STOPPED yet: service "core" has 3 tasks (2 running or starting, 1 stopping); service "library" has 1 task (1 stopping). Scale these services to 0 and let their tasks stop (check each one's desired count, autoscaling and deployments in the ECS console), then run \`pulumi up\` again; raise \`timeoutMinutes\` if the tasks are only slow to stop.`,
      );
      expect(clock.time).to.equal(120_000);
    });

    it("polls once and fails when the deadline has already passed", async () => {
      listed("core", "RUNNING").resolves({ taskArns: [taskArn("a")] });
      const clock = new FakeClock();
      const late = { ...options(clock), deadline: clock.now() - 1 };
      const error = await rejectionOf(
        waitForDrain(new ECSClient({}), { ...DRAIN, serviceNames: ["core"] }, late),
      );
      expect(error.message).to.contain('service "core" has 1 task (1 running or starting)');
      expect(sentCommands()).to.have.length(2);
      expect(clock.sleeps).to.deep.equal([]);
    });

    it("checks a service listed twice only once", async () => {
      const drain = { ...DRAIN, serviceNames: ["core", "core"] };
      await waitForDrain(new ECSClient({}), drain, options(new FakeClock()));
      expect(sentCommands()).to.have.length(2);
    });

    it("names the service and the fix when ECS refuses the check", async () => {
      ecs
        .on(ListTasksCommand)
        .rejects(new ClusterNotFoundException({ message: "Cluster not found.", $metadata: {} }));
      const error = await rejectionOf(
        waitForDrain(new ECSClient({}), DRAIN, options(new FakeClock())),
      );
      expect(error.message).to.equal(
        `Could not check whether ECS service "core" of cluster ${CLUSTER} has drained: ClusterNotFoundException: Cluster not found. Check \`drain.clusterArn\`, \`drain.serviceNames\` and that the credentials in use may call ecs:ListTasks and ecs:DescribeTasks, then run \`pulumi up\` again.`,
      );
    });
  });

  describe("servicesToDrain", () => {
    it("is empty without a drain and drops repeated names", () => {
      expect(servicesToDrain(undefined)).to.deep.equal([]);
      expect(servicesToDrain({ ...DRAIN, serviceNames: ["core", "umami", "core"] })).to.deep.equal([
        "core",
        "umami",
      ]);
    });
  });

  describe("drainFailures", () => {
    it("accepts no drain, a valid one, and values unknown during preview", () => {
      expect(drainFailures(undefined)).to.deep.equal([]);
      expect(drainFailures(DRAIN)).to.deep.equal([]);
      expect(drainFailures({ ...DRAIN, serviceNames: [] })).to.deep.equal([]);
      expect(drainFailures(PREVIEW_UNKNOWN)).to.deep.equal([]);
      expect(
        drainFailures({ clusterArn: PREVIEW_UNKNOWN, serviceNames: ["core", PREVIEW_UNKNOWN] }),
      ).to.deep.equal([]);
      expect(drainFailures({ clusterArn: CLUSTER, serviceNames: PREVIEW_UNKNOWN })).to.deep.equal(
        [],
      );
    });

    it("rejects an empty cluster and service names that are not a list of names", () => {
      expect(drainFailures({ clusterArn: "", serviceNames: ["core", ""] })).to.deep.equal([
        {
          property: "drain",
          reason: '`drain.clusterArn` must be the ARN of an ECS cluster, not "".',
        },
        {
          property: "drain",
          reason: '`drain.serviceNames` must be a list of ECS service names, not ["core",""].',
        },
      ]);
      expect(drainFailures({ serviceNames: "core" })).to.deep.equal([
        {
          property: "drain",
          reason: "`drain.clusterArn` must be the ARN of an ECS cluster, not undefined.",
        },
        {
          property: "drain",
          reason: '`drain.serviceNames` must be a list of ECS service names, not "core".',
        },
      ]);
    });
  });
});
