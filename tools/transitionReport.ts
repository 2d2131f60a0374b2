/**
 * What moving a stack from one deployment state to another adds, removes and changes, property
 * by property, with every stateful resource it touches called out. Pure rendering of a
 * `TransitionPlan`; `npm run plan -- --from A --to B` prints it.
 */
import {
  COST_NOTE,
  CostChange,
  CostEstimate,
  costDifference,
  costOrProblem,
  estimateCost,
  round2,
  signedUsd,
} from "./cost";
import {
  PlannedChange,
  PlannedResource,
  TransitionPlan,
  countChangesByType,
  displaySecrets,
} from "./planModel";
import { keySettings, shortType, typeRank } from "./planSettings";
import {
  Format,
  MOCK_NOTE,
  StackFileFacts,
  contextLine,
  describeUrn,
  formatSettings,
  formatValue,
  naturalCompare,
  secretLines,
  table,
  wrap,
} from "./reportFormat";

const KIND_SIGN = { added: "+", removed: "-", changed: "~" } as const;
const NOT_APPLIED = "(not applied: ignoreChanges)";

export function renderTransition(
  plan: TransitionPlan,
  facts: StackFileFacts,
  format: Format,
  showCostLines = false,
): string {
  const cost = costOrProblem(() => transitionCost(plan));
  const text =
    format === "json"
      ? JSON.stringify({ ...transitionJson(plan, facts), cost }, null, 2)
      : [
          ...(format === "markdown" ? transitionMarkdown : transitionText)(plan, facts),
          ...costLines(cost, format, showCostLines),
        ].join("\n");
  return displaySecrets(text) + "\n";
}

export interface TransitionCost {
  /** The target state's estimate, so that every JSON report's `cost` has the same shape. */
  readonly monthlyUsd: number;
  readonly lines: CostEstimate["lines"];
  readonly from: CostEstimate;
  readonly to: CostEstimate;
  /** `to` minus `from`, USD per month. */
  readonly differenceUsd: number;
  readonly changes: readonly CostChange[];
}

export function transitionCost(plan: TransitionPlan): TransitionCost {
  const from = estimateCost(plan.from.resources, plan.from.region);
  const to = estimateCost(plan.to.resources, plan.to.region);
  return {
    monthlyUsd: to.monthlyUsd,
    lines: to.lines,
    from,
    to,
    differenceUsd: round2(to.monthlyUsd - from.monthlyUsd),
    changes: costDifference(from, to),
  };
}

/** The difference of the monthly estimate, and with `--cost` every line that changes. */
function costLines(
  cost: TransitionCost | { readonly problem: string },
  format: Format,
  showLines: boolean,
): string[] {
  if ("problem" in cost) return ["", `Monthly cost: not estimated (${cost.problem})`];
  const summary =
    `Monthly cost: ${cost.from.monthlyUsd.toFixed(2)} USD → ${cost.to.monthlyUsd.toFixed(2)} USD ` +
    `(${signedUsd(cost.differenceUsd)})`;
  const rows = cost.changes.map((c) => [
    c.item,
    c.beforeUsd.toFixed(2),
    c.afterUsd.toFixed(2),
    signedUsd(c.afterUsd - c.beforeUsd),
  ]);
  const headers = ["Item", "Before", "After", "Difference"];
  if (format === "markdown")
    return [
      "",
      `### ${summary}`,
      ...(showLines ? ["", COST_NOTE, "", ...table("markdown", headers, rows)] : []),
    ];
  return [
    "",
    summary,
    ...(showLines
      ? [...wrap(`  ${COST_NOTE}`), ...table("text", headers, rows).map((line) => `  ${line}`)]
      : []),
  ];
}

/** Changes in listing order: by type (as in the plan), then natural name order. */
export function sortedChanges(plan: TransitionPlan): PlannedChange[] {
  return [...plan.changes].sort(
    (a, b) => typeRank(a.type) - typeRank(b.type) || naturalCompare(a.name, b.name),
  );
}

export function totals(changes: readonly PlannedChange[]): string {
  const count = (kind: PlannedChange["kind"]) => changes.filter((c) => c.kind === kind).length;
  return `${count("added")} added, ${count("removed")} removed, ${count("changed")} changed`;
}

function statefulVerdict(plan: TransitionPlan): string {
  const touched = plan.statefulTouched;
  if (touched.length === 0) return "No stateful resource is touched.";
  const list = touched.map((c) => `${c.kind} ${shortType(c.type)} ${c.name}`).join(", ");
  return `STATEFUL RESOURCES TOUCHED (${touched.length}): ${list}.`;
}

/** The resource as evaluated in the state that has it: the target's, or the source's if removed. */
function resourceOf(plan: TransitionPlan, change: PlannedChange): PlannedResource {
  const evaluation = change.kind === "removed" ? plan.from : plan.to;
  return evaluation.resources.find((resource) => resource.urn === change.urn)!;
}

function propertyLines(change: PlannedChange): string[] {
  return change.properties.map((property) => {
    const ignored = change.ignoredPaths.includes(property.path) ? ` ${NOT_APPLIED}` : "";
    return `${property.path}: ${formatValue(property.before)} → ${formatValue(property.after)}${ignored}`;
  });
}

function transitionText(plan: TransitionPlan, facts: StackFileFacts): string[] {
  const lines = [
    `Offline transition: stack ${plan.stack}, ${plan.from.state} → ${plan.to.state}`,
    `  ${contextLine(plan.to)}`,
    ...wrap(`  ${MOCK_NOTE}`),
    ...secretLines(facts).flatMap((line) => wrap(line)),
    "",
    `${totals(plan.changes)}. ${statefulVerdict(plan)}`,
    "",
  ];
  const changes = sortedChanges(plan);
  const typeWidth = Math.max(0, ...changes.map((c) => shortType(c.type).length));
  const nameWidth = Math.max(0, ...changes.map((c) => c.name.length));
  for (const change of changes) {
    const flag = change.stateful ? "  STATEFUL" : "";
    const parent = describeUrn(change.parentUrn);
    lines.push(
      `${KIND_SIGN[change.kind]} ${shortType(change.type).padEnd(typeWidth)}  ` +
        `${change.name.padEnd(nameWidth)}  ${parent === "" ? "" : `(${parent})`}${flag}`.trimEnd(),
    );
    const details =
      change.kind === "changed"
        ? propertyLines(change)
        : [formatSettings(keySettings(resourceOf(plan, change)))].filter((line) => line !== "");
    lines.push(...details.map((line) => `      ${line}`));
  }
  const rows = [...countChangesByType(plan.changes)].map(([type, count]) => [
    shortType(type),
    String(count.added),
    String(count.removed),
    String(count.changed),
  ]);
  if (rows.length > 0)
    lines.push(
      "",
      "Changes per type",
      ...table("text", ["Type", "Added", "Removed", "Changed"], rows).map((line) => `  ${line}`),
    );
  return lines;
}

function transitionMarkdown(plan: TransitionPlan, facts: StackFileFacts): string[] {
  const [secretNote, ...rest] = secretLines(facts);
  const verdict =
    plan.statefulTouched.length === 0
      ? [statefulVerdict(plan)]
      : ["> [!CAUTION]", `> **${statefulVerdict(plan)}**`];
  const lines = [
    `## Transition \`${plan.from.state}\` → \`${plan.to.state}\` on \`${plan.stack}\``,
    "",
    `**${totals(plan.changes)}.** ${contextLine(plan.to)}. ${MOCK_NOTE}`,
    "",
    ...verdict,
    "",
    "> [!IMPORTANT]",
    `> ${secretNote}`,
    ...rest.flatMap((line) => [">", `> ${line}`]),
  ];
  if (plan.changes.length === 0) return lines;
  const perType = [...countChangesByType(plan.changes)].map(([type, count]) => [
    `\`${shortType(type)}\``,
    String(count.added),
    String(count.removed),
    String(count.changed),
  ]);
  const rows = sortedChanges(plan).map((change) => {
    const details =
      change.kind === "changed"
        ? propertyLines(change)
        : [formatSettings(keySettings(resourceOf(plan, change)))];
    return [
      `${KIND_SIGN[change.kind]}${change.stateful ? " **stateful**" : ""}`,
      change.name,
      `\`${shortType(change.type)}\``,
      describeUrn(change.parentUrn),
      details
        .filter((line) => line !== "")
        .map((line) => `\`${line}\``)
        .join("<br>"),
    ];
  });
  return [
    ...lines,
    "",
    "### Changes per type",
    "",
    ...table("markdown", ["Type", "Added", "Removed", "Changed"], perType),
    "",
    "### Changes",
    "",
    ...table("markdown", ["", "Resource", "Type", "Component", "Change"], rows),
  ];
}

function transitionJson(plan: TransitionPlan, facts: StackFileFacts): object {
  const summary = (changes: readonly PlannedChange[]) =>
    Object.fromEntries(
      (["added", "removed", "changed"] as const).map((kind) => [
        kind,
        changes.filter((c) => c.kind === kind).length,
      ]),
    );
  return {
    stack: plan.stack,
    from: plan.from.state,
    to: plan.to.state,
    secrets: {
      placeholders: true,
      absentFromStackFile: facts.absentSecrets,
      warnings: facts.warnings,
    },
    changes: sortedChanges(plan).map((change) => ({
      kind: change.kind,
      type: change.type,
      name: change.name,
      urn: change.urn,
      parent: change.parentUrn === "" ? null : change.parentUrn,
      stateful: change.stateful,
      // JSON has no undefined: a property that appears or disappears has null on that side.
      properties: change.properties.map((property) => ({
        path: property.path,
        before: property.before ?? null,
        after: property.after ?? null,
        applied: !change.ignoredPaths.includes(property.path),
      })),
      settings:
        change.kind === "changed"
          ? undefined
          : Object.fromEntries(keySettings(resourceOf(plan, change))),
    })),
    statefulTouched: plan.statefulTouched.map(({ kind, type, name, urn }) => ({
      kind,
      type,
      name,
      urn,
    })),
    summary: {
      ...summary(plan.changes),
      byType: Object.fromEntries(countChangesByType(plan.changes)),
    },
  };
}
