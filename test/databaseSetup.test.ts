/*
 * DatabaseSetup and InitialMigration: the shared one-off runner with their own words, tags and
 * triggers. What these tests cannot prove: that ECS runs the psql image as asked or that the
 * engine calls create only when a trigger changes; aws-sdk-client-mock stands in for ECS and
 * CloudWatch Logs, and a real `pulumi up` proves the rest.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  Task,
} from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { PREVIEW_UNKNOWN } from "../components/providers/awsClients";
import {
  DATABASE_SETUP_PURPOSE,
  DatabaseSetupInputs,
  checkDatabaseSetupInputs,
  databaseSetupProvider,
} from "../components/providers/databaseSetup";
import {
  INITIAL_MIGRATION_PURPOSE,
  InitialMigrationInputs,
  initialMigrationProvider,
} from "../components/providers/initialMigration";
import { migrationRunProvider } from "../components/providers/migrationRun";
import { OneOffTaskRunner } from "../components/providers/taskRun";
import { FakeClock, rejectionOf } from "./fakes";

const REGION = "eu-central-2";
const CLUSTER = "arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-production";
const SETUP_DEFINITION =
  "arn:aws:ecs:eu-central-2:123456789012:task-definition/graasp-production-db-setup:3";
const TASK_ID = "5a4b3c2d1e0f";
const TASK_ARN = `arn:aws:ecs:eu-central-2:123456789012:task/graasp-production/${TASK_ID}`;
const STARTED_AT = new Date("2026-11-28T10:00:00.000Z");
const STOPPED_AT = new Date("2026-11-28T10:01:10.000Z");

const COMMON = {
  region: REGION,
  clusterArn: CLUSTER,
  subnetIds: ["subnet-private-a"],
  assignPublicIp: false,
  logStreamPrefix: "ecs",
  timeoutMinutes: 15,
};
const SETUP: DatabaseSetupInputs = {
  ...COMMON,
  taskDefinitionArn: SETUP_DEFINITION,
  securityGroupIds: ["sg-db-setup"],
  containerName: "db-setup",
  logGroupName: "/graasp/production/db-setup",
  instanceId: "db-ABCDEFGHIJKL",
  databases: ["etherpad", "umami"],
};
const INITIAL: InitialMigrationInputs = {
  ...COMMON,
  taskDefinitionArn:
    "arn:aws:ecs:eu-central-2:123456789012:task-definition/graasp-production-migrate:5",
  securityGroupIds: ["sg-migrate"],
  containerName: "migrate",
  logGroupName: "/graasp/production/migrate",
  instanceId: "db-ABCDEFGHIJKL",
  appVersion: "v1.66.0",
  timeoutMinutes: 60,
};
const RECORD = {
  taskArn: TASK_ARN,
  exitCode: 0,
  startedAt: "2026-11-28T10:00:00.000Z",
  stoppedAt: "2026-11-28T10:01:10.000Z",
};

const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);

function stopped(container: string, exitCode: number | undefined): Task {
  return {
    taskArn: TASK_ARN,
    lastStatus: "STOPPED",
    startedAt: STARTED_AT,
    stoppedAt: STOPPED_AT,
    stoppedReason: "Essential container in task exited",
    stopCode: "EssentialContainerExited",
    containers: [{ name: container, lastStatus: "STOPPED", exitCode }],
  };
}

function launchWith(task: Task): void {
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: "PROVISIONING" }] });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [task] });
}

describe("DatabaseSetup and InitialMigration providers", () => {
  beforeEach(() => {
    ecs.reset();
    logs.reset();
  });
  after(() => {
    ecs.restore();
    logs.restore();
  });

  describe("databaseSetupProvider", () => {
    it("creates by running the setup task once, tagged with its databases", async () => {
      launchWith(stopped("db-setup", 0));
      const created = await databaseSetupProvider.create(SETUP);
      expect(created).to.deep.equal({ id: TASK_ARN, outs: { ...SETUP, ...RECORD } });
      expect(ecs.commandCalls(ListTasksCommand)[0].args[0].input).to.deep.equal({
        cluster: CLUSTER,
        family: "graasp-production-db-setup",
        desiredStatus: "RUNNING",
      });
      expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input).to.deep.equal({
        cluster: CLUSTER,
        taskDefinition: SETUP_DEFINITION,
        launchType: "FARGATE",
        count: 1,
        startedBy: "graasp-database-setup",
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ["subnet-private-a"],
            securityGroups: ["sg-db-setup"],
            assignPublicIp: "DISABLED",
          },
        },
        tags: [
          { key: "graasp:purpose", value: "database-setup" },
          { key: "graasp:databases", value: "etherpad umami" },
        ],
      });
    });

    it("fails with its own words, the exit code and the log tail", async () => {
      launchWith(stopped("db-setup", 3));
      logs.on(GetLogEventsCommand).resolves({
        events: [
          { message: "database etherpad, user etherpad" },
          { message: 'psql:<stdin>:5: ERROR:  role "etherpad" already exists at character 13' },
        ],
      });
      const error = await rejectionOf(databaseSetupProvider.create(SETUP));
      expect(error.message).to.equal(
        [
          `Database setup task ${TASK_ARN} failed: container "db-setup" exited with code 3.`,
          "Task stopped reason: Essential container in task exited (stop code EssentialContainerExited).",
          "Container reason: none.",
          `Last 2 log lines (log group /graasp/production/db-setup, stream ecs/db-setup/${TASK_ID}):`,
          "  database etherpad, user etherpad",
          '  psql:<stdin>:5: ERROR:  role "etherpad" already exists at character 13',
          "The setup script is idempotent: read the log, fix the cause (a password the database refuses, a conflicting role or database), then run `pulumi up` again to run it again.",
        ].join("\n"),
      );
    });

    it("refuses to start while a setup task runs, and launches nothing", async () => {
      const running = `${TASK_ARN}-other`;
      ecs.on(ListTasksCommand).resolves({ taskArns: [running] });
      const error = await rejectionOf(databaseSetupProvider.create(SETUP));
      expect(error.message).to.equal(
        `A database setup of task family "graasp-production-db-setup" is already running in cluster ${CLUSTER}: ${running}. Wait for it to finish, or stop it with \`aws ecs stop-task --region eu-central-2 --cluster ${CLUSTER} --task ${running}\`, then run \`pulumi up\` again.`,
      );
      expect(ecs.commandCalls(RunTaskCommand)).to.have.length(0);
    });

    it("runs again for a new instance, a new task definition or other databases; nothing else", async () => {
      const olds = { ...SETUP, ...RECORD };
      const diff = (news: Partial<DatabaseSetupInputs>) =>
        databaseSetupProvider.diff!(TASK_ARN, olds, { ...SETUP, ...news });
      expect(await diff({})).to.deep.equal({ changes: false });
      expect(await diff({ instanceId: "db-RESTORED" })).to.deep.equal({
        changes: true,
        replaces: ["instanceId"],
      });
      // A changed password is a new secret version, which the task definition pins.
      expect(await diff({ taskDefinitionArn: SETUP_DEFINITION.replace(":3", ":4") })).to.deep.equal(
        { changes: true, replaces: ["taskDefinitionArn"] },
      );
      expect(await diff({ databases: ["etherpad", "umami", "analytics"] })).to.deep.equal({
        changes: true,
        replaces: ["databases"],
      });
      expect(await diff({ instanceId: PREVIEW_UNKNOWN })).to.deep.equal({
        changes: true,
        replaces: ["instanceId"],
      });
      expect(await diff({ subnetIds: ["subnet-private-b"], timeoutMinutes: 20 })).to.deep.equal({
        changes: true,
      });
    });

    it("updates other inputs without launching anything", async () => {
      const news = { ...SETUP, subnetIds: ["subnet-private-b"] };
      const updated = await databaseSetupProvider.update!(TASK_ARN, { ...SETUP, ...RECORD }, news);
      expect(updated).to.deep.equal({ outs: { ...news, ...RECORD } });
      expect(ecs.calls()).to.have.length(0);
    });

    it("checks its own inputs with the common ones", async () => {
      expect(await databaseSetupProvider.check!(SETUP, SETUP)).to.deep.equal({
        inputs: SETUP,
        failures: [],
      });
      expect(
        checkDatabaseSetupInputs({ ...SETUP, instanceId: "", databases: "etherpad" as never }),
      ).to.deep.equal([
        { property: "instanceId", reason: "`instanceId` must not be empty." },
        {
          property: "databases",
          reason: '`databases` must be a list of database names, not "etherpad".',
        },
      ]);
      const checked = await databaseSetupProvider.check!(SETUP, { ...SETUP, subnetIds: [] });
      expect(checked.failures).to.deep.equal([
        { property: "subnetIds", reason: "`subnetIds` needs at least one subnet." },
      ]);
    });
  });

  describe("initialMigrationProvider", () => {
    it("runs the migrate task of the day's appVersion when created", async () => {
      launchWith(stopped("migrate", 0));
      const created = await initialMigrationProvider.create(INITIAL);
      expect(created).to.deep.equal({ id: TASK_ARN, outs: { ...INITIAL, ...RECORD } });
      const run = ecs.commandCalls(RunTaskCommand)[0].args[0].input;
      expect(run.startedBy).to.equal("graasp-initial-migration");
      expect(run.tags).to.deep.equal([
        { key: "graasp:purpose", value: "initial-migration" },
        { key: "graasp:app-version", value: "v1.66.0" },
      ]);
    });

    it("runs again only for a new instance, never for a new appVersion", async () => {
      const olds = { ...INITIAL, ...RECORD };
      expect(
        await initialMigrationProvider.diff!(TASK_ARN, olds, { ...INITIAL, appVersion: "v1.67.0" }),
      ).to.deep.equal({ changes: true });
      expect(
        await initialMigrationProvider.diff!(TASK_ARN, olds, { ...INITIAL, instanceId: "db-NEW" }),
      ).to.deep.equal({ changes: true, replaces: ["instanceId"] });
      // The release migration keeps its trigger.
      expect(
        await migrationRunProvider.diff!(
          TASK_ARN,
          { ...INITIAL, ...RECORD },
          { ...INITIAL, appVersion: "v1.67.0" },
        ),
      ).to.deep.equal({ changes: true, replaces: ["appVersion"] });
    });

    it("says the new database may be partly migrated when the container failed", async () => {
      launchWith(stopped("migrate", 1));
      logs.on(GetLogEventsCommand).resolves({ events: [] });
      const error = await rejectionOf(initialMigrationProvider.create(INITIAL));
      expect(error.message.split("\n")[0]).to.equal(
        `Initial migration task ${TASK_ARN} failed: container "migrate" exited with code 1.`,
      );
      expect(error.message.split("\n").pop()).to.equal(INITIAL_MIGRATION_PURPOSE.adviceWhenRan);
    });

    it("rejects an empty instance id or appVersion", async () => {
      const checked = await initialMigrationProvider.check!(INITIAL, {
        ...INITIAL,
        instanceId: "",
        appVersion: "",
      });
      expect(checked.failures).to.deep.equal([
        { property: "instanceId", reason: "`instanceId` must not be empty." },
        { property: "appVersion", reason: "`appVersion` must not be empty." },
      ]);
    });
  });

  describe("OneOffTaskRunner", () => {
    it("times out with the purpose's words, leaving the task running", async () => {
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
      ecs
        .on(DescribeTasksCommand)
        .resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: "RUNNING" }] });
      const runner = new OneOffTaskRunner(
        new ECSClient({ region: REGION }),
        new CloudWatchLogsClient({ region: REGION }),
        DATABASE_SETUP_PURPOSE,
        new FakeClock(),
      );
      const error = await rejectionOf(runner.run({ ...SETUP, timeoutMinutes: 1 }));
      expect(error.message).to.equal(
        `Database setup task ${TASK_ARN} did not stop within 1 minutes (last status RUNNING); it is still running and was not stopped. Watch it in the ECS console, or stop it with \`aws ecs stop-task --region eu-central-2 --cluster ${CLUSTER} --task ${TASK_ARN}\`, then run \`pulumi up\` again.`,
      );
    });
  });
});
