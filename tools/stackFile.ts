/**
 * Reads `Pulumi.<stack>.yaml` (and the project defaults in `Pulumi.yaml`) the way the Pulumi
 * CLI would hand them to the program, without the CLI: `graasp:*` keys and `aws:region`, objects
 * as JSON strings. Secrets cannot be decrypted here, so every secret, whether encrypted, in plain
 * text or absent, becomes a placeholder that passes validation; callers mask the placeholders.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SECRET_KEYS } from "../components/catalog";
import { RawConfig } from "../config";

/** Every placeholder starts with this, so a printed string can be checked for all of them. */
export const PLACEHOLDER_PREFIX = "offline-plan-placeholder";

/** The keys whose values are secret by design, whatever the stack file says. */
export const SECRET_CONFIG_PATHS: readonly string[] = [
  "maintenanceBypassToken",
  ...SECRET_KEYS.map((key) => `secrets.${key}`),
];

export interface StackConfig {
  readonly stack: string;
  /** File name as the operator knows it, e.g. `Pulumi.staging.yaml`. */
  readonly fileName: string;
  readonly raw: RawConfig;
  /** Secret keys the stack file lacks, as `graasp:secrets.JWT_SECRET`; set before `pulumi up`. */
  readonly absentSecrets: readonly string[];
  /** Every placeholder value that `raw` holds. */
  readonly placeholders: readonly string[];
  /** Problems with the file that do not stop the plan (secrets in plain text). */
  readonly warnings: readonly string[];
}

/** A stack file that is missing or not YAML: a usage problem, reported with exit code 2. */
export class StackFileError extends Error {}

/**
 * Last line of defence for anything printed: the reports mask secrets already, but a message
 * such as a ConfigError quotes the value it rejects, and that value may be a placeholder.
 */
export function hidePlaceholders(text: string): string {
  return text.replace(new RegExp(`${PLACEHOLDER_PREFIX}[\\w-]*`, "g"), "[secret]");
}

/** Placeholder of a config path (`secrets.JWT_SECRET`): 16 to 128 characters of `[a-z0-9-]`. */
export function placeholderFor(configPath: string): string {
  return `${PLACEHOLDER_PREFIX}-${configPath.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
}

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

export function readStackConfig(projectDir: string, stack: string): StackConfig {
  const fileName = stackFileName(stack);
  const stackText = readIfExists(path.join(projectDir, fileName));
  if (stackText === undefined) throw new StackFileError(`${fileName} not found in ${projectDir}.`);
  const projectText = readIfExists(path.join(projectDir, "Pulumi.yaml"));
  return stackConfigFromText(stack, stackText, projectText);
}

function readIfExists(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** Pure core of `readStackConfig`: the stack file's text and, optionally, `Pulumi.yaml`'s. */
export function stackConfigFromText(
  stack: string,
  stackText: string,
  projectText?: string,
): StackConfig {
  const fileName = stackFileName(stack);
  const entries = { ...projectDefaults(projectText), ...configSection(stackText, fileName) };
  const values: Record<string, string | undefined> = {};
  const secretKeys = new Set<string>();
  const placeholders = new Set<string>();
  const warnings: string[] = [];
  const replaced = (configPath: string, value: unknown): string => {
    if (!isSecure(value))
      warnings.push(
        `\`graasp:${configPath}\` is stored in plain text in ${fileName}; the plan used a ` +
          `placeholder instead. Fix: pulumi config set --secret --path '${configPath}' <value>`,
      );
    const placeholder = placeholderFor(configPath);
    placeholders.add(placeholder);
    return placeholder;
  };

  for (const [key, value] of Object.entries(entries)) {
    if (key !== "aws:region" && !key.startsWith("graasp:")) continue;
    const name = key === "aws:region" ? key : key.slice("graasp:".length);
    if (containsSecure(value)) secretKeys.add(key);
    values[name] = configString(withPlaceholders(name, value, replaced));
  }

  // Secrets the file lacks are filled in, so the program can be built on a fresh clone. A
  // `secrets` map encrypted as one value hides its keys: they are filled but not reported.
  const secretsHidden = isSecure(entries["graasp:secrets"]);
  const absentSecrets: string[] = [];
  if (values.maintenanceBypassToken === undefined) {
    values.maintenanceBypassToken = placeholderFor("maintenanceBypassToken");
    absentSecrets.push("graasp:maintenanceBypassToken");
  }
  const secrets = parseObject(values.secrets);
  // Whatever reached here unreplaced (a `secrets` map written as one JSON string) is replaced now.
  for (const [key, value] of Object.entries(secrets))
    if (value !== placeholderFor(`secrets.${key}`))
      secrets[key] = replaced(`secrets.${key}`, value);
  for (const key of SECRET_KEYS)
    if (secrets[key] === undefined) {
      secrets[key] = placeholderFor(`secrets.${key}`);
      if (!secretsHidden) absentSecrets.push(`graasp:secrets.${key}`);
    }
  values.secrets = JSON.stringify(secrets);
  secretKeys.add("graasp:maintenanceBypassToken").add("graasp:secrets");
  for (const configPath of SECRET_CONFIG_PATHS) placeholders.add(placeholderFor(configPath));

  return {
    stack,
    fileName,
    raw: { values, secretKeys },
    absentSecrets,
    placeholders: [...placeholders],
    warnings,
  };
}

/** The same configuration in another deployment state (`--state`, `--from`, `--to`). */
export function withState(raw: RawConfig, state: string): RawConfig {
  return { values: { ...raw.values, deploymentState: state }, secretKeys: raw.secretKeys };
}

function parseYaml(text: string, fileName: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    throw new StackFileError(`${fileName} is not valid YAML: ${(error as Error).message}`);
  }
}

function configSection(text: string, fileName: string): Record<string, unknown> {
  const document = parseYaml(text, fileName);
  const config = isRecord(document) ? document.config : undefined;
  if (config === undefined || config === null) return {};
  if (!isRecord(config)) throw new StackFileError(`${fileName}: \`config\` must be a map.`);
  return config;
}

/**
 * Project-level config in `Pulumi.yaml`: a bare key belongs to the project (`graasp`), an entry
 * is a plain value or `{ value }` / `{ default }`. The stack file overrides it, as in the CLI.
 */
function projectDefaults(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  const document = parseYaml(text, "Pulumi.yaml");
  const config = isRecord(document) && isRecord(document.config) ? document.config : {};
  const defaults: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(config)) {
    const value = !isRecord(entry) ? entry : "value" in entry ? entry.value : entry.default;
    if (value !== undefined) defaults[key.includes(":") ? key : `graasp:${key}`] = value;
  }
  return defaults;
}

/** Replaces every secret (by design or marked `secure`) with its placeholder. */
function withPlaceholders(
  configPath: string,
  value: unknown,
  replaced: (configPath: string, value: unknown) => string,
): unknown {
  const secretByDesign = SECRET_CONFIG_PATHS.includes(configPath);
  if (isSecure(value) || (secretByDesign && value !== null && value !== undefined))
    return replaced(configPath, value);
  if (Array.isArray(value))
    return value.map((item, index) => withPlaceholders(`${configPath}[${index}]`, item, replaced));
  if (isRecord(value))
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        withPlaceholders(`${configPath}.${key}`, item, replaced),
      ]),
    );
  return value;
}

/** What `pulumi.Config.get` returns: strings as they are, everything else as JSON. */
function configString(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function parseObject(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // Not an object: left for parseConfig to report.
  }
  return {};
}

function isSecure(value: unknown): boolean {
  return isRecord(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

function containsSecure(value: unknown): boolean {
  if (isSecure(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecure);
  return isRecord(value) && Object.values(value).some(containsSecure);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
