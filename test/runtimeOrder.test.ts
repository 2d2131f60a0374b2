/*
 * The order `pulumi up` follows around ECS services, read from the dependency graph the program
 * registers: internal servers stop only once their clients' real tasks are gone, and every
 * service's deployment is verified after it. What this cannot prove: that the engine waits on
 * these edges exactly so (it does for `dependsOn`), or what ECS and autoscaling do in between;
 * the providers' own tests drive the waits against mocked SDK clients.
 */
import { expect } from "chai";
import { SERVICE_CATALOG, SERVICE_NAMES } from "../components/catalog";
import { createPlatform } from "../platform";
import { REGIONS, STACKS, configFor } from "./fixtures";
import { Registration, evaluate, named } from "./mocks";
import { STATES, scenario } from "./scenarios";

const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const SERVICE = "aws:ecs/service:Service";
const TARGET = "aws:appautoscaling/target:Target";
const SERVERS = ["meilisearch", "iframely", "redis"] as const;

function dependencyNames(all: readonly Registration[], registration: Registration): string[] {
  return registration.dependencies.map((urn) => all.find((r) => r.urn === urn)?.name ?? urn).sort();
}

for (const stack of STACKS)
  describe(`runtime order of ${stack}`, function () {
    this.timeout(30_000);

    for (const state of ["stopped", "db-only"] as const)
      it(`${state}: each internal server stops only after its clients' real tasks are gone`, async () => {
        const { registrations } = await scenario(stack, state);
        for (const server of SERVERS) {
          const routing = SERVICE_CATALOG[server].routing;
          const clients = routing.kind === "internal" ? [...routing.clients] : [];
          const drained = named(registrations, DYNAMIC, `${server}-clients-drained`);
          expect(drained.inputs.drain.serviceNames, server).to.deep.equal(clients);
          // Both the service's count and the autoscaling bounds of each client come first.
          const clientCounts = clients.flatMap((client) => [
            `${client}-service`,
            ...(SERVICE_CATALOG[client as (typeof SERVICE_NAMES)[number]].autoscaling
              ? [`${client}-scaling`]
              : []),
          ]);
          expect(dependencyNames(registrations, drained), server).to.include.members(clientCounts);
          const service = named(registrations, SERVICE, `${server}-service`);
          expect(dependencyNames(registrations, service), server).to.include(
            `${server}-clients-drained`,
          );
        }
        expect(clientsOf("redis")).to.deep.equal(["core", "workers"]);
      });

    for (const state of ["running", "restricted"] as const)
      it(`${state}: servers start first and the drain checks wait for nothing`, async () => {
        const { registrations } = await scenario(stack, state);
        for (const server of SERVERS) {
          const drained = named(registrations, DYNAMIC, `${server}-clients-drained`);
          expect(drained.inputs.drain.serviceNames, server).to.deep.equal([]);
          const service = named(registrations, SERVICE, `${server}-service`);
          expect(dependencyNames(registrations, service)).not.to.include(
            `${server}-clients-drained`,
          );
          for (const client of clientsOf(server))
            expect(
              dependencyNames(registrations, named(registrations, SERVICE, `${client}-service`)),
              `${client} after ${server}`,
            ).to.include(`${server}-service`);
        }
      });

    it("verifies every service's deployment after the service, with its task definition and count", async () => {
      for (const state of STATES) {
        const { registrations } = await scenario(stack, state);
        const checks = registrations.filter(
          (r) => r.type === DYNAMIC && r.name.endsWith("-deployment-check"),
        );
        expect(checks.map((r) => r.name).sort()).to.deep.equal(
          SERVICE_NAMES.map((name) => `${name}-deployment-check`).sort(),
        );
        for (const name of SERVICE_NAMES) {
          const service = named(registrations, SERVICE, `${name}-service`);
          const check = named(registrations, DYNAMIC, `${name}-deployment-check`);
          expect(dependencyNames(registrations, check)).to.include(`${name}-service`);
          expect(check.inputs).to.deep.include({
            serviceName: name,
            taskDefinitionArn: service.inputs.taskDefinition,
            desiredCount: service.inputs.desiredCount,
            clusterArn: service.inputs.cluster,
            region: REGIONS[stack],
          });
          expect(check.parentUrn).to.equal(service.parentUrn);
        }
      }
    });

    it("registers no autoscaling target whose bounds could restart a stopped client", async () => {
      const { registrations } = await scenario(stack, "stopped");
      // The autoscaled services keep their targets: the loop below checks each of them.
      expect(
        registrations
          .filter((r) => r.type === TARGET)
          .map((r) => r.name)
          .sort(),
      ).to.deep.equal(["core-scaling", "library-scaling", "workers-scaling"]);
      for (const target of registrations.filter((r) => r.type === TARGET))
        expect([target.inputs.minCapacity, target.inputs.maxCapacity], target.name).to.deep.equal([
          0, 0,
        ]);
    });
  });

function clientsOf(server: (typeof SERVERS)[number]): string[] {
  const routing = SERVICE_CATALOG[server].routing;
  return routing.kind === "internal" ? [...routing.clients] : [];
}

describe("the transition role", function () {
  this.timeout(30_000);

  it("reaches every provider that calls AWS itself", async () => {
    const role = "arn:aws:iam::123456789012:role/graasp-transitions";
    const config = configFor("staging", "stopped", {
      transitions: JSON.stringify({ assumeRoleArn: role }),
    });
    const { registrations } = await evaluate("staging", () => createPlatform(config));
    const dynamic = registrations.filter((r) => r.type === DYNAMIC);
    expect(dynamic).to.have.length(17);
    expect(dynamic.filter((r) => r.inputs.assumeRoleArn !== role).map((r) => r.name)).to.deep.equal(
      [],
    );
  });
});
