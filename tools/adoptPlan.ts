/**
 * The file `pulumi import --file` reads to adopt resources that hold today's data (buckets,
 * image repositories, DNS records) instead of creating them, built from the program's own
 * registrations: each resource with its exact type, name and parents, and the ID AWS knows it
 * by, derived from the program's inputs (so the adopted resource is the one the program names).
 * Generic over types: a type is adoptable when this table says how to derive its import ID.
 */
export interface AdoptableRegistration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parentUrn: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
}

export type AdoptGroup = "buckets" | "repositories" | "records";
export const ADOPT_GROUPS: readonly AdoptGroup[] = ["buckets", "repositories", "records"];

interface AdoptRule {
  readonly group: AdoptGroup;
  /** The import ID, or a sentence saying which input is missing. */
  readonly id: (inputs: Record<string, unknown>) => string | { missing: string };
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
const byInput =
  (key: string): AdoptRule["id"] =>
  (inputs) =>
    text(inputs[key]) ?? { missing: `input \`${key}\`` };

/**
 * Import ID formats from the provider's documentation of each resource's import. Only what holds
 * data or a name is adopted: buckets, repositories and records. Their settings resources (bucket
 * versioning, lifecycle, CORS, ownership, access block, policy; repository lifecycle) are not:
 * some do not exist today (file-items has no versioning or lifecycle, three repositories have no
 * lifecycle), and importing a resource that does not exist fails the whole import, while creating
 * one is a Put that replaces whatever setting the bucket or repository had, so the first
 * `pulumi up` after the import applies them.
 */
export const ADOPT_RULES: Readonly<Record<string, AdoptRule>> = {
  "aws:s3/bucket:Bucket": { group: "buckets", id: byInput("bucket") },
  "aws:s3/bucketV2:BucketV2": { group: "buckets", id: byInput("bucket") },
  "aws:ecr/repository:Repository": { group: "repositories", id: byInput("name") },
  // `<zone id>_<record name>_<type>`, plus `_<set identifier>` for routing policies.
  "aws:route53/record:Record": {
    group: "records",
    id: (inputs) => {
      const parts = [text(inputs.zoneId), text(inputs.name), text(inputs.type)];
      if (parts.some((part) => part === undefined))
        return { missing: "input `zoneId`, `name` or `type`" };
      const setIdentifier = text(inputs.setIdentifier);
      return [...parts, ...(setIdentifier ? [setIdentifier] : [])].join("_");
    },
  },
};

/** One entry of the import file (Pulumi's bulk import format). */
export interface ImportEntry {
  readonly type: string;
  /** Key other entries use as `parent`; unique in the file. */
  readonly name: string;
  /** The resource's name in the program, when `name` had to be made unique. */
  readonly logicalName?: string;
  readonly id?: string;
  readonly parent?: string;
  /** An empty component created as the parent of imported resources. */
  readonly component?: true;
}

export interface ImportFile {
  readonly resources: readonly ImportEntry[];
}

export interface AdoptOptions {
  /** Groups or resource names to adopt; empty: every adoptable resource. */
  readonly only: readonly string[];
  /** Replaces the zone ID of every DNS record (the program may look the zone up). */
  readonly zoneId?: string;
}

export class AdoptError extends Error {}

export interface Adoption {
  readonly file: ImportFile;
  /** `type name → id`, one line per adopted resource, for the operator. */
  readonly summary: readonly string[];
}

/** The import ID of a resource `npm run adopt` would adopt, if its type is adoptable. */
export function adoptionId(type: string, inputs: Record<string, unknown>): string | undefined {
  const id = ADOPT_RULES[type]?.id(inputs);
  return typeof id === "string" ? id : undefined;
}

/** The adoptable resources of a program, by its registrations. */
export function adoptable(
  registrations: readonly AdoptableRegistration[],
): AdoptableRegistration[] {
  return registrations.filter((r) => r.custom && ADOPT_RULES[r.type] !== undefined);
}

export function importFile(
  registrations: readonly AdoptableRegistration[],
  options: AdoptOptions,
): Adoption {
  const candidates = adoptable(registrations);
  const names = new Set(candidates.map((r) => r.name));
  const unknown = options.only.filter(
    (entry) => !(ADOPT_GROUPS as readonly string[]).includes(entry) && !names.has(entry),
  );
  if (unknown.length > 0)
    throw new AdoptError(
      `${unknown.map((entry) => `"${entry}"`).join(", ")} ${unknown.length === 1 ? "is" : "are"} not an adoptable resource of this program. ` +
        `Adoptable: ${ADOPT_GROUPS.join(", ")}${candidates.length > 0 ? `, or one of ${[...names].sort().join(", ")}` : " (the program registers none)"}.`,
    );
  const chosen = candidates.filter(
    (r) =>
      options.only.length === 0 ||
      options.only.includes(r.name) ||
      options.only.includes(ADOPT_RULES[r.type].group),
  );
  if (chosen.length === 0)
    throw new AdoptError(
      "Nothing to adopt: the program registers no bucket, image repository or DNS record" +
        (options.only.length > 0 ? ` in ${options.only.join(", ")}.` : "."),
    );

  // The stack itself is every top-level resource's parent: never an entry.
  const byUrn = new Map(
    registrations.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => [r.urn, r]),
  );
  const keys = new Map<string, string>();
  const taken = new Set<string>();
  const keyOf = (r: AdoptableRegistration) => {
    let key = keys.get(r.urn);
    if (key === undefined) {
      key = taken.has(r.name) ? `${r.name} (${r.type})` : r.name;
      taken.add(key);
      keys.set(r.urn, key);
    }
    return key;
  };
  const entries: ImportEntry[] = [];
  const added = new Set<string>();
  const entryFor = (r: AdoptableRegistration, id?: string): ImportEntry => {
    const key = keyOf(r);
    const parent = byUrn.get(r.parentUrn);
    return {
      type: r.type,
      name: key,
      ...(key !== r.name && { logicalName: r.name }),
      ...(id !== undefined ? { id } : { component: true as const }),
      ...(parent !== undefined && { parent: keyOf(parent) }),
    };
  };
  // Ancestors first: each parent entry precedes its children.
  const addAncestors = (r: AdoptableRegistration) => {
    const parent = byUrn.get(r.parentUrn);
    if (parent === undefined || added.has(parent.urn)) return;
    if (parent.custom)
      throw new AdoptError(
        `${r.type} ${r.name} has a custom resource as parent (${parent.type} ${parent.name}); only components can be created empty by an import.`,
      );
    addAncestors(parent);
    added.add(parent.urn);
    entries.push(entryFor(parent));
  };
  const summary: string[] = [];
  for (const r of chosen) {
    const rule = ADOPT_RULES[r.type];
    const inputs =
      rule.group === "records" && options.zoneId !== undefined
        ? { ...r.inputs, zoneId: options.zoneId }
        : r.inputs;
    const id = rule.id(inputs);
    if (typeof id !== "string")
      throw new AdoptError(
        `Cannot derive the import ID of ${r.type} ${r.name}: its ${id.missing} is not a plain value in the program.`,
      );
    addAncestors(r);
    added.add(r.urn);
    entries.push(entryFor(r, id));
    summary.push(`${r.type} ${r.name} → ${id}`);
  }
  return { file: { resources: entries }, summary };
}
