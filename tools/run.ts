/**
 * Entry point of `npm run plan|transitions|bench`: loads the command's module, then runs it.
 * A module that fails to load (a syntax error, a throw while importing the program) or a
 * failure nothing caught exits 3, "the program failed" — never 1, which means "a stateful
 * resource is touched". Exit codes: tools/cli.ts.
 */
import { EXIT } from "./cli";

const COMMANDS = ["plan", "transitions", "bench", "adopt"] as const;

interface Command {
  main(argv: readonly string[]): Promise<number>;
}

function failed(what: string, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${what}: ${detail}\n`);
  process.exitCode = EXIT.failed;
}

export async function run(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!(COMMANDS as readonly string[]).includes(name ?? "")) {
    process.stderr.write(
      `error: unknown command "${name ?? ""}"; expected ${COMMANDS.join(", ")}\n`,
    );
    return EXIT.usage;
  }
  let command: Command;
  try {
    command = require(`./${name}`) as Command;
  } catch (error) {
    failed(`The ${name} command failed to load`, error);
    return EXIT.failed;
  }
  return command.main(rest);
}

if (require.main === module) {
  process.on("uncaughtException", (error) => failed("Uncaught failure", error));
  process.on("unhandledRejection", (error) => failed("Unhandled failure", error));
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => failed("The command failed", error),
  );
}
