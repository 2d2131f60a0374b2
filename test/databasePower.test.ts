/*
 * What these tests cannot prove: that RDS really accepts these calls and goes through these
 * statuses in this order, how long it takes, that the role can be assumed, or that the engine
 * shows the refreshed `desiredState` as drift. They drive the provider logic against
 * aws-sdk-client-mock with a fake clock; only a `pulumi up` against a real instance proves the rest.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
  DBInstance,
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommand,
  InvalidDBInstanceStateFault,
  RDSClient,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from "@aws-sdk/client-rds";
import { ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs";
import { awsClientConfig, pollUntil, PREVIEW_UNKNOWN } from "../components/providers/awsClients";
import {
  checkDatabasePowerInputs,
  checkDrift,
  DatabasePowerController,
  DatabasePowerInputs,
  databasePowerProvider,
  diffDatabasePower,
  onlyDrainChanged,
  powerStateOf,
  reachedPowerState,
  USABLE_STATUSES,
} from "../components/providers/databasePower";
import { commandsInOrder, FakeClock, rejectionOf } from "./fakes";

const ID = "graasp-production";
const REGION = "eu-central-2";
const CLUSTER = "arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-production";
const DRAIN = { clusterArn: CLUSTER, serviceNames: ["core"] };
const rds = mockClient(RDSClient);
const ecs = mockClient(ECSClient);

function instance(status: string, extra: Partial<DBInstance> = {}) {
  return {
    DBInstances: [
      {
        DBInstanceIdentifier: ID,
        DBInstanceStatus: status,
        ReadReplicaDBInstanceIdentifiers: [],
        ...extra,
      },
    ],
  };
}

/** DescribeDBInstances answers these statuses in turn, then repeats the last one. */
function statuses(...sequence: string[]): void {
  const describe = rds.on(DescribeDBInstancesCommand);
  sequence.slice(0, -1).forEach((status) => describe.resolvesOnce(instance(status)));
  describe.resolves(instance(sequence[sequence.length - 1]));
}

function sentCommands(): string[] {
  return rds.calls().map((call) => call.args[0].constructor.name);
}

function inputs(
  desiredState: "available" | "stopped",
  timeoutMinutes?: number,
): DatabasePowerInputs {
  return { instanceIdentifier: ID, region: REGION, desiredState, timeoutMinutes };
}

function controller(clock = new FakeClock()): DatabasePowerController {
  return new DatabasePowerController(
    new RDSClient({ region: REGION }),
    () => new ECSClient({ region: REGION }),
    clock,
  );
}

describe("DatabasePower provider", () => {
  beforeEach(() => {
    rds.reset();
    ecs.reset();
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  });
  after(() => {
    rds.restore();
    ecs.restore();
  });

  describe("DatabasePowerController.apply", () => {
    it("sends no start or stop when the instance is already available", async () => {
      statuses("available");
      const outputs = await controller().apply(inputs("available"));
      expect(outputs).to.deep.equal({
        instanceIdentifier: ID,
        region: REGION,
        desiredState: "available",
        status: "available",
      });
      expect(sentCommands()).to.deep.equal(["DescribeDBInstancesCommand"]);
    });

    it("sends no start or stop when the instance is already stopped", async () => {
      statuses("stopped");
      const outputs = await controller().apply(inputs("stopped"));
      expect(outputs.status).to.equal("stopped");
      expect(sentCommands()).to.deep.equal(["DescribeDBInstancesCommand"]);
    });

    it("starts a stopped instance and waits, with backoff, until it is available", async () => {
      statuses("stopped", "starting", "starting", "available");
      rds.on(StartDBInstanceCommand).resolves({});
      const clock = new FakeClock();
      const outputs = await controller(clock).apply(inputs("available"));
      expect(outputs.status).to.equal("available");
      expect(sentCommands()).to.deep.equal([
        "DescribeDBInstancesCommand",
        "StartDBInstanceCommand",
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
      ]);
      expect(rds.commandCalls(StartDBInstanceCommand)[0].args[0].input).to.deep.equal({
        DBInstanceIdentifier: ID,
      });
      expect(clock.sleeps).to.deep.equal([5_000, 10_000, 20_000]);
    });

    it("stops an available instance and waits until it is stopped", async () => {
      statuses("available", "stopping", "stopped");
      rds.on(StopDBInstanceCommand).resolves({});
      const outputs = await controller().apply(inputs("stopped"));
      expect(outputs).to.deep.equal({
        instanceIdentifier: ID,
        region: REGION,
        desiredState: "stopped",
        status: "stopped",
      });
      expect(sentCommands()).to.deep.equal([
        "DescribeDBInstancesCommand",
        "StopDBInstanceCommand",
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
      ]);
      expect(rds.commandCalls(StopDBInstanceCommand)[0].args[0].input).to.deep.equal({
        DBInstanceIdentifier: ID,
      });
    });

    it("waits for transitional statuses to settle before stopping", async () => {
      statuses(
        "backing-up",
        "modifying",
        "configuring-log-exports",
        "available",
        "stopping",
        "stopped",
      );
      rds.on(StopDBInstanceCommand).resolves({});
      const clock = new FakeClock();
      await controller(clock).apply(inputs("stopped"));
      expect(sentCommands()).to.deep.equal([
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
        "StopDBInstanceCommand",
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
      ]);
      expect(clock.sleeps).to.deep.equal([5_000, 10_000, 20_000, 30_000, 30_000]);
    });

    it("counts a usable status as available when starting: no start, no wait", async () => {
      for (const status of ["storage-optimization", "backing-up", "modifying", "upgrading"]) {
        rds.reset();
        statuses(status);
        const clock = new FakeClock();
        const outputs = await controller(clock).apply(inputs("available"));
        expect(outputs.status).to.equal(status);
        expect(sentCommands()).to.deep.equal(["DescribeDBInstancesCommand"]);
        expect(clock.sleeps).to.deep.equal([]);
      }
    });

    it("sends the stop only once the instance is available again, and says so at the timeout", async () => {
      statuses("storage-optimization");
      const error = await rejectionOf(controller().apply(inputs("stopped", 1)));
      expect(error.message).to.equal(
        `Timed out after 1 minutes waiting for RDS instance "${ID}" to be "stopped"; its status is still "storage-optimization". RDS accepts a stop only from "available", so the stop was not sent yet. It may still get there: check it in the RDS console, then run \`pulumi up\` again, or raise \`timeoutMinutes\` if it is only slow.`,
      );
      expect(rds.commandCalls(StopDBInstanceCommand)).to.deep.equal([]);
    });

    it("lets a stopping instance finish before starting it again", async () => {
      statuses("stopping", "stopped", "starting", "available");
      rds.on(StartDBInstanceCommand).resolves({});
      await controller().apply(inputs("available"));
      expect(sentCommands()).to.deep.equal([
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
        "StartDBInstanceCommand",
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
      ]);
    });

    it("sends the stop once even while DescribeDBInstances still shows the old status", async () => {
      statuses("available", "available", "available", "stopping", "stopped");
      rds.on(StopDBInstanceCommand).resolves({});
      await controller().apply(inputs("stopped"));
      expect(rds.commandCalls(StopDBInstanceCommand)).to.have.length(1);
    });

    it("times out with the instance's last status and what to do", async () => {
      statuses("available", "stopping");
      rds.on(StopDBInstanceCommand).resolves({});
      const clock = new FakeClock();
      const error = await rejectionOf(controller(clock).apply(inputs("stopped", 2)));
      expect(error.message).to.equal(
        'Timed out after 2 minutes waiting for RDS instance "graasp-production" to be "stopped"; its status is still "stopping". It may still get there: check it in the RDS console, then run `pulumi up` again, or raise `timeoutMinutes` if it is only slow.',
      );
      expect(clock.time).to.equal(120_000);
      expect(rds.commandCalls(StopDBInstanceCommand)).to.have.length(1);
    });

    it("uses a 30-minute timeout by default", async () => {
      statuses("rebooting");
      const clock = new FakeClock();
      const error = await rejectionOf(controller(clock).apply(inputs("available")));
      expect(error.message).to.match(
        /^Timed out after 30 minutes .* its status is still "rebooting"/,
      );
      expect(clock.time).to.equal(30 * 60_000);
    });

    it("refuses to stop an instance that has read replicas, without calling Stop", async () => {
      rds
        .on(DescribeDBInstancesCommand)
        .resolves(
          instance("available", { ReadReplicaDBInstanceIdentifiers: ["graasp-replica-1"] }),
        );
      const error = await rejectionOf(controller().apply(inputs("stopped")));
      expect(error.message).to.equal(
        'RDS instance "graasp-production" (status "available") cannot be stopped because it has read replicas (graasp-replica-1). Delete the replicas first, or keep `desiredState` "available" for this instance.',
      );
      expect(sentCommands()).to.deep.equal(["DescribeDBInstancesCommand"]);
    });

    it("refuses to stop a read replica", async () => {
      rds
        .on(DescribeDBInstancesCommand)
        .resolves(
          instance("available", { ReadReplicaSourceDBInstanceIdentifier: "graasp-primary" }),
        );
      const error = await rejectionOf(controller().apply(inputs("stopped")));
      expect(error.message).to.equal(
        'RDS instance "graasp-production" (status "available") cannot be stopped because it is a read replica of "graasp-primary". Promote it first, or keep `desiredState` "available" for this instance.',
      );
      expect(sentCommands()).to.deep.equal(["DescribeDBInstancesCommand"]);
    });

    it("keeps a read replica available without complaint", async () => {
      rds
        .on(DescribeDBInstancesCommand)
        .resolves(
          instance("available", { ReadReplicaSourceDBInstanceIdentifier: "graasp-primary" }),
        );
      const outputs = await controller().apply(inputs("available"));
      expect(outputs.status).to.equal("available");
    });

    it("refuses an Aurora cluster member, whose power belongs to the cluster", async () => {
      rds
        .on(DescribeDBInstancesCommand)
        .resolves(instance("available", { DBClusterIdentifier: "graasp-aurora" }));
      const error = await rejectionOf(controller().apply(inputs("stopped")));
      expect(error.message).to.equal(
        'RDS instance "graasp-production" (status "available") belongs to the Aurora cluster "graasp-aurora", whose instances can only be started and stopped with their cluster. Use `aws rds start-db-cluster` or `aws rds stop-db-cluster` instead of this resource.',
      );
    });

    it("reports an instance that does not exist", async () => {
      rds.on(DescribeDBInstancesCommand).rejects(
        new DBInstanceNotFoundFault({
          message: "DBInstance graasp-production not found.",
          $metadata: {},
        }),
      );
      const error = await rejectionOf(controller().apply(inputs("available")));
      expect(error.message).to.equal(
        'RDS instance "graasp-production" was not found in region eu-central-2. Check `instanceIdentifier`, `region` and the AWS account of the credentials in use, then run `pulumi up` again.',
      );
    });

    it("treats an empty DescribeDBInstances answer as not found", async () => {
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
      const error = await rejectionOf(controller().apply(inputs("available")));
      expect(error.message).to.match(/^RDS instance "graasp-production" was not found/);
    });

    it("fails at once on a failed instance, naming the status and the fix", async () => {
      statuses("failed");
      const clock = new FakeClock();
      const error = await rejectionOf(controller(clock).apply(inputs("available")));
      expect(error.message).to.equal(
        'RDS instance "graasp-production" is in status "failed", from which it cannot be made "available". To fix it, AWS could not recover it: restore it from a snapshot or contact AWS Support; then run `pulumi up` again.',
      );
      expect(clock.sleeps).to.deep.equal([]);
    });

    it("fails on storage-full and on any incompatible-* status", async () => {
      statuses("storage-full");
      const full = await rejectionOf(controller().apply(inputs("stopped")));
      expect(full.message).to.contain('status "storage-full"').and.contain("allocated storage");
      rds.reset();
      statuses("incompatible-network");
      const network = await rejectionOf(controller().apply(inputs("available")));
      expect(network.message).to.contain('status "incompatible-network"').and.contain("network");
    });

    it("passes on why RDS refused a stop, with the instance and its status", async () => {
      statuses("available");
      rds.on(StopDBInstanceCommand).rejects(
        new InvalidDBInstanceStateFault({
          message: "Instance is in maintenance.",
          $metadata: {},
        }),
      );
      const error = await rejectionOf(controller().apply(inputs("stopped")));
      expect(error.message).to.equal(
        'RDS refused to stop instance "graasp-production" (status "available"): InvalidDBInstanceStateFault: Instance is in maintenance. Check the instance in the RDS console, then run `pulumi up` again.',
      );
    });
  });

  describe("DatabasePowerController.apply with drain", () => {
    const stopWithDrain: DatabasePowerInputs = {
      instanceIdentifier: ID,
      region: REGION,
      desiredState: "stopped",
      drain: DRAIN,
    };
    const running = (...ids: string[]) => ({
      taskArns: ids.map((id) => `arn:aws:ecs:eu-central-2:123456789012:task/graasp/${id}`),
    });

    it("checks the services right before the stop, then looks at the instance again", async () => {
      statuses("available", "available", "stopping", "stopped");
      rds.on(StopDBInstanceCommand).resolves({});
      const clock = new FakeClock();
      const outputs = await controller(clock).apply(stopWithDrain);
      expect(outputs).to.deep.equal({ ...stopWithDrain, status: "stopped" });
      expect(commandsInOrder(rds, ecs)).to.deep.equal([
        "DescribeDBInstancesCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "DescribeDBInstancesCommand",
        "StopDBInstanceCommand",
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
      ]);
      expect(ecs.commandCalls(ListTasksCommand).map((call) => call.args[0].input)).to.deep.equal([
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "RUNNING" },
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "STOPPED" },
      ]);
      expect(clock.sleeps).to.deep.equal([5_000, 10_000]);
    });

    it("waits while tasks still run, and stops only once they are gone", async () => {
      statuses("available", "available", "stopped");
      rds.on(StopDBInstanceCommand).resolves({});
      ecs
        .on(ListTasksCommand, { desiredStatus: "RUNNING" })
        .resolvesOnce(running("a"))
        .resolves(running());
      const clock = new FakeClock();
      await controller(clock).apply(stopWithDrain);
      expect(commandsInOrder(rds, ecs)).to.deep.equal([
        "DescribeDBInstancesCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "DescribeDBInstancesCommand",
        "StopDBInstanceCommand",
        "DescribeDBInstancesCommand",
      ]);
      expect(clock.sleeps).to.deep.equal([5_000, 5_000]);
    });

    it("checks only once the instance has settled at available", async () => {
      statuses("backing-up", "available", "available", "stopped");
      rds.on(StopDBInstanceCommand).resolves({});
      await controller().apply(stopWithDrain);
      expect(commandsInOrder(rds, ecs)).to.deep.equal([
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "DescribeDBInstancesCommand",
        "StopDBInstanceCommand",
        "DescribeDBInstancesCommand",
      ]);
    });

    it("never stops while tasks run, failing within the same timeout", async () => {
      statuses("available");
      ecs.on(ListTasksCommand, { desiredStatus: "RUNNING" }).resolves(running("a", "b"));
      const clock = new FakeClock();
      const error = await rejectionOf(
        controller(clock).apply({ ...stopWithDrain, timeoutMinutes: 3 }),
      );
      expect(error.message).to.equal(
        `Timed out after 3 minutes waiting for the ECS services of cluster ${CLUSTER} to drain, so RDS instance "graasp-production" was not stopped. Tasks not STOPPED yet: service "core" has 2 tasks (2 running or starting). Scale these services to 0 and let their tasks stop (check each one's desired count, autoscaling and deployments in the ECS console), then run \`pulumi up\` again; raise \`timeoutMinutes\` if the tasks are only slow to stop.`,
      );
      expect(clock.time).to.equal(180_000);
      expect(rds.commandCalls(StopDBInstanceCommand)).to.deep.equal([]);
    });

    it("gives the stop only what the drain left of the timeout", async () => {
      statuses("available", "available", "stopping");
      rds.on(StopDBInstanceCommand).resolves({});
      ecs
        .on(ListTasksCommand, { desiredStatus: "RUNNING" })
        .resolvesOnce(running("a"))
        .resolvesOnce(running("a"))
        .resolves(running());
      const clock = new FakeClock();
      const error = await rejectionOf(
        controller(clock).apply({ ...stopWithDrain, timeoutMinutes: 2 }),
      );
      expect(error.message).to.match(/^Timed out after 2 minutes waiting for RDS instance/);
      expect(clock.sleeps.slice(0, 2)).to.deep.equal([5_000, 10_000]);
      expect(clock.time).to.equal(120_000);
    });

    const noDrainCases: [string, string[], "available" | "stopped"][] = [
      ["already stopped", ["stopped"], "stopped"],
      ["already stopping", ["stopping", "stopped"], "stopped"],
      ["to be available and is", ["available"], "available"],
      ["to be started", ["stopped", "starting", "available"], "available"],
    ];
    for (const [when, sequence, desiredState] of noDrainCases) {
      it(`makes no ECS call when the instance is ${when}`, async () => {
        statuses(...sequence);
        rds.on(StartDBInstanceCommand).resolves({});
        await controller().apply({ ...inputs(desiredState), drain: DRAIN });
        expect(ecs.calls()).to.deep.equal([]);
        expect(rds.commandCalls(StopDBInstanceCommand)).to.deep.equal([]);
      });
    }

    it("stops without any ECS call when the service list is empty", async () => {
      statuses("available", "stopped");
      rds.on(StopDBInstanceCommand).resolves({});
      await controller().apply({ ...inputs("stopped"), drain: { ...DRAIN, serviceNames: [] } });
      expect(commandsInOrder(rds, ecs)).to.deep.equal([
        "DescribeDBInstancesCommand",
        "StopDBInstanceCommand",
        "DescribeDBInstancesCommand",
      ]);
    });
  });

  describe("DatabasePowerController.read", () => {
    const stored = {
      instanceIdentifier: ID,
      region: REGION,
      desiredState: "stopped",
      status: "stopped",
      timeoutMinutes: 20,
    };

    it("reports AWS's automatic restart as drift of desiredState", async () => {
      statuses("available");
      const read = await controller().read(stored);
      const expected = {
        instanceIdentifier: ID,
        region: REGION,
        desiredState: "available",
        timeoutMinutes: 20,
      };
      expect(read).to.deep.equal({
        inputs: expected,
        outputs: { ...expected, status: "available" },
      });
      expect(diffDatabasePower(read!.outputs, inputs("stopped", 20))).to.deep.equal({
        changes: true,
      });
    });

    it("reports no drift when the instance is where it was left", async () => {
      statuses("stopped");
      const read = await controller().read(stored);
      expect(read?.outputs).to.deep.equal(stored);
      expect(diffDatabasePower(read!.outputs, inputs("stopped", 20))).to.deep.equal({
        changes: false,
      });
    });

    it("keeps drain among the inputs, without asking ECS", async () => {
      statuses("stopped");
      const read = await controller().read({ ...stored, drain: DRAIN });
      const { status: _status, ...storedInputs } = stored;
      expect(read?.inputs).to.deep.equal({ ...storedInputs, drain: DRAIN });
      expect(ecs.calls()).to.deep.equal([]);
    });

    it("returns nothing when the instance is gone", async () => {
      rds
        .on(DescribeDBInstancesCommand)
        .rejects(new DBInstanceNotFoundFault({ message: "not found", $metadata: {} }));
      expect(await controller().read(stored)).to.equal(undefined);
    });
  });

  describe("powerStateOf", () => {
    const cases: [string, string][] = [
      ["available", "available"],
      ["starting", "available"],
      ["backing-up", "available"],
      ["modifying", "available"],
      ["stopped", "stopped"],
      ["stopping", "stopped"],
      ["failed", "failed"],
      ["storage-full", "storage-full"],
      ["incompatible-parameters", "incompatible-parameters"],
    ];
    for (const [status, state] of cases) {
      it(`maps ${status} to ${state}`, () => expect(powerStateOf(status)).to.equal(state));
    }
  });

  describe("reachedPowerState", () => {
    it("takes every usable status as available, and only stopped as stopped", () => {
      expect(
        USABLE_STATUSES.filter((status) => reachedPowerState(status, "available")),
      ).to.deep.equal(USABLE_STATUSES);
      for (const status of ["starting", "stopping", "stopped", "rebooting", "creating", "failed"])
        expect(reachedPowerState(status, "available"), status).to.equal(false);
      expect(
        ["stopped", "stopping", "available"].map((status) => reachedPowerState(status, "stopped")),
      ).to.deep.equal([true, false, false]);
    });
  });

  describe("checkDrift", () => {
    it("reads nothing while an input is unknown, and reports a vanished instance as a change", async () => {
      let reads = 0;
      const read = async () => {
        reads++;
        return undefined;
      };
      expect(
        await checkDrift({ ...inputs("available"), instanceIdentifier: PREVIEW_UNKNOWN }, read),
      ).to.deep.equal({ changes: false });
      expect(reads).to.equal(0);
      expect(await checkDrift(inputs("available"), read)).to.deep.equal({ changes: true });
      expect(reads).to.equal(1);
    });
  });

  describe("diffDatabasePower", () => {
    const olds = { ...inputs("available"), status: "available" };

    it("reports no change when nothing changed, ignoring the serialized provider", () => {
      const news = { ...inputs("available"), __provider: "new code" };
      expect(diffDatabasePower(olds, news)).to.deep.equal({ changes: false });
    });

    it("updates in place when desiredState changes", () => {
      expect(diffDatabasePower(olds, inputs("stopped"))).to.deep.equal({ changes: true });
    });

    it("replaces when the instance or the region changes", () => {
      expect(
        diffDatabasePower(olds, { ...inputs("available"), instanceIdentifier: "other" }),
      ).to.deep.equal({
        changes: true,
        replaces: ["instanceIdentifier"],
      });
      expect(
        diffDatabasePower(olds, { ...inputs("available"), region: "eu-west-1" }),
      ).to.deep.equal({
        changes: true,
        replaces: ["region"],
      });
    });

    it("updates in place, never replacing, when only drain changes", () => {
      const olds = { ...inputs("stopped"), drain: DRAIN, status: "stopped" };
      const news = { ...inputs("stopped"), drain: { ...DRAIN, serviceNames: ["core", "umami"] } };
      expect(diffDatabasePower(olds, news)).to.deep.equal({ changes: true });
      expect(diffDatabasePower(olds, { ...inputs("stopped") })).to.deep.equal({ changes: true });
      expect(onlyDrainChanged(olds, news)).to.equal(true);
      expect(onlyDrainChanged(olds, { ...news, desiredState: "available" })).to.equal(false);
      expect(onlyDrainChanged(olds, { ...inputs("stopped"), drain: DRAIN })).to.equal(false);
    });

    it("counts a value unknown during preview as a change", () => {
      const news = {
        ...inputs("available"),
        desiredState: PREVIEW_UNKNOWN,
      } as unknown as DatabasePowerInputs;
      expect(diffDatabasePower(olds, news)).to.deep.equal({ changes: true });
    });
  });

  describe("checkDatabasePowerInputs", () => {
    it("accepts valid inputs and values unknown during preview", () => {
      expect(checkDatabasePowerInputs(inputs("stopped", 10))).to.deep.equal([]);
      const unknown = {
        ...inputs("stopped"),
        desiredState: PREVIEW_UNKNOWN,
      } as unknown as DatabasePowerInputs;
      expect(checkDatabasePowerInputs(unknown)).to.deep.equal([]);
    });

    it("rejects a drain without a cluster", () => {
      expect(
        checkDatabasePowerInputs({ ...inputs("stopped"), drain: { ...DRAIN, clusterArn: "" } }),
      ).to.deep.equal([
        {
          property: "drain",
          reason: '`drain.clusterArn` must be the ARN of an ECS cluster, not "".',
        },
      ]);
    });

    it("rejects an unknown state and a non-positive timeout", () => {
      const bad = {
        ...inputs("stopped"),
        desiredState: "running",
        timeoutMinutes: 0,
      } as unknown as DatabasePowerInputs;
      expect(checkDatabasePowerInputs(bad)).to.deep.equal([
        {
          property: "desiredState",
          reason: '`desiredState` must be "available" or "stopped", not "running".',
        },
        {
          property: "timeoutMinutes",
          reason: "`timeoutMinutes` must be a positive number of minutes, not 0.",
        },
      ]);
    });
  });

  describe("databasePowerProvider", () => {
    it("creates with the instance identifier as id, through a real client", async () => {
      statuses("available");
      const created = await databasePowerProvider.create(inputs("available"));
      expect(created).to.deep.equal({
        id: ID,
        outs: {
          instanceIdentifier: ID,
          region: REGION,
          desiredState: "available",
          status: "available",
        },
      });
    });

    it("reads the real status and drops the resource when the instance is gone", async () => {
      statuses("starting");
      const props = { ...inputs("stopped"), status: "stopped" };
      const read = await databasePowerProvider.read!(ID, props);
      expect(read.props).to.deep.include({ desiredState: "available", status: "starting" });
      rds.reset();
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
      expect(await databasePowerProvider.read!(ID, props)).to.deep.equal({ id: "" });
    });

    it("updates a new drain alone without any AWS call, keeping the recorded status", async () => {
      const olds = { ...inputs("stopped", 20), drain: DRAIN, status: "stopped" };
      const news = {
        ...inputs("stopped", 20),
        drain: { ...DRAIN, serviceNames: ["core", "umami"] },
      };
      const updated = await databasePowerProvider.update!(ID, olds, news);
      expect(updated).to.deep.equal({ outs: { ...news, status: "stopped" } });
      expect([...rds.calls(), ...ecs.calls()]).to.deep.equal([]);
    });

    it("applies the power state when more than drain changes", async () => {
      statuses("stopped");
      const olds = { ...inputs("available"), status: "available" };
      const updated = await databasePowerProvider.update!(ID, olds, {
        ...inputs("stopped"),
        drain: DRAIN,
      });
      expect(updated.outs?.status).to.equal("stopped");
      expect(commandsInOrder(rds, ecs)).to.deep.equal(["DescribeDBInstancesCommand"]);
    });

    it("deletes without any AWS call", async () => {
      await databasePowerProvider.delete!(ID, { ...inputs("stopped"), status: "stopped" });
      expect(rds.calls()).to.deep.equal([]);
    });

    it("checks, and diffs a changed input, without any AWS call", async () => {
      const check = await databasePowerProvider.check!(inputs("stopped"), inputs("available"));
      const diff = await databasePowerProvider.diff!(
        ID,
        { ...inputs("stopped"), status: "stopped" },
        inputs("available"),
      );
      expect(check).to.deep.equal({ inputs: inputs("available"), failures: [] });
      expect(diff).to.deep.equal({ changes: true });
      expect(rds.calls()).to.deep.equal([]);
    });

    it("diffs unchanged inputs against the real status: AWS's 7-day restart is a change", async () => {
      const olds = { ...inputs("stopped"), status: "stopped" };
      statuses("available");
      expect(await databasePowerProvider.diff!(ID, olds, inputs("stopped"))).to.deep.equal({
        changes: true,
      });
      statuses("stopping");
      expect(await databasePowerProvider.diff!(ID, olds, inputs("stopped"))).to.deep.equal({
        changes: false,
      });
      expect(commandsInOrder(rds, ecs)).to.deep.equal([
        "DescribeDBInstancesCommand",
        "DescribeDBInstancesCommand",
      ]);
    });

    it("diffs as a change with a warning naming the cause when the status cannot be read", async () => {
      const denied = new Error("User is not authorized to perform: rds:DescribeDBInstances");
      denied.name = "AccessDenied";
      rds.on(DescribeDBInstancesCommand).rejects(denied);
      const olds = { ...inputs("available"), status: "available" };
      const warnings: unknown[] = [];
      const original = console.warn;
      console.warn = (...args: unknown[]) => void warnings.push(...args);
      try {
        expect(await databasePowerProvider.diff!(ID, olds, inputs("available"))).to.deep.equal({
          changes: true,
        });
      } finally {
        console.warn = original;
      }
      expect(warnings).to.deep.equal([
        `warning: the drift check of RDS instance "${ID}" could not read its status (AccessDenied: User is not authorized to perform: rds:DescribeDBInstances), so its power state is unknown and shown as a change. Give the credentials in use rds:DescribeDBInstances on it to see real drift; \`pulumi up\` reads the status again before acting.`,
      ]);
    });
  });

  describe("pollUntil", () => {
    it("doubles the delay up to the cap and makes a last attempt at the deadline", async () => {
      const clock = new FakeClock();
      const seenAt: number[] = [];
      const error = await rejectionOf(
        pollUntil<never, number>(
          async () => {
            seenAt.push(clock.now());
            return { done: false, seen: seenAt.length };
          },
          {
            clock,
            timeoutMs: 100_000,
            timeoutError: (attempts) => new Error(`gave up after ${attempts} attempts`),
          },
        ),
      );
      expect(error.message).to.equal("gave up after 7 attempts");
      expect(clock.sleeps).to.deep.equal([5_000, 10_000, 20_000, 30_000, 30_000, 5_000]);
      expect(seenAt[seenAt.length - 1]).to.equal(100_000);
    });

    it("returns the value as soon as an attempt succeeds", async () => {
      const clock = new FakeClock();
      let attempts = 0;
      const value = await pollUntil<string, null>(
        async () =>
          ++attempts === 3 ? { done: true, value: "ready" } : { done: false, seen: null },
        {
          clock,
          timeoutMs: 60_000,
          initialDelayMs: 1_000,
          maxDelayMs: 1_500,
          timeoutError: () => new Error(),
        },
      );
      expect(value).to.equal("ready");
      expect(clock.sleeps).to.deep.equal([1_000, 1_500]);
    });
  });

  describe("awsClientConfig", () => {
    it("uses the process's own credential chain when no role is given", () => {
      expect(awsClientConfig(REGION)).to.deep.equal({ region: REGION });
      expect(awsClientConfig(REGION, "")).to.deep.equal({ region: REGION });
    });

    it("assumes the role through temporary credentials when one is given", () => {
      const config = awsClientConfig(REGION, "arn:aws:iam::123456789012:role/deployer");
      expect(config.region).to.equal(REGION);
      expect(config.credentials).to.be.a("function");
    });
  });
});
