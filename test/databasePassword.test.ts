/*
 * The database passwords (the generated master password, ETHERPAD_DB_PASSWORD,
 * UMAMI_DB_PASSWORD) reach the setup and toolbox tasks only through their Secrets Manager
 * secrets: never a task definition, a command line, a log line of ours or the offline plan.
 * The setup task gets the application passwords only as SCRAM verifiers, so neither it nor a
 * statement the server logs ever holds them.
 * What this cannot prove: what a process inside the container writes; the setup script is
 * checked as text (test/databaseAccess.test.ts) and was run against PostgreSQL (README).
 */
import { expect } from "chai";
import * as path from "path";
import { scramVerifier } from "../components/scram";
import { runPlan } from "../tools/plan";
import { STACKS, SECRETS } from "./fixtures";
import { named, ofType } from "./mocks";
import { STATES, scenario } from "./scenarios";

const MASTER_PASSWORD = "generated-password-database-master-password";
const PASSWORDS = [MASTER_PASSWORD, SECRETS.ETHERPAD_DB_PASSWORD, SECRETS.UMAMI_DB_PASSWORD];
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";

describe("database passwords", function () {
  this.timeout(30_000);

  for (const stack of STACKS)
    it(`${stack}: only the setup and toolbox secrets hold them, marked secret, in every state`, async () => {
      for (const state of STATES) {
        const { registrations } = await scenario(stack, state);
        const setup = named(registrations, VERSION, "db-setup-secret-value");
        expect(JSON.parse(setup.inputs.secretString)).to.deep.equal({
          PGPASSWORD: MASTER_PASSWORD,
          ETHERPAD_DB_PASSWORD: scramVerifier("etherpad", SECRETS.ETHERPAD_DB_PASSWORD),
          UMAMI_DB_PASSWORD: scramVerifier("umami", SECRETS.UMAMI_DB_PASSWORD),
        });
        expect(setup.inputs.secretString).not.to.include(SECRETS.ETHERPAD_DB_PASSWORD);
        expect(setup.inputs.secretString).not.to.include(SECRETS.UMAMI_DB_PASSWORD);
        expect(setup.secretPaths).to.include("secretString");
        const toolbox = named(registrations, VERSION, "toolbox-secret-value");
        expect(JSON.parse(toolbox.inputs.secretString)).to.deep.equal({
          PGPASSWORD: MASTER_PASSWORD,
        });
        expect(toolbox.secretPaths).to.include("secretString");
        for (const definition of ofType(registrations, "aws:ecs/taskDefinition:TaskDefinition")) {
          for (const password of PASSWORDS)
            expect(definition.inputs.containerDefinitions, definition.name).not.to.include(
              password,
            );
          for (const container of JSON.parse(definition.inputs.containerDefinitions))
            expect((container.command ?? []).join(" "), definition.name).not.to.match(
              /password=|PGPASSWORD=/i,
            );
        }
        for (const name of ["database-setup", "initial-migration"]) {
          const run = named(registrations, "pulumi-nodejs:dynamic:Resource", name);
          const { __provider, ...inputs } = run.inputs;
          for (const password of PASSWORDS)
            expect(JSON.stringify(inputs), name).not.to.include(password);
        }
      }
    });

  it("never prints them in the offline plan", async () => {
    let printed = "";
    const code = await runPlan(["--stack", "production"], {
      projectDir: path.resolve(__dirname, ".."),
      out: (text) => (printed += text),
      err: (text) => (printed += text),
    });
    expect(code).to.equal(0);
    expect(printed).to.include("db-setup-secret-value");
    // The cutover's restore, as Pulumi.production.yaml sets it.
    expect(printed).to.include(
      "restoreFromSnapshot=graasp-prod-cutover, protect=true, ignoreChanges=snapshotIdentifier",
    );
    expect(printed).to.match(/database-setup +container=db-setup, databases=etherpad,umami/);
    for (const password of PASSWORDS) expect(printed).not.to.include(password);
    expect(printed).not.to.include("generated-password");
  });
});
