/**
 * `npm run -s adopt -- --stack <name> [--only <groups or names>] [--zone-id <id>] [--out <file>]`
 *
 * Writes the file `pulumi import --file` reads to adopt today's buckets, image repositories and
 * DNS records into the stack, with this program's exact types, names and parents, so the
 * next `pulumi up` manages them instead of creating them. The program is evaluated offline
 * under the project's mocks, as `npm run plan` does; nothing is changed in AWS.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../config";
import { createPlatform } from "../platform";
import { evaluate } from "../test/mocks";
import { ADOPT_GROUPS, AdoptError, importFile } from "./adoptPlan";
import { CommandSpec, EXIT, UsageError, failureExit, helpText, parseArgs } from "./cli";
import { STACK_NAME } from "./plan";
import { configIn } from "./planModel";
import { StackFileError, hidePlaceholders, hideSecretValues, readStackConfig } from "./stackFile";

export const ADOPT_COMMAND: CommandSpec = {
  usage: "npm run -s adopt -- --stack <name> [options]",
  description:
    "Writes the file for `pulumi import --file`: every bucket (and its settings), image repository\n" +
    "(and its policies) and DNS record the program declares, with the program's resource names\n" +
    "and parents and the IDs AWS knows them by. Built offline under mocks; changes nothing.",
  options: [
    {
      name: "--stack",
      value: "<name>",
      help: "stack whose Pulumi.<name>.yaml is read (required)",
      pattern: STACK_NAME,
    },
    {
      name: "--only",
      value: "<list>",
      help: `comma-separated groups (${ADOPT_GROUPS.join(", ")}) or resource names; default: all`,
      pattern: {
        regex: /^[A-Za-z0-9._ ()-]+(,[A-Za-z0-9._ ()-]+)*$/,
        what: "a comma-separated list",
      },
    },
    {
      name: "--zone-id",
      value: "<id>",
      help: "hosted zone ID of today's records, if the program's differs (e.g. looked up)",
      pattern: { regex: /^Z[A-Z0-9]{1,31}$/, what: "a Route 53 hosted zone ID (Z…)" },
    },
    {
      name: "--out",
      value: "<file>",
      help: "write the JSON there instead of printing it",
    },
  ],
  notes: [
    "Then: pulumi import --stack <name> --file <file> --protect   (before the first `pulumi up`",
    "that would create those resources). Exit code 2 also covers an --only entry the program",
    "does not have and an ID that cannot be derived.",
  ],
};

export interface AdoptIo {
  readonly projectDir: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly writeFile: (file: string, text: string) => void;
}

export async function runAdopt(argv: readonly string[], io: AdoptIo): Promise<number> {
  // As in the plan: nothing printed shows a secret value the stack file holds in plain text.
  let secretValues: readonly string[] = [];
  const err = (text: string) => io.err(hidePlaceholders(hideSecretValues(text, secretValues)));
  try {
    const args = parseArgs(argv, ADOPT_COMMAND);
    if (args.help) {
      io.out(`${helpText(ADOPT_COMMAND)}\n`);
      return EXIT.ok;
    }
    const stack = args.values.get("--stack");
    if (stack === undefined) throw new UsageError("Missing --stack <name>.");
    const only = (args.values.get("--only") ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    const stackConfig = readStackConfig(io.projectDir, stack);
    secretValues = stackConfig.secretValues;
    const config = configIn(stackConfig);
    const { registrations } = await evaluate(stack, () => createPlatform(config));
    const adoption = importFile(registrations, { only, zoneId: args.values.get("--zone-id") });
    const json = `${JSON.stringify(adoption.file, null, 2)}\n`;
    const out = args.values.get("--out");
    if (out === undefined) io.out(json);
    else io.writeFile(out, json);
    err(
      [
        `${adoption.summary.length} resources to adopt into stack ${stack}:`,
        ...adoption.summary.map((line) => `  ${line}`),
        `Next: pulumi import --stack ${stack} --file ${out ?? "<file>"} --protect, then pulumi preview.`,
        "",
      ].join("\n"),
    );
    return EXIT.ok;
  } catch (error) {
    return failureExit(
      error,
      ADOPT_COMMAND,
      err,
      [StackFileError, ConfigError, AdoptError],
      "error: ",
    );
  }
}

/** Entry point for tools/run.ts. */
export function main(argv: readonly string[]): Promise<number> {
  return runAdopt(argv, {
    projectDir: path.resolve(__dirname, ".."),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    writeFile: (file, text) => fs.writeFileSync(file, text),
  });
}
