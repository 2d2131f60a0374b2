/*
 * AWS limits on what the configuration becomes, checked by parseConfig/loadConfig before any
 * resource registers: the physical names derived from the stack name and the host values
 * derived from the domain. The same rules check every registration in awsLimits.test.ts.
 *
 * What this cannot prove: that AWS has not changed a limit since the documentation these rules
 * were written from; account quotas.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as path from "path";
import {
  T,
  domainProblems,
  hostLabels,
  physicalNameProblems,
  stackDerivedNames,
} from "../components/awsLimits";
import { ConfigError, parseConfig } from "../config";
import { SECRET_CONFIG_KEYS, engineConfig, rawConfig } from "./fixtures";
import { evaluate, registered } from "./mocks";
import { scenario } from "./scenarios";

const STACK_FIX =
  "Fix: use a stack name of lowercase letters, digits and single hyphens, starting with a letter, " +
  "at most 56 characters (pulumi stack init <name>, or pulumi stack rename <name> before the first deployment)";

function problemsFor(stack: string, overrides: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(rawConfig("staging", "running", overrides), stack);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

/** 247 characters, every label within DNS's 63. */
const LONG_DOMAIN = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(51), "org"].join(
  ".",
);

describe("AWS limits on the configuration, before anything registers", () => {
  it("refuses a 247-character domain: host values over 128 characters", () => {
    expect(LONG_DOMAIN).to.have.length(247);
    expect(problemsFor("staging", { domain: LONG_DOMAIN })).to.deep.equal([
      "`graasp:domain` is 247 characters: the load balancer rule value `association.<domain>` would be 259 characters (limit 128 per host condition or redirect host). Fix: pulumi config set domain <a domain of at most 116 characters>",
    ]);
  });

  it("accepts the longest domain the rules allow, and refuses one character more", () => {
    const longestLabel = Math.max(...hostLabels().map((label) => label.length));
    expect(longestLabel).to.equal("association".length);
    const fits = `${"a".repeat(63)}.${"b".repeat(48)}.org`;
    expect(fits).to.have.length(116);
    expect(domainProblems(fits)).to.deep.equal([]);
    expect(domainProblems(`a${fits}`)).to.have.length(1);
  });

  // Bucket names come from `graasp:buckets` (checked on their own), not from the stack name.
  it("refuses the stack name QA_1: an invalid RDS identifier", () => {
    expect(problemsFor("QA_1")).to.deep.equal([
      `The stack name \`QA_1\` gives the RDS instance identifier \`graasp-QA_1\`, which may contain only a lowercase letter first, then lowercase letters, digits and hyphens. ${STACK_FIX}`,
    ]);
  });

  it("refuses a dotted stack name (cluster and task family) and a double hyphen (RDS)", () => {
    expect(problemsFor("qa.1")).to.deep.equal([
      `The stack name \`qa.1\` gives the RDS instance identifier \`graasp-qa.1\`, which may contain only a lowercase letter first, then lowercase letters, digits and hyphens. ${STACK_FIX}`,
      `The stack name \`qa.1\` gives the ECS cluster name \`graasp-qa.1\`, which may contain only letters, digits, underscores and hyphens. ${STACK_FIX}`,
      `The stack name \`qa.1\` gives the ECS task family \`graasp-qa.1-core\`, which may contain only letters, digits, underscores and hyphens. ${STACK_FIX}`,
    ]);
    expect(problemsFor("qa--1")).to.deep.equal([
      `The stack name \`qa--1\` gives the RDS instance identifier \`graasp-qa--1\`, which must not contain two consecutive hyphens. ${STACK_FIX}`,
    ]);
    expect(problemsFor("qa-")).to.deep.equal([
      `The stack name \`qa-\` gives the RDS instance identifier \`graasp-qa-\`, which must not end with a hyphen. ${STACK_FIX}`,
    ]);
  });

  it("allows a 56-character stack name and refuses 57 (the RDS identifier's 63)", () => {
    expect(problemsFor("q".repeat(56))).to.deep.equal([]);
    expect(problemsFor("q".repeat(57))).to.deep.equal([
      `The stack name \`${"q".repeat(57)}\` gives the RDS instance identifier \`graasp-${"q".repeat(57)}\`, which is 64 characters (limit 1-63). ${STACK_FIX}`,
    ]);
  });

  it("reports the problems of one name without repeating it", () => {
    expect(
      physicalNameProblems(T.rdsInstance, "identifier", `Graasp-${"x".repeat(60)}`),
    ).to.deep.equal([
      "is 67 characters (limit 1-63)",
      "may contain only a lowercase letter first, then lowercase letters, digits and hyphens",
    ]);
  });

  it("fails index.ts for stack QA_1 before any resource registers", async () => {
    let caught: Error | undefined;
    const index = path.join(__dirname, "..", "index.ts");
    await evaluate("QA_1", () => {
      pulumi.runtime.setAllConfig(engineConfig("staging", "running"), [...SECRET_CONFIG_KEYS]);
      delete require.cache[require.resolve(index)];
      return require(index);
    }).catch((error: Error) => (caught = error));
    pulumi.runtime.setAllConfig({});
    expect(caught?.message.split("\n")[0]).to.equal(
      'Invalid configuration for stack "QA_1" (1 problem):',
    );
    expect(registered()).to.deep.equal([]);
  });

  it("checks the names the resources really get: every registered one is a derived name", async () => {
    const { registrations } = await scenario("staging", "running");
    const derived = stackDerivedNames("staging");
    const kinds = [...new Set(derived.map((name) => `${name.type}#${name.field}`))];
    const registeredNames = registrations.flatMap((r) =>
      kinds
        .filter((kind) => kind.startsWith(`${r.type}#`))
        .map((kind) => r.inputs[kind.split("#")[1]])
        .filter((value) => typeof value === "string"),
    );
    // 1 database + 1 cluster + 12 families + 12 log groups + 2 RDS log groups + 9 task secrets
    // + 1 database secret + 1 Docker Hub credential.
    expect(registeredNames).to.have.length(39);
    expect(registeredNames.filter((name) => !derived.some((d) => d.value === name))).to.deep.equal(
      [],
    );
  });
});
