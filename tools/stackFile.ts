/**
 * Reads `Pulumi.<stack>.yaml` (and the project defaults in `Pulumi.yaml`) the way the Pulumi
 * CLI would hand them to the program, without the CLI: `graasp:*` keys and `aws:region`, objects
 * as JSON strings. Secret values the file holds are used and validated like the real run: in
 * plain text (with a warning), or `secure:` ones decrypted when the file has an
 * `encryptionsalt` and the passphrase is given. Secrets that are absent, or encrypted without a
 * passphrase, become placeholders that pass validation. Callers mask both.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { SECRET_KEYS } from "../components/catalog";
import { RawConfig } from "../config";
import { PassphraseDecrypter, PassphraseError } from "./passphrase";

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
  /** Real secret values the file holds (plain or decrypted): validated, and masked in output. */
  readonly secretValues: readonly string[];
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

export function readStackConfig(
  projectDir: string,
  stack: string,
  passphrase?: string,
): StackConfig {
  const fileName = stackFileName(stack);
  const stackText = readIfExists(path.join(projectDir, fileName));
  if (stackText === undefined) throw new StackFileError(`${fileName} not found in ${projectDir}.`);
  const projectText = readIfExists(path.join(projectDir, "Pulumi.yaml"));
  return stackConfigFromText(stack, stackText, projectText, passphrase);
}

/** Secret values shorter than this are not searched for inside longer strings. */
const MASKED_MIN_LENGTH = 8;

/** Replaces every secret value the file held (8 characters or more) with `[secret]`. */
export function hideSecretValues(text: string, secretValues: readonly string[]): string {
  return secretValues
    .filter((value) => value.length >= MASKED_MIN_LENGTH)
    .sort((a, b) => b.length - a.length)
    .reduce((result, value) => result.split(value).join("[secret]"), text);
}

function readIfExists(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** Pure core of `readStackConfig`: the stack file's text and, optionally, `Pulumi.yaml`'s. */
export function stackConfigFromText(
  stack: string,
  stackText: string,
  projectText?: string,
  passphrase?: string,
): StackConfig {
  const fileName = stackFileName(stack);
  const document = parseYaml(stackText, fileName);
  const entries = { ...projectDefaults(projectText), ...configSection(document, fileName) };
  const decrypter = decrypterFor(document, fileName, passphrase);
  const values: Record<string, string | undefined> = {};
  const secretKeys = new Set<string>();
  const placeholders = new Set<string>();
  const secretValues = new Set<string>();
  const warnings: string[] = [];
  const setSecret = `pulumi config set -s ${stack} --secret --path`;
  const placeholder = (configPath: string): string => {
    const value = placeholderFor(configPath);
    placeholders.add(value);
    return value;
  };
  const secretValue = (configPath: string, value: unknown): unknown => {
    if (isSecure(value)) {
      if (decrypter === undefined) return placeholder(configPath);
      const plain = decrypt(decrypter, value.secure, `graasp:${configPath}`, fileName);
      secretValues.add(plain);
      return plain;
    }
    warnings.push(
      `\`graasp:${configPath}\` is stored in plain text in ${fileName}; the plan validated it and ` +
        `prints it as [secret]. Fix: ${setSecret} '${configPath}' <value>`,
    );
    if (typeof value === "string") secretValues.add(value);
    return value;
  };

  for (const [key, value] of Object.entries(entries)) {
    if (key !== "aws:region" && !key.startsWith("graasp:")) continue;
    const name = key === "aws:region" ? key : key.slice("graasp:".length);
    if (containsSecure(value)) secretKeys.add(key);
    values[name] = configString(withSecrets(name, value, secretValue));
  }

  // Secrets the file lacks are filled in, so the program can be built on a fresh clone. A
  // `secrets` map encrypted as one value hides its keys: they are filled but not reported.
  const secretsEntry = entries["graasp:secrets"];
  const secretsHidden = isSecure(secretsEntry) && decrypter === undefined;
  const absentSecrets: string[] = [];
  if (values.maintenanceBypassToken === undefined) {
    values.maintenanceBypassToken = placeholder("maintenanceBypassToken");
    absentSecrets.push("graasp:maintenanceBypassToken");
  }
  const secrets = secretsHidden ? {} : parseObject(values.secrets);
  if (secrets !== undefined) {
    // A `secrets` map written as one string (plain, or decrypted as a whole) holds values that
    // were not seen key by key above.
    if (isSecure(secretsEntry) && !secretsHidden)
      for (const value of Object.values(secrets)) secretValues.add(String(value));
    else if (typeof secretsEntry === "string")
      for (const [key, value] of Object.entries(secrets))
        secrets[key] = secretValue(`secrets.${key}`, value);
    for (const key of SECRET_KEYS)
      if (secrets[key] === undefined) {
        secrets[key] = placeholder(`secrets.${key}`);
        if (!secretsHidden) absentSecrets.push(`graasp:secrets.${key}`);
      }
    values.secrets = JSON.stringify(secrets);
  }
  // Otherwise `graasp:secrets` is not an object: left as it is for parseConfig to report.
  secretKeys.add("graasp:maintenanceBypassToken").add("graasp:secrets");
  for (const configPath of SECRET_CONFIG_PATHS) placeholders.add(placeholderFor(configPath));

  return {
    stack,
    fileName,
    raw: { values, secretKeys },
    absentSecrets,
    placeholders: [...placeholders],
    secretValues: [...secretValues],
    warnings,
  };
}

/** A decrypter when the file has a passphrase salt and a passphrase is given. */
function decrypterFor(
  document: unknown,
  fileName: string,
  passphrase: string | undefined,
): PassphraseDecrypter | undefined {
  const salt = isRecord(document) ? document.encryptionsalt : undefined;
  if (typeof salt !== "string" || passphrase === undefined) return undefined;
  try {
    return PassphraseDecrypter.fromSalt(passphrase, salt);
  } catch (error) {
    throw new StackFileError(
      `PULUMI_CONFIG_PASSPHRASE does not unlock ${fileName}: ${(error as Error).message}. ` +
        `Fix: set the stack's passphrase, or unset PULUMI_CONFIG_PASSPHRASE to plan with placeholders.`,
    );
  }
}

function decrypt(
  decrypter: PassphraseDecrypter,
  ciphertext: string,
  key: string,
  fileName: string,
): string {
  try {
    return decrypter.decrypt(ciphertext);
  } catch (error) {
    if (!(error instanceof PassphraseError)) throw error;
    throw new StackFileError(`\`${key}\` in ${fileName} does not decrypt: ${error.message}.`);
  }
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

function configSection(document: unknown, fileName: string): Record<string, unknown> {
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

/** Passes every secret (by design or marked `secure`) through `secret`, which resolves it. */
function withSecrets(
  configPath: string,
  value: unknown,
  secret: (configPath: string, value: unknown) => unknown,
): unknown {
  const secretByDesign = SECRET_CONFIG_PATHS.includes(configPath);
  if (isSecure(value) || (secretByDesign && value !== null && value !== undefined))
    return secret(configPath, value);
  if (Array.isArray(value))
    return value.map((item, index) => withSecrets(`${configPath}[${index}]`, item, secret));
  if (isRecord(value))
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        withSecrets(`${configPath}.${key}`, item, secret),
      ]),
    );
  return value;
}

/** What `pulumi.Config.get` returns: strings as they are, everything else as JSON. */
function configString(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The `secrets` map; `{}` when absent, undefined when it is not an object. */
function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // Not an object: left for parseConfig to report.
  }
  return undefined;
}

function isSecure(value: unknown): value is { secure: string } {
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
