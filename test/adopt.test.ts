/*
 * `npm run adopt`: the import file built from registrations. What this cannot prove: that
 * `pulumi import` accepts every ID (the formats follow the provider's import documentation)
 * or that the adopted resources then match the program without a diff; `pulumi preview` after
 * the import shows that, and the runbook stops there if anything would be replaced.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AdoptableRegistration, adoptable, importFile } from "../tools/adoptPlan";
import { runAdopt } from "../tools/adopt";
import { keySettings } from "../tools/planSettings";
import { HOSTED_ZONE_IDS, WITHOUT_EDGE } from "./fixtures";
import { scenario } from "./scenarios";

const STACK = "urn:pulumi:production::graasp";
const urn = (qualifiedType: string, name: string) => `${STACK}::${qualifiedType}::${name}`;

function component(type: string, name: string, parentUrn = ""): AdoptableRegistration {
  const qualified = parentUrn ? `${parentUrn.split("::")[2]}$${type}` : type;
  return { type, name, urn: urn(qualified, name), parentUrn, custom: false, inputs: {} };
}

function resource(
  parent: AdoptableRegistration,
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): AdoptableRegistration {
  return {
    type,
    name,
    urn: urn(`${parent.urn.split("::")[2]}$${type}`, name),
    parentUrn: parent.urn,
    custom: true,
    inputs,
  };
}

const EDGE = component("graasp:index:GraaspEdge", "edge");
const STORAGE = component("graasp:index:GraaspStorage", "file-items", EDGE.urn);
const REGISTRY = component("graasp:index:GraaspRegistry", "registry");
const DNS = component("graasp:index:GraaspDns", "dns");
const BUCKET = "graasp-prod-file-items";
const REGISTRATIONS: AdoptableRegistration[] = [
  EDGE,
  STORAGE,
  resource(STORAGE, "aws:s3/bucket:Bucket", "file-items-bucket", { bucket: BUCKET }),
  resource(STORAGE, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "file-items-block", {
    bucket: BUCKET,
    blockPublicAcls: true,
  }),
  resource(STORAGE, "aws:s3/bucketAclV2:BucketAclV2", "file-items-acl", {
    bucket: BUCKET,
    acl: "private",
  }),
  resource(STORAGE, "aws:iam/policy:Policy", "file-items-access", { policy: "{}" }),
  REGISTRY,
  resource(REGISTRY, "aws:ecr/repository:Repository", "admin", { name: "graasp/admin" }),
  resource(REGISTRY, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "admin-lifecycle", {
    repository: "graasp/admin",
  }),
  DNS,
  resource(DNS, "aws:route53/record:Record", "api-a", {
    zoneId: "Z0123456789ABC",
    name: "api.graasp.org",
    type: "A",
  }),
  // The same logical name under another type: the file keeps both apart.
  resource(DNS, "aws:route53/record:Record", "admin", {
    zoneId: "Z0123456789ABC",
    name: "graasp.org",
    type: "AAAA",
    setIdentifier: "blue",
  }),
];

describe("adoption import file", function () {
  this.timeout(20_000);

  it("lists every adoptable resource with its parents first and today's IDs", () => {
    const { file, summary } = importFile(REGISTRATIONS, { only: [] });
    expect(file.resources).to.deep.equal([
      { type: "graasp:index:GraaspEdge", name: "edge", component: true },
      { type: "graasp:index:GraaspStorage", name: "file-items", component: true, parent: "edge" },
      { type: "aws:s3/bucket:Bucket", name: "file-items-bucket", id: BUCKET, parent: "file-items" },
      { type: "graasp:index:GraaspRegistry", name: "registry", component: true },
      {
        type: "aws:ecr/repository:Repository",
        name: "admin",
        id: "graasp/admin",
        parent: "registry",
      },
      { type: "graasp:index:GraaspDns", name: "dns", component: true },
      {
        type: "aws:route53/record:Record",
        name: "api-a",
        id: "Z0123456789ABC_api.graasp.org_A",
        parent: "dns",
      },
      {
        type: "aws:route53/record:Record",
        name: "admin (aws:route53/record:Record)",
        logicalName: "admin",
        id: "Z0123456789ABC_graasp.org_AAAA_blue",
        parent: "dns",
      },
    ]);
    expect(summary[0]).to.equal(`aws:s3/bucket:Bucket file-items-bucket → ${BUCKET}`);
    // Settings resources (access block, ACL, lifecycle) are applied by the first `up`, not imported.
    expect(summary).to.have.length(4);
  });

  it("adopts a group or named resources only, and today's zone when the program's differs", () => {
    const records = importFile(REGISTRATIONS, { only: ["records"], zoneId: "ZTODAY1" });
    expect(records.file.resources.map((entry) => entry.id ?? entry.name)).to.deep.equal([
      "dns",
      "ZTODAY1_api.graasp.org_A",
      "ZTODAY1_graasp.org_AAAA_blue",
    ]);
    const one = importFile(REGISTRATIONS, { only: ["admin", "buckets"] });
    expect(one.file.resources.map((entry) => entry.name)).to.deep.equal([
      "edge",
      "file-items",
      "file-items-bucket",
      "registry",
      "admin",
      // The name matches a record too: both are adopted.
      "dns",
      "admin (aws:route53/record:Record)",
    ]);
  });

  it("refuses an entry the program does not have, before writing anything", () => {
    expect(() => importFile(REGISTRATIONS, { only: ["buckets", "graasp-prod-apps"] })).to.throw(
      '"graasp-prod-apps" is not an adoptable resource of this program. Adoptable: buckets, repositories, records, or one of admin, api-a, file-items-bucket.',
    );
    expect(() => importFile([EDGE], { only: [] })).to.throw(
      "Nothing to adopt: the program registers no bucket, image repository or DNS record.",
    );
  });

  it("refuses a resource whose ID is not a plain value of the program", () => {
    const unnamed = resource(STORAGE, "aws:s3/bucket:Bucket", "apps-bucket", {});
    expect(() => importFile([EDGE, STORAGE, unnamed], { only: [] })).to.throw(
      "Cannot derive the import ID of aws:s3/bucket:Bucket apps-bucket: its input `bucket` is not a plain value in the program.",
    );
  });

  it("covers the real program: today's five buckets and four repositories, not their settings", async () => {
    // The edge runbook's first step: buckets and repositories, before the CDN and DNS are set.
    const { registrations } = await scenario("production", "running", WITHOUT_EDGE);
    const { file, summary } = importFile(registrations, { only: [] });
    const imported = file.resources.filter((entry) => entry.id !== undefined);
    expect(imported.map((entry) => entry.logicalName ?? entry.name).sort()).to.deep.equal(
      adoptable(registrations)
        .map((r) => r.name)
        .sort(),
    );
    // Five buckets and four repositories; their settings are applied by the first `up`.
    expect(summary).to.have.length(9);
    expect(imported.map((entry) => entry.type).sort()).to.deep.equal([
      ...Array(4).fill("aws:ecr/repository:Repository"),
      ...Array(5).fill("aws:s3/bucket:Bucket"),
    ]);
    const buckets = imported.filter((entry) => entry.type === "aws:s3/bucket:Bucket");
    expect(buckets.map((entry) => `${entry.name}=${entry.id}`)).to.deep.equal(
      ["file-items", "h5p", "apps", "assets", "maintenance"].map(
        (purpose) => `storage-${purpose}=graasp-prod-${purpose}`,
      ),
    );
    const repositories = imported.filter((entry) => entry.type === "aws:ecr/repository:Repository");
    expect(repositories.map((entry) => entry.id)).to.deep.equal([
      "graasp",
      "graasp/explore",
      "graasp/etherpad",
      "graasp/admin",
    ]);
    // Parents are the program's components, created empty by the import.
    expect(
      file.resources.filter((entry) => entry.component).map((e) => `${e.type} ${e.name}`),
    ).to.deep.equal(["graasp:index:GraaspRegistry registry", "graasp:index:GraaspStorage storage"]);
    for (const entry of imported)
      expect(
        file.resources.some((other) => other.name === entry.parent),
        entry.name,
      ).to.equal(true);
  });

  it("adds today's 34 DNS records once the stack manages its hosted zone", async () => {
    const { registrations } = await scenario("production", "running");
    const zone = HOSTED_ZONE_IDS.production;
    const { file, summary } = importFile(registrations, { only: ["records"] });
    const records = file.resources.filter((entry) => entry.id !== undefined);
    expect(records).to.have.length(34);
    for (const record of records) {
      expect(record.type).to.equal("aws:route53/record:Record");
      expect(record.id).to.match(new RegExp(`^${zone}_([a-z0-9-]+\\.)?graasp\\.org_(A|AAAA)$`));
    }
    expect(records.map((record) => record.id)).to.include.members([
      `${zone}_graasp.org_A`,
      `${zone}_api.graasp.org_AAAA`,
      `${zone}_h5p.graasp.org_A`,
    ]);
    // Five buckets, four repositories and the 34 records.
    expect(importFile(registrations, { only: [] }).summary).to.have.length(43);
    expect(summary).to.have.length(34);
  });

  it("shows in the offline plan what will be adopted, and the snapshot a new instance starts from", () => {
    const planned = (type: string, inputs: Record<string, unknown>) => ({
      urn: urn(type, "x"),
      type,
      name: "x",
      inputs,
      parentUrn: "",
      custom: true,
      protect: true,
      retainOnDelete: false,
      ignoreChanges: [] as string[],
      order: 0,
    });
    expect(
      keySettings(planned("aws:ecr/repository:Repository", { name: "graasp/admin" })),
    ).to.deep.include(["adopt", "graasp/admin"]);
    const instance = keySettings({
      ...planned("aws:rds/instance:Instance", { snapshotIdentifier: "graasp-prod-cutover" }),
      ignoreChanges: ["snapshotIdentifier"],
    });
    expect(instance.slice(-3)).to.deep.equal([
      ["restoreFromSnapshot", "graasp-prod-cutover"],
      ["protect", "true"],
      ["ignoreChanges", "snapshotIdentifier"],
    ]);
  });

  it("runs as `npm run adopt` on the stack file, with usage errors as exit code 2", async () => {
    const printed: string[] = [];
    const errors: string[] = [];
    const io = {
      projectDir: path.resolve(__dirname, ".."),
      out: (text: string) => printed.push(text),
      err: (text: string) => errors.push(text),
      writeFile: () => {
        throw new Error("nothing is written without --out");
      },
    };
    expect(await runAdopt(["--stack", "production", "--zone-id", "nope"], io)).to.equal(2);
    expect(errors.join("")).to.include('--zone-id "nope" is not a Route 53 hosted zone ID (Z…).');
    errors.length = 0;
    expect(await runAdopt(["--stack", "production", "--only", "graasp-prod-apps"], io)).to.equal(2);
    expect(errors.join("")).to.match(
      /^error: "graasp-prod-apps" is not an adoptable resource of this program\. Adoptable: buckets, repositories, records/,
    );
    expect(printed).to.deep.equal([]);
  });

  it("never prints a secret value the stack file holds in plain text", async () => {
    const root = path.resolve(__dirname, "..");
    const projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "graasp-adopt-"));
    fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(projectDir, "Pulumi.yaml"));
    fs.writeFileSync(
      path.join(projectDir, "Pulumi.production.yaml"),
      fs.readFileSync(path.join(root, "Pulumi.production.yaml"), "utf8") +
        "  graasp:secrets:\n    JWT_SECRET: plain-text-jwt-secret-value\n",
    );
    const errors: string[] = [];
    const io = {
      projectDir,
      out: () => undefined,
      err: (text: string) => errors.push(text),
      writeFile: () => undefined,
    };
    expect(
      await runAdopt(["--stack", "production", "--only", "plain-text-jwt-secret-value"], io),
    ).to.equal(2);
    expect(errors.join("")).to.match(
      /^error: "\[secret\]" is not an adoptable resource of this program\. Adoptable: /,
    );
    expect(errors.join("")).to.not.include("plain-text-jwt-secret-value");
  });
});
