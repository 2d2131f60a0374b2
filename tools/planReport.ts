/**
 * The plan of one stack in one state: its resources grouped by component (the parent chain
 * Pulumi records, e.g. `GraaspService core` → `GraaspTaskDefinition core-task` → its log group),
 * each with its key settings, and a count per type. Pure: evaluation lives in planModel.ts.
 */
import { COST_NOTE, CostEstimate, costOrProblem, costText, estimateCost } from "./cost";
import { Evaluation, PlannedResource, displaySecrets } from "./planModel";
import { keySettings, shortType, typeRank } from "./planSettings";
import {
  Format,
  MOCK_NOTE,
  StackFileFacts,
  contextLine,
  formatSettings,
  naturalCompare,
  secretLines,
  table,
  wrap,
} from "./reportFormat";

const ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm";
const SUBSCRIPTION_TYPE = "aws:sns/topicSubscription:TopicSubscription";

export interface ResourceNode {
  readonly resource: PlannedResource;
  readonly children: readonly ResourceNode[];
}

/**
 * The resources as a forest of components. Components come first, in construction order;
 * resources follow by type (network before compute before routing) and natural name order.
 */
export function resourceTree(resources: readonly PlannedResource[]): ResourceNode[] {
  const childrenOf = new Map<string, PlannedResource[]>();
  for (const resource of resources) {
    const siblings = childrenOf.get(resource.parentUrn) ?? [];
    siblings.push(resource);
    childrenOf.set(resource.parentUrn, siblings);
  }
  const build = (parentUrn: string): ResourceNode[] =>
    [...(childrenOf.get(parentUrn) ?? [])]
      .sort(listingOrder)
      .map((resource) => ({ resource, children: build(resource.urn) }));
  return build("");
}

function listingOrder(a: PlannedResource, b: PlannedResource): number {
  if (a.custom !== b.custom) return a.custom ? 1 : -1;
  if (!a.custom) return a.order - b.order;
  return typeRank(a.type) - typeRank(b.type) || naturalCompare(a.name, b.name);
}

/** Resources per type token, most numerous first. */
export function countByType(resources: readonly PlannedResource[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const resource of resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || naturalCompare(a[0], b[0]));
}

export function renderPlan(
  evaluation: Evaluation,
  facts: StackFileFacts,
  format: Format,
  showCost = false,
): string {
  const cost = costOrProblem(() => estimateCost(evaluation.resources, evaluation.region));
  const text =
    format === "json"
      ? JSON.stringify({ ...planJson(evaluation, facts), cost }, null, 2)
      : [
          ...(format === "markdown" ? planMarkdown : planText)(evaluation, facts),
          ...alertLines(evaluation, format),
          ...(showCost ? costSection(cost, format) : []),
        ].join("\n");
  return displaySecrets(text) + "\n";
}

/** The plan says when alarms notify nobody (no `graasp:alerts.emails`). */
function alertLines(evaluation: Evaluation, format: Format): string[] {
  const alarms = evaluation.resources.filter((r) => r.type === ALARM_TYPE).length;
  const subscribers = evaluation.resources.filter((r) => r.type === SUBSCRIPTION_TYPE).length;
  if (alarms === 0 || subscribers > 0) return [];
  const text = `${alarms} alarms notify nobody: \`graasp:alerts.emails\` is not set. Fix: pulumi config set -s ${evaluation.stack} --path 'alerts.emails[0]' <address>`;
  return format === "markdown" ? ["", "> [!WARNING]", `> ${text}`] : ["", `Alerts: ${text}`];
}

function costSection(cost: CostEstimate | { readonly problem: string }, format: Format): string[] {
  if ("problem" in cost) return ["", `Monthly cost: not estimated (${cost.problem})`];
  if (format === "markdown")
    return [
      "",
      `### Monthly cost estimate: ${cost.monthlyUsd.toFixed(2)} USD`,
      "",
      COST_NOTE,
      "",
      ...table(
        "markdown",
        ["Item", "USD/month", "Quantity", "Note"],
        cost.lines.map((l) => [
          l.item,
          l.monthlyUsd.toFixed(2),
          `${l.quantity} ${l.unit} × ${l.unitUsd}`,
          l.note ?? "",
        ]),
      ),
    ];
  return [
    "",
    `Monthly cost estimate (${cost.region})`,
    ...wrap(`  ${COST_NOTE}`),
    ...costText(cost),
  ];
}

interface Row {
  readonly depth: number;
  readonly type: string;
  readonly name: string;
  readonly settings: string;
}

interface Group {
  readonly title: string;
  readonly rows: readonly Row[];
}

/** One group per top-level component, then one for the resources that have no component. */
export function planGroups(resources: readonly PlannedResource[]): Group[] {
  const roots = resourceTree(resources);
  const groups: Group[] = roots
    .filter((node) => !node.resource.custom)
    .map((node) => ({ title: label(node.resource), rows: flatten(node.children, 1) }));
  const topLevel = roots.filter((node) => node.resource.custom);
  if (topLevel.length > 0)
    groups.push({ title: "Top-level resources", rows: flatten(topLevel, 1) });
  return groups;
}

function flatten(nodes: readonly ResourceNode[], depth: number): Row[] {
  return nodes.flatMap((node) => [
    {
      depth,
      type: shortType(node.resource.type),
      name: node.resource.name,
      settings: formatSettings(keySettings(node.resource)),
    },
    ...flatten(node.children, depth + 1),
  ]);
}

function label(resource: PlannedResource): string {
  return `${shortType(resource.type)} ${resource.name}`;
}

function planText(evaluation: Evaluation, facts: StackFileFacts): string[] {
  const lines = [
    `Offline plan: stack ${evaluation.stack}, state ${evaluation.state}`,
    `  ${contextLine(evaluation)}; ${evaluation.resources.length} resources`,
    ...wrap(`  ${MOCK_NOTE}`),
    ...secretLines(facts).flatMap((line) => wrap(line)),
  ];
  for (const group of planGroups(evaluation.resources)) {
    lines.push("", group.title, ...alignRows(group.rows));
    if (group.rows.length === 0) lines.push("  (no resources in this state)");
  }
  const summary = countByType(evaluation.resources).map(([type, count]) => [
    shortType(type),
    String(count),
  ]);
  summary.push(["Total", String(evaluation.resources.length)]);
  const summaryTable = table("text", ["Type", "Count"], summary);
  return [...lines, "", "Resources per type", ...summaryTable.map((line) => `  ${line}`)];
}

/** Type and name columns aligned within a group; children indented under their component. */
function alignRows(rows: readonly Row[]): string[] {
  const typeWidth = Math.max(0, ...rows.map((r) => 2 * r.depth + r.type.length));
  const nameWidth = Math.max(0, ...rows.map((r) => r.name.length));
  return rows.map((r) => {
    const indent = "  ".repeat(r.depth);
    const type = r.type.padEnd(typeWidth - indent.length);
    return `${indent}${type}  ${r.name.padEnd(nameWidth)}  ${r.settings}`.trimEnd();
  });
}

function planMarkdown(evaluation: Evaluation, facts: StackFileFacts): string[] {
  const [secretNote, ...rest] = secretLines(facts);
  const perType = countByType(evaluation.resources).map(([type, count]) => [
    `\`${shortType(type)}\``,
    String(count),
  ]);
  const lines = [
    `## Offline plan: \`${evaluation.stack}\` in state \`${evaluation.state}\``,
    "",
    `${contextLine(evaluation)}; **${evaluation.resources.length} resources**. ${MOCK_NOTE}`,
    "",
    "> [!IMPORTANT]",
    `> ${secretNote}`,
    ...rest.flatMap((line) => [">", `> ${line}`]),
    "",
    "### Resources per type",
    "",
    ...table("markdown", ["Type", "Count"], perType),
    "",
    "### Resources by component",
  ];
  // Collapsed per component, so that a PR comment stays short.
  for (const group of planGroups(evaluation.resources)) {
    const rows = group.rows.map((r) => [
      `${"&nbsp;&nbsp;".repeat(r.depth - 1)}${r.name}`,
      `\`${r.type}\``,
      r.settings === "" ? "" : `\`${r.settings}\``,
    ]);
    lines.push("", `<details><summary>${group.title} (${rows.length})</summary>`, "");
    lines.push(...table("markdown", ["Resource", "Type", "Settings"], rows), "", "</details>");
  }
  return lines;
}

function planJson(evaluation: Evaluation, facts: StackFileFacts): object {
  const { resources, ...context } = evaluation;
  return {
    ...context,
    secrets: {
      placeholders: true,
      absentFromStackFile: facts.absentSecrets,
      warnings: facts.warnings,
    },
    resources: resources.map((resource) => ({
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      parent: resource.parentUrn === "" ? null : resource.parentUrn,
      component: !resource.custom,
      settings: Object.fromEntries(keySettings(resource)),
      protect: resource.protect,
      ignoreChanges: resource.ignoreChanges,
      inputs: resource.inputs,
    })),
    summary: { total: resources.length, byType: Object.fromEntries(countByType(resources)) },
  };
}
