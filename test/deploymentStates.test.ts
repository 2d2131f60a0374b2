/*
 * The deployment-state table and the decisions derived from it (pure functions). What this
 * cannot prove: how long AWS takes to drain, stop or start; the stack tests show the resources
 * these decisions produce.
 */
import { expect } from "chai";
import {
  DEPLOYMENT_STATES,
  STATE_TABLE,
  isDeploymentState,
  tierBehindMaintenance,
  tierRuns,
} from "../components/deploymentStates";
import { internalServicesFirst, transitionOrder } from "../components/transitions";
import { capacityProviderStrategy, countPlan } from "../components/scaling";

describe("deployment-state table", () => {
  it("lists exactly the four states", () => {
    expect(DEPLOYMENT_STATES).to.deep.equal(["running", "restricted", "db-only", "stopped"]);
    expect(Object.keys(STATE_TABLE)).to.deep.equal(["running", "restricted", "db-only", "stopped"]);
    expect(isDeploymentState("db-only")).to.equal(true);
    expect(isDeploymentState("paused")).to.equal(false);
  });

  const expectations = {
    running: {
      core: true,
      administration: true,
      maintenance: false,
      coreGated: false,
      adminGated: false,
      power: "available",
      migration: false,
    },
    restricted: {
      core: true,
      administration: true,
      maintenance: true,
      coreGated: true,
      adminGated: false,
      power: "available",
      migration: false,
    },
    "db-only": {
      core: false,
      administration: true,
      maintenance: true,
      coreGated: true,
      adminGated: false,
      power: "available",
      migration: true,
    },
    stopped: {
      core: false,
      administration: false,
      maintenance: true,
      coreGated: true,
      adminGated: true,
      power: "stopped",
      migration: false,
    },
  } as const;

  for (const state of DEPLOYMENT_STATES)
    it(`${state}: tiers, maintenance, database power and migration`, () => {
      const behaviour = STATE_TABLE[state];
      const expected = expectations[state];
      expect(tierRuns(behaviour, "core")).to.equal(expected.core);
      expect(tierRuns(behaviour, "administration")).to.equal(expected.administration);
      expect(behaviour.maintenance).to.equal(expected.maintenance);
      expect(tierBehindMaintenance(behaviour, "core")).to.equal(expected.coreGated);
      expect(tierBehindMaintenance(behaviour, "administration")).to.equal(expected.adminGated);
      expect(behaviour.databasePower).to.equal(expected.power);
      expect(behaviour.runsMigration).to.equal(expected.migration);
    });

  it("lets tasks run (and keeps the NAT) exactly where a tier runs or a migration starts", () => {
    expect(DEPLOYMENT_STATES.filter((state) => STATE_TABLE[state].tasksMayRun)).to.deep.equal([
      "running",
      "restricted",
      "db-only",
    ]);
    for (const state of DEPLOYMENT_STATES) {
      const behaviour = STATE_TABLE[state];
      expect(behaviour.tasksMayRun, state).to.equal(
        behaviour.runningTiers.length > 0 || behaviour.runsMigration,
      );
    }
  });

  it("cannot be changed at run time", () => {
    expect(Object.isFrozen(STATE_TABLE)).to.equal(true);
    expect(Object.isFrozen(STATE_TABLE.running)).to.equal(true);
    expect(Object.isFrozen(STATE_TABLE.running.runningTiers)).to.equal(true);
  });
});

describe("transition order", () => {
  it("stops the database only after the services in stopped", () => {
    expect(transitionOrder(STATE_TABLE.stopped)).to.deep.equal({
      databaseWaitsForServices: true,
      servicesWaitForDatabase: false,
      migrationWaitsForTiers: [],
    });
  });

  for (const state of ["running", "restricted"] as const)
    it(`starts the database before any service in ${state}`, () => {
      expect(transitionOrder(STATE_TABLE[state])).to.deep.equal({
        databaseWaitsForServices: false,
        servicesWaitForDatabase: true,
        migrationWaitsForTiers: [],
      });
    });

  it("migrates in db-only after the database and the drained core tier", () => {
    expect(transitionOrder(STATE_TABLE["db-only"])).to.deep.equal({
      databaseWaitsForServices: false,
      servicesWaitForDatabase: true,
      migrationWaitsForTiers: ["core"],
    });
  });
});

describe("internal services and their clients", () => {
  it("start servers first where the tier runs, stop clients first where it does not", () => {
    expect(
      DEPLOYMENT_STATES.map((state) => internalServicesFirst(STATE_TABLE[state], "core")),
    ).to.deep.equal([true, true, false, false]);
    expect(
      DEPLOYMENT_STATES.map((state) => internalServicesFirst(STATE_TABLE[state], "administration")),
    ).to.deep.equal([true, true, true, false]);
  });
});

describe("capacity provider strategy", () => {
  it("none: on-demand Fargate only", () => {
    expect(capacityProviderStrategy("none")).to.deep.equal([
      { capacityProvider: "FARGATE", base: 0, weight: 1 },
    ]);
  });
  it("only: Fargate Spot only", () => {
    expect(capacityProviderStrategy("only")).to.deep.equal([
      { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 },
    ]);
  });
  it("upscale: one on-demand task, then Spot, every weight above 0", () => {
    const strategy = capacityProviderStrategy("upscale");
    expect(strategy).to.deep.equal([
      { capacityProvider: "FARGATE", base: 1, weight: 1 },
      { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 },
    ]);
    expect(strategy.every((share) => share.weight > 0)).to.equal(true);
  });
});

describe("task count ownership", () => {
  it("off: 0 tasks, applied and awaited, autoscaling pinned to 0..0", () => {
    for (const autoscaled of [true, false])
      expect(countPlan({ running: false, desiredCount: 2, maxCount: 8, autoscaled })).to.deep.equal(
        {
          desiredCount: 0,
          ignoreDesiredCountChanges: false,
          minCapacity: 0,
          maxCapacity: 0,
        },
      );
  });
  it("on and autoscaled: autoscaling owns the count between base and max", () => {
    expect(
      countPlan({ running: true, desiredCount: 2, maxCount: 8, autoscaled: true }),
    ).to.deep.equal({
      desiredCount: 2,
      ignoreDesiredCountChanges: true,
      minCapacity: 2,
      maxCapacity: 8,
    });
  });
  it("on and not autoscaled: the configured count", () => {
    expect(
      countPlan({ running: true, desiredCount: 1, maxCount: 1, autoscaled: false }),
    ).to.deep.equal({
      desiredCount: 1,
      ignoreDesiredCountChanges: false,
      minCapacity: 1,
      maxCapacity: 1,
    });
  });
});
