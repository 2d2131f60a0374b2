/**
 * `npm run -s plan -- --stack staging [--state S | --from A --to B] [--format text|markdown|json]`
 *
 * The program's plan on a machine with no AWS account and no Pulumi CLI: reads
 * `Pulumi.<stack>.yaml`, builds the platform under the project's mocks and prints its resources,
 * or what a change of deployment state adds, removes and changes. Exit codes: tools/cli.ts.
 */
import * as fs from "fs";
import * as path from "path";
import {
  DEPLOYMENT_STATES,
  DeploymentState,
  isDeploymentState,
} from "../components/deploymentStates";
import { ConfigError, withStackFlag } from "../config";
import { CommandSpec, EXIT, UsageError, failureExit, helpText, parseArgs } from "./cli";
import {
  configIn,
  evaluateState,
  maskerFor,
  planTransition,
  transitionExitCode,
} from "./planModel";
import { passphraseFrom } from "./passphrase";
import { renderPlan } from "./planReport";
import { FORMATS, Format } from "./reportFormat";
import { StackFileError, hidePlaceholders, hideSecretValues, readStackConfig } from "./stackFile";
import { renderTransition } from "./transitionReport";

export const STACK_NAME = {
  regex: /^[A-Za-z0-9._-]+$/,
  what: 'a stack name (letters, digits, ".", "_", "-")',
};

export const PLAN_COMMAND: CommandSpec = {
  usage: "npm run -s plan -- --stack <name> [options]",
  description:
    "Prints what the program would deploy for a stack, built offline under mocks (no AWS account,\n" +
    "no Pulumi CLI). Secret values the stack file holds are validated and printed as [secret]:\n" +
    "encrypted ones too when PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) unlocks\n" +
    "them; absent ones are placeholders. `npm run -s` keeps npm's banner out of the output.",
  options: [
    {
      name: "--stack",
      value: "<name>",
      help: "stack whose Pulumi.<name>.yaml is read (required)",
      pattern: STACK_NAME,
    },
    {
      name: "--state",
      value: "<state>",
      help: "plan this deployment state instead of graasp:deploymentState",
      choices: DEPLOYMENT_STATES,
    },
    {
      name: "--from",
      value: "<state>",
      help: "with --to: print what changing the state adds, removes and changes",
      choices: DEPLOYMENT_STATES,
    },
    {
      name: "--to",
      value: "<state>",
      help: "the target state of --from",
      choices: DEPLOYMENT_STATES,
    },
    {
      name: "--format",
      value: "<format>",
      help: `${FORMATS.join(", ")} (default text)`,
      choices: FORMATS,
    },
    {
      name: "--cost",
      help: "print the monthly cost estimate line by line (json always carries it)",
    },
  ],
  notes: [
    `States: ${DEPLOYMENT_STATES.join(", ")}`,
    "Example: npm run -s plan -- --stack staging --format json > plan.json",
  ],
};

export const USAGE = helpText(PLAN_COMMAND);

export interface PlanArgs {
  readonly stack: string;
  readonly state?: DeploymentState;
  readonly from?: DeploymentState;
  readonly to?: DeploymentState;
  readonly format: Format;
  readonly help: boolean;
  /** Print the monthly estimate line by line (`--cost`). */
  readonly cost: boolean;
}

/** The plan's arguments: the shared parser, then the rules between options. */
export function parsePlanArgs(argv: readonly string[]): PlanArgs {
  const { help, values, flags } = parseArgs(argv, PLAN_COMMAND);
  const cost = flags.has("--cost");
  if (help) return { stack: "", format: "text", help, cost };
  const stack = values.get("--stack");
  if (stack === undefined) throw new UsageError("Missing --stack <name>.");
  const [state, from, to] = ["--state", "--from", "--to"].map((option) => {
    const value = values.get(option);
    return value !== undefined && isDeploymentState(value) ? value : undefined;
  });
  if (state !== undefined && (from !== undefined || to !== undefined))
    throw new UsageError("--state cannot be combined with --from/--to.");
  if ((from === undefined) !== (to === undefined))
    throw new UsageError("--from and --to must be given together.");
  if (from !== undefined && from === to)
    throw new UsageError(`--from and --to are the same state ("${from}").`);
  const format = (values.get("--format") ?? "text") as Format;
  return { stack, state, from, to, format, help, cost };
}

export interface PlanIo {
  /** Where `Pulumi.<stack>.yaml` is read from. */
  readonly projectDir: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Where the passphrase is looked up (`PULUMI_CONFIG_PASSPHRASE[_FILE]`); default: none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Runs the command; returns the exit code instead of exiting, so tests can call it. */
export async function runPlan(argv: readonly string[], io: PlanIo): Promise<number> {
  let secretValues: readonly string[] = [];
  const hide = (text: string) => hidePlaceholders(hideSecretValues(text, secretValues));
  const out = (text: string) => io.out(hide(text));
  const err = (text: string) => io.err(hide(text));
  try {
    const args = parsePlanArgs(argv);
    if (args.help) {
      out(`${USAGE}\n`);
      return EXIT.ok;
    }
    const passphrase = passphraseFrom(io.env ?? {}, (file) => fs.readFileSync(file, "utf8"));
    const fileFacts = readStackConfig(io.projectDir, args.stack, passphrase);
    secretValues = fileFacts.secretValues;
    // The file's own state is validated too: `pulumi up` would run with it. What validation
    // accepts but flags (moving image tags, database TLS, admin's domain) is printed with the
    // plan, as `pulumi preview` prints it.
    configIn(fileFacts);
    const stackConfig = {
      ...fileFacts,
      warnings: [
        ...fileFacts.warnings,
        ...configIn(fileFacts, args.to ?? args.state).warnings.map((warning) =>
          withStackFlag(warning, args.stack),
        ),
      ],
    };
    const masker = maskerFor(stackConfig);
    if (args.from !== undefined && args.to !== undefined) {
      // Both configurations are validated before the first (slow) evaluation.
      configIn(stackConfig, args.from);
      configIn(stackConfig, args.to);
      const from = await evaluateState(stackConfig, args.from, masker);
      const to = await evaluateState(stackConfig, args.to, masker);
      const plan = planTransition(from, to);
      out(renderTransition(plan, stackConfig, args.format, args.cost));
      return transitionExitCode(plan);
    }
    const evaluation = await evaluateState(stackConfig, args.state, masker);
    out(renderPlan(evaluation, stackConfig, args.format, args.cost));
    return EXIT.ok;
  } catch (error) {
    return failureExit(error, PLAN_COMMAND, err, [StackFileError, ConfigError]);
  }
}

/** Entry point for tools/run.ts. */
export function main(argv: readonly string[]): Promise<number> {
  return runPlan(argv, {
    projectDir: path.resolve(__dirname, ".."),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
  });
}
