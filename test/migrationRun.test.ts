/*
 * What these tests cannot prove: that ECS accepts this RunTask request (subnets, public IP,
 * tagging permissions), that the awslogs stream is really named `<prefix>/<container>/<task id>`,
 * how long a real migration takes, or that the engine calls create only once per appVersion.
 * They drive the provider logic against aws-sdk-client-mock with a fake clock; a `pulumi up`
 * into db-only against a real account proves the rest.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
  Container,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  Task,
} from "@aws-sdk/client-ecs";
import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-cloudwatch-logs";
import { PREVIEW_UNKNOWN } from "../components/providers/awsClients";
import {
  MigrationRunInputs,
  MigrationRunner,
  migrationRunProvider,
  taskFamilyOf,
} from "../components/providers/migrationRun";
import { commandsInOrder, FakeClock, rejectionOf } from "./fakes";

const REGION = "eu-central-2";
const CLUSTER = "arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-production";
const TASK_DEFINITION = "arn:aws:ecs:eu-central-2:123456789012:task-definition/migrate:7";
const TASK_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const TASK_ARN = `arn:aws:ecs:eu-central-2:123456789012:task/graasp-production/${TASK_ID}`;
const STARTED_AT = new Date("2026-11-28T10:00:00.000Z");
const STOPPED_AT = new Date("2026-11-28T10:04:30.000Z");
const STREAM = `log group /ecs/migrate, stream ecs/migrate/${TASK_ID}`;

const INPUTS: MigrationRunInputs = {
  region: REGION,
  clusterArn: CLUSTER,
  taskDefinitionArn: TASK_DEFINITION,
  subnetIds: ["subnet-public-a", "subnet-public-b"],
  securityGroupIds: ["sg-migrate"],
  assignPublicIp: true,
  containerName: "migrate",
  logGroupName: "/ecs/migrate",
  logStreamPrefix: "ecs",
  appVersion: "v1.66.0",
};

const RUN_OUTPUTS = {
  taskArn: TASK_ARN,
  exitCode: 0,
  startedAt: "2026-11-28T10:00:00.000Z",
  stoppedAt: "2026-11-28T10:04:30.000Z",
};

const DRAIN = { clusterArn: CLUSTER, serviceNames: ["core", "workers"] };

const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);

function task(
  lastStatus: string,
  container: Partial<Container> = {},
  extra: Partial<Task> = {},
): Task {
  return {
    taskArn: TASK_ARN,
    lastStatus,
    containers: [{ name: "migrate", lastStatus, ...container }],
    ...extra,
  };
}

function stopped(container: Partial<Container>, extra: Partial<Task> = {}): Task {
  return task("STOPPED", container, { startedAt: STARTED_AT, stoppedAt: STOPPED_AT, ...extra });
}

/** A clean cluster where RunTask starts the task and DescribeTasks walks through `tasks`. */
function launchWith(...tasks: Task[]): void {
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(RunTaskCommand).resolves({ tasks: [task("PROVISIONING")], failures: [] });
  const describe = ecs.on(DescribeTasksCommand);
  tasks.slice(0, -1).forEach((t) => describe.resolvesOnce({ tasks: [t], failures: [] }));
  describe.resolves({ tasks: [tasks[tasks.length - 1]], failures: [] });
}

function sentCommands(): string[] {
  return [...ecs.calls(), ...logs.calls()].map((call) => call.args[0].constructor.name);
}

/** What Pulumi asks the provider: the diff of a recorded run against new inputs. */
function diffMigrationRun(olds: object, news: object) {
  return migrationRunProvider.diff!("task", olds as never, news as never);
}

/** The failures the provider's check reports for new inputs. */
async function checkMigrationRunInputs(news: object) {
  return (await migrationRunProvider.check!({} as never, news as never)).failures ?? [];
}

function runner(clock = new FakeClock()): MigrationRunner {
  return new MigrationRunner(
    new ECSClient({ region: REGION }),
    new CloudWatchLogsClient({ region: REGION }),
    clock,
  );
}

describe("MigrationRun provider", () => {
  beforeEach(() => {
    ecs.reset();
    logs.reset();
  });
  after(() => {
    ecs.restore();
    logs.restore();
  });

  describe("MigrationRunner.run", () => {
    it("runs the task once and records it when the container exits with 0", async () => {
      launchWith(task("PENDING"), task("RUNNING"), stopped({ exitCode: 0 }));
      const clock = new FakeClock();
      const outputs = await runner(clock).run(INPUTS);
      expect(outputs).to.deep.equal({ ...INPUTS, ...RUN_OUTPUTS });
      expect(sentCommands()).to.deep.equal([
        "ListTasksCommand",
        "RunTaskCommand",
        "DescribeTasksCommand",
        "DescribeTasksCommand",
        "DescribeTasksCommand",
      ]);
      expect(clock.sleeps).to.deep.equal([5_000, 10_000]);
    });

    it("checks the task family for a running migration and launches on Fargate with tags", async () => {
      launchWith(stopped({ exitCode: 0 }));
      await runner().run({ ...INPUTS, assignPublicIp: false });
      expect(ecs.commandCalls(ListTasksCommand)[0].args[0].input).to.deep.equal({
        cluster: CLUSTER,
        family: "migrate",
        desiredStatus: "RUNNING",
      });
      expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input).to.deep.equal({
        cluster: CLUSTER,
        taskDefinition: TASK_DEFINITION,
        launchType: "FARGATE",
        count: 1,
        startedBy: "graasp-migration",
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ["subnet-public-a", "subnet-public-b"],
            securityGroups: ["sg-migrate"],
            assignPublicIp: "DISABLED",
          },
        },
        tags: [
          { key: "graasp:purpose", value: "migration" },
          { key: "graasp:app-version", value: "v1.66.0" },
        ],
      });
      expect(ecs.commandCalls(DescribeTasksCommand)[0].args[0].input).to.deep.equal({
        cluster: CLUSTER,
        tasks: [TASK_ARN],
      });
    });

    it("keeps polling while DescribeTasks does not see the new task yet", async () => {
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs.on(RunTaskCommand).resolves({ tasks: [task("PROVISIONING")] });
      ecs
        .on(DescribeTasksCommand)
        .resolvesOnce({ tasks: [], failures: [{ arn: TASK_ARN, reason: "MISSING" }] })
        .resolves({ tasks: [stopped({ exitCode: 0 })] });
      expect((await runner().run(INPUTS)).exitCode).to.equal(0);
    });

    it("fails on a non-zero exit with the code, the stop reasons and the log tail", async () => {
      launchWith(
        stopped(
          { exitCode: 1 },
          {
            stoppedReason: "Essential container in task exited",
            stopCode: "EssentialContainerExited",
          },
        ),
      );
      logs.on(GetLogEventsCommand).resolves({
        events: [
          { timestamp: 1, message: "applying 0042_item_index" },
          { timestamp: 2, message: 'error: relation "item" does not exist\n' },
          { timestamp: 3, message: "migration failed" },
        ],
      });
      const error = await rejectionOf(runner().run(INPUTS));
      expect(error.message).to.equal(
        [
          `Migration task ${TASK_ARN} failed: container "migrate" exited with code 1.`,
          "Task stopped reason: Essential container in task exited (stop code EssentialContainerExited).",
          "Container reason: none.",
          `Last 3 log lines (${STREAM}):`,
          "  applying 0042_item_index",
          '  error: relation "item" does not exist',
          "  migration failed",
          "The database may be partly migrated: read the log, restore the pre-release snapshot if needed, fix the cause, then run `pulumi up` again to start a new migration.",
        ].join("\n"),
      );
      expect(logs.commandCalls(GetLogEventsCommand)[0].args[0].input).to.deep.equal({
        logGroupName: "/ecs/migrate",
        logStreamName: `ecs/migrate/${TASK_ID}`,
        startFromHead: false,
        limit: 20,
      });
    });

    it("says the container never started when there is no exit code", async () => {
      const pullError =
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): graasp:migrate-v1.66.0: not found";
      launchWith(
        stopped(
          { reason: pullError },
          { startedAt: undefined, stoppedReason: pullError, stopCode: "TaskFailedToStart" },
        ),
      );
      logs.on(GetLogEventsCommand).rejects(
        new ResourceNotFoundException({
          message: "The specified log stream does not exist.",
          $metadata: {},
        }),
      );
      const error = await rejectionOf(runner().run(INPUTS));
      expect(error.message).to.equal(
        [
          `Migration task ${TASK_ARN} failed: no exit code: the container "migrate" never started.`,
          `Task stopped reason: ${pullError} (stop code TaskFailedToStart).`,
          `Container reason: ${pullError}.`,
          `The log (${STREAM}) could not be read: ResourceNotFoundException: The specified log stream does not exist.`,
          "Nothing ran against the database: fix the cause (image, network, secrets or task definition), then run `pulumi up` again.",
        ].join("\n"),
      );
    });

    it("says so in the message when the log cannot be fetched, instead of crashing", async () => {
      launchWith(
        stopped({
          exitCode: 137,
          reason: "OutOfMemoryError: Container killed due to memory usage",
        }),
      );
      logs
        .on(GetLogEventsCommand)
        .rejects(new Error("User is not authorized to perform: logs:GetLogEvents"));
      const error = await rejectionOf(runner().run(INPUTS));
      expect(error.message)
        .to.contain('container "migrate" exited with code 137.')
        .and.contain("Container reason: OutOfMemoryError: Container killed due to memory usage.")
        .and.contain(
          `The log (${STREAM}) could not be read: Error: User is not authorized to perform: logs:GetLogEvents.`,
        );
    });

    it("reports an empty log stream as such", async () => {
      launchWith(stopped({ exitCode: 2 }));
      logs.on(GetLogEventsCommand).resolves({ events: [] });
      const error = await rejectionOf(runner().run(INPUTS));
      expect(error.message).to.contain(`The log (${STREAM}) is empty.`);
    });

    it("fails when the task has no container of that name", async () => {
      launchWith(stopped({ name: "sidecar", exitCode: 0 }));
      logs.on(GetLogEventsCommand).resolves({ events: [] });
      const error = await rejectionOf(runner().run(INPUTS));
      expect(error.message).to.contain(
        'failed: no exit code: the task has no container named "migrate" (check `containerName`).',
      );
    });

    it("refuses to start while a migration is running, and launches nothing", async () => {
      const running =
        "arn:aws:ecs:eu-central-2:123456789012:task/graasp-production/aaaabbbbccccdddd";
      ecs.on(ListTasksCommand).resolves({ taskArns: [running] });
      const error = await rejectionOf(runner().run(INPUTS));
      expect(error.message).to.equal(
        `A migration of task family "migrate" is already running in cluster ${CLUSTER}: ${running}. Wait for it to finish, or stop it with \`aws ecs stop-task --region eu-central-2 --cluster ${CLUSTER} --task ${running}\`, then run \`pulumi up\` again.`,
      );
      expect(sentCommands()).to.deep.equal(["ListTasksCommand"]);
    });

    it("fails clearly when RunTask returns failures", async () => {
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs.on(RunTaskCommand).resolves({
        tasks: [],
        failures: [
          {
            arn: "arn:aws:ec2:eu-central-2:123456789012:subnet/subnet-public-a",
            reason: "RESOURCE:ENI",
            detail: "ENI limit reached",
          },
        ],
      });
      const error = await rejectionOf(runner().run(INPUTS));
      expect(error.message).to.equal(
        "ECS did not start the migration task: arn:aws:ec2:eu-central-2:123456789012:subnet/subnet-public-a: RESOURCE:ENI (ENI limit reached). Fix the cause (subnets, security groups, capacity or task definition), then run `pulumi up` again.",
      );
      expect(sentCommands()).to.deep.equal(["ListTasksCommand", "RunTaskCommand"]);
    });

    it("fails clearly when RunTask returns neither a task nor a failure", async () => {
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs.on(RunTaskCommand).resolves({});
      const error = await rejectionOf(runner().run(INPUTS));
      expect(error.message).to.equal(
        "ECS did not start the migration task: RunTask returned no task. Fix the cause (subnets, security groups, capacity or task definition), then run `pulumi up` again.",
      );
    });

    it("times out naming the task, leaving it running, and saying how to stop it", async () => {
      launchWith(task("PROVISIONING"), task("RUNNING"));
      const clock = new FakeClock();
      const error = await rejectionOf(runner(clock).run({ ...INPUTS, timeoutMinutes: 5 }));
      expect(error.message).to.equal(
        `Migration task ${TASK_ARN} did not stop within 5 minutes (last status RUNNING); it is still running and was not stopped. Watch it in the ECS console, or stop it with \`aws ecs stop-task --region eu-central-2 --cluster ${CLUSTER} --task ${TASK_ARN}\`, then run \`pulumi up\` again.`,
      );
      expect(clock.time).to.equal(5 * 60_000);
      expect(ecs.commandCalls(StopTaskCommand)).to.deep.equal([]);
      expect(logs.calls()).to.deep.equal([]);
    });

    it("waits 60 minutes by default", async () => {
      launchWith(task("RUNNING"));
      const clock = new FakeClock();
      const error = await rejectionOf(runner(clock).run(INPUTS));
      expect(error.message).to.contain("did not stop within 60 minutes");
      expect(clock.time).to.equal(60 * 60_000);
    });
  });

  describe("MigrationRunner.run with drain", () => {
    const runningTasks = (...ids: string[]) => ({
      taskArns: ids.map((id) => `arn:aws:ecs:eu-central-2:123456789012:task/graasp/${id}`),
    });

    it("checks every service before the running-migration check and RunTask", async () => {
      launchWith(stopped({ exitCode: 0 }));
      const outputs = await runner().run({ ...INPUTS, drain: DRAIN });
      expect(outputs).to.deep.equal({ ...INPUTS, drain: DRAIN, ...RUN_OUTPUTS });
      expect(commandsInOrder(ecs, logs)).to.deep.equal([
        "ListTasksCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "ListTasksCommand",
        "RunTaskCommand",
        "DescribeTasksCommand",
      ]);
      expect(ecs.commandCalls(ListTasksCommand).map((call) => call.args[0].input)).to.deep.equal([
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "RUNNING" },
        { cluster: CLUSTER, serviceName: "core", desiredStatus: "STOPPED" },
        { cluster: CLUSTER, serviceName: "workers", desiredStatus: "RUNNING" },
        { cluster: CLUSTER, serviceName: "workers", desiredStatus: "STOPPED" },
        { cluster: CLUSTER, family: "migrate", desiredStatus: "RUNNING" },
      ]);
    });

    it("waits for old tasks to stop before launching the migration", async () => {
      launchWith(stopped({ exitCode: 0 }));
      ecs
        .on(ListTasksCommand, { serviceName: "workers", desiredStatus: "RUNNING" })
        .resolvesOnce(runningTasks("w1"))
        .resolves(runningTasks());
      const clock = new FakeClock();
      await runner(clock).run({ ...INPUTS, drain: DRAIN });
      expect(commandsInOrder(ecs, logs)).to.deep.equal([
        ...Array(9).fill("ListTasksCommand"),
        "RunTaskCommand",
        "DescribeTasksCommand",
      ]);
      expect(clock.sleeps).to.deep.equal([5_000]);
    });

    it("launches nothing when the services do not drain in time", async () => {
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs
        .on(ListTasksCommand, { serviceName: "core", desiredStatus: "RUNNING" })
        .resolves(runningTasks("c1"));
      const clock = new FakeClock();
      const error = await rejectionOf(
        runner(clock).run({ ...INPUTS, drain: DRAIN, timeoutMinutes: 5 }),
      );
      expect(error.message).to.equal(
        `Timed out after 5 minutes waiting for the ECS services of cluster ${CLUSTER} to drain, so the migration (task family "migrate") was not started. Tasks not STOPPED yet: service "core" has 1 task (1 running or starting). Scale these services to 0 and let their tasks stop (check each one's desired count, autoscaling and deployments in the ECS console), then run \`pulumi up\` again; raise \`timeoutMinutes\` if the tasks are only slow to stop.`,
      );
      expect(clock.time).to.equal(5 * 60_000);
      expect(ecs.commandCalls(RunTaskCommand)).to.deep.equal([]);
      expect(ecs.commandCalls(ListTasksCommand, { family: "migrate" })).to.deep.equal([]);
    });

    it("gives the task only what the drain left of the timeout", async () => {
      launchWith(task("RUNNING"));
      ecs
        .on(ListTasksCommand, { serviceName: "core", desiredStatus: "RUNNING" })
        .resolvesOnce(runningTasks("c1"))
        .resolves(runningTasks());
      const clock = new FakeClock();
      const error = await rejectionOf(
        runner(clock).run({ ...INPUTS, drain: DRAIN, timeoutMinutes: 5 }),
      );
      expect(error.message).to.contain("did not stop within 5 minutes");
      expect(clock.sleeps[0]).to.equal(5_000);
      expect(clock.time).to.equal(5 * 60_000);
    });

    it("makes no drain call when the service list is empty", async () => {
      launchWith(stopped({ exitCode: 0 }));
      await runner().run({ ...INPUTS, drain: { ...DRAIN, serviceNames: [] } });
      expect(sentCommands()).to.deep.equal([
        "ListTasksCommand",
        "RunTaskCommand",
        "DescribeTasksCommand",
      ]);
    });
  });

  describe("migrationRunProvider.diff", () => {
    const olds = { ...INPUTS, ...RUN_OUTPUTS };

    it("reports no change when nothing changed, ignoring the serialized provider", async () => {
      expect(
        await diffMigrationRun(olds, { ...INPUTS, __provider: "new code" } as MigrationRunInputs),
      ).to.deep.equal({
        changes: false,
      });
    });

    it("replaces, and so runs again, only when appVersion changes", async () => {
      expect(await diffMigrationRun(olds, { ...INPUTS, appVersion: "v1.67.0" })).to.deep.equal({
        changes: true,
        replaces: ["appVersion"],
      });
    });

    it("updates without replacing for any other change", async () => {
      const others: Partial<MigrationRunInputs>[] = [
        { taskDefinitionArn: "arn:aws:ecs:eu-central-2:123456789012:task-definition/migrate:8" },
        { subnetIds: ["subnet-public-a"] },
        { securityGroupIds: ["sg-other"] },
        { assignPublicIp: false },
        { timeoutMinutes: 90 },
        { assumeRoleArn: "arn:aws:iam::123456789012:role/deployer" },
        { drain: DRAIN },
      ];
      for (const change of others) {
        expect(await diffMigrationRun(olds, { ...INPUTS, ...change })).to.deep.equal({
          changes: true,
        });
      }
    });

    it("never runs the migration again for a new drain", async () => {
      const withDrain = { ...olds, drain: DRAIN };
      const news = { ...INPUTS, drain: { ...DRAIN, serviceNames: ["core"] } };
      expect(await diffMigrationRun(withDrain, news)).to.deep.equal({ changes: true });
      expect(await diffMigrationRun(withDrain, INPUTS)).to.deep.equal({ changes: true });
      expect(await diffMigrationRun(withDrain, { ...INPUTS, drain: DRAIN })).to.deep.equal({
        changes: false,
      });
    });

    it("plans a replacement when appVersion is unknown during preview", async () => {
      expect(
        await diffMigrationRun(olds, { ...INPUTS, appVersion: PREVIEW_UNKNOWN }),
      ).to.deep.equal({
        changes: true,
        replaces: ["appVersion"],
      });
    });
  });

  describe("migrationRunProvider.check", () => {
    it("accepts valid inputs", async () => {
      expect(await checkMigrationRunInputs({ ...INPUTS, timeoutMinutes: 90 })).to.deep.equal([]);
    });

    it("rejects a drain whose service names are not a list", async () => {
      const drain = { clusterArn: CLUSTER, serviceNames: "core" } as unknown as typeof DRAIN;
      expect(await checkMigrationRunInputs({ ...INPUTS, drain })).to.deep.equal([
        {
          property: "drain",
          reason: '`drain.serviceNames` must be a list of ECS service names, not "core".',
        },
      ]);
    });

    it("rejects an empty version, no subnets and a non-positive timeout", async () => {
      expect(
        await checkMigrationRunInputs({
          ...INPUTS,
          appVersion: "",
          subnetIds: [],
          timeoutMinutes: -1,
        }),
      ).to.deep.equal([
        { property: "appVersion", reason: "`appVersion` must not be empty." },
        { property: "subnetIds", reason: "`subnetIds` needs at least one subnet." },
        {
          property: "timeoutMinutes",
          reason: "`timeoutMinutes` must be a positive number of minutes, not -1.",
        },
      ]);
    });
  });

  describe("taskFamilyOf", () => {
    it("reads the family from an ARN, a family:revision or a bare family", async () => {
      expect(taskFamilyOf(TASK_DEFINITION)).to.equal("migrate");
      expect(taskFamilyOf("migrate:7")).to.equal("migrate");
      expect(taskFamilyOf("migrate")).to.equal("migrate");
    });
  });

  describe("migrationRunProvider", () => {
    it("creates with the task ARN as id, through real clients", async () => {
      launchWith(stopped({ exitCode: 0 }));
      const created = await migrationRunProvider.create(INPUTS);
      expect(created).to.deep.equal({ id: TASK_ARN, outs: { ...INPUTS, ...RUN_OUTPUTS } });
    });

    it("updates without launching anything, keeping the run it already recorded", async () => {
      const news = {
        ...INPUTS,
        subnetIds: ["subnet-public-c"],
        taskDefinitionArn: "migrate:8",
        drain: DRAIN,
      };
      const updated = await migrationRunProvider.update!(
        TASK_ARN,
        { ...INPUTS, ...RUN_OUTPUTS },
        news,
      );
      expect(updated).to.deep.equal({ outs: { ...news, ...RUN_OUTPUTS } });
      expect(sentCommands()).to.deep.equal([]);
    });

    it("checks, diffs and deletes without any AWS call", async () => {
      const olds = { ...INPUTS, ...RUN_OUTPUTS };
      expect(await migrationRunProvider.check!(INPUTS, INPUTS)).to.deep.equal({
        inputs: INPUTS,
        failures: [],
      });
      expect(await migrationRunProvider.diff!(TASK_ARN, olds, INPUTS)).to.deep.equal({
        changes: false,
      });
      await migrationRunProvider.delete!(TASK_ARN, olds);
      expect(sentCommands()).to.deep.equal([]);
    });

    it("has no read, so a refresh keeps the recorded run instead of asking ECS", () => {
      expect(migrationRunProvider.read).to.equal(undefined);
    });
  });
});
