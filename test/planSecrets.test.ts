/**
 * The offline plan checks the secrets it can see: values in plain text, and `secure:` values
 * decrypted with the stack's passphrase (Pulumi's passphrase provider). The encrypted file here
 * is built with Node's crypto in Pulumi's format, written out below independently of
 * tools/passphrase.ts; the decrypter is also checked on the check value of Pulumi's own
 * passphrase-manager test (a salt Pulumi generated, passphrase "password").
 *
 * What this cannot prove: that a file written by the real `pulumi config set --secret` decrypts
 * (no Pulumi CLI here; the format is read from Pulumi's source), or anything about stacks using
 * another secrets provider (their secure values stay placeholders).
 */
import { expect } from "chai";
import { createCipheriv, pbkdf2Sync, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SECRET_KEYS } from "../components/catalog";
import { PassphraseDecrypter, passphraseFrom } from "../tools/passphrase";
import { runPlan } from "../tools/plan";
import { runTransitions } from "../tools/transitions";
import { stackConfigFromText } from "../tools/stackFile";

const PASSPHRASE = "correct horse battery staple";

/** Pulumi's format, from its source: PBKDF2-SHA256 ×1,000,000 → AES-256-GCM, `v1:nonce:sealed`. */
function pulumiCrypter(passphrase: string) {
  const salt = randomBytes(8);
  const key = new Uint8Array(pbkdf2Sync(passphrase, new Uint8Array(salt), 1_000_000, 32, "sha256"));
  const encrypt = (plain: string) => {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, new Uint8Array(nonce));
    const sealed = [cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()]
      .map((part) => part.toString("hex"))
      .join("");
    return `v1:${nonce.toString("base64")}:${Buffer.from(sealed, "hex").toString("base64")}`;
  };
  return { encrypt, encryptionSalt: `v1:${salt.toString("base64")}:${encrypt("pulumi")}` };
}

const crypter = pulumiCrypter(PASSPHRASE);
const TOKEN = "decrypted-token-0123456789";
const secretValue = (key: string) => `real-${key.toLowerCase().replace(/_/g, "-")}-value`;

function stackFile(options: { token?: string; secrets?: string; state?: string } = {}): string {
  const secrets =
    options.secrets ??
    `  graasp:secrets:\n${SECRET_KEYS.map(
      (key) => `    ${key}:\n      secure: ${crypter.encrypt(secretValue(key))}\n`,
    ).join("")}`;
  return (
    `encryptionsalt: ${crypter.encryptionSalt}\n` +
    "config:\n" +
    "  aws:region: eu-central-2\n" +
    "  graasp:environment: staging\n" +
    `  graasp:deploymentState: ${options.state ?? "running"}\n` +
    "  graasp:domain: stage.graasp.org\n" +
    "  graasp:certificateArn: arn:aws:acm:eu-central-2:111111111111:certificate/5e1b7c2a-3f4d-4e6a-9b8c-0d1e2f3a4b5c\n" +
    "  graasp:containerRegistry: 111111111111.dkr.ecr.eu-central-2.amazonaws.com\n" +
    "  graasp:appVersion: v1.66.0\n" +
    "  graasp:movingTags: [nudenet, library, etherpad, admin, iframely]\n" +
    "  graasp:appSettings:\n" +
    "    GRAASPER_ID: 5a7e0b2c-0000-4000-8000-000000000001\n" +
    "    APPS_PUBLISHER_ID: 5a7e0b2c-0000-4000-8000-000000000002\n" +
    `  graasp:maintenanceBypassToken:\n    secure: ${crypter.encrypt(options.token ?? TOKEN)}\n` +
    secrets
  );
}

function projectWith(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graasp-plan-secrets-"));
  fs.writeFileSync(path.join(dir, "Pulumi.staging.yaml"), text);
  return dir;
}

async function plan(
  text: string,
  argv: string[],
  env: Record<string, string> = { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
) {
  const output = { out: "", err: "" };
  const code = await runPlan(["--stack", "staging", ...argv], {
    projectDir: projectWith(text),
    out: (t) => (output.out += t),
    err: (t) => (output.err += t),
    env,
  });
  return { code, ...output };
}

describe("offline plan: secrets the stack file holds", () => {
  it("decrypts the check value of Pulumi's own passphrase test, and refuses a wrong passphrase", () => {
    const pulumiSalt = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ==";
    expect(() => PassphraseDecrypter.fromSalt("password", pulumiSalt)).not.to.throw();
    expect(() => PassphraseDecrypter.fromSalt("password123", pulumiSalt)).to.throw(
      "the passphrase is not this stack's",
    );
  });

  it("decrypts secure values with the passphrase into the values parseConfig validates", () => {
    const config = stackConfigFromText("staging", stackFile(), undefined, PASSPHRASE);
    expect(config.raw.values.maintenanceBypassToken).to.equal(TOKEN);
    expect(JSON.parse(config.raw.values.secrets!)).to.deep.equal(
      Object.fromEntries(SECRET_KEYS.map((key) => [key, secretValue(key)])),
    );
    expect(config.absentSecrets).to.deep.equal([]);
    expect(config.warnings).to.deep.equal([]);
    expect(config.secretValues).to.have.length(1 + SECRET_KEYS.length);
  });

  it("decrypts a secrets map encrypted as one value", () => {
    const all = Object.fromEntries(SECRET_KEYS.map((key) => [key, secretValue(key)]));
    const file = stackFile({
      secrets: `  graasp:secrets:\n    secure: ${crypter.encrypt(JSON.stringify(all))}\n`,
    });
    const config = stackConfigFromText("staging", file, undefined, PASSPHRASE);
    expect(JSON.parse(config.raw.values.secrets!)).to.deep.equal(all);
    expect(config.absentSecrets).to.deep.equal([]);
    expect(config.warnings).to.deep.equal([]);
    expect(config.secretValues).to.include.members(Object.values(all));
  });

  it("keeps placeholders without a passphrase, as before", () => {
    const config = stackConfigFromText("staging", stackFile());
    expect(config.raw.values.maintenanceBypassToken).to.equal(
      "offline-plan-placeholder-maintenancebypasstoken",
    );
    expect(config.secretValues).to.deep.equal([]);
  });

  it("finds the passphrase like the CLI: the variable, else the file it names", () => {
    const file = path.join(projectWith(""), "passphrase.txt");
    fs.writeFileSync(file, `${PASSPHRASE}\n`);
    const read = (name: string) => fs.readFileSync(name, "utf8");
    expect(passphraseFrom({ PULUMI_CONFIG_PASSPHRASE: "a" }, read)).to.equal("a");
    expect(passphraseFrom({ PULUMI_CONFIG_PASSPHRASE_FILE: file }, read)).to.equal(PASSPHRASE);
    expect(passphraseFrom({}, read)).to.equal(undefined);
  });

  it("refuses a decrypted bypass token the real run would refuse, exit 2, the value unprinted", async () => {
    const result = await plan(stackFile({ token: "short-token" }), []);
    expect(result).to.deep.equal({
      code: 2,
      out: "",
      err:
        'Invalid configuration for stack "staging" (1 problem):\n' +
        "  - `graasp:maintenanceBypassToken` must be 16 to 128 characters of A-Z, a-z, 0-9, '_' and '-' " +
        "(it has 11; the load balancer matches headers case-insensitively and treats '*' and '?' as wildcards). " +
        'Fix: pulumi config set -s staging --secret maintenanceBypassToken "$(openssl rand -hex 32)"\n',
    });
  });

  it("exits 2 on a wrong passphrase, saying how to plan without it", async () => {
    const result = await plan(stackFile(), [], { PULUMI_CONFIG_PASSPHRASE: "wrong" });
    expect(result).to.deep.equal({
      code: 2,
      out: "",
      err:
        "PULUMI_CONFIG_PASSPHRASE does not unlock Pulumi.staging.yaml: the passphrase is not this stack's. " +
        "Fix: set the stack's passphrase, or unset PULUMI_CONFIG_PASSPHRASE to plan with placeholders.\n",
    });
  });

  it("refuses graasp:secrets that is not an object, with --secret and -s in the fix", async () => {
    const result = await plan(stackFile({ secrets: "  graasp:secrets: hunter2-hunter2\n" }), []);
    expect(result).to.deep.equal({
      code: 2,
      out: "",
      err:
        'Invalid configuration for stack "staging" (1 problem):\n' +
        "  - `graasp:secrets` must be an object of keys. Fix: pulumi config rm -s staging secrets, then set each key " +
        "with pulumi config set -s staging --secret --path 'secrets.<KEY>' <value>\n",
    });
  });

  it("validates a plain-text secret and never prints it", async () => {
    const plain = stackFile({
      secrets: "  graasp:secrets:\n    JWT_SECRET: plain-text-jwt-secret-value\n",
    });
    const result = await plan(plain, ["--format", "json"], {});
    expect(result.code).to.equal(0);
    expect(() => JSON.parse(result.out)).not.to.throw();
    expect(result.out).not.to.include("plain-text-jwt-secret-value");
    const warnings: string[] = JSON.parse(result.out).secrets.warnings;
    expect(warnings).to.include(
      "`graasp:secrets.JWT_SECRET` is stored in plain text in Pulumi.staging.yaml; the plan validated it and " +
        "prints it as [secret]. Fix: pulumi config set -s staging --secret --path 'secrets.JWT_SECRET' <value>",
    );
    // Every fix the plan prints targets the stack.
    for (const warning of warnings.filter((w) => w.includes("pulumi config set ")))
      expect(warning).to.include("pulumi config set -s staging ");
  });

  it("validates the file's own deploymentState under --state and --from/--to", async () => {
    const paused = stackFile({ state: "paused" });
    const expected = {
      code: 2,
      out: "",
      err:
        'Invalid configuration for stack "staging" (1 problem):\n' +
        '  - `graasp:deploymentState` is "paused", which is not a deployment state. ' +
        "Fix: pulumi config set -s staging deploymentState <running|restricted|db-only|stopped>\n",
    };
    expect(await plan(paused, ["--state", "stopped"])).to.deep.equal(expected);
    expect(await plan(paused, ["--from", "running", "--to", "stopped"])).to.deep.equal(expected);
    const output = { out: "", err: "" };
    const code = await runTransitions(["--stack", "staging"], {
      projectDir: projectWith(paused),
      out: (t) => (output.out += t),
      err: (t) => (output.err += t),
      env: { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
    });
    expect({ code, ...output }).to.deep.equal(expected);
  });
});
