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

export const READ_ONLY_POLICY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess";
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
} as const;

/** Repository variables; pull_request jobs run without an environment, so they read these. */
export function previewRoleVariableName(stack: string): string {
  return `AWS_PREVIEW_ROLE_ARN_${variableSuffix(stack)}`;
}

export function previewRegionVariableName(stack: string): string {
  return `AWS_REGION_${variableSuffix(stack)}`;
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
