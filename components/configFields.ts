/**
 * Pure helpers for reading configuration values: what type a value is, how to say what was
 * found instead, and which known key a mistyped one most likely meant. config.ts reads; these
 * only judge.
 */

/** The JSON types a setting may have; `integer` is a number without a fraction. */
export type FieldType = "string" | "integer" | "number" | "boolean" | "list";

/** One setting of an object key: its type and the example value its fix suggests. */
export interface FieldSpec {
  readonly type: FieldType;
  readonly example: string;
}

export type FieldSpecs = Readonly<Record<string, FieldSpec>>;

const EXPECTED: Readonly<Record<FieldType, string>> = {
  string: "a string",
  integer: "a number",
  number: "a number",
  boolean: "true or false",
  list: "a list",
};

export function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "list":
      return Array.isArray(value);
  }
}

/** `the string "20"`, `the number 3`, `a list`, `an object`, `null`. */
export function describeFound(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value)}`;
    case "number":
    case "boolean":
      return `the ${typeof value} ${String(value)}`;
    case "object":
      return "an object";
    default:
      return String(value);
  }
}

/**
 * The problem for a value of the wrong type, or undefined. A quoted number or boolean in
 * Pulumi.<stack>.yaml is a string; `pulumi config set --path` stores integers and true/false
 * as numbers and booleans, which is why the fix is that command.
 */
export function typeProblem(
  configPath: string,
  value: unknown,
  spec: FieldSpec,
  fix: string,
): string | undefined {
  if (hasType(value, spec.type)) return undefined;
  return `\`graasp:${configPath}\` must be ${EXPECTED[spec.type]} (found ${describeFound(value)}). Fix: ${fix}`;
}

/** Levenshtein distance, case-sensitive; callers lower-case first. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known key a mistyped one most likely meant: the same letters in another case first,
 * else the nearest by edit distance if at most a third of its length (and at most 3) differs.
 */
export function closestKey(unknownKey: string, known: readonly string[]): string | undefined {
  const lower = unknownKey.toLowerCase();
  const sameLetters = known.find((key) => key.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(lower, key.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key, distance };
  }
  const allowed = Math.min(3, Math.max(1, Math.floor(unknownKey.length / 3)));
  return best !== undefined && best.distance <= allowed ? best.key : undefined;
}

/** ` Did you mean \`graasp:domain\`?` or "". */
export function didYouMean(unknownKey: string, known: readonly string[], prefix: string): string {
  const key = closestKey(unknownKey, known);
  return key === undefined ? "" : ` Did you mean \`${prefix}${key}\`?`;
}
