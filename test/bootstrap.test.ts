/**
 * README's state-bucket bootstrap (section "Bootstrap"), run in bash against a fake `aws` that
 * records its arguments: the exact settings each account's state bucket gets, with every JSON
 * argument parsed.
 *
 * What this cannot prove: that AWS accepts the calls (a real account does), or that the bucket
 * name is still free.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

const README = readFileSync(join(__dirname, "..", "README.md"), "utf8");

/** The first ```sh block after `heading`, with the list item's indentation removed. */
function shellBlockAfter(heading: string): string {
  const section = README.slice(README.indexOf(heading));
  const match = /```sh\n([\s\S]*?)\n\s*```/.exec(section);
  if (match === null) throw new Error(`no sh block after ${heading}`);
  return match[1].replace(/^ {3}/gm, "");
}

function runWithFakeAws(script: string): { status: number | null; calls: string[][] } {
  const directory = mkdtempSync(join(tmpdir(), "graasp-bootstrap-"));
  try {
    mkdirSync(join(directory, "bin"));
    const fake = join(directory, "bin", "aws");
    // One JSON array of arguments per line; the caller identity is the only answer needed.
    writeFileSync(
      fake,
      [
        "#!/usr/bin/env node",
        'const { appendFileSync } = require("fs");',
        "const args = process.argv.slice(2);",
        'appendFileSync(process.env.CALLS, JSON.stringify(args) + "\\n");',
        'if (args[0] === "sts") console.log("111111111111");',
      ].join("\n"),
    );
    chmodSync(fake, 0o755);
    const calls = join(directory, "calls");
    writeFileSync(calls, "");
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
      cwd: directory,
      encoding: "utf8",
      env: { PATH: `${join(directory, "bin")}:${process.env.PATH}`, CALLS: calls },
    });
    const lines = readFileSync(calls, "utf8").trim().split("\n");
    return { status: result.status, calls: lines.map((line) => JSON.parse(line) as string[]) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe("README: the state bucket of an account", function () {
  this.timeout(20000);
  const bucket = "graasp-pulumi-state-111111111111";
  let calls: string[][];
  before(() => {
    const run = runWithFakeAws(shellBlockAfter("### Bootstrap (once per environment)"));
    expect(run.status).to.equal(0);
    calls = run.calls;
  });

  const call = (command: string) => {
    const found = calls.filter((args) => args[1] === command);
    expect(found, command).to.have.length(1);
    return found[0];
  };
  const jsonArgument = (command: string, flag: string) => {
    const args = call(command);
    return JSON.parse(args[args.indexOf(flag) + 1]) as unknown;
  };

  it("makes exactly these calls, in this order, all on the account's bucket", () => {
    expect(calls.map((args) => args.slice(0, 2).join(" "))).to.deep.equal([
      "sts get-caller-identity",
      "s3api create-bucket",
      "s3api put-public-access-block",
      "s3api put-bucket-ownership-controls",
      "s3api put-bucket-versioning",
      "s3api put-bucket-encryption",
      "s3api put-bucket-lifecycle-configuration",
      "s3api put-bucket-policy",
    ]);
    for (const args of calls.slice(1)) expect(args.slice(2, 4)).to.deep.equal(["--bucket", bucket]);
    expect(call("create-bucket").slice(4)).to.deep.equal([
      "--region",
      "eu-central-2",
      "--create-bucket-configuration",
      "LocationConstraint=eu-central-2",
    ]);
  });

  it("blocks every kind of public access and disables ACLs", () => {
    expect(call("put-public-access-block").slice(4)).to.deep.equal([
      "--public-access-block-configuration",
      "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    ]);
    expect(call("put-bucket-ownership-controls").slice(4)).to.deep.equal([
      "--ownership-controls",
      "Rules=[{ObjectOwnership=BucketOwnerEnforced}]",
    ]);
  });

  it("versions and encrypts the state, and expires old versions after 90 days", () => {
    expect(call("put-bucket-versioning").slice(4)).to.deep.equal([
      "--versioning-configuration",
      "Status=Enabled",
    ]);
    expect(
      jsonArgument("put-bucket-encryption", "--server-side-encryption-configuration"),
    ).to.deep.equal({
      Rules: [
        { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true },
      ],
    });
    expect(
      jsonArgument("put-bucket-lifecycle-configuration", "--lifecycle-configuration"),
    ).to.deep.equal({
      Rules: [
        {
          ID: "old-state-versions",
          Status: "Enabled",
          Filter: { Prefix: "" },
          NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    });
  });

  it("refuses every request without TLS", () => {
    expect(jsonArgument("put-bucket-policy", "--policy")).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "TlsOnly",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("uses no S3 Object Lock: the DIY backend locks with lock files, not object retention", () => {
    expect(calls.some((args) => /object-lock/.test(args.join(" ")))).to.equal(false);
  });
});
