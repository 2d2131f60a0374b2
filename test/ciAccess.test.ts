/**
 * CiAccess under the shared mocks: exact registrations (trust policies, environment protection,
 * variables) per stack, with and without an existing OIDC provider, plus argument validation.
 *
 * What this cannot prove: that AWS accepts the trust policy or that GitHub's token really
 * carries these `sub` values (a repository that customised its OIDC subject template would
 * not match), that the `github` provider's owner is the repository's owner, or that the
 * workflows' GITHUB_TOKEN may write these resources (it may not: see the README). A first
 * `pulumi up` with admin credentials and a preview on a pull request cover those.
 */
import { expect } from "chai";
import { CiAccess, CiAccessArgs, validateCiAccessArgs } from "../components/ciAccess";
import {
  PolicyDocument,
  PolicyStatement,
  environmentSubject,
  githubTrustPolicy,
  previewReadPolicy,
  previewRegionVariableName,
  previewRoleVariableName,
  pullRequestSubject,
  repositoryName,
} from "../components/ciAccessPolicies";
import {
  ACCOUNT_ID,
  Registration,
  named,
  ofType,
  promiseOf,
  resetRegistrations,
  settle,
  useStack,
} from "./mocks";

const REPOSITORY = "graasp/graasp-infrastructure";
const CREATED_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`;
const EXISTING_PROVIDER_ARN =
  "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com";

const TYPES = {
  component: "graasp:index:CiAccess",
  provider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  inlinePolicy: "aws:iam/rolePolicy:RolePolicy",
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
  branchPolicy:
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  environmentVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  repositoryVariable: "github:index/actionsVariable:ActionsVariable",
} as const;

function argsFor(stack: "staging" | "production", overrides: Partial<CiAccessArgs> = {}) {
  return {
    stack,
    environment: stack,
    region: "eu-central-2",
    repository: REPOSITORY,
    productionReviewers: stack === "production" ? ["alice", "bob-smith"] : [],
    stateBucket: `graasp-pulumi-state-${stack}`,
    ...overrides,
  } satisfies CiAccessArgs;
}

async function build(
  stack: "staging" | "production",
  overrides: Partial<CiAccessArgs> = {},
): Promise<{ access: CiAccess; all: readonly Registration[] }> {
  useStack(stack);
  resetRegistrations();
  const access = new CiAccess("ci", argsFor(stack, overrides));
  return { access, all: await settle() };
}

function countByType(all: readonly Registration[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { type } of all) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

function trustOf(all: readonly Registration[], roleName: string): unknown {
  return JSON.parse(named(all, TYPES.role, roleName).inputs.assumeRolePolicy);
}

function trust(providerArn: string, subject: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": subject,
          },
        },
      },
    ],
  };
}

function variables(all: readonly Registration[], type: string): Record<string, unknown> {
  return Object.fromEntries(ofType(all, type).map(({ name, inputs }) => [name, { ...inputs }]));
}

describe("CiAccess pure helpers", () => {
  it("builds the exact OIDC subjects GitHub puts in `sub`", () => {
    expect(pullRequestSubject("graasp/infra")).to.equal("repo:graasp/infra:pull_request");
    expect(environmentSubject("graasp/infra", "production")).to.equal(
      "repo:graasp/infra:environment:production",
    );
  });

  const variableNames: ReadonlyArray<readonly [string, string, string]> = [
    ["staging", "AWS_PREVIEW_ROLE_ARN_STAGING", "AWS_REGION_STAGING"],
    ["production", "AWS_PREVIEW_ROLE_ARN_PRODUCTION", "AWS_REGION_PRODUCTION"],
    ["eu.test-1", "AWS_PREVIEW_ROLE_ARN_EU_TEST_1", "AWS_REGION_EU_TEST_1"],
  ];
  for (const [stack, roleVariable, regionVariable] of variableNames)
    it(`names the repository variables of stack "${stack}" ${roleVariable} and ${regionVariable}`, () => {
      expect(previewRoleVariableName(stack)).to.equal(roleVariable);
      expect(previewRegionVariableName(stack)).to.equal(regionVariable);
    });

  it("strips the owner for @pulumi/github's `repository` arg", () => {
    expect(repositoryName("graasp/graasp-infrastructure")).to.equal("graasp-infrastructure");
    expect(repositoryName("some-org/name.with.dots")).to.equal("name.with.dots");
  });

  it("writes a trust policy with StringEquals on aud and sub only", () => {
    expect(githubTrustPolicy(CREATED_PROVIDER_ARN, "repo:a/b:pull_request")).to.deep.equal(
      trust(CREATED_PROVIDER_ARN, "repo:a/b:pull_request"),
    );
  });
});

describe("CiAccess for production", () => {
  let access: CiAccess;
  let all: readonly Registration[];
  before(async () => ({ access, all } = await build("production")));

  it("registers exactly these children, all parented to the component", () => {
    expect(countByType(all)).to.deep.equal({
      [TYPES.component]: 1,
      [TYPES.provider]: 1,
      [TYPES.role]: 2,
      [TYPES.attachment]: 2,
      [TYPES.inlinePolicy]: 1,
      [TYPES.environment]: 1,
      [TYPES.branchPolicy]: 1,
      [TYPES.environmentVariable]: 4,
      [TYPES.repositoryVariable]: 3,
    });
    const component = named(all, TYPES.component, "ci");
    const children = all.filter((registration) => registration.type !== TYPES.component);
    expect(children.map(({ name }) => name).sort()).to.deep.equal([
      "ci-backend-variable",
      "ci-deploy",
      "ci-deploy-policy",
      "ci-deploy-role-variable",
      "ci-environment",
      "ci-main-branch",
      "ci-oidc-provider",
      "ci-preview",
      "ci-preview-backend-variable",
      "ci-preview-policy",
      "ci-preview-reads",
      "ci-preview-region-variable",
      "ci-preview-role-variable",
      "ci-region-variable",
      "ci-stack-variable",
    ]);
    expect(children.every(({ parentUrn }) => parentUrn === component.urn)).to.equal(true);
  });

  it("creates GitHub's OIDC provider without thumbprints and keeps it on delete", () => {
    const provider = named(all, TYPES.provider, "ci-oidc-provider");
    expect(provider.inputs).to.deep.equal({
      url: "https://token.actions.githubusercontent.com",
      clientIdLists: ["sts.amazonaws.com"],
    });
    expect(provider.retainOnDelete).to.equal(true);
  });

  it("trusts the preview role only for this repository's pull requests", () => {
    expect(trustOf(all, "ci-preview")).to.deep.equal(
      trust(CREATED_PROVIDER_ARN, "repo:graasp/graasp-infrastructure:pull_request"),
    );
    expect(named(all, TYPES.role, "ci-preview").inputs.maxSessionDuration).to.equal(3600);
    expect(named(all, TYPES.attachment, "ci-preview-policy").inputs).to.deep.equal({
      role: "ci-preview",
      policyArn: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    });
  });

  it("trusts the deploy role only for the production environment, for 4 hours", () => {
    expect(trustOf(all, "ci-deploy")).to.deep.equal(
      trust(CREATED_PROVIDER_ARN, "repo:graasp/graasp-infrastructure:environment:production"),
    );
    expect(named(all, TYPES.role, "ci-deploy").inputs.maxSessionDuration).to.equal(14400);
    expect(named(all, TYPES.attachment, "ci-deploy-policy").inputs).to.deep.equal({
      role: "ci-deploy",
      policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
    });
  });

  it("protects the environment: reviewers by user ID, no self-review, no admin bypass, main only", () => {
    expect(named(all, TYPES.environment, "ci-environment").inputs).to.deep.equal({
      repository: "graasp-infrastructure",
      environment: "production",
      // test/mocks.ts answers getUser with 1000 + the login's length.
      reviewers: [{ users: [1005, 1009] }],
      preventSelfReview: true,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    expect(named(all, TYPES.branchPolicy, "ci-main-branch").inputs).to.deep.equal({
      repository: "graasp-infrastructure",
      environment: "production",
      branchPattern: "main",
    });
  });

  it("publishes the deploy role, region and stack on the environment", () => {
    expect(variables(all, TYPES.environmentVariable)).to.deep.equal({
      "ci-deploy-role-variable": {
        repository: "graasp-infrastructure",
        environment: "production",
        variableName: "AWS_DEPLOY_ROLE_ARN",
        value: `arn:aws:iam::${ACCOUNT_ID}:role/ci-deploy`,
      },
      "ci-region-variable": {
        repository: "graasp-infrastructure",
        environment: "production",
        variableName: "AWS_REGION",
        value: "eu-central-2",
      },
      "ci-backend-variable": {
        repository: "graasp-infrastructure",
        environment: "production",
        variableName: "PULUMI_BACKEND_URL",
        value: "s3://graasp-pulumi-state-production?region=eu-central-2",
      },
      "ci-stack-variable": {
        repository: "graasp-infrastructure",
        environment: "production",
        variableName: "PULUMI_STACK",
        value: "production",
      },
    });
  });

  it("publishes the preview role and region as repository variables named after the stack", () => {
    expect(variables(all, TYPES.repositoryVariable)).to.deep.equal({
      "ci-preview-role-variable": {
        repository: "graasp-infrastructure",
        variableName: "AWS_PREVIEW_ROLE_ARN_PRODUCTION",
        value: `arn:aws:iam::${ACCOUNT_ID}:role/ci-preview`,
      },
      "ci-preview-region-variable": {
        repository: "graasp-infrastructure",
        variableName: "AWS_REGION_PRODUCTION",
        value: "eu-central-2",
      },
      "ci-preview-backend-variable": {
        repository: "graasp-infrastructure",
        variableName: "PULUMI_BACKEND_URL_PRODUCTION",
        value: "s3://graasp-pulumi-state-production?region=eu-central-2",
      },
    });
  });

  it("exposes the role ARNs, provider ARN and environment name", async () => {
    expect(await promiseOf(access.previewRoleArn)).to.equal(
      `arn:aws:iam::${ACCOUNT_ID}:role/ci-preview`,
    );
    expect(await promiseOf(access.deployRoleArn)).to.equal(
      `arn:aws:iam::${ACCOUNT_ID}:role/ci-deploy`,
    );
    expect(await promiseOf(access.oidcProviderArn)).to.equal(CREATED_PROVIDER_ARN);
    expect(await promiseOf(access.environmentName)).to.equal("production");
  });
});

/** IAM action matching: case-insensitive, `*` any run of characters, `?` one character. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(action);
}

/**
 * Data-plane reads the preview role must never hold: users' files, log events, secret values,
 * KeyValueStore entries (the maintenance bypass token).
 */
const FORBIDDEN_READS = [
  "logs:GetLogEvents",
  "logs:FilterLogEvents",
  "logs:StartQuery",
  "logs:GetQueryResults",
  "logs:StartLiveTail",
  "secretsmanager:GetSecretValue",
  "secretsmanager:BatchGetSecretValue",
  "cloudfront-keyvaluestore:GetKey",
  "cloudfront-keyvaluestore:ListKeys",
  "ssm:GetParameter",
  "kms:Decrypt",
] as const;
const OBJECT_READS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes"] as const;

describe("CiAccess preview role: least privilege", () => {
  let all: readonly Registration[];
  let statements: readonly PolicyStatement[];
  before(async () => {
    ({ all } = await build("production"));
    const inline = named(all, TYPES.inlinePolicy, "ci-preview-reads");
    expect(inline.inputs.role).to.equal("ci-preview");
    statements = (JSON.parse(inline.inputs.policy) as PolicyDocument).Statement;
  });

  it("attaches ViewOnlyAccess, never ReadOnlyAccess, and one inline policy", () => {
    const attached = ofType(all, TYPES.attachment)
      .filter(({ inputs }) => inputs.role === "ci-preview")
      .map(({ inputs }) => inputs.policyArn);
    expect(attached).to.deep.equal(["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]);
    expect(ofType(all, TYPES.inlinePolicy).map(({ inputs }) => inputs.role)).to.deep.equal([
      "ci-preview",
    ]);
  });

  it("allows with no wildcard service or bare Get*/Read*, and denies every user-data read", () => {
    expect(statements.map(({ Effect }) => Effect)).to.deep.equal([
      ...Array<string>(statements.length - 1).fill("Allow"),
      "Deny",
    ]);
    const deny = statements[statements.length - 1];
    expect(deny.NotResource).to.deep.equal([
      "arn:aws:s3:::graasp-pulumi-state-production",
      "arn:aws:s3:::graasp-pulumi-state-production/.pulumi/*",
    ]);
    for (const read of [
      ...FORBIDDEN_READS.filter((action) => !/^(ssm|kms):/.test(action)),
      ...OBJECT_READS,
      "s3:ListBucket",
    ])
      expect(
        deny.Action.some((pattern) => actionMatches(pattern, read)),
        read,
      ).to.equal(true);
    for (const statement of statements.filter(({ Effect }) => Effect === "Allow")) {
      for (const action of statement.Action) {
        expect(action, statement.Sid).to.match(/^[a-z0-9-]+:[A-Za-z*]+$/);
        expect(action, statement.Sid).to.not.match(/:(\*|Get\*|Read\*|Batch\*)$/);
      }
    }
  });

  it("holds no log-event, secret-value or decrypt read", () => {
    const granted = statements
      .filter(({ Effect }) => Effect === "Allow")
      .flatMap(({ Action }) => Action);
    for (const forbidden of FORBIDDEN_READS)
      expect(
        granted.filter((pattern) => actionMatches(pattern, forbidden)),
        forbidden,
      ).to.deep.equal([]);
  });

  it("reads objects only under the state bucket's .pulumi/ prefix", () => {
    const objectReads = statements.filter(
      ({ Effect, Action }) =>
        Effect === "Allow" &&
        Action.some((pattern) => OBJECT_READS.some((read) => actionMatches(pattern, read))),
    );
    expect(objectReads.map(({ Sid, Resource }) => [Sid, Resource])).to.deep.equal([
      ["StateBucketRead", "arn:aws:s3:::graasp-pulumi-state-production/.pulumi/*"],
    ]);
    expect(named(all, TYPES.inlinePolicy, "ci-preview-reads").inputs.policy).to.equal(
      JSON.stringify(previewReadPolicy("graasp-pulumi-state-production")),
    );
  });

  it("lists the state bucket under .pulumi/ only, and writes nothing (a preview takes no lock)", () => {
    expect(statements[0]).to.deep.equal({
      Sid: "StateBucketList",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: "arn:aws:s3:::graasp-pulumi-state-production",
      Condition: { StringLike: { "s3:prefix": [".pulumi/*"] } },
    });
    const writes = statements
      .filter(({ Effect }) => Effect === "Allow")
      .flatMap(({ Action }) => Action)
      .filter((action) =>
        /:(Put|Delete|Create|Update|Modify|Start|Stop|Run|Pass|Attach)/.test(action),
      );
    expect(writes).to.deep.equal([]);
  });

  it("fits IAM's inline role policy quota (10,240 characters without whitespace)", () => {
    const policy = named(all, TYPES.inlinePolicy, "ci-preview-reads").inputs.policy as string;
    expect(policy.replace(/\s/g, "").length).to.equal(2893);
    expect(policy.length).to.be.lessThan(10240);
  });

  it("grants the reads the program's resource types need to diff and refresh", () => {
    const granted = statements.flatMap(({ Action }) => Action);
    const needed = [
      "rds:DescribeDBInstances",
      "rds:DescribeDBParameters",
      "rds:DescribeDBSubnetGroups",
      "ecs:DescribeServices",
      "ecs:DescribeTaskDefinition",
      "ecs:DescribeClusters",
      "ecs:ListTasks",
      "ecs:DescribeTasks",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeRules",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeNatGateways",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "secretsmanager:DescribeSecret",
      "logs:DescribeLogGroups",
      "application-autoscaling:DescribeScalableTargets",
      "application-autoscaling:DescribeScalingPolicies",
      "servicediscovery:GetNamespace",
      "s3:GetBucketPolicy",
      "s3:GetBucketVersioning",
      "ecr:DescribeRepositories",
      "sns:GetTopicAttributes",
      "cloudwatch:DescribeAlarms",
      "acm:DescribeCertificate",
      "route53:GetHostedZone",
      "cloudfront:GetDistribution",
    ];
    expect(
      needed.filter((action) => !granted.some((pattern) => actionMatches(pattern, action))),
    ).to.deep.equal([]);
  });
});

describe("CiAccess with an existing OIDC provider", () => {
  let access: CiAccess;
  let all: readonly Registration[];
  before(
    async () =>
      ({ access, all } = await build("production", { oidcProviderArn: EXISTING_PROVIDER_ARN })),
  );

  it("creates no provider and trusts the given one in both roles", async () => {
    expect(ofType(all, TYPES.provider)).to.have.length(0);
    expect(ofType(all, TYPES.role)).to.have.length(2);
    expect(trustOf(all, "ci-preview")).to.deep.equal(
      trust(EXISTING_PROVIDER_ARN, "repo:graasp/graasp-infrastructure:pull_request"),
    );
    expect(trustOf(all, "ci-deploy")).to.deep.equal(
      trust(EXISTING_PROVIDER_ARN, "repo:graasp/graasp-infrastructure:environment:production"),
    );
    expect(await promiseOf(access.oidcProviderArn)).to.equal(EXISTING_PROVIDER_ARN);
  });
});

describe("CiAccess for staging", () => {
  let all: readonly Registration[];
  before(async () => ({ all } = await build("staging", { productionReviewers: ["ignored"] })));

  it("registers the same child types as production", () => {
    expect(countByType(all)).to.deep.equal({
      [TYPES.component]: 1,
      [TYPES.provider]: 1,
      [TYPES.role]: 2,
      [TYPES.attachment]: 2,
      [TYPES.inlinePolicy]: 1,
      [TYPES.environment]: 1,
      [TYPES.branchPolicy]: 1,
      [TYPES.environmentVariable]: 4,
      [TYPES.repositoryVariable]: 3,
    });
  });

  it("trusts the deploy role for the staging environment only", () => {
    expect(trustOf(all, "ci-deploy")).to.deep.equal(
      trust(CREATED_PROVIDER_ARN, "repo:graasp/graasp-infrastructure:environment:staging"),
    );
    expect(trustOf(all, "ci-preview")).to.deep.equal(
      trust(CREATED_PROVIDER_ARN, "repo:graasp/graasp-infrastructure:pull_request"),
    );
  });

  it("has no reviewers but keeps the main-only branch policy", () => {
    expect(named(all, TYPES.environment, "ci-environment").inputs).to.deep.equal({
      repository: "graasp-infrastructure",
      environment: "staging",
      preventSelfReview: false,
      canAdminsBypass: true,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    expect(named(all, TYPES.branchPolicy, "ci-main-branch").inputs.branchPattern).to.equal("main");
  });

  it("names the variables for staging", () => {
    const environmentValues = ofType(all, TYPES.environmentVariable).map(
      ({ inputs }) => `${inputs.environment}/${inputs.variableName}=${inputs.value}`,
    );
    expect(environmentValues.sort()).to.deep.equal([
      `staging/AWS_DEPLOY_ROLE_ARN=arn:aws:iam::${ACCOUNT_ID}:role/ci-deploy`,
      "staging/AWS_REGION=eu-central-2",
      "staging/PULUMI_BACKEND_URL=s3://graasp-pulumi-state-staging?region=eu-central-2",
      "staging/PULUMI_STACK=staging",
    ]);
    const repositoryValues = ofType(all, TYPES.repositoryVariable).map(
      ({ inputs }) => `${inputs.variableName}=${inputs.value}`,
    );
    expect(repositoryValues.sort()).to.deep.equal([
      `AWS_PREVIEW_ROLE_ARN_STAGING=arn:aws:iam::${ACCOUNT_ID}:role/ci-preview`,
      "AWS_REGION_STAGING=eu-central-2",
      "PULUMI_BACKEND_URL_STAGING=s3://graasp-pulumi-state-staging?region=eu-central-2",
    ]);
  });
});

describe("validateCiAccessArgs", () => {
  const REPOSITORY_ERROR = (value: string) =>
    `\`graasp:github.repository\` is "${value}"; expected "owner/name" of a GitHub repository. ` +
    "Fix: pulumi config set --path 'github.repository' graasp/graasp-infrastructure";
  const REVIEWERS_ERROR = (count: number) =>
    `\`graasp:github.productionReviewers\` lists ${count} logins; production needs 1 to 6 GitHub logins who approve deployments. ` +
    "Fix: pulumi config set --path 'github.productionReviewers[0]' <login>";
  const BUCKET_ERROR = (value: string) =>
    `\`graasp:github.stateBucket\` is "${value}", not an S3 bucket name (3 to 63 of a-z 0-9 . -). ` +
    "Fix: pulumi config set --path 'github.stateBucket' graasp-pulumi-state-<account>";
  const PROVIDER_ERROR =
    '`graasp:github.oidcProviderArn` is "arn:aws:iam::123456789012:oidc-provider/gitlab.com", not the ARN of a token.actions.githubusercontent.com OIDC provider. ' +
    "Fix: pulumi config rm --path 'github.oidcProviderArn' (the stack then creates one)";

  const cases: ReadonlyArray<readonly [string, CiAccessArgs, string | undefined]> = [
    ["valid production", argsFor("production"), undefined],
    ["staging without reviewers", argsFor("staging"), undefined],
    [
      "a URL instead of owner/name",
      argsFor("staging", { repository: "https://github.com/graasp/x" }),
      REPOSITORY_ERROR("https://github.com/graasp/x"),
    ],
    [
      "a name without owner",
      argsFor("staging", { repository: "graasp-infrastructure" }),
      REPOSITORY_ERROR("graasp-infrastructure"),
    ],
    [
      "production without reviewers",
      argsFor("production", { productionReviewers: [] }),
      REVIEWERS_ERROR(0),
    ],
    [
      "production with 7 reviewers",
      argsFor("production", { productionReviewers: ["a", "b", "c", "d", "e", "f", "g"] }),
      REVIEWERS_ERROR(7),
    ],
    [
      "another issuer's provider",
      argsFor("staging", { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" }),
      PROVIDER_ERROR,
    ],
    [
      "an S3 URL instead of a bucket name",
      argsFor("staging", { stateBucket: "s3://graasp-state" }),
      BUCKET_ERROR("s3://graasp-state"),
    ],
    [
      "a bucket name with capitals",
      argsFor("staging", { stateBucket: "Graasp-State" }),
      BUCKET_ERROR("Graasp-State"),
    ],
    [
      "two problems at once",
      argsFor("production", { repository: "x", productionReviewers: [] }),
      `${REPOSITORY_ERROR("x")}\n${REVIEWERS_ERROR(0)}`,
    ],
  ];

  for (const [label, args, message] of cases)
    it(`${label}: ${message === undefined ? "accepted" : "rejected with the exact message"}`, () => {
      let thrown: string | undefined;
      try {
        validateCiAccessArgs(args);
      } catch (error) {
        thrown = (error as Error).message;
      }
      expect(thrown).to.equal(message);
    });

  it("makes the component throw the same message before creating children", async () => {
    useStack("production");
    resetRegistrations();
    expect(() => new CiAccess("bad", argsFor("production", { productionReviewers: [] }))).to.throw(
      REVIEWERS_ERROR(0),
    );
    const all = await settle();
    expect(all.filter(({ type }) => type !== TYPES.component)).to.have.length(0);
  });
});
