/**
 * The command line shared by `npm run plan`, `transitions` and `bench` (tools/cli.ts) and the
 * entry point that loads them (tools/run.ts): `--help`, `--opt=value`, exact errors for unknown
 * options and bad values, and exit codes that each mean one thing.
 *
 * What this cannot prove: npm's own behaviour around the scripts. Checked by hand with npm
 * 11.19: `npm run plan -- --help` prints npm's `> graasp-infrastructure@0.1.0 plan` banner on
 * stdout, `npm run -s plan -- --help` prints the help alone; README says to use `-s` when
 * redirecting output.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { BENCH_COMMAND } from "../tools/bench";
import { CommandSpec, EXIT, UsageError, failureExit, helpText, parseArgs } from "../tools/cli";
import { PLAN_COMMAND, runPlan } from "../tools/plan";
import { COMMANDS, run } from "../tools/run";
import { TRANSITIONS_COMMAND, runTransitions } from "../tools/transitions";

const SPEC: CommandSpec = {
  usage: "npm run -s demo -- [options]",
  description: "A demo command.",
  options: [
    {
      name: "--stack",
      value: "<name>",
      help: "a stack",
      pattern: { regex: /^[a-z]+$/, what: "a name" },
    },
    { name: "--format", value: "<format>", help: "a format", choices: ["text", "json"] },
    { name: "--rounds", value: "<n>", help: "rounds", integer: { min: 1, max: 10 } },
    { name: "--no-compare", help: "a flag" },
  ],
};

describe("tool command lines: the shared parser", () => {
  it("reads --name value, --name=value and flags", () => {
    const parsed = parseArgs(
      ["--stack", "qa", "--format=json", "--rounds=3", "--no-compare"],
      SPEC,
    );
    expect(parsed.help).to.equal(false);
    expect([...parsed.values]).to.deep.equal([
      ["--stack", "qa"],
      ["--format", "json"],
      ["--rounds", "3"],
    ]);
    expect([...parsed.flags]).to.deep.equal(["--no-compare"]);
    expect(parseArgs(["-h"], SPEC).help).to.equal(true);
    expect(parseArgs(["--stack", "qa", "--help"], SPEC).help).to.equal(true);
  });

  const errors: [string[], string][] = [
    [["--colour", "red"], "Unknown option --colour."],
    [["--form=json"], "Unknown option --form. Did you mean --format?"],
    [["qa"], 'Unexpected argument "qa" (options start with --).'],
    [["--stack"], "--stack needs a value: --stack <name>."],
    [["--stack="], "--stack needs a value: --stack <name>."],
    [["--stack", "--format", "json"], "--stack needs a value: --stack <name>."],
    [["--stack", "QA"], '--stack "QA" is not a name.'],
    [["--format", "xml"], '--format "xml" is not one of text, json.'],
    [["--rounds", "0"], '--rounds "0" is not a whole number from 1 to 10.'],
    [["--rounds", "2.5"], '--rounds "2.5" is not a whole number from 1 to 10.'],
    [["--rounds", "many"], '--rounds "many" is not a whole number from 1 to 10.'],
    [["--no-compare=yes"], "--no-compare is a flag and takes no value."],
    [["--no-compare", "--no-compare"], "--no-compare is given twice."],
    [["--stack", "a", "--stack=b"], "--stack is given twice."],
  ];
  for (const [argv, message] of errors)
    it(`refuses ${JSON.stringify(argv)}: ${message}`, () => {
      let caught: unknown;
      try {
        parseArgs(argv, SPEC);
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(UsageError);
      expect((caught as Error).message).to.equal(message);
    });

  it("prints help with every option and the exit codes", () => {
    expect(helpText(SPEC)).to.equal(
      [
        "Usage: npm run -s demo -- [options]",
        "",
        "A demo command.",
        "",
        "Options:",
        "  --stack <name>     a stack",
        "  --format <format>  a format",
        "  --rounds <n>       rounds",
        "  --no-compare       a flag",
        "  --help             print this help",
        "",
        "Exit codes:",
        "  0  done (for a transition: no stateful resource touched)",
        "  1  a transition touches a stateful resource",
        "  2  bad arguments, stack file or configuration",
        "  3  the program failed to load or to build under mocks",
      ].join("\n"),
    );
    expect(EXIT).to.deep.equal({ ok: 0, statefulTouched: 1, usage: 2, failed: 3 });
  });
});

describe("tool command lines: plan, transitions and bench", () => {
  const io = () => {
    const output = { out: "", err: "" };
    return {
      output,
      io: {
        projectDir: path.join(__dirname, ".."),
        out: (t: string) => (output.out += t),
        err: (t: string) => (output.err += t),
      },
    };
  };

  it("answers --help on stdout with exit 0, for plan and transitions", async () => {
    const plan = io();
    expect(await runPlan(["--help"], plan.io)).to.equal(0);
    expect(plan.output).to.deep.equal({ out: `${helpText(PLAN_COMMAND)}\n`, err: "" });
    const transitions = io();
    expect(await runTransitions(["--help"], transitions.io)).to.equal(0);
    expect(transitions.output).to.deep.equal({
      out: `${helpText(TRANSITIONS_COMMAND)}\n`,
      err: "",
    });
  });

  it("refuses a bad value with exit 2, the problem and the usage, no stack trace", async () => {
    const transitions = io();
    expect(await runTransitions(["--format", "xml"], transitions.io)).to.equal(2);
    expect(transitions.output).to.deep.equal({
      out: "",
      err:
        'error: --format "xml" is not one of text, markdown, json.\n' +
        "Usage: npm run -s transitions -- [--stack <name>] [--format <format>]\n" +
        "Run with --help for every option.\n",
    });
  });

  it("declares bench's options in the same parser", () => {
    expect(() => parseArgs(["--rounds", "-1"], BENCH_COMMAND)).to.throw(
      '--rounds "-1" is not a whole number from 1 to 1000.',
    );
    expect(
      parseArgs(["--semi-space=64", "--no-compare"], BENCH_COMMAND).values.get("--semi-space"),
    ).to.equal("64");
  });

  it("runs every npm tool script through tools/run.ts", () => {
    const scripts = JSON.parse(
      fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"),
    ).scripts;
    for (const command of COMMANDS)
      expect(scripts[command]).to.equal(`ts-node --transpile-only tools/run.ts ${command}`);
  });
});

describe("tool command lines: the entry point", () => {
  const capture = () => {
    let err = "";
    return { err: () => err, write: (t: string) => (err += t) };
  };

  it("exits 3, not 1, when a command's module fails to load", async () => {
    const stderr = capture();
    const code = await run(["plan", "--stack", "staging"], {
      err: stderr.write,
      load: () => {
        throw new SyntaxError("Unexpected token '}'");
      },
    });
    expect(code).to.equal(3);
    expect(stderr.err()).to.match(
      /^The plan command failed to load: SyntaxError: Unexpected token '\}'\n/,
    );
  });

  it("exits 3 when a command throws, and passes its own exit code through", async () => {
    const stderr = capture();
    const failing = await run(["bench"], {
      err: stderr.write,
      load: () => ({ main: async () => Promise.reject(new Error("boom")) }),
    });
    expect(failing).to.equal(3);
    expect(stderr.err()).to.match(/^The bench command failed: Error: boom\n/);
    const touched = await run(["transitions", "--stack", "staging"], {
      err: stderr.write,
      load: () => ({ main: async (argv) => (argv.join(" ") === "--stack staging" ? 1 : 9) }),
    });
    expect(touched).to.equal(1);
  });

  it("refuses an unknown command with exit 2", async () => {
    const stderr = capture();
    expect(
      await run(["deploy"], { err: stderr.write, load: () => ({ main: async () => 0 }) }),
    ).to.equal(2);
    expect(stderr.err()).to.equal(
      'error: unknown command "deploy"; expected one of plan, transitions, bench, adopt.\n',
    );
  });
});

describe("failureExit", () => {
  class InputError extends Error {}
  const printed: string[] = [];
  const print = (text: string) => printed.push(text);
  beforeEach(() => (printed.length = 0));

  it("prints a usage error with the usage line and exits 2", () => {
    expect(
      failureExit(new UsageError("Missing --stack <name>."), PLAN_COMMAND, print, []),
    ).to.equal(EXIT.usage);
    expect(printed).to.deep.equal([
      `error: Missing --stack <name>.\nUsage: ${PLAN_COMMAND.usage}\nRun with --help for every option.\n`,
    ]);
  });

  it("prints an input error's message after the prefix and exits 2", () => {
    expect(
      failureExit(new InputError("bad file"), PLAN_COMMAND, print, [InputError], "error: "),
    ).to.equal(EXIT.usage);
    expect(printed).to.deep.equal(["error: bad file\n"]);
  });

  it("reports anything else as the program's failure, with its stack, and exits 3", () => {
    const error = new Error("boom");
    expect(failureExit(error, PLAN_COMMAND, print, [InputError])).to.equal(EXIT.failed);
    expect(printed).to.deep.equal([`The program failed under mocks: ${error.stack}\n`]);
    expect(EXIT.failed).to.equal(3);
  });
});
