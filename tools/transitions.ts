/**
 * `npm run -s transitions [-- --stack <name>] [--format text|markdown|json]`
 *
 * For each stack and each of the 12 ordered pairs of distinct deployment states: how many
 * resources the change adds, removes and changes, per type, and any stateful resource it
 * touches. Built offline from `Pulumi.<stack>.yaml` like `npm run plan`, with which it shares
 * the evaluation and the diff. Exit codes (tools/cli.ts): 0 no stateful resource touched
 * anywhere; 1 some transition touches one; 2 bad arguments, stack file or configuration; 3 the
 * program failed.
 */
import * as fs from "fs";
import * as path from "path";
import { DEPLOYMENT_STATES } from "../components/deploymentStates";
import { ConfigError } from "../config";
import { CommandSpec, EXIT, failureExit, helpText, parseArgs } from "./cli";
import { passphraseFrom } from "./passphrase";
import { STACK_NAME } from "./plan";
import {
  Evaluation,
  TransitionPlan,
  configIn,
  countChangesByType,
  evaluateState,
  maskerFor,
  planTransition,
} from "./planModel";
import { shortType } from "./planSettings";
import { FORMATS, Format, table } from "./reportFormat";
import { StackFileError, hidePlaceholders, hideSecretValues, readStackConfig } from "./stackFile";
import { costOrProblem, signedUsd } from "./cost";
import { TransitionCost, transitionCost } from "./transitionReport";

const STACKS = ["staging", "production"];

export const TRANSITIONS_COMMAND: CommandSpec = {
  usage: "npm run -s transitions -- [--stack <name>] [--format <format>]",
  description:
    "For each stack and each of the 12 changes of deployment state: the resources it adds,\n" +
    "removes and changes per type, and any stateful resource it touches. Built offline from\n" +
    "Pulumi.<stack>.yaml under mocks, like npm run plan.",
  options: [
    {
      name: "--stack",
      value: "<name>",
      help: `one stack (default: ${STACKS.join(" and ")})`,
      pattern: STACK_NAME,
    },
    {
      name: "--format",
      value: "<format>",
      help: `${FORMATS.join(", ")} (default text)`,
      choices: FORMATS,
    },
  ],
};

interface StackTransitions {
  readonly stack: string;
  readonly fileName: string;
  readonly plans: readonly TransitionPlan[];
}

/** Evaluates every state once, then diffs all ordered pairs. */
export async function stackTransitions(
  projectDir: string,
  stack: string,
  passphrase?: string,
  secretValues: string[] = [],
): Promise<StackTransitions> {
  const stackConfig = readStackConfig(projectDir, stack, passphrase);
  secretValues.push(...stackConfig.secretValues);
  // The file's own state first: `pulumi up` would run with it.
  configIn(stackConfig);
  for (const state of DEPLOYMENT_STATES) configIn(stackConfig, state);
  const masker = maskerFor(stackConfig);
  const evaluations = new Map<string, Evaluation>();
  for (const state of DEPLOYMENT_STATES)
    evaluations.set(state, await evaluateState(stackConfig, state, masker));
  const plans = DEPLOYMENT_STATES.flatMap((from) =>
    DEPLOYMENT_STATES.filter((to) => to !== from).map((to) =>
      planTransition(evaluations.get(from)!, evaluations.get(to)!),
    ),
  );
  return { stack, fileName: stackConfig.fileName, plans };
}

/** `+3 -1 ~8`, zeros left out; "" when the transition leaves the type alone. */
function cell(count: { added: number; removed: number; changed: number } | undefined): string {
  if (count === undefined) return "";
  const parts: [string, number][] = [
    ["+", count.added],
    ["-", count.removed],
    ["~", count.changed],
  ];
  return parts
    .filter(([, n]) => n > 0)
    .map(([sign, n]) => `${sign}${n}`)
    .join(" ");
}

export function renderTransitions(results: readonly StackTransitions[], format: Format): string {
  if (format === "json")
    return `${JSON.stringify(
      results.map(({ stack, plans }) => ({
        stack,
        transitions: plans.map((plan) => ({
          from: plan.from.state,
          to: plan.to.state,
          ...totals(plan),
          byType: Object.fromEntries(countChangesByType(plan.changes)),
          cost: costJson(costOrProblem(() => transitionCost(plan))),
          statefulTouched: plan.statefulTouched.map(({ kind, type, name }) => ({
            kind,
            type,
            name,
          })),
        })),
      })),
      null,
      2,
    )}\n`;
  const markdown = format === "markdown";
  const lines = [
    markdown ? "## Deployment-state transitions" : "Deployment-state transitions",
    "",
    "Offline, under mocks; secrets are placeholders. A cell counts the resources of that type " +
      "the transition adds (+), removes (-) and changes (~).",
  ];
  for (const { stack, fileName, plans } of results) {
    const types = [...new Set(plans.flatMap((plan) => plan.changes.map((c) => c.type)))];
    const headers = [
      "Transition",
      "Added",
      "Removed",
      "Changed",
      ...types.map(columnName),
      "Cost/month (USD)",
    ];
    const rows = plans.map((plan) => {
      const byType = countChangesByType(plan.changes);
      const { added, removed, changed } = totals(plan);
      const stateful = plan.statefulTouched.map((c) => `${c.kind} ${shortType(c.type)} ${c.name}`);
      return [
        `${plan.from.state} → ${plan.to.state}`,
        String(added),
        String(removed),
        String(changed),
        ...types.map((type) => cell(byType.get(type))),
        costCell(costOrProblem(() => transitionCost(plan))),
        stateful.length === 0 ? "none" : `STATEFUL: ${stateful.join(", ")}`,
      ];
    });
    const body = table(markdown ? "markdown" : "text", [...headers, "Stateful"], rows);
    lines.push("", markdown ? `### ${stack} (${fileName})` : `${stack} (${fileName})`, "");
    lines.push(...(markdown ? body : body.map((line) => `  ${line}`)));
  }
  return `${lines.join("\n")}\n`;
}

/** `176.92 → 47.48 (-129.44)` */
function costCell(cost: TransitionCost | { readonly problem: string }): string {
  if ("problem" in cost) return "not estimated";
  return `${cost.from.monthlyUsd.toFixed(2)} → ${cost.to.monthlyUsd.toFixed(2)} (${signedUsd(cost.differenceUsd).replace(" USD", "")})`;
}

function costJson(cost: TransitionCost | { readonly problem: string }) {
  if ("problem" in cost) return cost;
  return {
    monthlyUsd: cost.monthlyUsd,
    fromMonthlyUsd: cost.from.monthlyUsd,
    toMonthlyUsd: cost.to.monthlyUsd,
    differenceUsd: cost.differenceUsd,
  };
}

function totals(plan: TransitionPlan): { added: number; removed: number; changed: number } {
  const count = (kind: string) => plan.changes.filter((c) => c.kind === kind).length;
  return { added: count("added"), removed: count("removed"), changed: count("changed") };
}

/** `aws.ecs.Service` → `ecs.Service`: every column is an AWS type but the dynamic ones. */
function columnName(type: string): string {
  return shortType(type).replace(/^aws\./, "");
}

export interface TransitionsIo {
  readonly projectDir: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function runTransitions(argv: readonly string[], io: TransitionsIo): Promise<number> {
  const secretValues: string[] = [];
  const hide = (text: string) => hidePlaceholders(hideSecretValues(text, secretValues));
  try {
    const { help, values } = parseArgs(argv, TRANSITIONS_COMMAND);
    if (help) {
      io.out(`${helpText(TRANSITIONS_COMMAND)}\n`);
      return EXIT.ok;
    }
    const stack = values.get("--stack");
    const format = (values.get("--format") ?? "text") as Format;
    const passphrase = passphraseFrom(io.env ?? {}, (file) => fs.readFileSync(file, "utf8"));
    const results: StackTransitions[] = [];
    for (const name of stack === undefined ? STACKS : [stack])
      results.push(await stackTransitions(io.projectDir, name, passphrase, secretValues));
    io.out(hide(renderTransitions(results, format)));
    return results.some((r) => r.plans.some((plan) => plan.statefulTouched.length > 0))
      ? EXIT.statefulTouched
      : EXIT.ok;
  } catch (error) {
    return failureExit(error, TRANSITIONS_COMMAND, (text) => io.err(hide(text)), [
      StackFileError,
      ConfigError,
    ]);
  }
}

/** Entry point for tools/run.ts. */
export function main(argv: readonly string[]): Promise<number> {
  return runTransitions(argv, {
    projectDir: path.resolve(__dirname, ".."),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
  });
}
