/**
 * The command line shared by `npm run plan`, `npm run transitions` and `npm run bench`: one
 * parser (`--name value`, `--name=value`, flags, `--help`), one help layout, one set of exit
 * codes. Nothing here loads the Pulumi SDK, so `--help` and usage errors answer at once.
 */

/** Exit codes of every tool; each means one thing. */
export const EXIT = {
  /** Done; for a transition, no stateful resource is touched. */
  ok: 0,
  /** A transition adds, removes or changes a stateful resource (database, bucket, secret, …). */
  statefulTouched: 1,
  /** Bad arguments, a missing or unreadable stack file, or an invalid configuration. */
  usage: 2,
  /** The program or the tool failed: a module did not load, or the build under mocks threw. */
  failed: 3,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  done (for a transition: no stateful resource touched)
  1  a transition touches a stateful resource
  2  bad arguments, stack file or configuration
  3  the program failed to load or to build under mocks`;

/** A mistake on the command line; printed with the usage, exit code 2, never a stack trace. */
export class UsageError extends Error {}

export interface OptionSpec {
  /** `--stack`. */
  readonly name: string;
  /** Placeholder of the value in the help (`<name>`); absent for a flag, which takes no value. */
  readonly value?: string;
  readonly help: string;
  /** The value must be one of these. */
  readonly choices?: readonly string[];
  /** The value must be a whole number in this range. */
  readonly integer?: { readonly min: number; readonly max: number };
  /** The value must match: `what` says what it must be. */
  readonly pattern?: { readonly regex: RegExp; readonly what: string };
}

export interface CommandSpec {
  /** `npm run -s plan -- --stack <name> [options]`. */
  readonly usage: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /** Lines after the options (states, examples). */
  readonly notes?: readonly string[];
}

export interface ParsedArgs {
  readonly help: boolean;
  /** Values of the options given, by name (`--stack`), validated. */
  readonly values: ReadonlyMap<string, string>;
  /** Flags given (`--no-compare`). */
  readonly flags: ReadonlySet<string>;
}

/** Parses `argv` against `spec`; throws `UsageError` naming the exact problem. */
export function parseArgs(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  let help = false;
  const known = spec.options.map((option) => option.name);
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === "--help" || argument === "-h") {
      help = true;
      continue;
    }
    if (!argument.startsWith("--"))
      throw new UsageError(`Unexpected argument "${argument}" (options start with --).`);
    const at = argument.indexOf("=");
    const name = at === -1 ? argument : argument.slice(0, at);
    const option = spec.options.find((candidate) => candidate.name === name);
    if (option === undefined) {
      const near = known.find((k) => k.replace(/^--/, "").startsWith(name.replace(/^--/, "")));
      throw new UsageError(
        `Unknown option ${name}.${near !== undefined ? ` Did you mean ${near}?` : ""}`,
      );
    }
    if (values.has(name) || flags.has(name)) throw new UsageError(`${name} is given twice.`);
    if (option.value === undefined) {
      if (at !== -1) throw new UsageError(`${name} is a flag and takes no value.`);
      flags.add(name);
      continue;
    }
    const value = at === -1 ? argv[++i] : argument.slice(at + 1);
    if (value === undefined || value === "" || (at === -1 && value.startsWith("--")))
      throw new UsageError(`${name} needs a value: ${name} ${option.value}.`);
    checkValue(option, value);
    values.set(name, value);
  }
  return { help, values, flags };
}

function checkValue(option: OptionSpec, value: string): void {
  if (option.choices !== undefined && !option.choices.includes(value))
    throw new UsageError(`${option.name} "${value}" is not one of ${option.choices.join(", ")}.`);
  if (option.integer !== undefined) {
    const { min, max } = option.integer;
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max)
      throw new UsageError(
        `${option.name} "${value}" is not a whole number from ${min} to ${max}.`,
      );
  }
  if (option.pattern !== undefined && !option.pattern.regex.test(value))
    throw new UsageError(`${option.name} "${value}" is not ${option.pattern.what}.`);
}

/** The `--help` text: usage, description, options, notes, exit codes. */
export function helpText(spec: CommandSpec): string {
  const left = (option: OptionSpec) =>
    option.value === undefined ? option.name : `${option.name} ${option.value}`;
  const width = Math.max(...spec.options.map((option) => left(option).length), "--help".length);
  const line = (name: string, help: string) => `  ${name.padEnd(width)}  ${help}`;
  return [
    `Usage: ${spec.usage}`,
    "",
    spec.description,
    "",
    "Options:",
    ...spec.options.map((option) => line(left(option), option.help)),
    line("--help", "print this help"),
    ...(spec.notes !== undefined ? ["", ...spec.notes] : []),
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

/**
 * How a command ends on an error, and its exit code: a usage error with its usage line; an
 * error in what the command was given (`inputErrors`: the stack file, its configuration) as its
 * message after `prefix`; anything else as a failure of the program, with its stack.
 */
export function failureExit(
  error: unknown,
  spec: CommandSpec,
  print: (text: string) => void,
  inputErrors: readonly (abstract new (...args: never[]) => Error)[],
  prefix = "",
): number {
  if (error instanceof UsageError) {
    print(usageMessage(error, spec));
    return EXIT.usage;
  }
  if (inputErrors.some((kind) => error instanceof kind)) {
    print(`${prefix}${(error as Error).message}\n`);
    return EXIT.usage;
  }
  print(`The program failed under mocks: ${(error as Error).stack ?? String(error)}\n`);
  return EXIT.failed;
}

/** The message for a usage error: the problem, then how to get help; exit code 2. */
export function usageMessage(error: UsageError, spec: CommandSpec): string {
  return `error: ${error.message}\nUsage: ${spec.usage}\nRun with --help for every option.\n`;
}
