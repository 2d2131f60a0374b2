/**
 * `npm run -s bench [-- --rounds 5 --warmup 1 --semi-space 128 --no-compare]`
 *
 * How long one evaluation of the whole program under the project's mocks takes, per stack ×
 * deployment state, after warm-up rounds, next to the bare cost of loading the Pulumi SDKs in
 * the same process. The test suite and the offline plan pay this per evaluation; the target is
 * 300 ms. Values are wall-clock on this machine; nothing is cached between evaluations. The
 * configurations are the test fixtures', so that a fresh clone can run it without stack files.
 *
 * Then the same again in a child process with a larger young generation (`--semi-space` MiB),
 * since GC pauses were a large share of an evaluation; `--no-compare` skips that.
 *
 * Every module is loaded with `require` in the order written, after the arguments are parsed,
 * because the SDK load is measured first: a static import would load it before the first line
 * runs. tools/cli.ts loads nothing of the SDK.
 */
import type * as Aws from "@pulumi/aws";
import type * as Mocks from "../test/mocks";
import type * as Fixtures from "../test/fixtures";
import type * as Platform from "../platform";
import type * as States from "../components/deploymentStates";
import { CommandSpec, EXIT, UsageError, helpText, parseArgs, usageMessage } from "./cli";

const TARGET_MS = 300;

function millisecondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function timed<T>(load: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const value = load();
  return [value, millisecondsSince(start)];
}

interface Loaded {
  readonly aws: typeof Aws;
  readonly program: {
    readonly mocks: typeof Mocks;
    readonly fixtures: typeof Fixtures;
    readonly platform: typeof Platform;
    readonly states: typeof States;
  };
  readonly pulumiLoadMs: number;
  readonly awsLoadMs: number;
  readonly programLoadMs: number;
}

/** The SDKs, then the program, each timed; the first `require` of the SDK in this process. */
function load(): Loaded {
  const [, pulumiLoadMs] = timed(() => require("@pulumi/pulumi"));
  const [aws, awsLoadMs] = timed(() => require("@pulumi/aws") as typeof Aws);
  const [program, programLoadMs] = timed(() => ({
    mocks: require("../test/mocks") as typeof Mocks,
    fixtures: require("../test/fixtures") as typeof Fixtures,
    platform: require("../platform") as typeof Platform,
    states: require("../components/deploymentStates") as typeof States,
  }));
  return { aws, program, pulumiLoadMs, awsLoadMs, programLoadMs };
}
// GC pauses, observed without flags, to tell how much of an evaluation is collection.
const { PerformanceObserver } = require("perf_hooks") as typeof import("perf_hooks");
const { spawnSync } = require("child_process") as typeof import("child_process");
const path = require("path") as typeof import("path");

export const BENCH_COMMAND: CommandSpec = {
  usage: "npm run -s bench -- [--rounds <n>] [--warmup <n>] [--semi-space <MiB>] [--no-compare]",
  description:
    "Times one evaluation of the whole program under mocks per stack and deployment state,\n" +
    "after warm-up rounds, then again in a child process with a larger young generation.",
  options: [
    {
      name: "--rounds",
      value: "<n>",
      help: "measured rounds (default 5)",
      integer: { min: 1, max: 1000 },
    },
    {
      name: "--warmup",
      value: "<n>",
      help: "warm-up rounds, not measured (default 1)",
      integer: { min: 0, max: 100 },
    },
    {
      name: "--semi-space",
      value: "<MiB>",
      help: "young generation of the second run (default 128)",
      integer: { min: 1, max: 4096 },
    },
    { name: "--no-compare", help: "skip the second run" },
    { name: "--json", help: "print the measurement as JSON (used for the second run)" },
  ],
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Result {
  readonly flags: string;
  readonly loadMs: Readonly<Record<string, number>>;
  readonly scenarios: readonly { readonly name: string; readonly times: readonly number[] }[];
  /** Share of the measured evaluation time spent in GC pauses. */
  readonly gcShare: number;
  readonly rounds: number;
  readonly warmup: number;
}

async function measure(loaded: Loaded, rounds: number, warmup: number): Promise<Result> {
  const { aws, program, pulumiLoadMs, awsLoadMs, programLoadMs } = loaded;
  const { mocks, fixtures, platform, states } = program;
  const firstResourceStart = process.hrtime.bigint();
  await mocks.evaluate("staging", () => new aws.cloudwatch.LogGroup("probe", {}));
  const firstResourceMs = millisecondsSince(firstResourceStart);

  const scenarios = fixtures.STACKS.flatMap((stack) =>
    states.DEPLOYMENT_STATES.map((state) => ({ stack, state, times: [] as number[] })),
  );
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  let measuredMs = 0;
  for (let round = 0; round < warmup + rounds; round++) {
    const measured = round >= warmup;
    if (measured && round === warmup) observer.observe({ entryTypes: ["gc"] });
    for (const scenario of scenarios) {
      const config = fixtures.configFor(scenario.stack, scenario.state);
      const start = process.hrtime.bigint();
      await mocks.evaluate(scenario.stack, () => platform.createPlatform(config));
      const elapsed = millisecondsSince(start);
      if (measured) {
        scenario.times.push(elapsed);
        measuredMs += elapsed;
      }
    }
  }
  // GC entries are delivered on a later turn of the event loop, not as they happen.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();

  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return {
    flags: given.filter((arg) => arg.startsWith("--max-")).join(" ") || "none",
    loadMs: {
      "@pulumi/pulumi": pulumiLoadMs,
      "@pulumi/aws": awsLoadMs,
      program: programLoadMs,
      firstResource: firstResourceMs,
    },
    scenarios: scenarios.map(({ stack, state, times }) => ({ name: `${stack}/${state}`, times })),
    gcShare: gcMs / measuredMs,
    rounds,
    warmup,
  };
}

function overall(result: Result): number[] {
  return result.scenarios.flatMap((scenario) => scenario.times);
}

function report(result: Result): string[] {
  const format = (ms: number) => ms.toFixed(0).padStart(6);
  const row = (name: string, times: readonly number[]) =>
    `  ${name.padEnd(22)} ${format(median(times))}  ${format(Math.min(...times))}  ${format(Math.max(...times))}`;
  const all = overall(result);
  const verdict = median(all) <= TARGET_MS ? "met" : "MISSED";
  return [
    `Whole-program evaluation under mocks: node ${process.version}, ` +
      `${require("os").cpus().length} CPUs, V8 flags: ${result.flags}`,
    "",
    "Load, in this process before anything else (ms)",
    `  require("@pulumi/pulumi")   ${format(result.loadMs["@pulumi/pulumi"])}`,
    `  require("@pulumi/aws")      ${format(result.loadMs["@pulumi/aws"])}`,
    `  program modules (ts-node)   ${format(result.loadMs.program)}`,
    `  first trivial resource      ${format(result.loadMs.firstResource)}   (mocks installed, one LogGroup)`,
    "",
    `Evaluations (ms): ${result.warmup} warm-up round(s), then ${result.rounds} measured rounds ` +
      `of all ${result.scenarios.length} scenarios`,
    "  Scenario                 median     min     max",
    ...result.scenarios.map((scenario) => row(scenario.name, scenario.times)),
    row("overall", all),
    "",
    `GC pauses: ${(100 * result.gcShare).toFixed(0)}% of measured evaluation time`,
    `Target ≤ ${TARGET_MS} ms per evaluation after warm-up: ${verdict} ` +
      `(median ${median(all).toFixed(0)} ms)`,
  ];
}

/**
 * The same measurement in a child process with a larger young generation: Pulumi allocates
 * many short-lived promises per resource, and with the default semi-space (16 MiB) a large
 * share of an evaluation is scavenging.
 */
function measureWithSemiSpace(megabytes: number, argv: readonly string[]): Result {
  const child = spawnSync(
    process.execPath,
    [
      `--max-semi-space-size=${megabytes}`,
      "-r",
      "ts-node/register/transpile-only",
      path.join(__dirname, "run.ts"),
      "bench",
      "--json",
      ...argv,
    ],
    { cwd: path.resolve(__dirname, ".."), encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (child.status !== 0) throw new Error(`the benchmark with ${megabytes} MiB semi-space failed`);
  return JSON.parse(child.stdout) as Result;
}

/** Entry point for tools/run.ts. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, BENCH_COMMAND);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(usageMessage(error, BENCH_COMMAND));
    return EXIT.usage;
  }
  if (parsed.help) {
    process.stdout.write(`${helpText(BENCH_COMMAND)}\n`);
    return EXIT.ok;
  }
  const number = (name: string, fallback: number) => Number(parsed.values.get(name) ?? fallback);
  const rounds = number("--rounds", 5);
  const warmup = number("--warmup", 1);
  const semiSpace = number("--semi-space", 128);
  const passOn = ["--rounds", String(rounds), "--warmup", String(warmup)];
  const result = await measure(load(), rounds, warmup);
  if (parsed.flags.has("--json")) {
    process.stdout.write(JSON.stringify(result));
    return EXIT.ok;
  }
  process.stdout.write(`${report(result).join("\n")}\n`);
  if (parsed.flags.has("--no-compare") || result.flags !== "none") return EXIT.ok;

  const tuned = measureWithSemiSpace(semiSpace, passOn);
  const [plain, faster] = [median(overall(result)), median(overall(tuned))];
  process.stdout.write(
    [
      "",
      `Again with --max-semi-space-size=${semiSpace} (a separate process, run after this one)`,
      "",
      ...report(tuned),
      "",
      `Semi-space ${semiSpace} MiB vs default: median ${faster.toFixed(0)} vs ${plain.toFixed(0)} ms ` +
        `(${((100 * (faster - plain)) / plain).toFixed(0)}%), GC ${(100 * tuned.gcShare).toFixed(0)}% ` +
        `vs ${(100 * result.gcShare).toFixed(0)}%. Other load on this machine moves both; compare minima too.`,
    ].join("\n") + "\n",
  );
  return EXIT.ok;
}
