/**
 * `npm run plan -- --stack staging [--state S | --from A --to B] [--format text|markdown|json]`
 *
 * The program's plan on a machine with no AWS account and no Pulumi CLI: reads
 * `Pulumi.<stack>.yaml`, builds the platform under the project's mocks and prints its resources,
 * or what a change of deployment state adds, removes and changes.
 *
 * Exit codes: 0 printed (and, for a transition, no stateful resource touched); 1 the transition
 * touches a stateful resource; 2 bad arguments, stack file or configuration; 3 the program failed.
 */
import * as path from "path";
import {
  DEPLOYMENT_STATES,
  DeploymentState,
  isDeploymentState,
} from "../components/deploymentStates";
import { ConfigError } from "../config";
import {
  SecretMasker,
  configIn,
  evaluateState,
  planTransition,
  transitionExitCode,
} from "./planModel";
import { CostError } from "./cost";
import { renderPlan } from "./planReport";
import { FORMATS, Format } from "./reportFormat";
import { StackFileError, hidePlaceholders, readStackConfig } from "./stackFile";
import { renderTransition } from "./transitionReport";

export const USAGE = `Usage: npm run plan -- --stack <name> [options]

Prints what the program would deploy for a stack, built offline under mocks (no AWS account,
no Pulumi CLI). Secrets are placeholders.

Options:
  --stack <name>          stack whose Pulumi.<name>.yaml is read (required)
  --state <state>         plan this deployment state instead of graasp:deploymentState
  --from <state> --to <state>
                          print what changing the state adds, removes and changes
  --format <format>       text (default), markdown or json
  --cost                  print the monthly cost estimate line by line (json always has it)

States: ${DEPLOYMENT_STATES.join(", ")}
Exit codes: 0 done; 1 the transition touches a stateful resource; 2 bad arguments, stack file
or configuration; 3 the program failed under mocks.`;

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

export class UsageError extends Error {}

const OPTIONS = ["--stack", "--state", "--from", "--to", "--format"] as const;
type Option = (typeof OPTIONS)[number];

/** Accepts `--name value` and `--name=value`; throws `UsageError` with the exact problem. */
export function parseArgs(argv: readonly string[]): PlanArgs {
  const given = new Map<Option, string>();
  let help = false;
  let cost = false;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === "--help" || argument === "-h") {
      help = true;
      continue;
    }
    if (argument === "--cost") {
      cost = true;
      continue;
    }
    if (!argument.startsWith("--")) throw new UsageError(`Unexpected argument "${argument}".`);
    const [name, inline] = splitOnce(argument, "=");
    if (!(OPTIONS as readonly string[]).includes(name))
      throw new UsageError(`Unknown option ${name}.`);
    const option = name as Option;
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith("--")))
      throw new UsageError(`${option} needs a value.`);
    if (given.has(option)) throw new UsageError(`${option} is given twice.`);
    given.set(option, value);
  }
  if (help) return { stack: "", format: "text", help, cost };

  const stack = given.get("--stack");
  if (stack === undefined) throw new UsageError("Missing --stack <name>.");
  if (!/^[A-Za-z0-9._-]+$/.test(stack))
    throw new UsageError(
      `--stack "${stack}" is not a stack name (letters, digits, ".", "_", "-").`,
    );
  const format = given.get("--format") ?? "text";
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format "${format}" is not one of ${FORMATS.join(", ")}.`);
  const [state, from, to] = (["--state", "--from", "--to"] as const).map((option) => {
    const value = given.get(option);
    if (value !== undefined && !isDeploymentState(value))
      throw new UsageError(
        `${option} "${value}" is not a deployment state; expected one of ${DEPLOYMENT_STATES.join(", ")}.`,
      );
    return value as DeploymentState | undefined;
  });
  if (state !== undefined && (from !== undefined || to !== undefined))
    throw new UsageError("--state cannot be combined with --from/--to.");
  if ((from === undefined) !== (to === undefined))
    throw new UsageError("--from and --to must be given together.");
  if (from !== undefined && from === to)
    throw new UsageError(`--from and --to are the same state ("${from}").`);
  return { stack, state, from, to, format: format as Format, help, cost };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

export interface PlanIo {
  /** Where `Pulumi.<stack>.yaml` is read from. */
  readonly projectDir: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs the command; returns the exit code instead of exiting, so tests can call it. */
export async function runPlan(argv: readonly string[], io: PlanIo): Promise<number> {
  const out = (text: string) => io.out(hidePlaceholders(text));
  const err = (text: string) => io.err(hidePlaceholders(text));
  try {
    const args = parseArgs(argv);
    if (args.help) {
      out(`${USAGE}\n`);
      return 0;
    }
    const stackConfig = readStackConfig(io.projectDir, args.stack);
    const masker = new SecretMasker(stackConfig.placeholders);
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
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`error: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (
      error instanceof StackFileError ||
      error instanceof ConfigError ||
      error instanceof CostError
    ) {
      err(`${error.message}\n`);
      return 2;
    }
    err(`The program failed under mocks: ${(error as Error).stack ?? String(error)}\n`);
    return 3;
  }
}

if (require.main === module)
  runPlan(process.argv.slice(2), {
    projectDir: path.resolve(__dirname, ".."),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
