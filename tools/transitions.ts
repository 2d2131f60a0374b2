/**
 * `npm run transitions [-- --stack <name>] [--format text|markdown|json]`
 *
 * For each stack and each of the 12 ordered pairs of distinct deployment states: how many
 * resources the change adds, removes and changes, per type, and any stateful resource it
 * touches. Built offline from `Pulumi.<stack>.yaml` like `npm run plan`, with which it shares
 * the evaluation and the diff. Exit codes: 0 no stateful resource touched anywhere; 1 some
 * transition touches one; 2 bad arguments, stack file or configuration; 3 the program failed.
 */
import * as path from "path";
import { DEPLOYMENT_STATES } from "../components/deploymentStates";
import { ConfigError } from "../config";
import {
  Evaluation,
  SecretMasker,
  TransitionPlan,
  configIn,
  countChangesByType,
  evaluateState,
  planTransition,
} from "./planModel";
import { shortType } from "./planSettings";
import { FORMATS, Format, table } from "./reportFormat";
import { StackFileError, hidePlaceholders, readStackConfig } from "./stackFile";
import { UsageError } from "./plan";
import { costOrProblem, signedUsd } from "./cost";
import { TransitionCost, transitionCost } from "./transitionReport";

const STACKS = ["staging", "production"];
const USAGE = `Usage: npm run transitions [-- --stack <name>] [--format ${FORMATS.join("|")}]`;

interface StackTransitions {
  readonly stack: string;
  readonly fileName: string;
  readonly plans: readonly TransitionPlan[];
}

/** Evaluates every state once, then diffs all ordered pairs. */
export async function stackTransitions(
  projectDir: string,
  stack: string,
): Promise<StackTransitions> {
  const stackConfig = readStackConfig(projectDir, stack);
  for (const state of DEPLOYMENT_STATES) configIn(stackConfig, state);
  const masker = new SecretMasker(stackConfig.placeholders);
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

function parseArgs(argv: readonly string[]): { stacks: string[]; format: Format } {
  let stacks = STACKS;
  let format: Format = "text";
  for (let i = 0; i < argv.length; i += 2) {
    const [option, value] = [argv[i], argv[i + 1]];
    if (value === undefined || value.startsWith("--"))
      throw new UsageError(`${option} needs a value.`);
    if (option === "--stack" && /^[A-Za-z0-9._-]+$/.test(value)) stacks = [value];
    else if (option === "--format" && (FORMATS as readonly string[]).includes(value))
      format = value as Format;
    else throw new UsageError(`Unknown option or value: ${option} ${value}.`);
  }
  return { stacks, format };
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const { stacks, format } = parseArgs(argv);
    const projectDir = path.resolve(__dirname, "..");
    const results: StackTransitions[] = [];
    for (const stack of stacks) results.push(await stackTransitions(projectDir, stack));
    process.stdout.write(renderTransitions(results, format));
    return results.some((r) => r.plans.some((plan) => plan.statefulTouched.length > 0)) ? 1 : 0;
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      error instanceof StackFileError ||
      error instanceof ConfigError;
    const message =
      error instanceof UsageError
        ? `error: ${error.message}\n${USAGE}`
        : usage
          ? (error as Error).message
          : `${(error as Error).stack}`;
    process.stderr.write(`${hidePlaceholders(message)}\n`);
    return usage ? 2 : 3;
  }
}

if (require.main === module)
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
