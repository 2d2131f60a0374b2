/**
 * The offline plan (`npm run plan`): reading a stack file into raw configuration with secret
 * placeholders, the command's arguments and exit codes, the rendered plan of staging and the
 * running → stopped transition, and that no secret placeholder reaches any output format.
 *
 * What this cannot prove: what AWS or the provider would do with these inputs (refusals,
 * replacements, drift), or the values of the real secrets; `pulumi preview` on the stack does.
 * The stack files here are written by the tests, so that the assertions do not follow edits to
 * the real `Pulumi.<stack>.yaml`.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SECRET_KEYS, SERVICE_NAMES } from "../components/catalog";
import { parseConfig } from "../config";
import { parsePlanArgs as parseArgs, runPlan } from "../tools/plan";
import {
  Evaluation,
  PlannedResource,
  SecretMasker,
  TransitionPlan,
  evaluateState,
  planTransition,
  transitionExitCode,
} from "../tools/planModel";
import { renderPlan } from "../tools/planReport";
import { FORMATS } from "../tools/reportFormat";
import {
  PLACEHOLDER_PREFIX,
  StackConfig,
  StackFileError,
  placeholderFor,
  readStackConfig,
  stackConfigFromText,
  withState,
} from "../tools/stackFile";
import { renderTransition } from "../tools/transitionReport";
import { Registration } from "./mocks";

const STAGING_FILE = `# Written by test/plan.test.ts
encryptionsalt: v1:c2FsdA==:v1:AAAA:BBBB
config:
  aws:region: eu-central-2
  aws:defaultTags:
    tags:
      graasp:environment: staging
  graasp:environment: staging
  graasp:deploymentState: running
  graasp:domain: dev.graasp.org
  graasp:certificateArn: arn:aws:acm:eu-central-2:111111111111:certificate/5e1b7c2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c
  graasp:containerRegistry: 111111111111.dkr.ecr.eu-central-2.amazonaws.com
  graasp:appVersion: v1.66.0
  graasp:movingTags: [nudenet, library, etherpad, admin, iframely]
  graasp:appSettings:
    GRAASPER_ID: 5a7e0b2c-0000-4000-8000-000000000001
    APPS_PUBLISHER_ID: 5a7e0b2c-0000-4000-8000-000000000002
    SENTRY_DSN: ""
`;
const WITH_SECRETS = `${STAGING_FILE}  graasp:maintenanceBypassToken:
    secure: v1:dG9rZW4=:Y2lwaGVy
  graasp:secrets:
    JWT_SECRET:
      secure: v1:and0:Y2lwaGVy
    OPENAI_API_KEY: sk-stored-in-plain-text
`;
const PROJECT_FILE = `name: graasp
runtime: nodejs
config:
  maintenanceHeaderName:
    type: string
    default: x-graasp-bypass
  domain:
    type: string
`;

const ALL_SECRET_PATHS = [
  "graasp:maintenanceBypassToken",
  ...SECRET_KEYS.map((key) => `graasp:secrets.${key}`),
];

function projectDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graasp-plan-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Lines with runs of spaces collapsed: the columns' widths follow the longest names. */
function collapsedLines(text: string): string[] {
  return text.split("\n").map((line) => line.trim().replace(/\s+/g, " "));
}

describe("offline plan: stack file to raw configuration", () => {
  it("reads graasp:* keys and aws:region, objects as JSON, secrets as placeholders", () => {
    const config = stackConfigFromText("staging", WITH_SECRETS);
    const { secrets, appSettings, ...scalars } = config.raw.values;
    expect(scalars).to.deep.equal({
      "aws:region": "eu-central-2",
      environment: "staging",
      deploymentState: "running",
      domain: "dev.graasp.org",
      certificateArn:
        "arn:aws:acm:eu-central-2:111111111111:certificate/5e1b7c2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c",
      containerRegistry: "111111111111.dkr.ecr.eu-central-2.amazonaws.com",
      appVersion: "v1.66.0",
      movingTags: JSON.stringify(["nudenet", "library", "etherpad", "admin", "iframely"]),
      maintenanceBypassToken: "offline-plan-placeholder-maintenancebypasstoken",
    });
    expect(JSON.parse(appSettings!)).to.deep.equal({
      GRAASPER_ID: "5a7e0b2c-0000-4000-8000-000000000001",
      APPS_PUBLISHER_ID: "5a7e0b2c-0000-4000-8000-000000000002",
      SENTRY_DSN: "",
    });
    expect(JSON.parse(secrets!)).to.deep.equal({
      ...Object.fromEntries(SECRET_KEYS.map((key) => [key, placeholderFor(`secrets.${key}`)])),
      OPENAI_API_KEY: "sk-stored-in-plain-text",
    });
    expect(config.secretValues).to.deep.equal(["sk-stored-in-plain-text"]);
    expect([...config.raw.secretKeys].sort()).to.deep.equal([
      "graasp:maintenanceBypassToken",
      "graasp:secrets",
    ]);
  });

  it("lists the secrets the file lacks and warns about one stored in plain text, naming the stack", () => {
    const config = stackConfigFromText("staging", WITH_SECRETS);
    expect(config.absentSecrets).to.deep.equal(
      ALL_SECRET_PATHS.filter(
        (key) =>
          ![
            "graasp:maintenanceBypassToken",
            "graasp:secrets.JWT_SECRET",
            "graasp:secrets.OPENAI_API_KEY",
          ].includes(key),
      ),
    );
    expect(config.warnings).to.deep.equal([
      "`graasp:secrets.OPENAI_API_KEY` is stored in plain text in Pulumi.staging.yaml; the plan " +
        "validated it and prints it as [secret]. Fix: pulumi config set -s staging --secret --path " +
        "'secrets.OPENAI_API_KEY' <value>",
    ]);
  });

  it("validates plain-text secrets of a secrets map written as one JSON string", () => {
    const file = `${STAGING_FILE}  graasp:secrets: '{"JWT_SECRET":"jwt-in-plain-text"}'\n`;
    const config = stackConfigFromText("staging", file);
    expect(JSON.parse(config.raw.values.secrets!).JWT_SECRET).to.equal("jwt-in-plain-text");
    expect(config.secretValues).to.deep.equal(["jwt-in-plain-text"]);
    expect(config.warnings).to.have.length(1);
    expect(config.warnings[0]).to.match(/^`graasp:secrets.JWT_SECRET` is stored in plain text/);
  });

  it("fills every secret on a fresh clone, and the placeholders pass validation", () => {
    const config = stackConfigFromText("staging", STAGING_FILE);
    expect(config.absentSecrets).to.deep.equal(ALL_SECRET_PATHS);
    expect(config.warnings).to.deep.equal([]);
    expect(config.placeholders).to.have.length(ALL_SECRET_PATHS.length);
    expect(config.placeholders.every((p) => p.startsWith(PLACEHOLDER_PREFIX))).to.equal(true);
    expect(parseConfig(config.raw, "staging").deploymentState).to.equal("running");
  });

  it("takes project defaults from Pulumi.yaml unless the stack file sets the key", () => {
    const defaulted = stackConfigFromText("staging", STAGING_FILE, PROJECT_FILE);
    expect(defaulted.raw.values.maintenanceHeaderName).to.equal("x-graasp-bypass");
    expect(defaulted.raw.values.domain).to.equal("dev.graasp.org");
  });

  it("replaces a secure value under any other key too, and marks that key secret", () => {
    const file = STAGING_FILE.replace(
      "graasp:appVersion: v1.66.0",
      "graasp:transitions:\n    assumeRoleArn:\n      secure: v1:cm9sZQ==\n  graasp:appVersion: v1.66.0",
    );
    const config = stackConfigFromText("staging", file);
    expect(config.raw.values.transitions).to.equal(
      JSON.stringify({ assumeRoleArn: "offline-plan-placeholder-transitions-assumerolearn" }),
    );
    expect(config.raw.secretKeys.has("graasp:transitions")).to.equal(true);
  });

  it("overrides the deployment state for --state, --from and --to", () => {
    const config = stackConfigFromText("staging", STAGING_FILE);
    expect(withState(config.raw, "stopped").values.deploymentState).to.equal("stopped");
    expect(config.raw.values.deploymentState).to.equal("running");
  });

  it("says which file is missing or broken", () => {
    const dir = projectDir({ "Pulumi.staging.yaml": "config: [unclosed" });
    expect(() => readStackConfig(dir, "nope")).to.throw(
      StackFileError,
      `Pulumi.nope.yaml not found in ${dir}.`,
    );
    expect(() => readStackConfig(dir, "staging")).to.throw(
      StackFileError,
      /^Pulumi\.staging\.yaml is not valid YAML: /,
    );
  });
});

describe("offline plan: arguments", () => {
  const cases: [string[], string][] = [
    [[], "Missing --stack <name>."],
    [["--state", "running"], "Missing --stack <name>."],
    [["--stack"], "--stack needs a value: --stack <name>."],
    [["--stack=", "--state", "running"], "--stack needs a value: --stack <name>."],
    [["--stack", "--state", "running"], "--stack needs a value: --stack <name>."],
    [["--stack", "staging", "--bogus", "1"], "Unknown option --bogus."],
    [["--stack", "staging", "--form", "running"], "Unknown option --form. Did you mean --format?"],
    [["staging"], 'Unexpected argument "staging" (options start with --).'],
    [["--stack", "staging", "--stack", "production"], "--stack is given twice."],
    [
      ["--stack", "../etc"],
      '--stack "../etc" is not a stack name (letters, digits, ".", "_", "-").',
    ],
    [
      ["--stack", "staging", "--format", "xml"],
      '--format "xml" is not one of text, markdown, json.',
    ],
    [
      ["--stack", "staging", "--state", "paused"],
      '--state "paused" is not one of running, restricted, db-only, stopped.',
    ],
    [
      ["--stack", "staging", "--state", "running", "--from", "running", "--to", "stopped"],
      "--state cannot be combined with --from/--to.",
    ],
    [["--stack", "staging", "--from", "running"], "--from and --to must be given together."],
    [["--stack", "staging", "--to", "stopped"], "--from and --to must be given together."],
    [
      ["--stack", "staging", "--from", "stopped", "--to", "stopped"],
      '--from and --to are the same state ("stopped").',
    ],
  ];
  for (const [argv, message] of cases)
    it(`rejects ${JSON.stringify(argv)}`, () => {
      expect(() => parseArgs(argv)).to.throw(message);
    });

  it("accepts --name value and --name=value", () => {
    expect(parseArgs(["--stack=staging", "--from", "running", "--to=stopped"])).to.deep.equal({
      stack: "staging",
      state: undefined,
      from: "running",
      to: "stopped",
      format: "text",
      help: false,
      cost: false,
    });
    expect(
      parseArgs(["--stack", "production", "--state", "db-only", "--format", "json"]),
    ).to.include({
      stack: "production",
      state: "db-only",
      format: "json",
    });
  });

  it("prints the usage and exits 2 on a bad argument, without evaluating", async () => {
    const output = { out: "", err: "" };
    const code = await runPlan(["--stack", "staging", "--bogus", "1"], {
      projectDir: projectDir({}),
      out: (text) => (output.out += text),
      err: (text) => (output.err += text),
    });
    expect([code, output.out, output.err]).to.deep.equal([
      2,
      "",
      "error: Unknown option --bogus.\nUsage: npm run -s plan -- --stack <name> [options]\n" +
        "Run with --help for every option.\n",
    ]);
  });

  it("exits 2 with the file or configuration problem, and hides placeholders it quotes", async () => {
    const invalid = STAGING_FILE.replace(
      "graasp:domain: dev.graasp.org",
      "graasp:domain:\n    secure: v1:ZG9tYWlu",
    );
    const dir = projectDir({ "Pulumi.staging.yaml": invalid });
    const run = async (argv: string[]) => {
      let err = "";
      const code = await runPlan(argv, { projectDir: dir, out: () => {}, err: (t) => (err += t) });
      return { code, err };
    };
    expect(await run(["--stack", "production"])).to.deep.equal({
      code: 2,
      err: `Pulumi.production.yaml not found in ${dir}.\n`,
    });
    const { code, err } = await run(["--stack", "staging"]);
    expect(code).to.equal(2);
    expect(err).to.match(/^Invalid configuration for stack "staging" \(1 problem\):\n/);
    expect(err).to.include(
      '`graasp:domain` is "[secret]", which is not a valid lower-case DNS name',
    );
    expect(err).not.to.include(PLACEHOLDER_PREFIX);
  });
});

describe("offline plan: the secret masker", () => {
  const registration = (inputs: Record<string, any>, secretPaths: string[] = []): Registration =>
    ({ type: "t", name: "n", urn: "u", parentUrn: "", custom: true, inputs, secretPaths }) as any;

  it("masks placeholders, secret scalars and their copies, but searches secret lists", () => {
    const masker = new SecretMasker(["offline-plan-placeholder-token"]);
    const [resource] = masker.normalize([
      registration(
        {
          password: "generated-password-1234",
          url: "postgres://graasp:generated-password-1234@host/graasp",
          conditions: [
            { hostHeader: { values: ["api.dev.graasp.org"] } },
            {
              httpHeader: {
                httpHeaderName: "x-bypass",
                values: ["offline-plan-placeholder-token"],
              },
            },
          ],
          __provider: "exports.handler = ...",
        },
        ["password", "conditions"],
      ),
    ]);
    expect(resource.inputs).to.deep.equal({
      password: "[secret#1]",
      url: "[secret#2]",
      conditions: [
        { hostHeader: { values: ["api.dev.graasp.org"] } },
        { httpHeader: { httpHeaderName: "x-bypass", values: ["[secret#3]"] } },
      ],
    });
  });

  it("gives an equal secret the same marker in every evaluation", () => {
    const masker = new SecretMasker([]);
    const first = masker.normalize([registration({ a: "first-secret" }, ["a"])]);
    const again = masker.normalize([
      registration({ a: "first-secret", b: "other-secret" }, ["a", "b"]),
    ]);
    expect([first[0].inputs, again[0].inputs]).to.deep.equal([
      { a: "[secret#1]" },
      { a: "[secret#1]", b: "[secret#2]" },
    ]);
  });
});

describe("offline plan: exit code of a transition", () => {
  const evaluation = (state: "running" | "stopped", resources: PlannedResource[]): Evaluation => ({
    stack: "staging",
    state,
    environment: "staging",
    region: "eu-central-2",
    domain: "dev.graasp.org",
    appVersion: "v1.66.0",
    resources,
  });
  const planned = (
    type: string,
    inputs: Record<string, unknown>,
    ignoreChanges: string[] = [],
  ) => ({
    urn: `urn:pulumi:staging::graasp::${type}::r`,
    type,
    name: "r",
    inputs,
    parentUrn: "",
    custom: true,
    protect: false,
    retainOnDelete: false,
    ignoreChanges,
    order: 0,
  });
  const transition = (type: string, before: object, after: object, ignored: string[] = []) =>
    planTransition(
      evaluation("running", [planned(type, { ...before })]),
      evaluation("stopped", [planned(type, { ...after }, ignored)]),
    );

  it("is 1 when a stateful resource changes, 0 when only others do", () => {
    const database = transition("aws:rds/instance:Instance", { multiAz: false }, { multiAz: true });
    const service = transition("aws:ecs/service:Service", { desiredCount: 1 }, { desiredCount: 0 });
    expect(database.statefulTouched.map((c) => c.name)).to.deep.equal(["r"]);
    expect([transitionExitCode(database), transitionExitCode(service)]).to.deep.equal([1, 0]);
  });

  it("marks a change the target program leaves to ignoreChanges as not applied", () => {
    const plan = transition("aws:ecs/service:Service", { desiredCount: 0 }, { desiredCount: 1 }, [
      "desiredCount",
    ]);
    expect(plan.changes[0].ignoredPaths).to.deep.equal(["desiredCount"]);
    expect(renderTransition(plan, noSecrets, "text")).to.include(
      "desiredCount: 0 → 1 (not applied: ignoreChanges)",
    );
  });
});

const noSecrets = {
  stack: "staging",
  fileName: "Pulumi.staging.yaml",
  absentSecrets: [],
  warnings: [],
};

describe("offline plan: staging, rendered", function () {
  // Three evaluations of the whole program, once each, for all the tests below.
  this.timeout(20_000);
  let stackConfig: StackConfig;
  const evaluations: Record<string, Evaluation> = {};
  let runningToStopped: TransitionPlan;

  before(async () => {
    stackConfig = readStackConfig(projectDir({ "Pulumi.staging.yaml": STAGING_FILE }), "staging");
    const masker = new SecretMasker(stackConfig.placeholders);
    for (const state of ["running", "restricted", "stopped"] as const)
      evaluations[state] = await evaluateState(stackConfig, state, masker);
    runningToStopped = planTransition(evaluations.running, evaluations.stopped);
  });

  const text = (state: string) => renderPlan(evaluations[state], stackConfig, "text");

  it("states its stack and state, and that every secret is a placeholder", () => {
    const lines = text("running").split("\n");
    expect(lines[0]).to.equal("Offline plan: stack staging, state running");
    expect(lines[1]).to.equal(
      `  environment staging, region eu-central-2, domain dev.graasp.org, app v1.66.0; ` +
        `${evaluations.running.resources.length} resources`,
    );
    const joined = collapsedLines(text("running")).join(" ");
    expect(joined).to.include(
      "Secrets are printed as [secret]. Those the stack file holds are validated (encrypted ones " +
        "when PULUMI_CONFIG_PASSPHRASE unlocks them); absent or still-encrypted ones are placeholders.",
    );
    expect(joined).to.include(
      "Absent from Pulumi.staging.yaml, set them before `pulumi up` (pulumi config set -s staging --secret ...): " +
        ALL_SECRET_PATHS.join(", "),
    );
  });

  it("shows core's service, scaling and routes with their key settings", () => {
    expect(collapsedLines(text("running"))).to.include.members([
      "GraaspService core",
      "aws.ecs.Service core-service desiredCount=1, capacity=FARGATE_SPOT weight 1, " +
        "assignPublicIp=true, ignoreChanges=desiredCount",
      "aws.appautoscaling.Target core-scaling min=1, max=8",
      "aws.lb.ListenerRule core-rule-1 priority=1, host=api.dev.graasp.org, path=/api/*, " +
        "action=forward core-tg",
      "aws.cloudwatch.LogGroup core-task-logs name=/graasp/staging/core, retention=30d, protect=true",
      "aws.rds.Instance database-instance class=db.t4g.micro, engine=postgres 16, " +
        "storage=20-1000 GiB gp3, encrypted=true, multiAz=false, backups=1d, " +
        "deletionProtection=false, publiclyAccessible=false, protect=true, " +
        "ignoreChanges=snapshotIdentifier",
      "aws.vpc.SecurityGroupIngressRule database-from-core ingress=tcp 5432 from sg-core-task-sg",
      "dynamic.Resource database-power desiredState=available, instance=graasp-staging, timeout=30min",
    ]);
  });

  it("has no maintenance rules when running, and 503 rules behind the header when restricted", () => {
    const running = collapsedLines(text("running"));
    const maintenance = running.indexOf("MaintenancePage maintenance");
    expect(running[maintenance + 1]).to.equal("(no resources in this state)");
    expect(running.filter((line) => line.includes("fixed-response 503"))).to.deep.equal([]);

    expect(collapsedLines(text("restricted"))).to.include.members([
      "aws.lb.ListenerRule maintenance-api priority=3, host=api.dev.graasp.org, " +
        "action=fixed-response 503 application/json",
      "aws.lb.ListenerRule maintenance-page priority=1000, host=dev.graasp.org,*.dev.graasp.org, " +
        "action=fixed-response 503 text/html",
      "aws.lb.ListenerRule core-rule-1 priority=1, host=api.dev.graasp.org, path=/api/*, " +
        "header=x-graasp-maintenance-bypass, action=forward core-tg",
    ]);
  });

  it("aligns the name column within each group", () => {
    const group = text("running")
      .split("\n\n")
      .find((g) => g.startsWith("GraaspService core\n"))!;
    const rows = group.split("\n").slice(1);
    const nameColumn = rows.map((row) => row.search(/ {2}core-\S+/));
    expect(new Set(nameColumn).size).to.equal(1);
  });

  it("counts resources per type", () => {
    const lines = collapsedLines(text("running"));
    expect(lines).to.include(`aws.ecs.Service ${SERVICE_NAMES.length}`);
    expect(lines).to.include(`Total ${evaluations.running.resources.length}`);
  });

  it("renders markdown tables and machine-readable JSON from the same evaluation", () => {
    const markdown = renderPlan(evaluations.running, stackConfig, "markdown");
    expect(markdown).to.include("## Offline plan: `staging` in state `running`\n");
    expect(markdown).to.include(
      "| core-service | `aws.ecs.Service` | `desiredCount=1, capacity=FARGATE_SPOT weight 1, " +
        "assignPublicIp=true, ignoreChanges=desiredCount` |",
    );
    const json = JSON.parse(renderPlan(evaluations.running, stackConfig, "json"));
    expect(json).to.include({ stack: "staging", state: "running" });
    expect(json.summary.total).to.equal(evaluations.running.resources.length);
    expect(json.secrets.absentFromStackFile).to.deep.equal(ALL_SECRET_PATHS);
    const core = json.resources.find((r: { name: string }) => r.name === "core-service");
    expect(core.settings).to.include({ desiredCount: "1", assignPublicIp: "true" });
  });

  it("lists running → stopped: every ECS service 1 → 0 and no stateful resource", () => {
    const services = runningToStopped.changes.filter((c) => c.type === "aws:ecs/service:Service");
    expect(services.map((c) => c.name).sort()).to.deep.equal(
      SERVICE_NAMES.map((name) => `${name}-service`).sort(),
    );
    for (const change of services)
      expect(change.properties).to.deep.equal([{ path: "desiredCount", before: 1, after: 0 }]);
    expect(runningToStopped.statefulTouched).to.deep.equal([]);
    expect(transitionExitCode(runningToStopped)).to.equal(0);

    const lines = collapsedLines(renderTransition(runningToStopped, stackConfig, "text"));
    expect(lines[0]).to.equal("Offline transition: stack staging, running → stopped");
    // Each service and its deployment check.
    expect(lines.filter((line) => line === "desiredCount: 1 → 0")).to.have.length(18);
    expect(lines).to.include.members([
      "~ aws.ecs.Service core-service (GraaspService core)",
      "+ aws.lb.ListenerRule maintenance-api (MaintenancePage maintenance)",
      'desiredState: "available" → "stopped"',
    ]);
    expect(lines.find((line) => line.includes(" changed. "))).to.match(
      /^3 added, 0 removed, \d+ changed\. No stateful resource is touched\.$/,
    );
    const json = JSON.parse(renderTransition(runningToStopped, stackConfig, "json"));
    expect(json).to.include({ stack: "staging", from: "running", to: "stopped" });
    expect(json.statefulTouched).to.deep.equal([]);
  });

  it("never prints a placeholder or a secret the program marked, in any format", () => {
    const outputs = FORMATS.flatMap((format) => [
      ...Object.values(evaluations).map((e) => renderPlan(e, stackConfig, format)),
      renderTransition(runningToStopped, stackConfig, format),
    ]);
    const forbidden = [PLACEHOLDER_PREFIX, ...stackConfig.placeholders, "[secret#"];
    // The mocks' master password: secret in the program, so never printed either.
    forbidden.push("generated-password-");
    for (const output of outputs)
      for (const value of forbidden) expect(output).not.to.include(value);
    // Not vacuous: the secrets are there, masked, including the bypass header's value.
    const restricted = JSON.parse(renderPlan(evaluations.restricted, stackConfig, "json"));
    const rule = restricted.resources.find((r: { name: string }) => r.name === "core-rule-1");
    expect(rule.inputs.conditions[2]).to.deep.equal({
      httpHeader: { httpHeaderName: "x-graasp-maintenance-bypass", values: ["[secret]"] },
    });
    expect(renderPlan(evaluations.running, stackConfig, "text")).to.include("value=[secret]");
  });
});
