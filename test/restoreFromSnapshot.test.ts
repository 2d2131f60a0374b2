/*
 * `graasp:database.restoreFromSnapshot`: validation, and that it only matters when the instance
 * is created. What this cannot prove: that RDS can read the snapshot (sharing, KMS key) or that
 * the provider replaces an instance when `snapshotIdentifier` changes without ignoreChanges;
 * `pulumi preview` on a real stack shows that.
 */
import { expect } from "chai";
import { ConfigError, snapshotProblem } from "../config";
import { diffResources } from "../tools/resourceDiff";
import { configFor } from "./fixtures";
import { named } from "./mocks";
import { STATES, scenario } from "./scenarios";

const INSTANCE = "aws:rds/instance:Instance";
const FIX =
  "Fix: pulumi config set --path 'database.restoreFromSnapshot' <snapshot identifier or ARN> (or pulumi config rm --path 'database.restoreFromSnapshot')";
const ARN = "arn:aws:rds:eu-central-2:210987654321:snapshot:graasp-prod-cutover";

function configError(value: unknown): string {
  try {
    configFor("production", "db-only", {
      database: JSON.stringify({ restoreFromSnapshot: value }),
    });
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems.join("\n");
  }
  throw new Error("expected a ConfigError");
}

describe("database.restoreFromSnapshot", function () {
  this.timeout(20_000);

  it("accepts manual and automated snapshot identifiers and ARNs in the stack's region", () => {
    for (const value of [
      "graasp-prod-cutover",
      "rds:graasp-prod-2026-11-28-21-35",
      ARN,
      "arn:aws:rds:eu-central-2:210987654321:snapshot:rds:graasp-prod-2026-11-28-21-35",
    ]) {
      expect(snapshotProblem(value, "eu-central-2"), value).to.equal(undefined);
      const config = configFor("production", "db-only", {
        database: JSON.stringify({ restoreFromSnapshot: value, instanceClass: "db.t4g.medium" }),
      });
      expect(config.database.restoreFromSnapshot).to.equal(value);
      expect(config.database.instanceClass).to.equal("db.t4g.medium");
    }
    expect(configFor("production", "running").database.restoreFromSnapshot).to.equal(undefined);
  });

  it("rejects what RDS would refuse, with the key, the reason and the fix", () => {
    const name =
      "a snapshot identifier is 1 to 255 letters, digits and hyphens, starts with a letter, has no two consecutive hyphens and does not end with one (automated snapshots start with rds:)";
    const cases: [unknown, string][] = [
      ["1-graasp", name],
      ["graasp--prod", name],
      ["graasp-prod-", name],
      ["graasp_prod", name],
      ["a".repeat(256), name],
      ["", "expected a snapshot identifier or ARN"],
      [
        "arn:aws:rds:eu-central-2:210987654321:cluster-snapshot:graasp",
        "not an RDS DB snapshot ARN (arn:aws:rds:<region>:<account>:snapshot:<name>)",
      ],
      [
        "arn:aws:rds:eu-central-1:210987654321:snapshot:graasp-prod-cutover",
        "the snapshot is in eu-central-1 but the stack deploys to eu-central-2; copy it first (aws rds copy-db-snapshot --source-region eu-central-1 --region eu-central-2 ...) and name the copy",
      ],
    ];
    for (const [value, reason] of cases)
      expect(configError(value), String(value)).to.equal(
        `\`graasp:database.restoreFromSnapshot\` is ${JSON.stringify(value)}: ${reason}. ${FIX}`,
      );
  });

  it("reports a value that is not a string once, as a type error", () => {
    const problems = configError(42).split("\n");
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^`graasp:database\.restoreFromSnapshot` /);
    expect(problems[0]).to.include("pulumi config set --path 'database.restoreFromSnapshot'");
  });

  it("gives the snapshot to the instance at creation, and the instance always ignores later changes", async () => {
    const restored = await scenario("production", "db-only", {
      database: JSON.stringify({ restoreFromSnapshot: ARN }),
    });
    const instance = named(restored.registrations, INSTANCE, "database-instance");
    expect(instance.inputs.snapshotIdentifier).to.equal(ARN);
    expect(instance.ignoreChanges).to.deep.equal(["snapshotIdentifier"]);
    expect(instance.protect).to.equal(true);
    for (const state of STATES) {
      const plain = named(
        (await scenario("production", state)).registrations,
        INSTANCE,
        "database-instance",
      );
      expect(plain.inputs.snapshotIdentifier, state).to.equal(undefined);
      expect(plain.ignoreChanges, state).to.deep.equal(["snapshotIdentifier"]);
    }
  });

  it("changes nothing but the ignored snapshot when the setting is added, changed or removed", async () => {
    const plain = await scenario("production", "db-only");
    const restored = await scenario("production", "db-only", {
      database: JSON.stringify({ restoreFromSnapshot: ARN }),
    });
    const other = await scenario("production", "db-only", {
      database: JSON.stringify({ restoreFromSnapshot: "graasp-prod-other" }),
    });
    for (const [before, after] of [
      [plain, restored],
      [restored, other],
      [restored, plain],
    ]) {
      const changes = diffResources(before.registrations, after.registrations);
      expect(changes.map((change) => `${change.kind} ${change.name}`)).to.deep.equal([
        "changed database-instance",
      ]);
      expect(changes[0].properties.map((property) => property.path)).to.deep.equal([
        "snapshotIdentifier",
      ]);
      // Every changed path is one the instance ignores, so `pulumi up` leaves it alone.
      const ignored = named(after.registrations, INSTANCE, "database-instance").ignoreChanges;
      expect(changes[0].properties.every((p) => ignored.includes(p.path))).to.equal(true);
    }
  });
});
