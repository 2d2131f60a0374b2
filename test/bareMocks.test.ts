/*
 * The program under the barest mocks an outside check could write: every resource's state is
 * its inputs (no ARN, no address, no id-derived output) and every invoke answers only what it
 * must. The whole stack must still evaluate in every state, with every container definition
 * complete. What this cannot prove: anything about values the real provider computes.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { settle, withoutStackTraces } from "./mocks";
import { STACKS, configFor } from "./fixtures";
import { STATES } from "./scenarios";
import { createPlatform } from "../platform";

interface BareRegistration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** Evaluates the platform under mocks that echo inputs; returns what reached the monitor. */
async function evaluateBare(
  stack: string,
  build: () => unknown,
): Promise<{ registrations: BareRegistration[]; failures: string[] }> {
  const registrations: BareRegistration[] = [];
  const failures: string[] = [];
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs } };
      },
      call: (args) =>
        args.token === "aws:index/getCallerIdentity:getCallerIdentity"
          ? { accountId: "123456789012" }
          : {},
    },
    "graasp",
    stack,
    false,
  );
  const record = (error: unknown) => failures.push(String((error as Error)?.message ?? error));
  process.on("unhandledRejection", record);
  try {
    await withoutStackTraces(async () => {
      build();
      await settle();
    });
  } finally {
    process.off("unhandledRejection", record);
  }
  return { registrations, failures };
}

describe("the program under mocks that only echo inputs", function () {
  this.timeout(30_000);
  for (const stack of STACKS)
    for (const state of STATES)
      it(`${stack} in ${state}: evaluates, with every container definition complete`, async () => {
        const { registrations, failures } = await evaluateBare(stack, () =>
          createPlatform(configFor(stack, state)),
        );
        expect(failures).to.deep.equal([]);
        const definitions = registrations.filter(
          (r) => r.type === "aws:ecs/taskDefinition:TaskDefinition",
        );
        expect(definitions).to.have.length(12);
        const containers = definitions.flatMap(
          (definition) =>
            JSON.parse(definition.inputs.containerDefinitions as string) as {
              name: string;
              environment: { name: string; value: string }[];
              secrets: { name: string }[];
            }[],
        );
        const core = containers.find((container) => container.name === "core")!;
        expect(core.secrets.map((secret) => secret.name)).to.include.members([
          "DB_CONNECTION",
          "S3_FILE_ITEM_ACCESS_KEY_ID",
          "S3_FILE_ITEM_SECRET_ACCESS_KEY",
        ]);
        expect(core.environment.map((variable) => variable.name)).to.include("REDIS_CONNECTION");
        const etherpad = containers.find((container) => container.name === "etherpad")!;
        // The database address is an output these mocks never give: it expands to nothing.
        expect(etherpad.environment.find((variable) => variable.name === "DB_HOST")).to.deep.equal({
          name: "DB_HOST",
          value: "",
        });
      });
});
