/*
 * A stack's first deployment, in every state: the order the engine must follow, read from the
 * dependency graph the registrations record. What this cannot prove: how long each step takes,
 * or that the engine runs independent steps in parallel; a first `pulumi up` on a real account
 * does.
 */
import { expect } from "chai";
import { SERVICE_CATALOG, SERVICE_NAMES } from "../components/catalog";
import { STATE_TABLE } from "../components/deploymentStates";
import { transitionOrder } from "../components/transitions";
import { STACKS } from "./fixtures";
import { Registration, named } from "./mocks";
import { STATES, Scenario, scenario } from "./scenarios";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const SERVICE = "aws:ecs/service:Service";
const INSTANCE = "aws:rds/instance:Instance";

/** Whether `from` waits, directly or through others, for `to`. */
function waitsFor(all: readonly Registration[], from: Registration, to: Registration): boolean {
  const byUrn = new Map(all.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const pending = [...from.dependencies];
  while (pending.length > 0) {
    const urn = pending.pop()!;
    if (urn === to.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    pending.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return false;
}

/** The order in which a first deployment may create resources (Kahn's algorithm). */
function creationOrder(all: readonly Registration[]): string[] {
  const known = new Set(all.map((r) => r.urn));
  const waiting = new Map(
    all.map((r) => [r.urn, new Set(r.dependencies.filter((urn) => known.has(urn)))]),
  );
  const order: string[] = [];
  while (waiting.size > 0) {
    const ready = [...waiting].filter(([, deps]) => deps.size === 0).map(([urn]) => urn);
    if (ready.length === 0) throw new Error("the dependency graph has a cycle");
    for (const urn of ready.sort()) {
      order.push(urn);
      waiting.delete(urn);
    }
    for (const deps of waiting.values()) for (const urn of ready) deps.delete(urn);
  }
  return order;
}

const DATABASE_USERS = SERVICE_NAMES.filter((name) => SERVICE_CATALOG[name].usesDatabase);

for (const stack of STACKS)
  for (const state of STATES)
    describe(`first deployment of ${stack} in ${state}`, function () {
      this.timeout(20_000);
      let s: Scenario;
      let instance: Registration;
      let power: Registration;
      let setup: Registration;
      let migration: Registration;
      before(async () => {
        s = await scenario(stack, state);
        instance = named(s.registrations, INSTANCE, "database-instance");
        power = named(s.registrations, DYNAMIC, "database-power");
        setup = named(s.registrations, DYNAMIC, "database-setup");
        migration = named(s.registrations, DYNAMIC, "initial-migration");
      });
      const service = (name: string) => named(s.registrations, SERVICE, `${name}-service`);

      it("orders database → setup → initial migration → every service that uses the database", () => {
        expect(DATABASE_USERS).to.deep.equal(["core", "workers", "etherpad", "umami", "admin"]);
        expect(waitsFor(s.registrations, setup, instance)).to.equal(true);
        expect(waitsFor(s.registrations, migration, setup)).to.equal(true);
        for (const name of DATABASE_USERS) {
          expect(waitsFor(s.registrations, service(name), migration), name).to.equal(true);
          expect(waitsFor(s.registrations, service(name), setup), name).to.equal(true);
        }
        const order = creationOrder(s.registrations);
        const position = (r: Registration) => order.indexOf(r.urn);
        expect(position(instance)).to.be.below(position(setup));
        expect(position(setup)).to.be.below(position(migration));
        for (const name of DATABASE_USERS)
          expect(position(migration), name).to.be.below(position(service(name)));
      });

      it("runs setup and migration while the database is available", () => {
        if (transitionOrder(STATE_TABLE[state]).servicesWaitForDatabase) {
          expect(power.inputs.desiredState).to.equal("available");
          expect(waitsFor(s.registrations, setup, power)).to.equal(true);
          expect(waitsFor(s.registrations, power, setup)).to.equal(false);
        } else {
          // A first `up` in stopped creates the instance (available), sets it up and migrates
          // it, and only then stops it, after every service.
          expect(power.inputs.desiredState).to.equal("stopped");
          expect(power.dependencies).to.include.members([setup.urn, migration.urn]);
          for (const name of SERVICE_NAMES)
            expect(waitsFor(s.registrations, power, service(name)), name).to.equal(true);
          const order = creationOrder(s.registrations);
          expect(order.indexOf(migration.urn)).to.be.below(order.indexOf(power.urn));
        }
      });

      it("triggers both runs on the instance's identity, the setup on its declared set too", () => {
        const resourceId = `db-GRAASP${stack.toUpperCase()}0RESOURCEID`;
        const { __provider: _setupProvider, ...setupInputs } = setup.inputs;
        expect(setupInputs).to.deep.include({
          instanceId: resourceId,
          databases: ["etherpad", "umami"],
          containerName: "db-setup",
          logGroupName: `/graasp/${stack}/db-setup`,
          taskDefinitionArn: `arn:aws:ecs:eu-central-2:123456789012:task-definition/graasp-${stack}-db-setup:1`,
          securityGroupIds: ["sg-db-setup-sg"],
          timeoutMinutes: 15,
        });
        expect(migration.inputs).to.deep.include({
          instanceId: resourceId,
          appVersion: "v1.66.0",
          containerName: "migrate",
          taskDefinitionArn: `arn:aws:ecs:eu-central-2:123456789012:task-definition/graasp-${stack}-migrate:1`,
          securityGroupIds: ["sg-migrate-sg"],
          timeoutMinutes: 60,
        });
        expect(migration.inputs.drain).to.equal(undefined);
      });

      if (state === "db-only")
        it("starts the release migration only after the initial one (same task family)", () => {
          const release = named(s.registrations, DYNAMIC, "migration");
          expect(release.dependencies).to.include.members([setup.urn, migration.urn]);
        });

      if (state === "running")
        it("lets services without a database start without waiting for the runs", () => {
          for (const name of SERVICE_NAMES.filter((n) => !SERVICE_CATALOG[n].usesDatabase))
            expect(waitsFor(s.registrations, service(name), setup), name).to.equal(false);
        });
    });
