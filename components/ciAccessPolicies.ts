/**
 * Pure facts shared by the CiAccess component and the workflows in `.github/workflows/`: the
 * GitHub OIDC issuer, the subjects each role trusts, the trust policy documents and the names
 * of the Actions variables the workflows read. `test/workflows.test.ts` checks the workflow
 * files against these names, so a rename here fails the tests until the YAML follows.
 */

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience `aws-actions/configure-aws-credentials` requests by default. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/**
 * AWS's job-function policy for listing and describing resources: metadata only, no object,
 * log-event or secret-value reads. The preview role adds `previewReadPolicy` on top.
 */
export const VIEW_ONLY_POLICY_ARN = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";
export const ADMINISTRATOR_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess";

/** Covers an RDS create plus the 60-minute migration wait; the workflows ask for the same. */
export const DEPLOY_SESSION_SECONDS = 4 * 60 * 60;

/** The only branch whose workflow runs may enter a stack's GitHub environment. */
export const DEPLOYMENT_BRANCH = "main";

/** Variables set on the stack's GitHub environment; jobs with `environment: <stack>` read them. */
export const ENVIRONMENT_VARIABLES = {
  deployRoleArn: "AWS_DEPLOY_ROLE_ARN",
  region: "AWS_REGION",
  stack: "PULUMI_STACK",
  backendUrl: "PULUMI_BACKEND_URL",
} as const;

/** Repository variables; pull_request jobs run without an environment, so they read these. */
export function previewRoleVariableName(stack: string): string {
  return `AWS_PREVIEW_ROLE_ARN_${variableSuffix(stack)}`;
}

export function previewRegionVariableName(stack: string): string {
  return `AWS_REGION_${variableSuffix(stack)}`;
}

export function previewBackendVariableName(stack: string): string {
  return `PULUMI_BACKEND_URL_${variableSuffix(stack)}`;
}

/** GitHub variable names allow only letters, digits and `_`; stack names also allow `-` and `.`. */
function variableSuffix(stack: string): string {
  return stack.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** The `sub` claim of a job started by a pull request in `repository` (`owner/name`). */
export function pullRequestSubject(repository: string): string {
  return `repo:${repository}:pull_request`;
}

/** The `sub` claim of a job that declares `environment: <environment>` in `repository`. */
export function environmentSubject(repository: string, environment: string): string {
  return `repo:${repository}:environment:${environment}`;
}

export interface TrustPolicy {
  readonly Version: "2012-10-17";
  readonly Statement: readonly [
    {
      readonly Effect: "Allow";
      readonly Principal: { readonly Federated: string };
      readonly Action: "sts:AssumeRoleWithWebIdentity";
      readonly Condition: { readonly StringEquals: Readonly<Record<string, string>> };
    },
  ];
}

/**
 * A role trust policy for GitHub's OIDC tokens with exactly one subject. `StringEquals` on both
 * claims: a wildcard `sub` (or a missing one) would let any repository on GitHub assume the role.
 */
export function githubTrustPolicy(providerArn: string, subject: string): TrustPolicy {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subject,
          },
        },
      },
    ],
  };
}

export const REPOSITORY_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
export const OIDC_PROVIDER_PATTERN =
  /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
/** GitHub accepts at most six required reviewers on an environment. */
export const MAX_REVIEWERS = 6;

/** `owner/name` → `name`: @pulumi/github resources take the bare name; the owner is the provider's. */
export function repositoryName(repository: string): string {
  return repository.slice(repository.indexOf("/") + 1);
}

/** S3 bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, alphanumeric at both ends. */
export const STATE_BUCKET_PATTERN = /^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The Pulumi project name (Pulumi.yaml); the DIY backend keys every object by it. */
export const PULUMI_PROJECT = "graasp";

/** The `pulumi login` URL of a stack's DIY backend: its account's state bucket, in its region. */
export function backendUrl(stateBucket: string, region: string): string {
  return `s3://${stateBucket}?region=${region}`;
}

/**
 * Where the DIY backend keeps a stack's lock files (`<uuid>.json` each, written by `up`,
 * `refresh`, `destroy` and `import`, never by `preview`): project-mode layout, fixed
 * organization name `organization`.
 */
export function stateLockPrefix(stack: string): string {
  return `.pulumi/locks/organization/${PULUMI_PROJECT}/${stack}/`;
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/**
 * What a `pulumi preview` (and a `--refresh` of everything but secret values) reads beyond
 * ViewOnlyAccess: the stack's state objects, and the Get/Describe calls the AWS provider makes
 * to read each resource type the program registers. Control-plane metadata only: no
 * `s3:GetObject` outside the state bucket, no log events, no secret values (a refresh of a
 * `secretsmanager.SecretVersion` needs GetSecretValue and is refused by design). The last
 * statement denies those data-plane reads explicitly, so no change to AWS's ViewOnlyAccess (or
 * another policy attached later) can grant them.
 */
export function previewReadPolicy(stateBucket: string): PolicyDocument {
  const bucketArn = `arn:aws:s3:::${stateBucket}`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "StateBucketList",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: bucketArn,
        Condition: { StringLike: { "s3:prefix": [".pulumi/*"] } },
      },
      {
        // Checkpoints, history and lock files; a preview reads, never writes or locks.
        Sid: "StateBucketRead",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: `${bucketArn}/.pulumi/*`,
      },
      {
        Sid: "ComputeAndNetwork",
        Effect: "Allow",
        Action: [
          "ec2:Describe*",
          "ec2:GetManagedPrefixListEntries",
          "ecs:Describe*",
          "ecs:List*",
          "elasticloadbalancing:Describe*",
          "application-autoscaling:Describe*",
          "application-autoscaling:ListTagsForResource",
          "servicediscovery:GetNamespace",
          "servicediscovery:GetService",
          "servicediscovery:ListNamespaces",
          "servicediscovery:ListServices",
          "servicediscovery:ListTagsForResource",
          "ecr:DescribeRepositories",
          "ecr:DescribeImages",
          "ecr:GetLifecyclePolicy",
          "ecr:GetRepositoryPolicy",
          "ecr:ListTagsForResource",
        ],
        Resource: "*",
      },
      {
        Sid: "DatabaseMetadata",
        Effect: "Allow",
        Action: ["rds:Describe*", "rds:ListTagsForResource"],
        Resource: "*",
      },
      {
        // Metadata of the stack's secrets only; GetSecretValue is deliberately absent.
        Sid: "SecretMetadata",
        Effect: "Allow",
        Action: [
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetResourcePolicy",
          "secretsmanager:ListSecrets",
        ],
        Resource: "*",
      },
      {
        Sid: "IdentityMetadata",
        Effect: "Allow",
        Action: [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListRoleTags",
          "iam:GetPolicy",
          "iam:GetPolicyVersion",
          "iam:GetOpenIDConnectProvider",
          "iam:ListOpenIDConnectProviders",
        ],
        Resource: "*",
      },
      {
        // Log groups and alarms, never log events (GetLogEvents, FilterLogEvents, StartQuery).
        Sid: "MonitoringMetadata",
        Effect: "Allow",
        Action: [
          "logs:DescribeLogGroups",
          "logs:ListTagsForResource",
          "logs:ListTagsLogGroup",
          "cloudwatch:DescribeAlarms",
          "cloudwatch:GetDashboard",
          "cloudwatch:ListTagsForResource",
          "sns:GetTopicAttributes",
          "sns:GetSubscriptionAttributes",
          "sns:ListSubscriptionsByTopic",
          "sns:ListTagsForResource",
        ],
        Resource: "*",
      },
      {
        // Bucket-level configuration of the file buckets; object reads are not granted.
        Sid: "EdgeMetadata",
        Effect: "Allow",
        Action: [
          "s3:ListAllMyBuckets",
          "s3:GetBucket*",
          "s3:GetAccelerateConfiguration",
          "s3:GetEncryptionConfiguration",
          "s3:GetLifecycleConfiguration",
          "s3:GetReplicationConfiguration",
          "acm:DescribeCertificate",
          "acm:ListTagsForCertificate",
          "route53:GetHostedZone",
          "route53:ListResourceRecordSets",
          "route53:ListTagsForResource",
          "route53:GetChange",
          "cloudfront:GetDistribution",
          "cloudfront:GetOriginAccessControl",
          "cloudfront:GetCachePolicy",
          "cloudfront:GetResponseHeadersPolicy",
          "cloudfront:GetFunction",
          "cloudfront:DescribeFunction",
          "cloudfront:ListTagsForResource",
        ],
        Resource: "*",
      },
      {
        Sid: "NoUserData",
        Effect: "Deny",
        Action: [...USER_DATA_READS],
        NotResource: [bucketArn, `${bucketArn}/.pulumi/*`],
      },
    ],
  };
}

/**
 * Reads of users' files, log events, secret values and KeyValueStore entries (the maintenance
 * bypass token lives there): denied to the preview role, whatever a managed policy allows.
 */
export const USER_DATA_READS = [
  "s3:GetObject*",
  "s3:ListBucket*",
  "logs:GetLogEvents",
  "logs:GetLogRecord",
  "logs:FilterLogEvents",
  "logs:StartQuery",
  "logs:GetQueryResults",
  "logs:StartLiveTail",
  "secretsmanager:GetSecretValue",
  "secretsmanager:BatchGetSecretValue",
  "cloudfront-keyvaluestore:GetKey",
  "cloudfront-keyvaluestore:ListKeys",
] as const;
