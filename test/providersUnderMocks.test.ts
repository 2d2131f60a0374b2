/*
 * What these tests cannot prove: that the Pulumi engine's dynamic provider host loads these
 * closures exactly as done here (it uses require-from-string in the project directory), or
 * anything AWS does. They prove that both resources register under the shared mocks with
 * their inputs and a serialized provider, that the serialization is paid once per process, and
 * that the serialized code runs on its own against mocked SDK clients.
 */
import { expect } from "chai";
import Module from "module";
import * as path from "path";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeDBInstancesCommand, RDSClient, StopDBInstanceCommand } from "@aws-sdk/client-rds";
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  ServiceNotFoundException,
} from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import { DatabasePower } from "../components/providers/databasePower";
import { DeploymentCheck } from "../components/providers/deploymentCheck";
import { EngineVersionGuard } from "../components/providers/engineVersionGuard";
import { ServiceLinkedRole } from "../components/providers/serviceLinkedRole";
import { ServicesDrained } from "../components/providers/servicesDrained";
import { MigrationRun, MigrationRunArgs } from "../components/providers/migrationRun";
import { named, resetRegistrations, settle, useStack } from "./mocks";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const DATABASE_ARGS = {
  instanceIdentifier: "graasp-staging",
  region: "eu-central-2",
  desiredState: "stopped" as const,
};
const DRAIN = {
  clusterArn: "arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-staging",
  serviceNames: ["core"],
};
const DEPLOYMENT_CHECK_ARGS = {
  region: "eu-central-2",
  clusterArn: "arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-staging",
  serviceName: "core",
  taskDefinitionArn: "arn:aws:ecs:eu-central-2:123456789012:task-definition/core:2",
  desiredCount: 1,
};
const MIGRATION_ARGS: MigrationRunArgs = {
  region: "eu-central-2",
  clusterArn: "arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-staging",
  taskDefinitionArn: "arn:aws:ecs:eu-central-2:123456789012:task-definition/migrate:1",
  subnetIds: ["subnet-public-a"],
  securityGroupIds: ["sg-migrate"],
  assignPublicIp: true,
  containerName: "migrate",
  logGroupName: "/ecs/migrate",
  logStreamPrefix: "ecs",
  appVersion: "v1.66.0",
};

/** Loads a serialized provider the way the dynamic provider host does, from this directory. */
function loadSerializedProvider(text: string): ResourceProvider {
  const filename = path.join(__dirname, "serialized-provider.js");
  const loaded = new Module(filename, module);
  loaded.filename = filename;
  loaded.paths = module.paths;
  // `_compile` is Node's internal entry point, the one require-from-string uses too.
  (loaded as unknown as { _compile(code: string, file: string): void })._compile(text, filename);
  return (loaded.exports as { handler(): ResourceProvider }).handler();
}

describe("dynamic providers under the shared mocks", function () {
  // The first serialization in a process has a fixed cost of several hundred milliseconds.
  this.timeout(10_000);

  before(() => useStack("staging"));
  beforeEach(() => resetRegistrations());

  it("registers DatabasePower as a dynamic resource with its inputs and a provider", async () => {
    new DatabasePower("database-power", DATABASE_ARGS);
    const registration = named(await settle(), DYNAMIC, "database-power");
    const { __provider, ...inputs } = registration.inputs;
    expect(inputs).to.deep.equal(DATABASE_ARGS);
    expect(__provider)
      .to.be.a("string")
      .and.match(/^exports\.handler = /);
  });

  it("registers MigrationRun as a dynamic resource with its inputs and a provider", async () => {
    new MigrationRun("migration", MIGRATION_ARGS);
    const registration = named(await settle(), DYNAMIC, "migration");
    const { __provider, ...inputs } = registration.inputs;
    expect(inputs).to.deep.equal(MIGRATION_ARGS);
    expect(__provider)
      .to.be.a("string")
      .and.match(/^exports\.handler = /);
  });

  it("serializes each provider once per process, however many resources use it", async () => {
    new DatabasePower("database-power-first", DATABASE_ARGS);
    new MigrationRun("migration-first", MIGRATION_ARGS);
    await settle();
    // dynamic/index.js looks serializeFunction up on this module at each call, so a spy sees it.
    const closure: {
      serializeFunction: (...args: unknown[]) => unknown;
    } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    const original = closure.serializeFunction;
    let serializations = 0;
    closure.serializeFunction = (...args) => {
      serializations++;
      return original(...args);
    };
    try {
      for (let index = 0; index < 10; index++) {
        new DatabasePower(`database-power-${index}`, DATABASE_ARGS);
        new MigrationRun(`migration-${index}`, MIGRATION_ARGS);
      }
      const registrations = await settle();
      expect(registrations).to.have.length(22);
      expect(serializations).to.equal(0);
      expect(new Set(registrations.map((r) => r.inputs.__provider)).size).to.equal(2);
    } finally {
      closure.serializeFunction = original;
    }
  });

  it("keeps the AWS SDK out of the serialized code, loading it at run time", async () => {
    new DatabasePower("database-power", DATABASE_ARGS);
    new MigrationRun("migration", MIGRATION_ARGS);
    const registrations = await settle();
    for (const name of ["database-power", "migration"]) {
      const text: string = named(registrations, DYNAMIC, name).inputs.__provider;
      expect(text.length).to.be.below(60_000);
      expect(text).not.to.contain("@pulumi/pulumi");
      expect(text).to.contain('require("@aws-sdk/');
    }
  });

  it("serializes the deployment check, drain check, engine guard and service-linked role on their own", async () => {
    new DeploymentCheck("core-deployment-check", DEPLOYMENT_CHECK_ARGS);
    new ServicesDrained("redis-clients-drained", { region: "eu-central-2", drain: DRAIN });
    new EngineVersionGuard("database-engine-guard", {
      instanceIdentifier: "graasp-staging",
      region: "eu-central-2",
      engineMajorVersion: 16,
      configKey: "graasp:database.engineMajorVersion",
    });
    new ServiceLinkedRole("cluster-ecs-service-role", {
      awsServiceName: "ecs.amazonaws.com",
      region: "eu-central-2",
    });
    const registrations = await settle();
    for (const name of [
      "core-deployment-check",
      "redis-clients-drained",
      "database-engine-guard",
      "cluster-ecs-service-role",
    ]) {
      const text: string = named(registrations, DYNAMIC, name).inputs.__provider;
      expect(text.length, name).to.be.below(60_000);
      expect(text, name).not.to.contain("@pulumi/pulumi");
      expect(text, name).to.contain('require("@aws-sdk/');
    }
  });

  describe("the serialized code, loaded on its own", () => {
    const rds = mockClient(RDSClient);
    const ecs = mockClient(ECSClient);
    const logs = mockClient(CloudWatchLogsClient);
    // Other test files stub the same client classes; resetting re-installs these stubs.
    beforeEach(() => [rds, ecs, logs].forEach((mock) => mock.reset()));
    after(() => [rds, ecs, logs].forEach((mock) => mock.restore()));

    async function serializedProvider(name: string): Promise<ResourceProvider> {
      return loadSerializedProvider(named(await settle(), DYNAMIC, name).inputs.__provider);
    }

    it("runs DatabasePower's create and diff", async () => {
      new DatabasePower("database-power", DATABASE_ARGS);
      const provider = await serializedProvider("database-power");
      rds.on(DescribeDBInstancesCommand).resolves({
        DBInstances: [{ DBInstanceIdentifier: "graasp-staging", DBInstanceStatus: "stopped" }],
      });
      const created = await provider.create(DATABASE_ARGS);
      expect(created).to.deep.equal({
        id: "graasp-staging",
        outs: { ...DATABASE_ARGS, status: "stopped" },
      });
      const diff = await provider.diff!("graasp-staging", created.outs, {
        ...DATABASE_ARGS,
        desiredState: "available",
      });
      expect(diff).to.deep.equal({ changes: true });
    });

    it("runs DatabasePower's drain check before a stop, and a drain-only update", async () => {
      new DatabasePower("database-power", { ...DATABASE_ARGS, drain: DRAIN });
      const registration = named(await settle(), DYNAMIC, "database-power");
      expect(registration.inputs.drain).to.deep.equal(DRAIN);
      const provider = loadSerializedProvider(registration.inputs.__provider);
      rds.on(DescribeDBInstancesCommand).resolves({
        DBInstances: [{ DBInstanceIdentifier: "graasp-staging", DBInstanceStatus: "available" }],
      });
      ecs
        .on(ListTasksCommand)
        .rejects(new ServiceNotFoundException({ message: "Service not found.", $metadata: {} }));
      const inputs = { ...DATABASE_ARGS, drain: DRAIN };
      const error = await provider.create(inputs).catch((e: Error) => e);
      expect((error as Error).message).to.match(
        /^Could not check whether ECS service "core" of cluster .*: ServiceNotFoundException: Service not found\. /,
      );
      expect(rds.commandCalls(StopDBInstanceCommand)).to.deep.equal([]);
      rds.reset();
      ecs.reset();
      const olds = { ...inputs, status: "stopped" };
      const updated = await provider.update!("graasp-staging", olds, {
        ...inputs,
        drain: { ...DRAIN, serviceNames: ["core", "umami"] },
      });
      expect(updated.outs).to.deep.include({ status: "stopped" });
      expect([...rds.calls(), ...ecs.calls()]).to.deep.equal([]);
    });

    it("runs DeploymentCheck's create, failing on a rollback", async () => {
      new DeploymentCheck("core-deployment-check", DEPLOYMENT_CHECK_ARGS);
      const provider = await serializedProvider("core-deployment-check");
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            status: "ACTIVE",
            deployments: [
              {
                status: "PRIMARY",
                taskDefinition: "arn:aws:ecs:eu-central-2:123456789012:task-definition/core:1",
                rolloutState: "COMPLETED",
              },
            ],
          },
        ],
      });
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      const error = await provider.create(DEPLOYMENT_CHECK_ARGS).catch((e: Error) => e);
      expect((error as Error).message).to.match(
        /^ECS rolled back the deployment of ECS service "core" .*task-definition\/core:1, not .*task-definition\/core:2, which this update registered\.\nRollback reason: not reported by ECS\./,
      );
    });

    it("runs MigrationRun's create", async () => {
      new MigrationRun("migration", MIGRATION_ARGS);
      const provider = await serializedProvider("migration");
      const taskArn = "arn:aws:ecs:eu-central-2:123456789012:task/graasp-staging/abc";
      const stoppedAt = new Date("2026-11-28T10:00:00.000Z");
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn }] });
      ecs.on(DescribeTasksCommand).resolves({
        tasks: [
          {
            taskArn,
            lastStatus: "STOPPED",
            startedAt: stoppedAt,
            stoppedAt,
            containers: [{ name: "migrate", exitCode: 0 }],
          },
        ],
      });
      const created = await provider.create(MIGRATION_ARGS);
      expect(created.id).to.equal(taskArn);
      expect(created.outs).to.deep.include({ taskArn, exitCode: 0 });
    });
  });
});
