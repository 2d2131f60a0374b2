/**
 * The offline plan's model: the program evaluated under the project's mocks for one stack and
 * state, its registrations reduced to what an operator reads (inputs with every secret replaced
 * by a marker), and the change between two states. Rendering lives in planReport.ts.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { DeploymentState } from "../components/deploymentStates";
import { parseConfig } from "../config";
import { createPlatform } from "../platform";
import { Registration, evaluate } from "../test/mocks";
import { EvaluatedResource, ResourceChange, diffResources, isStateful } from "./resourceDiff";
import { PLACEHOLDER_PREFIX, StackConfig, withState } from "./stackFile";

export interface PlannedResource extends EvaluatedResource {
  readonly parentUrn: string;
  /** False for components, whose children carry the settings. */
  readonly custom: boolean;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly ignoreChanges: readonly string[];
  /** Registration order: components register in construction order, which reads naturally. */
  readonly order: number;
}

export interface Evaluation {
  readonly stack: string;
  readonly state: DeploymentState;
  readonly environment: string;
  readonly region: string;
  readonly domain: string;
  readonly appVersion: string;
  readonly resources: readonly PlannedResource[];
}

export interface PlannedChange extends ResourceChange {
  readonly parentUrn: string;
  readonly stateful: boolean;
  /** Changed paths the target program leaves to `ignoreChanges`: `pulumi up` keeps them. */
  readonly ignoredPaths: readonly string[];
}

export interface TransitionPlan {
  readonly stack: string;
  readonly from: Evaluation;
  readonly to: Evaluation;
  readonly changes: readonly PlannedChange[];
  readonly statefulTouched: readonly PlannedChange[];
}

const MARKER = /\[secret#\d+\]/g;

/** What every renderer prints in place of a secret. */
export const SECRET_TEXT = "[secret]";

/** Replaces the markers in a printed string; the values behind them never reach a renderer. */
export function displaySecrets(text: string): string {
  return text.replace(MARKER, SECRET_TEXT);
}

/**
 * Replaces secrets in registered inputs with markers such as `[secret#3]`. Equal secrets get the
 * same marker across evaluations, so a diff still sees that a secret changed without holding it.
 * A secret is: a placeholder (or any string containing one), a scalar the program marked secret,
 * or a string containing such a scalar. A container the program marked secret is searched, not
 * masked whole: one secret header value marks a listener rule's whole `conditions` list.
 */
export class SecretMasker {
  private readonly known: Set<string>;
  private readonly markers = new Map<string, string>();

  constructor(placeholders: Iterable<string>) {
    this.known = new Set([PLACEHOLDER_PREFIX, ...placeholders]);
  }

  normalize(registrations: readonly Registration[]): PlannedResource[] {
    // First every secret scalar of the evaluation, so that its copies elsewhere are found too.
    for (const registration of registrations)
      walkSecrets(registration.inputs, "", new Set(registration.secretPaths ?? []), (scalar) => {
        if (typeof scalar === "string" && scalar.length >= 8) this.known.add(scalar);
      });
    return registrations.map((registration, order) => {
      // The serialized code of a dynamic provider is the same in every state and unreadable.
      const { __provider, ...inputs } = registration.inputs;
      const secretPaths = new Set(registration.secretPaths ?? []);
      return {
        urn: registration.urn,
        type: registration.type,
        name: registration.name,
        inputs: this.mask(inputs, "", secretPaths) as Record<string, unknown>,
        parentUrn: registration.parentUrn,
        custom: registration.custom,
        protect: registration.protect,
        retainOnDelete: registration.retainOnDelete,
        ignoreChanges: registration.ignoreChanges,
        order,
      };
    });
  }

  private mask(value: unknown, path: string, secretPaths: ReadonlySet<string>): unknown {
    const wrapped = isSecretWrapper(value);
    const inner = wrapped ? value.value : value;
    if ((wrapped || secretPaths.has(path)) && !isContainer(inner))
      return this.marker(JSON.stringify(inner));
    if (typeof inner === "string") return this.containsSecret(inner) ? this.marker(inner) : inner;
    if (Array.isArray(inner))
      return inner.map((item, index) => this.mask(item, `${path}[${index}]`, secretPaths));
    if (isContainer(inner))
      return Object.fromEntries(
        Object.entries(inner).map(([key, item]) => [
          key,
          this.mask(item, path === "" ? key : `${path}.${key}`, secretPaths),
        ]),
      );
    return inner;
  }

  private containsSecret(text: string): boolean {
    for (const secret of this.known) if (text.includes(secret)) return true;
    return false;
  }

  private marker(secret: string): string {
    let marker = this.markers.get(secret);
    if (marker === undefined) {
      marker = `[secret#${this.markers.size + 1}]`;
      this.markers.set(secret, marker);
    }
    return marker;
  }
}

/**
 * Calls `found` with every scalar the program marked secret. The shared mocks unwrap secrets
 * and list their paths (`secretPaths`); the runtime's own wrapper is recognised too. Scalars
 * inside a container marked secret are not collected: that would mask a rule's host and header
 * name along with its header value.
 */
function walkSecrets(
  value: unknown,
  path: string,
  secretPaths: ReadonlySet<string>,
  found: (scalar: unknown) => void,
): void {
  const wrapped = isSecretWrapper(value);
  const inner = wrapped ? value.value : value;
  if (!isContainer(inner)) {
    if (wrapped || secretPaths.has(path)) found(inner);
    return;
  }
  for (const [key, item] of Object.entries(inner)) {
    const itemPath = Array.isArray(inner)
      ? `${path}[${key}]`
      : path === ""
        ? key
        : `${path}.${key}`;
    walkSecrets(item, itemPath, secretPaths, found);
  }
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function isSecretWrapper(value: unknown): value is { value: unknown } {
  return (
    isContainer(value) && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}

/**
 * Validates the stack's configuration in a state; throws `ConfigError`. Separate from the
 * evaluation so that every configuration is checked before the first (slow) evaluation.
 */
export function configIn(stackConfig: StackConfig, state?: DeploymentState) {
  const raw = state === undefined ? stackConfig.raw : withState(stackConfig.raw, state);
  return parseConfig(raw, stackConfig.stack);
}

/** A masker that knows the stack file's placeholders and the real secret values it held. */
export function maskerFor(stackConfig: StackConfig): SecretMasker {
  return new SecretMasker([
    ...stackConfig.placeholders,
    ...stackConfig.secretValues.filter((value) => value.length >= 8),
  ]);
}

/** Builds the whole program under the mocks. Evaluations must not overlap: the mocks are global. */
export async function evaluateState(
  stackConfig: StackConfig,
  state: DeploymentState | undefined,
  masker: SecretMasker,
): Promise<Evaluation> {
  const config = configIn(stackConfig, state);
  const { registrations } = await evaluate(stackConfig.stack, () => createPlatform(config));
  return {
    stack: stackConfig.stack,
    state: config.deploymentState,
    environment: config.environment,
    region: config.region,
    domain: config.domain,
    appVersion: config.appVersion,
    resources: masker.normalize(registrations),
  };
}

export function planTransition(from: Evaluation, to: Evaluation): TransitionPlan {
  const parents = new Map(
    [...from.resources, ...to.resources].map((resource) => [resource.urn, resource]),
  );
  const target = new Map(to.resources.map((resource) => [resource.urn, resource]));
  const changes = diffResources(from.resources, to.resources).map((change) => {
    const ignored = target.get(change.urn)?.ignoreChanges ?? [];
    return {
      ...change,
      parentUrn: parents.get(change.urn)!.parentUrn,
      stateful: isStateful(change.type),
      ignoredPaths: change.properties
        .map((property) => property.path)
        .filter((path) => ignored.some((prefix) => coversPath(prefix, path))),
    };
  });
  return {
    stack: to.stack,
    from,
    to,
    changes,
    statefulTouched: changes.filter((change) => change.stateful),
  };
}

function coversPath(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** 1 when the transition would add, remove or change a stateful resource; 0 otherwise. */
export function transitionExitCode(plan: TransitionPlan): 0 | 1 {
  return plan.statefulTouched.length > 0 ? 1 : 0;
}

export interface ChangeCounts {
  added: number;
  removed: number;
  changed: number;
}

export function countChangesByType(changes: readonly ResourceChange[]): Map<string, ChangeCounts> {
  const counts = new Map<string, ChangeCounts>();
  for (const change of changes) {
    const count = counts.get(change.type) ?? { added: 0, removed: 0, changed: 0 };
    count[change.kind] += 1;
    counts.set(change.type, count);
  }
  return counts;
}
