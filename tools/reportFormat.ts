/**
 * Pieces every report shares: the output formats, tables in text and markdown, values in one
 * line, resource labels from URNs, and the note that says plainly which secrets are placeholders.
 */
import { Evaluation } from "./planModel";
import { Setting, shortType } from "./planSettings";
import { StackConfig } from "./stackFile";

export const FORMATS = ["text", "markdown", "json"] as const;
export type Format = (typeof FORMATS)[number];

/** What a report needs to know about the stack file, beyond the evaluation. */
export type StackFileFacts = Pick<StackConfig, "stack" | "fileName" | "absentSecrets" | "warnings">;

const LONG_VALUE = 120;

/** A table aligned for a terminal, or a GitHub-flavoured markdown table. */
export function table(
  format: "text" | "markdown",
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const numeric = headers.map((_, column) =>
    rows.every((row) => /^-?[\d.]+$/.test(row[column] ?? "")),
  );
  if (format === "markdown") {
    const cell = (text: string) => text.replace(/\|/g, "\\|");
    return [
      `| ${headers.map(cell).join(" | ")} |`,
      `|${numeric.map((right) => (right ? " ---: " : " --- ")).join("|")}|`,
      ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
    ];
  }
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((text, column) =>
        numeric[column] ? text.padStart(widths[column]) : text.padEnd(widths[column]),
      )
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** A value on one line: JSON for anything but numbers and booleans, long text shortened. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(none)";
  const text =
    typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value);
  return text.length > LONG_VALUE
    ? `${text.slice(0, LONG_VALUE)}… (${text.length} characters)`
    : text;
}

export function formatSettings(settings: readonly Setting[]): string {
  return settings.map(([label, value]) => `${label}=${value}`).join(", ");
}

/** `urn:…::graasp:index:GraaspService::core` → `GraaspService core`; the stack itself → "". */
export function describeUrn(urn: string): string {
  if (urn === "") return "";
  const parts = urn.split("::");
  const type = parts[2].split("$").pop()!;
  return `${shortType(type)} ${parts[3]}`;
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

export function contextLine(evaluation: Evaluation): string {
  return (
    `environment ${evaluation.environment}, region ${evaluation.region}, ` +
    `domain ${evaluation.domain}, app ${evaluation.appVersion}`
  );
}

export const MOCK_NOTE =
  "Built under mocks, without AWS or Pulumi state: IDs and ARNs are mock values, and what " +
  "AWS or the provider would refuse or replace is not known here.";

/** The secrets note, in text lines (markdown adds its own emphasis around the same words). */
export function secretLines(facts: StackFileFacts): string[] {
  const lines = [
    "Secrets are printed as [secret]. Those the stack file holds are validated (encrypted ones " +
      "when PULUMI_CONFIG_PASSPHRASE unlocks them); absent or still-encrypted ones are placeholders.",
  ];
  if (facts.absentSecrets.length > 0)
    lines.push(
      `Absent from ${facts.fileName}, set them before \`pulumi up\` ` +
        `(pulumi config set -s ${facts.stack} --secret ...): ${facts.absentSecrets.join(", ")}`,
    );
  return [...lines, ...facts.warnings.map((warning) => `Warning: ${warning}`)];
}

/** Wraps a long line at spaces for a terminal, keeping its indent; continuations indent more. */
export function wrap(line: string, width = 100, indent = "  "): string[] {
  const lead = line.match(/^ */)![0];
  const lines: string[] = [];
  let current = lead;
  for (const word of line.slice(lead.length).split(" ")) {
    if (current.trim() !== "" && current.length + 1 + word.length > width) {
      lines.push(current);
      current = lead + indent + word;
    } else current = current.trim() === "" ? current + word : `${current} ${word}`;
  }
  return [...lines, current];
}
