/*
 * How configuration errors reach the operator: the text the Pulumi Node.js runner prints for
 * the error the program throws, type errors that say they are type errors, and unknown keys
 * with the key that was probably meant.
 *
 * The runner's `uncaughtHandler` (@pulumi/pulumi/cmd/run/run.js) is a closure inside `run()`
 * and cannot be called; `runnerOutput` below reproduces its branches line for line and calls the
 * SDK's own `RunError.isInstance`, `ResourceError.isInstance` and `defaultErrorMessage`. What
 * this cannot prove: the CLI's own decoration around the logged text (`error: ` prefix,
 * colours), which is the same for every message.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_KEYS, ConfigError, Reader, parseConfig } from "../config";
import { closestKey, describeFound, editDistance } from "../components/configFields";
import { SECRET_CONFIG_KEYS, engineConfig, rawConfig, rawValues } from "./fixtures";
import { evaluate, registered } from "./mocks";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const runnerErrors = require("@pulumi/pulumi/cmd/run/error") as {
  defaultErrorMessage: (err: unknown) => string;
};

/** What `uncaughtHandler` passes to `log.error` for an error escaping the program. */
function runnerOutput(err: any, program = "/project"): string {
  if (pulumi.RunError.isInstance(err)) return err.message;
  if (err.name === "TSError" || err.name === SyntaxError.name) {
    const errOut = err.stack?.toString() || "";
    let errMsg = err.message;
    const errParts = errOut.split(err.message);
    if (errParts.length === 2) errMsg = errParts[0] + err.message;
    return `Running program '${program}' failed with an unhandled exception:\n${errMsg}`;
  }
  if (pulumi.ResourceError.isInstance(err))
    return err.hideStack ? err.message : runnerErrors.defaultErrorMessage(err);
  return `Running program '${program}' failed with an unhandled exception:\n${runnerErrors.defaultErrorMessage(err)}`;
}

function configError(
  overrides: Record<string, string | undefined>,
  stack: "staging" | "production" = "staging",
): ConfigError {
  try {
    parseConfig(rawConfig(stack, "running", overrides), stack);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const json = (value: unknown) => JSON.stringify(value);

describe("configuration errors as the Pulumi runner prints them", () => {
  it("prints a ConfigError as its message alone: header, problems, -s <stack> in every fix", () => {
    const error = configError({ appVersion: "latest", domain: undefined }, "production");
    expect(runnerOutput(error)).to.equal(
      'Invalid configuration for stack "production" (2 problems):\n' +
        "  - `graasp:domain` is not set. Fix: pulumi config set -s production domain <apex domain, e.g. example.org>\n" +
        '  - `graasp:appVersion` is "latest", a floating tag that moves under running services. Fix: pulumi config set -s production appVersion v1.66.0',
    );
  });

  it("is a RunError whose stack trace the runner never prints", () => {
    const error = configError({ appVersion: "latest" });
    expect(pulumi.RunError.isInstance(error)).to.equal(true);
    expect(error.stackName).to.equal("staging");
    expect(typeof error.stack).to.equal("string");
    expect(runnerOutput(error)).not.to.include("    at ");
  });

  it("still shows a plain Error the way the runner always did (the check is not a tautology)", () => {
    const plain = new Error("boom");
    const output = runnerOutput(plain);
    expect(output.startsWith("Running program '/project' failed with an unhandled exception:\n")).to
      .be.true;
    expect(output).to.include("boom");
    expect(output).to.include("    at ");
  });

  it("reaches the runner as that RunError when index.ts loads under the engine's configuration", async () => {
    const config = { ...engineConfig("staging", "running"), "graasp:appVersion": "latest" };
    let caught: unknown;
    const index = path.join(__dirname, "..", "index.ts");
    await evaluate("staging", () => {
      pulumi.runtime.setAllConfig(config, [...SECRET_CONFIG_KEYS]);
      delete require.cache[require.resolve(index)];
      return require(index);
    }).catch((error: unknown) => (caught = error));
    pulumi.runtime.setAllConfig({});
    expect(runnerOutput(caught)).to.equal(
      'Invalid configuration for stack "staging" (1 problem):\n' +
        '  - `graasp:appVersion` is "latest", a floating tag that moves under running services. Fix: pulumi config set -s staging appVersion v1.66.0',
    );
    expect(registered()).to.deep.equal([]);
  });
});

describe("configuration type errors", () => {
  it("reports a quoted number, boolean or list as a type error with the fix, not a range", () => {
    expect(
      configError({
        database: json({ storageGb: "20", multiAz: "yes", maxStorageGb: 2000 }),
        services: json({ core: { cpu: "1024", maxCount: "8", desiredCount: 2 } }),
        transitions: json({ databaseTimeoutMinutes: "30" }),
        network: json({ natStrategy: 1 }),
        github: json({
          repository: "graasp/infra",
          productionReviewers: "alice",
          stateBucket: "graasp-pulumi-state-123456789012",
        }),
      }).problems,
    ).to.deep.equal([
      "`graasp:database.storageGb` must be a number (found the string \"20\"). Fix: pulumi config set --path 'database.storageGb' 20",
      "`graasp:database.multiAz` must be true or false (found the string \"yes\"). Fix: pulumi config set --path 'database.multiAz' false",
      "`graasp:services.core.cpu` must be a number (found the string \"1024\"). Fix: pulumi config set --path 'services.core.cpu' 512",
      "`graasp:services.core.maxCount` must be a number (found the string \"8\"). Fix: pulumi config set --path 'services.core.maxCount' 8",
      "`graasp:network.natStrategy` must be a string (found the number 1). Fix: pulumi config set --path 'network.natStrategy' single",
      "`graasp:transitions.databaseTimeoutMinutes` must be a number (found the string \"30\"). Fix: pulumi config set --path 'transitions.databaseTimeoutMinutes' 30",
      "`graasp:github.productionReviewers` must be a list (found the string \"alice\"). Fix: pulumi config rm --path 'github.productionReviewers', then pulumi config set --path 'github.productionReviewers[0]' <login> (one item per index)",
    ]);
  });

  it("reports an app setting that is not a string", () => {
    const settings = JSON.parse(rawValues("staging", "running").appSettings!);
    expect(
      configError({ appSettings: json({ ...settings, GRAASPER_ID: 42 }) }).problems,
    ).to.deep.equal([
      "`graasp:appSettings.GRAASPER_ID` must be a string (found the number 42). Fix: pulumi config set --path 'appSettings.GRAASPER_ID' <value>",
    ]);
  });

  it("reports a secret of the wrong type without printing its value", () => {
    const secrets = JSON.parse(rawValues("staging", "running").secrets!);
    const problems = configError({
      secrets: json({ ...secrets, UMAMI_WEBSITE_ID: 424242 }),
    }).problems;
    expect(problems).to.deep.equal([
      "`graasp:secrets.UMAMI_WEBSITE_ID` must be a string (found a number). Fix: pulumi config set --secret --path 'secrets.UMAMI_WEBSITE_ID' <value>",
    ]);
  });

  it("describes what was found", () => {
    expect(["20", 20, true, null, ["a"], { a: 1 }].map(describeFound)).to.deep.equal([
      'the string "20"',
      "the number 20",
      "the boolean true",
      "null",
      "a list",
      "an object",
    ]);
  });
});

describe("unknown configuration keys", () => {
  it("refuses a mistyped top-level key and names the key that was meant", () => {
    expect(
      configError({
        domian: "graasp.org",
        deploymentstate: "running",
        maintenanceHeadername: "x-bypass",
        colour: "blue",
      }).problems,
    ).to.deep.equal([
      "`graasp:domian` is not a configuration key of this program. Did you mean `graasp:domain`? Fix: pulumi config rm domian",
      "`graasp:deploymentstate` is not a configuration key of this program. Did you mean `graasp:deploymentState`? Fix: pulumi config rm deploymentstate",
      "`graasp:maintenanceHeadername` is not a configuration key of this program. Did you mean `graasp:maintenanceHeaderName`? Fix: pulumi config rm maintenanceHeadername",
      "`graasp:colour` is not a configuration key of this program. Fix: pulumi config rm colour",
    ]);
  });

  it("answers graasp:adopt with the adoption command", () => {
    expect(
      configError({ adopt: JSON.stringify({ "storage-file-items": "x" }) }).problems,
    ).to.deep.equal([
      "`graasp:adopt` is not a configuration key of this program. Existing buckets, repositories and DNS records are adopted once with `npm run -s adopt -- --stack <stack>` and `pulumi import --file` (README, Cutover), not with a setting. Fix: pulumi config rm adopt",
    ]);
  });

  it("fixes a value in the wrong case with the value that was meant", () => {
    let problems: readonly string[] = [];
    try {
      parseConfig(
        rawConfig("staging", "running", { deploymentState: "Running", environment: "Staging" }),
        "qa",
      );
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).to.deep.equal([
      '`graasp:environment` is "Staging"; expected one of staging, production. Fix: pulumi config set environment staging',
      '`graasp:deploymentState` is "Running", which is not a deployment state. Fix: pulumi config set deploymentState running',
    ]);
  });

  it("names a key the Reader reads without listing it in CONFIG_KEYS, at once", () => {
    const problems: string[] = [];
    const reader = new Reader({ values: {}, secretKeys: new Set() }, problems, "staging");
    expect(() => reader.required("colour")).to.throw(
      "config.ts reads `graasp:colour`, which CONFIG_KEYS does not list: add it there.",
    );
  });

  it("suggests the nearest nested key too", () => {
    expect(configError({ database: json({ storageGB: 30 }) }).problems).to.deep.equal([
      "`graasp:database.storageGB` is not a known key (a typo?); known keys: instanceClass, storageGb, maxStorageGb, backupRetentionDays, multiAz, engineMajorVersion, restoreFromSnapshot. Did you mean `graasp:database.storageGb`? Fix: pulumi config rm --path 'database.storageGB'",
    ]);
  });

  it("matches case first, then by edit distance within a third of the length", () => {
    expect(editDistance("domian", "domain")).to.equal(2);
    expect(closestKey("DOMAIN", CONFIG_KEYS)).to.equal("domain");
    expect(closestKey("appVersoin", CONFIG_KEYS)).to.equal("appVersion");
    expect(closestKey("netwrk", CONFIG_KEYS)).to.equal("network");
    expect(closestKey("xyz", CONFIG_KEYS)).to.equal(undefined);
    expect(closestKey("region", CONFIG_KEYS)).to.equal(undefined);
  });

  it("accepts every key of CONFIG_KEYS, and the fixtures use no other", () => {
    const fixtureKeys = Object.keys(rawValues("staging", "running")).filter(
      (k) => !k.includes(":"),
    );
    expect(
      fixtureKeys.filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key)),
    ).to.deep.equal([]);
    const optional = CONFIG_KEYS.filter((key) => !fixtureKeys.includes(key));
    expect(optional).to.deep.equal([
      "maintenanceHeaderName",
      "database",
      "services",
      "network",
      "transitions",
      "github",
      "images",
      "s3KeyGeneration",
      "adminHealthCheck",
      "buckets",
      "fileVersionRetentionDays",
      "repositories",
      "alerts",
    ]);
  });

  it("knows every key Pulumi.yaml declares and the stack files set", () => {
    const root = path.join(__dirname, "..");
    const read = (file: string) => parse(fs.readFileSync(path.join(root, file), "utf8"));
    const declared = Object.keys(read("Pulumi.yaml").config ?? {});
    const set = ["staging", "production"].flatMap((stack) =>
      Object.keys(read(`Pulumi.${stack}.yaml`).config ?? {})
        .filter((key) => key.startsWith("graasp:"))
        .map((key) => key.slice("graasp:".length)),
    );
    expect(declared.length).to.be.greaterThan(0);
    expect(set.length).to.be.greaterThan(0);
    expect(
      [...declared, ...set].filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key)),
    ).to.deep.equal([]);
  });

  it("sees every key the engine holds: an unknown key in the stack fails index.ts", async () => {
    const config = { ...engineConfig("staging", "running"), "graasp:domian": "graasp.org" };
    expect(pulumi.runtime.allConfig).to.be.a("function");
    let caught: Error | undefined;
    const index = path.join(__dirname, "..", "index.ts");
    await evaluate("staging", () => {
      pulumi.runtime.setAllConfig(config, [...SECRET_CONFIG_KEYS]);
      expect(pulumi.runtime.allConfig()["graasp:domian"]).to.equal("graasp.org");
      delete require.cache[require.resolve(index)];
      return require(index);
    }).catch((error: Error) => (caught = error));
    pulumi.runtime.setAllConfig({});
    expect(caught?.message).to.equal(
      'Invalid configuration for stack "staging" (1 problem):\n' +
        "  - `graasp:domian` is not a configuration key of this program. Did you mean `graasp:domain`? Fix: pulumi config rm -s staging domian",
    );
    expect(registered()).to.deep.equal([]);
  });
});

describe("values that are well-typed but cannot work", () => {
  it("refuses one bucket for two purposes, a repeated address, a zero unhealthy-target alarm and a short zone id", () => {
    expect(
      configError({
        buckets: JSON.stringify({ apps: "graasp-x-sites", assets: "graasp-x-sites" }),
        alerts: JSON.stringify({
          emails: ["ops@graasp.org", "ops@graasp.org"],
          thresholds: { unhealthyTargets: 0 },
        }),
        dns: JSON.stringify({ hostedZoneId: "Z1" }),
      }).problems,
    ).to.deep.equal([
      "`graasp:buckets.assets` is \"graasp-x-sites\", the same bucket as `graasp:buckets.apps`; each purpose needs its own bucket. Fix: pulumi config set --path 'buckets.assets' graasp-dev-assets",
      "`graasp:dns.hostedZoneId` is \"Z1\", which is not a Route 53 hosted zone id (Z followed by upper-case letters and digits). Fix: pulumi config set --path 'dns.hostedZoneId' <id from aws route53 list-hosted-zones-by-name --dns-name <domain>>",
      "`graasp:alerts.emails[1]` repeats \"ops@graasp.org\": each address is subscribed once. Fix: pulumi config rm --path 'alerts.emails[1]'",
      "`graasp:alerts.thresholds.unhealthyTargets` is 0; use a whole number of targets from 1 (at 0 the alarm never leaves ALARM). Fix: pulumi config set --path 'alerts.thresholds.unhealthyTargets' 1",
    ]);
  });
});
