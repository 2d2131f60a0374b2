/*
 * The database's lifecycle guards: the RDS log groups the program owns, and the refusal of a
 * PostgreSQL downgrade. What this cannot prove: that RDS writes to exactly these log groups
 * (AWS documents `/aws/rds/instance/<identifier>/<log>`), or how the engine prints a check
 * failure; a `pulumi preview` with a lowered `engineMajorVersion` on a real stack shows that.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { LOG_RETENTION_DAYS } from "../config";
import { PREVIEW_UNKNOWN } from "../components/providers/awsClients";
import {
  assertNoDowngrade,
  checkEngineVersionGuardInputs,
  EngineVersionGuardInputs,
  engineVersionGuardProvider,
  majorOf,
} from "../components/providers/engineVersionGuard";
import { REGIONS, STACKS } from "./fixtures";
import { named } from "./mocks";
import { scenario } from "./scenarios";
import { rejectionOf } from "./fakes";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const INPUTS: EngineVersionGuardInputs = {
  instanceIdentifier: "graasp-production",
  region: "eu-central-2",
  engineMajorVersion: 16,
  configKey: "graasp:database.engineMajorVersion",
};
const rds = mockClient(RDSClient);

for (const stack of STACKS)
  describe(`database guards of ${stack}`, function () {
    this.timeout(30_000);

    it("creates the RDS log groups with the stack's retention, protected, before the instance", async () => {
      const { registrations } = await scenario(stack, "running");
      const instance = named(registrations, "aws:rds/instance:Instance", "database-instance");
      for (const log of ["postgresql", "upgrade"]) {
        const group = named(registrations, LOG_GROUP, `database-${log}-logs`);
        expect(group.inputs).to.deep.equal({
          name: `/aws/rds/instance/graasp-${stack}/${log}`,
          retentionInDays: LOG_RETENTION_DAYS[stack],
          tags: { "graasp:environment": stack },
        });
        expect(group.protect).to.equal(true);
        expect(instance.dependencies).to.include(group.urn);
      }
      expect(instance.inputs.enabledCloudwatchLogsExports).to.deep.equal(["postgresql", "upgrade"]);
    });

    it("guards the engine version before the parameter group and the instance", async () => {
      const { registrations } = await scenario(stack, "stopped");
      const guard = named(registrations, DYNAMIC, "database-engine-guard");
      const { __provider, ...inputs } = guard.inputs;
      expect(inputs).to.deep.equal({
        instanceIdentifier: `graasp-${stack}`,
        region: REGIONS[stack],
        engineMajorVersion: 16,
        configKey: "graasp:database.engineMajorVersion",
      });
      for (const [type, name] of [
        ["aws:rds/instance:Instance", "database-instance"],
        ["aws:rds/parameterGroup:ParameterGroup", "database-parameters"],
      ])
        expect(named(registrations, type, name).dependencies, name).to.include(guard.urn);
    });
  });

describe("EngineVersionGuard provider", () => {
  beforeEach(() => rds.reset());
  after(() => rds.restore());

  it("refuses a major below the stored one, offline, with the fix", () => {
    expect(
      checkEngineVersionGuardInputs({ ...INPUTS, engineMajorVersion: 17 }, INPUTS),
    ).to.deep.equal([
      {
        property: "engineMajorVersion",
        reason:
          "`graasp:database.engineMajorVersion` is 16, but RDS instance \"graasp-production\" was deployed with PostgreSQL 17: RDS cannot downgrade a major version. Fix: pulumi config set --path 'database.engineMajorVersion' 17 (going back to 16 means restoring a snapshot taken before the upgrade into a new instance).",
      },
    ]);
    expect(rds.calls()).to.deep.equal([]);
  });

  it("accepts the first deployment, the same major, an upgrade and an unknown value", () => {
    expect(checkEngineVersionGuardInputs({}, INPUTS)).to.deep.equal([]);
    expect(checkEngineVersionGuardInputs(INPUTS, INPUTS)).to.deep.equal([]);
    expect(
      checkEngineVersionGuardInputs(INPUTS, { ...INPUTS, engineMajorVersion: 17 }),
    ).to.deep.equal([]);
    expect(
      checkEngineVersionGuardInputs(INPUTS, {
        ...INPUTS,
        engineMajorVersion: PREVIEW_UNKNOWN as unknown as number,
      }),
    ).to.deep.equal([]);
    expect(
      checkEngineVersionGuardInputs(INPUTS, {
        ...INPUTS,
        engineMajorVersion: "16" as unknown as number,
      }),
    ).to.deep.equal([
      {
        property: "engineMajorVersion",
        reason: '`engineMajorVersion` must be a whole number, not "16".',
      },
    ]);
  });

  it("reads the major from RDS's engine version", () => {
    expect([majorOf("16.11"), majorOf("17"), majorOf(undefined), majorOf("x")]).to.deep.equal([
      16,
      17,
      undefined,
      undefined,
    ]);
  });

  it("on create, passes a missing instance and refuses one that already runs a newer major", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(new DBInstanceNotFoundFault({ message: "not found", $metadata: {} }))
      .resolvesOnce({ DBInstances: [{ EngineVersion: "16.11" }] })
      .resolves({ DBInstances: [{ EngineVersion: "17.6" }] });
    expect(await engineVersionGuardProvider.create(INPUTS)).to.deep.equal({
      id: "graasp-production",
      outs: INPUTS,
    });
    expect(await engineVersionGuardProvider.create(INPUTS)).to.deep.equal({
      id: "graasp-production",
      outs: INPUTS,
    });
    const error = await rejectionOf(engineVersionGuardProvider.create(INPUTS));
    expect(error.message).to.equal(
      "`graasp:database.engineMajorVersion` is 16, but RDS instance \"graasp-production\" runs PostgreSQL 17.6: RDS cannot downgrade a major version. Fix: pulumi config set --path 'database.engineMajorVersion' 17 (going back to 16 means restoring a snapshot taken before the upgrade into a new instance).",
    );
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0].args[0].input).to.deep.equal({
      DBInstanceIdentifier: "graasp-production",
    });
  });

  it("fails with the cause when the instance cannot be read", async () => {
    const denied = new Error("not authorized to perform: rds:DescribeDBInstances");
    denied.name = "AccessDenied";
    rds.on(DescribeDBInstancesCommand).rejects(denied);
    const error = await rejectionOf(assertNoDowngrade(new RDSClient({}), INPUTS));
    expect(error.message).to.equal(
      'Could not read the engine version of RDS instance "graasp-production" to refuse a downgrade: AccessDenied: not authorized to perform: rds:DescribeDBInstances. Check that the credentials in use may call rds:DescribeDBInstances, then run `pulumi up` again.',
    );
  });

  it("diffs on any changed input, and deletes without a call", async () => {
    expect(await engineVersionGuardProvider.diff!("id", INPUTS, INPUTS)).to.deep.equal({
      changes: false,
    });
    expect(
      await engineVersionGuardProvider.diff!("id", INPUTS, { ...INPUTS, engineMajorVersion: 17 }),
    ).to.deep.equal({ changes: true });
    await engineVersionGuardProvider.delete!("id", INPUTS);
    expect(rds.calls()).to.deep.equal([]);
  });
});
