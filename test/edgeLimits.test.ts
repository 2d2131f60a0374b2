/**
 * The edge's pure parts: what S3, ACM, Route 53, ECR and CloudFront would refuse, each way,
 * with the exact message; the host list derived from the catalog; the documents the edge
 * writes; the CloudFront Function code.
 *
 * What this cannot prove: that CloudFront runs the function as intended (its runtime is not
 * available offline; the code is checked for shape, size and absence of the token), or quotas
 * AWS changes later. The figures come from AWS's quota pages.
 */
import { expect } from "chai";
import {
  BYPASS_TOKEN_KEY,
  gateFunctionCode,
  gateKey,
  indexFunctionCode,
} from "../components/cdnFunction";
import {
  cdnReadPolicy,
  catalogRepositories,
  corsRules,
  defaultBucketNames,
  loadBalancerHostLabels,
  repositoryLifecyclePolicy,
  servedHosts,
} from "../components/edge";
import {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  EDGE_TYPES,
  bucketNameProblems,
  cdnCertificateProblems,
  edgeLimitViolations,
  hostedZoneIdProblems,
  recordNameProblems,
  repositoryNameProblems,
} from "../components/edgeLimits";
import { MAINTENANCE_HTML } from "../components/maintenanceContent";
import { validateCdnArgs } from "../components/cdn";
import { validateDnsArgs } from "../components/dns";
import { validateRegistryArgs } from "../components/registry";
import { validateStorageArgs } from "../components/storage";

describe("edge limits: configuration values", () => {
  const bucketCases: ReadonlyArray<[string, string[]]> = [
    ["graasp-prod-file-items", []],
    ["abc", []],
    ["a".repeat(63), []],
    ["ab", ["is 2 characters (S3 allows 3 to 63)"]],
    ["a".repeat(64), ["is 64 characters (S3 allows 3 to 63)"]],
    [
      "Graasp_Files",
      [
        "may contain only lower-case letters, digits, '.' and '-', and must begin and end with a letter or digit",
      ],
    ],
    [
      "graasp..files",
      [
        "must not contain two adjacent periods",
        "contains '.', which breaks HTTPS to the bucket's host name",
      ],
    ],
    [
      "192.168.1.10",
      [
        "must not look like an IP address",
        "contains '.', which breaks HTTPS to the bucket's host name",
      ],
    ],
    ["xn--graasp", ["uses a prefix S3 reserves"]],
    ["graasp-s3alias", ["uses a suffix S3 reserves"]],
  ];
  for (const [name, problems] of bucketCases)
    it(`bucket name ${name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name}`, () =>
      expect(bucketNameProblems(name)).to.deep.equal(problems));

  const certificateCases: ReadonlyArray<[string, string[]]> = [
    ["arn:aws:acm:us-east-1:123456789012:certificate/7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910", []],
    [
      "arn:aws:acm:eu-central-2:123456789012:certificate/7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910",
      ["is in region eu-central-2; CloudFront only uses ACM certificates from us-east-1"],
    ],
    ["arn:aws:iam::123456789012:server-certificate/graasp", ["is not an ACM certificate ARN"]],
  ];
  for (const [arn, problems] of certificateCases)
    it(`CloudFront certificate ${arn.split(":")[3] || arn.split(":")[2]}`, () =>
      expect(cdnCertificateProblems(arn)).to.deep.equal(problems));

  it("accepts hosted zone ids and refuses anything else", () => {
    expect(hostedZoneIdProblems("Z0PRODUCTION123456789")).to.deep.equal([]);
    expect(hostedZoneIdProblems("Z2FDTNDATAQYW2")).to.deep.equal([]);
    for (const id of ["graasp.org", "/hostedzone/Z2FDTNDATAQYW2", "z2fdtndataqyw2", "Z"])
      expect(hostedZoneIdProblems(id), id).to.deep.equal([
        "is not a Route 53 hosted zone id (Z followed by upper-case letters and digits)",
      ]);
  });

  it("accepts ECR repository paths and refuses others", () => {
    for (const name of ["graasp", "graasp/admin", "graasp/explore", "a1"])
      expect(repositoryNameProblems(name), name).to.deep.equal([]);
    for (const name of ["Graasp", "graasp/", "/graasp", "graasp//admin", "g", "graasp:latest"])
      expect(repositoryNameProblems(name), name).to.have.length(1);
  });

  it("accepts DNS record names and refuses bad labels and lengths", () => {
    expect(recordNameProblems("graasp.org")).to.deep.equal([]);
    expect(recordNameProblems("api.stage.graasp.org.")).to.deep.equal([]);
    expect(recordNameProblems("under_score.graasp.org")).to.deep.equal([]);
    expect(recordNameProblems("-api.graasp.org")).to.deep.equal([
      `has the label "-api", not 1-63 letters, digits, '-' or '_'`,
    ]);
    expect(recordNameProblems(`${"a".repeat(64)}.graasp.org`)).to.deep.equal([
      `has the label "${"a".repeat(64)}", not 1-63 letters, digits, '-' or '_'`,
    ]);
    const long = Array.from({ length: 5 }, () => "a".repeat(60)).join(".");
    expect(recordNameProblems(long)).to.deep.equal(["is 304 characters (DNS allows 253)"]);
  });
});

describe("edge limits: registered resources", () => {
  const resource = (type: string, inputs: Record<string, any>) => ({ type, name: "x", inputs });

  it("passes resources within every limit", () => {
    expect(
      edgeLimitViolations([
        resource(EDGE_TYPES.bucket, { bucket: "graasp-dev-apps" }),
        resource(EDGE_TYPES.distribution, { aliases: ["apps.graasp.org"] }),
        resource(EDGE_TYPES.function, { code: gateFunctionCode("x-bypass", "core") }),
        resource(EDGE_TYPES.keyValueStoreKey, { key: "k", value: "v".repeat(1024) }),
        resource(EDGE_TYPES.record, { name: "graasp.org" }),
        resource(EDGE_TYPES.repository, { name: "graasp/admin" }),
      ]),
    ).to.deep.equal([]);
  });

  it("reports each broken limit with the resource", () => {
    const aliases = Array.from({ length: 101 }, (_, index) => `s${index}.graasp.org`);
    expect(
      edgeLimitViolations([
        resource(EDGE_TYPES.bucket, { bucket: "ab" }),
        resource(EDGE_TYPES.distribution, { aliases }),
        resource(EDGE_TYPES.function, {
          code: "x".repeat(CLOUDFRONT_FUNCTION_MAX_BYTES + 1),
          keyValueStoreAssociations: ["a", "b"],
        }),
        resource(EDGE_TYPES.keyValueStore, { name: "has space" }),
        resource(EDGE_TYPES.keyValueStoreKey, { key: "k".repeat(513), value: "é".repeat(513) }),
        resource(EDGE_TYPES.record, { name: "bad..graasp.org" }),
        resource(EDGE_TYPES.repository, { name: "Graasp" }),
      ]),
    ).to.deep.equal([
      'aws:s3/bucket:Bucket "x": bucket `ab` is 2 characters (S3 allows 3 to 63)',
      'aws:cloudfront/distribution:Distribution "x": has 101 aliases (CloudFront allows 100)',
      'aws:cloudfront/function:Function "x": code is 10241 bytes (CloudFront Functions allow 10240)',
      'aws:cloudfront/function:Function "x": has more than one KeyValueStore (a function may use one)',
      'aws:cloudfront/keyValueStore:KeyValueStore "x": name `has space` is not 1-64 of A-Za-z0-9_-',
      'aws:cloudfront/keyvaluestoreKey:KeyvaluestoreKey "x": key is 513 bytes (KeyValueStore allows 1-512)',
      'aws:cloudfront/keyvaluestoreKey:KeyvaluestoreKey "x": value is 1026 bytes (KeyValueStore allows 1024)',
      `aws:route53/record:Record "x": name \`bad..graasp.org\` has the label "", not 1-63 letters, digits, '-' or '_'`,
      "aws:ecr/repository:Repository \"x\": name `Graasp` is not an ECR repository name (2 to 256 lower-case letters, digits, '.', '_', '-', path segments separated by '/')",
    ]);
  });
});

describe("edge data", () => {
  it("names buckets as today's stacks do", () => {
    expect(defaultBucketNames("staging")).to.deep.equal({
      "file-items": "graasp-dev-file-items",
      h5p: "graasp-dev-h5p",
      apps: "graasp-dev-apps",
      assets: "graasp-dev-assets",
      maintenance: "graasp-dev-maintenance",
    });
    expect(defaultBucketNames("production").h5p).to.equal("graasp-prod-h5p");
  });

  it("derives the 17 hosts of today's records from the catalog, the redirects and the sites", () => {
    expect(loadBalancerHostLabels()).to.deep.equal(
      ["api", "", "library", "etherpad", "umami"].concat([
        "go",
        "account",
        "auth",
        "player",
        "builder",
        "analytics",
        "association",
        "admin",
      ]),
    );
    const hosts = servedHosts("graasp.org", true);
    expect(hosts).to.have.length(17);
    expect(hosts.filter((host) => host.target === "cdn").map((host) => host.fqdn)).to.deep.equal(
      ["apps", "assets", "h5p", "maintenance"].map((site) => `${site}.graasp.org`),
    );
    expect(servedHosts("graasp.org", false)).to.have.length(13);
  });

  it("keeps today's CORS rules", () => {
    expect(corsRules("file-items", "graasp.org")).to.deep.equal([
      { allowedMethods: ["GET"], allowedOrigins: ["https://assets.graasp.org"] },
      {
        allowedMethods: ["HEAD", "PUT", "GET", "DELETE"],
        allowedOrigins: ["null"],
        allowedHeaders: ["*"],
      },
      { allowedMethods: ["HEAD", "GET"], allowedOrigins: ["*"] },
    ]);
    expect(corsRules("h5p", "graasp.org")).to.deep.equal([
      {
        allowedMethods: ["GET"],
        allowedOrigins: [
          "https://builder.graasp.org",
          "https://player.graasp.org",
          "https://graasp.org",
        ],
      },
    ]);
    expect(corsRules("apps", "graasp.org")).to.deep.equal([]);
  });

  it("lets one distribution read a bucket, and nobody else", () => {
    const arn = "arn:aws:cloudfront::123456789012:distribution/EAPPS";
    expect(cdnReadPolicy("graasp-prod-apps", arn)).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CloudFrontReadsThroughOriginAccessControl",
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::graasp-prod-apps/*",
          Condition: { StringEquals: { "AWS:SourceArn": arn } },
        },
      ],
    });
  });

  it("takes the repositories from the catalog's images and expires only untagged images", () => {
    expect(catalogRepositories()).to.deep.equal({
      graasp: "graasp",
      explore: "graasp/explore",
      etherpad: "graasp/etherpad",
      admin: "graasp/admin",
    });
    const rules = (repositoryLifecyclePolicy() as { rules: any[] }).rules;
    expect(rules.map((rule) => [rule.selection, rule.action])).to.deep.equal([
      [
        { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
        { type: "expire" },
      ],
    ]);
  });
});

describe("CloudFront Function code", () => {
  const code = gateFunctionCode("X-Graasp-Maintenance-Bypass", "core");

  it("reads the flag and the token from the store and holds no secret", () => {
    expect(code).to.include("import cf from 'cloudfront';");
    expect(code).to.include("const store = cf.kvs();");
    expect(code).to.include(`read(${JSON.stringify(gateKey("core"))})`);
    expect(code).to.include(`read(${JSON.stringify(BYPASS_TOKEN_KEY)})`);
    // CloudFront passes header names in lower case.
    expect(code).to.include('const HEADER = "x-graasp-maintenance-bypass";');
    expect(code).not.to.match(/bypass-token-0123456789abcdef/);
  });

  it("answers the load balancer's 503 page, not cached", () => {
    const response = JSON.parse(code.match(/const MAINTENANCE = (.*);/)![1]);
    expect(response.statusCode).to.equal(503);
    expect(response.headers["cache-control"]).to.deep.equal({ value: "no-store" });
    expect(response.body).to.deep.equal({ encoding: "text", data: MAINTENANCE_HTML });
  });

  it("fits CloudFront's 10 KB with room to spare", () => {
    expect(Buffer.byteLength(code)).to.be.below(CLOUDFRONT_FUNCTION_MAX_BYTES / 2);
    expect(indexFunctionCode()).to.equal(
      [
        "function handler(event) {",
        "  var request = event.request;",
        "  if (request.uri.endsWith('/')) request.uri += 'index.html';",
        "  return request;",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("runs: passes with the token or when off, else 503, and appends index.html", async () => {
    const store = new Map<string, string>();
    const body = code
      .replace("import cf from 'cloudfront';", "")
      .replace("const store = cf.kvs();", "");
    // The runtime's module is replaced by an in-memory store with the same `get` contract.
    const handler = new Function("store", `${body}\nreturn handler;`)({
      get: async (key: string) => {
        if (!store.has(key)) throw new Error("KeyNotFound");
        return store.get(key);
      },
    }) as (event: object) => Promise<any>;
    const request = (headers: Record<string, { value: string }> = {}) => ({
      request: { uri: "/app/", headers },
    });

    expect((await handler(request())).statusCode, "missing flag: closed").to.equal(503);
    store.set(gateKey("core"), "off");
    expect(await handler(request())).to.deep.equal({ uri: "/app/index.html", headers: {} });
    store.set(gateKey("core"), "on");
    store.set(BYPASS_TOKEN_KEY, "secret-token-123456");
    expect((await handler(request())).statusCode).to.equal(503);
    const wrong = { "x-graasp-maintenance-bypass": { value: "nope" } };
    expect((await handler(request(wrong))).statusCode).to.equal(503);
    const right = { "x-graasp-maintenance-bypass": { value: "secret-token-123456" } };
    expect((await handler(request(right))).uri).to.equal("/app/index.html");
  });
});

describe("edge components: argument validation", () => {
  it("GraaspStorage: names S3 would refuse and a retention below a day", () => {
    const names = { ...defaultBucketNames("staging"), apps: "ab" };
    expect(
      validateStorageArgs({ names: defaultBucketNames("staging"), domain: "graasp.org" }),
    ).to.deep.equal([]);
    expect(
      validateStorageArgs({ names, domain: "graasp.org", noncurrentVersionDays: 0 }),
    ).to.deep.equal([
      '`names.apps` "ab" is 2 characters (S3 allows 3 to 63)',
      "`noncurrentVersionDays` is 0; use a whole number of days, at least 1",
    ]);
  });

  it("GraaspCdn: a certificate outside us-east-1", () => {
    const args = {
      domain: "graasp.org",
      bucketDomainNames: {} as any,
      tiersBehindMaintenance: [],
      bypass: { name: "x-bypass", token: "t" },
    };
    expect(
      validateCdnArgs({
        ...args,
        certificateArn:
          "arn:aws:acm:us-east-1:123456789012:certificate/7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910",
      }),
    ).to.deep.equal([]);
    expect(
      validateCdnArgs({
        ...args,
        certificateArn:
          "arn:aws:acm:eu-west-1:123456789012:certificate/7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910",
      }),
    ).to.deep.equal([
      '`certificateArn` "arn:aws:acm:eu-west-1:123456789012:certificate/7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910" is in region eu-west-1; CloudFront only uses ACM certificates from us-east-1',
    ]);
  });

  it("GraaspDns: a bad zone id and a CloudFront host without its distribution", () => {
    const loadBalancer = { dnsName: "alb.example", zoneId: "Z3F0SRJ5LGBH90" };
    const hosts = servedHosts("graasp.org", true);
    expect(
      validateDnsArgs({
        hostedZoneId: "Z0PRODUCTION123456789",
        hosts: servedHosts("graasp.org", false),
        loadBalancer,
      }),
    ).to.deep.equal([]);
    expect(validateDnsArgs({ hostedZoneId: "zone", hosts, loadBalancer })).to.deep.equal([
      '`hostedZoneId` "zone" is not a Route 53 hosted zone id (Z followed by upper-case letters and digits)',
      ...["apps", "assets", "h5p", "maintenance"].map(
        (site) => `\`cdnSites\` has no distribution for ${site}.graasp.org`,
      ),
    ]);
  });

  it("GraaspRegistry: a name ECR refuses", () => {
    expect(validateRegistryArgs({ repositories: catalogRepositories() })).to.deep.equal([]);
    expect(validateRegistryArgs({ repositories: { admin: "Graasp/Admin" } })).to.deep.equal([
      "`repositories.admin` \"Graasp/Admin\" is not an ECR repository name (2 to 256 lower-case letters, digits, '.', '_', '-', path segments separated by '/')",
    ]);
  });
});
