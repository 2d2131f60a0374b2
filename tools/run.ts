/**
 * Entry point of `npm run plan|transitions|bench`: loads the command's module, then runs it.
 * A module that fails to load (a syntax error, a throw while importing the program) or a
 * failure nothing caught exits 3, "the program failed" — never 1, which means "a stateful
 * resource is touched". Exit codes: tools/cli.ts.
 */
import { EXIT } from "./cli";

export const COMMANDS = ["plan", "transitions", "bench", "adopt"] as const;

export interface Command {
  main(argv: readonly string[]): Promise<number>;
}

export interface RunIo {
  readonly err: (text: string) => void;
  /** Loads a command's module; `require` of tools/<name>.ts by default. */
  readonly load: (name: string) => Command;
}

const PROCESS_IO: RunIo = {
  err: (text) => process.stderr.write(text),
  load: (name) => require(`./${name}`) as Command,
};

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Loads and runs one command; returns its exit code. */
export async function run(argv: readonly string[], io: RunIo = PROCESS_IO): Promise<number> {
  const [name, ...rest] = argv;
  if (!(COMMANDS as readonly string[]).includes(name ?? "")) {
    io.err(`error: unknown command "${name ?? ""}"; expected one of ${COMMANDS.join(", ")}.\n`);
    return EXIT.usage;
  }
  let command: Command;
  try {
    command = io.load(name);
  } catch (error) {
    io.err(`The ${name} command failed to load: ${describe(error)}\n`);
    return EXIT.failed;
  }
  try {
    return await command.main(rest);
  } catch (error) {
    io.err(`The ${name} command failed: ${describe(error)}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  const failed = (error: unknown) => {
    process.stderr.write(`Uncaught failure: ${describe(error)}\n`);
    process.exit(EXIT.failed);
  };
  process.on("uncaughtException", failed);
  process.on("unhandledRejection", failed);
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
