/**
 * `npm run db-shell -- --stack <stack> [--run]`
 *
 * Reaching the database without SSH: prints (or, with `--run`, runs) the AWS CLI commands that
 * start a toolbox task (a PostgreSQL client in the services' network, admitted by the
 * database's security group), wait until ECS Exec can reach it, open `psql` in it, and stop it.
 * The values come from the stack output `toolbox` (`pulumi stack output --json`). No password
 * is on any command line: psql reads the master login from the task's secret environment.
 *
 * Exit codes: 0 done; 2 bad arguments or stack outputs; 3 a command failed (the toolbox is
 * stopped whenever it was started).
 */
import { spawnSync } from "child_process";
import type { ToolboxAccess } from "../components/databaseRuns";
import { CommandSpec, UsageError, parseArgs } from "./cli";

export const USAGE = `Usage: npm run db-shell -- --stack <name> [--run]

Prints the AWS CLI commands that start the stack's toolbox task, wait for it, open psql in it
through ECS Exec and stop it. With --run, runs them (needs the AWS CLI, the Session Manager
plugin and credentials allowed to run tasks and ECS Exec).

Options:
  --stack <name>   stack whose output \`toolbox\` is read with \`pulumi stack output --json\`
  --run            run the commands instead of printing them
Exit codes: 0 done; 2 bad arguments or stack outputs; 3 a command failed.`;

export const TOOLBOX_STARTED_BY = "graasp-toolbox";
/** ECS Exec answers a few seconds after the task is RUNNING; polled every 5 s, 2 min at most. */
export const EXEC_AGENT_POLLS = 24;

export class DbShellError extends Error {
  constructor(
    message: string,
    readonly exitCode: 2 | 3,
  ) {
    super(message);
  }
}

export interface DbShellArgs {
  readonly stack: string;
  readonly run: boolean;
  readonly help: boolean;
}

/** The command line, read by the tools' shared parser; its help is `USAGE`. */
export const DB_SHELL_COMMAND: CommandSpec = {
  usage: "npm run db-shell -- --stack <name> [--run]",
  description: "Prints or runs the commands that open psql in the stack's toolbox task.",
  options: [
    {
      name: "--stack",
      value: "<name>",
      help: "stack whose output `toolbox` is read with `pulumi stack output --json`",
      pattern: {
        regex: /^[A-Za-z0-9._-]+$/,
        what: 'a stack name (letters, digits, ".", "_", "-")',
      },
    },
    { name: "--run", help: "run the commands instead of printing them" },
  ],
};

export function parseDbShellArgs(argv: readonly string[]): DbShellArgs {
  let parsed;
  try {
    parsed = parseArgs(argv, DB_SHELL_COMMAND);
  } catch (error) {
    if (error instanceof UsageError) throw new DbShellError(error.message, 2);
    throw error;
  }
  const run = parsed.flags.has("--run");
  if (parsed.help) return { stack: "", run, help: true };
  const stack = parsed.values.get("--stack");
  if (stack === undefined) throw new DbShellError("Missing --stack <name>.", 2);
  return { stack, run, help: false };
}

/** The `toolbox` output of `pulumi stack output --json`, checked field by field. */
export function toolboxFromOutputs(stack: string, outputsJson: string): ToolboxAccess {
  let outputs: unknown;
  try {
    outputs = JSON.parse(outputsJson);
  } catch {
    throw new DbShellError(
      `\`pulumi stack output --json --stack ${stack}\` did not print JSON.`,
      2,
    );
  }
  const toolbox = (outputs as Record<string, unknown> | null)?.toolbox as
    Record<string, unknown> | undefined;
  if (typeof toolbox !== "object" || toolbox === null)
    throw new DbShellError(
      `Stack "${stack}" has no output \`toolbox\`: deploy this version of the program first (pulumi up).`,
      2,
    );
  const text = (key: string, pattern: RegExp) => {
    const value = toolbox[key];
    if (typeof value !== "string" || !pattern.test(value))
      throw new DbShellError(`The output \`toolbox.${key}\` is ${JSON.stringify(value)}.`, 2);
    return value;
  };
  const list = (key: string, pattern: RegExp) => {
    const value = toolbox[key];
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((v) => typeof v === "string" && pattern.test(v))
    )
      throw new DbShellError(`The output \`toolbox.${key}\` is ${JSON.stringify(value)}.`, 2);
    return value as string[];
  };
  if (typeof toolbox.assignPublicIp !== "boolean")
    throw new DbShellError(
      `The output \`toolbox.assignPublicIp\` is ${JSON.stringify(toolbox.assignPublicIp)}.`,
      2,
    );
  const name = /^[A-Za-z0-9_-]{1,255}$/;
  return {
    region: text("region", /^[a-z]{2}(-gov)?-[a-z]+-\d$/),
    cluster: text("cluster", name),
    taskDefinition: text("taskDefinition", name),
    container: text("container", name),
    subnets: list("subnets", /^subnet-[0-9a-z-]+$/),
    securityGroups: list("securityGroups", /^sg-[0-9a-z-]+$/),
    assignPublicIp: toolbox.assignPublicIp,
  };
}

/** The four steps as argument vectors; `task` is the ARN `start` printed. */
export interface ToolboxCommands {
  readonly start: string[];
  readonly wait: string[];
  readonly agentStatus: string[];
  readonly shell: string[];
  readonly stop: string[];
}

export function toolboxCommands(access: ToolboxAccess, task: string): ToolboxCommands {
  const where = ["--region", access.region, "--cluster", access.cluster];
  const network = `awsvpcConfiguration={subnets=[${access.subnets.join(",")}],securityGroups=[${access.securityGroups.join(",")}],assignPublicIp=${access.assignPublicIp ? "ENABLED" : "DISABLED"}}`;
  return {
    start: [
      ...["aws", "ecs", "run-task", ...where],
      ...["--task-definition", access.taskDefinition, "--launch-type", "FARGATE"],
      ...["--enable-execute-command", "--started-by", TOOLBOX_STARTED_BY],
      ...["--network-configuration", network],
      ...["--query", "tasks[0].taskArn", "--output", "text"],
    ],
    wait: ["aws", "ecs", "wait", "tasks-running", ...where, "--tasks", task],
    agentStatus: [
      ...["aws", "ecs", "describe-tasks", ...where, "--tasks", task],
      ...[
        "--query",
        "tasks[0].containers[0].managedAgents[?name=='ExecuteCommandAgent'].lastStatus | [0]",
      ],
      ...["--output", "text"],
    ],
    shell: [
      ...["aws", "ecs", "execute-command", ...where, "--task", task],
      ...["--container", access.container, "--interactive", "--command", "psql"],
    ],
    stop: [
      ...["aws", "ecs", "stop-task", ...where, "--task", task],
      ...["--reason", "db-shell closed"],
    ],
  };
}

/** POSIX shell quoting, only where a word needs it. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_\/.:=,@%+-]+$/.test(word) && !word.startsWith("=")
    ? word
    : `'${word.replace(/'/g, `'\\''`)}'`;
}

function line(argv: readonly string[]): string {
  return argv.map((word) => (word === '"$TASK"' ? word : shellWord(word))).join(" ");
}

/** What `db-shell` prints: a script an operator can read, copy step by step, or pipe to sh. */
export function toolboxScript(stack: string, access: ToolboxAccess): string {
  const commands = toolboxCommands(access, '"$TASK"');
  return [
    `# psql on the database of stack ${stack}, through a toolbox task and ECS Exec.`,
    "# 1. Start the toolbox (it stops by itself after 4 hours):",
    `TASK=$(${line(commands.start)})`,
    "# 2. Wait until it runs and ECS Exec can reach it:",
    line(commands.wait),
    `until [ "$(${line(commands.agentStatus)})" = RUNNING ]; do sleep 5; done`,
    "# 3. Open psql (the master login comes from the task's secret environment):",
    line(commands.shell),
    "# 4. Stop the toolbox:",
    line(commands.stop),
    "",
  ].join("\n");
}

/** Runs one command; `capture` returns its standard output instead of showing it. */
export type CommandRunner = (
  argv: readonly string[],
  capture: boolean,
) => { status: number; stdout: string };

export const spawnRunner: CommandRunner = (argv, capture) => {
  const result = spawnSync(argv[0], argv.slice(1), {
    stdio: capture ? ["inherit", "pipe", "inherit"] : "inherit",
    encoding: "utf8",
  });
  return { status: result.status ?? 1, stdout: result.stdout ?? "" };
};

/** `--run`: start, wait, open psql, and stop the task whatever happened after it started. */
export function runToolbox(
  access: ToolboxAccess,
  run: CommandRunner,
  sleep: (seconds: number) => void,
  log: (text: string) => void,
): void {
  const started = run(toolboxCommands(access, "").start, true);
  const task = started.stdout.trim();
  if (started.status !== 0 || !task.startsWith("arn:"))
    throw new DbShellError(`The toolbox task did not start (aws exit code ${started.status}).`, 3);
  log(`Toolbox task ${task} started; waiting for it to run.\n`);
  const commands = toolboxCommands(access, task);
  try {
    if (run(commands.wait, false).status !== 0)
      throw new DbShellError(`Toolbox task ${task} did not reach RUNNING.`, 3);
    let agent = "";
    for (let poll = 0; poll < EXEC_AGENT_POLLS && agent !== "RUNNING"; poll++) {
      if (poll > 0) sleep(5);
      agent = run(commands.agentStatus, true).stdout.trim();
    }
    if (agent !== "RUNNING")
      throw new DbShellError(
        `ECS Exec did not become available in toolbox task ${task} (agent status ${agent || "unknown"}).`,
        3,
      );
    const shell = run(commands.shell, false);
    if (shell.status !== 0)
      throw new DbShellError(`aws ecs execute-command exited with code ${shell.status}.`, 3);
  } finally {
    log(`Stopping toolbox task ${task}.\n`);
    run(commands.stop, true);
  }
}

export interface DbShellIo {
  readonly stackOutputs: (stack: string) => string;
  readonly run: CommandRunner;
  readonly sleep: (seconds: number) => void;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export function dbShell(argv: readonly string[], io: DbShellIo): number {
  try {
    const args = parseDbShellArgs(argv);
    if (args.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const access = toolboxFromOutputs(args.stack, io.stackOutputs(args.stack));
    if (!args.run) {
      io.out(toolboxScript(args.stack, access));
      return 0;
    }
    runToolbox(access, io.run, io.sleep, io.err);
    return 0;
  } catch (error) {
    if (error instanceof DbShellError) {
      io.err(`error: ${error.message}\n${error.exitCode === 2 ? `\n${USAGE}\n` : ""}`);
      return error.exitCode;
    }
    throw error;
  }
}

function pulumiStackOutputs(stack: string): string {
  const result = spawnSync("pulumi", ["stack", "output", "--json", "--stack", stack], {
    encoding: "utf8",
    stdio: ["inherit", "pipe", "inherit"],
  });
  if (result.status !== 0)
    throw new DbShellError(`\`pulumi stack output --json --stack ${stack}\` failed.`, 2);
  return result.stdout;
}

if (require.main === module)
  process.exitCode = dbShell(process.argv.slice(2), {
    stackOutputs: pulumiStackOutputs,
    run: spawnRunner,
    sleep: (seconds) => spawnSync("sleep", [String(seconds)]),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
