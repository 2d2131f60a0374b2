import * as aws from "@pulumi/aws";
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import {
  ADMINISTRATOR_POLICY_ARN,
  DEPLOYMENT_BRANCH,
  DEPLOY_SESSION_SECONDS,
  ENVIRONMENT_VARIABLES,
  GITHUB_OIDC_URL,
  MAX_REVIEWERS,
  OIDC_PROVIDER_PATTERN,
  REPOSITORY_PATTERN,
  STATE_BUCKET_PATTERN,
  STS_AUDIENCE,
  VIEW_ONLY_POLICY_ARN,
  backendUrl,
  environmentSubject,
  githubTrustPolicy,
  previewBackendVariableName,
  previewReadPolicy,
  previewRegionVariableName,
  previewRoleVariableName,
  pullRequestSubject,
  repositoryName,
} from "./ciAccessPolicies";

export interface CiAccessArgs {
  /**
   * The Pulumi stack, also the name of the GitHub environment whose jobs may deploy it.
   * Caution: a change replaces the environment and changes the deploy role's trusted subject.
   */
  readonly stack: string;
  /** Which kind of environment: production adds required reviewers and admin-bypass off. */
  readonly environment: "staging" | "production";
  /** AWS region of the stack, published to the workflows as `AWS_REGION`. */
  readonly region: string;
  /**
   * `owner/name` of the repository whose workflows deploy this stack; the `github` provider's
   * `owner` must be the same owner. Caution: a change replaces both roles' trust and all variables.
   */
  readonly repository: string;
  /** GitHub logins (1 to 6) who approve production jobs; ignored for staging. */
  readonly productionReviewers: readonly string[];
  /**
   * ARN of the account's existing GitHub OIDC provider (an account holds one per URL).
   * @default undefined (the component creates the provider)
   */
  readonly oidcProviderArn?: string;
  /**
   * S3 bucket of this account's Pulumi state (the DIY backend), in `region`; created once by
   * hand (README, Bootstrap). Published as `PULUMI_BACKEND_URL` and readable by the preview role.
   */
  readonly stateBucket: string;
}

/** [role word, variable name, value, scope (default: the stack's environment)]. */
type VariableSpec = readonly [string, string, pulumi.Input<string>, "repository"?];

/** Throws one error listing every invalid arg, naming its config key and the fix. */
export function validateCiAccessArgs(args: CiAccessArgs): void {
  const problems: string[] = [];
  if (!REPOSITORY_PATTERN.test(args.repository))
    problems.push(
      `\`graasp:github.repository\` is ${JSON.stringify(args.repository)}; expected "owner/name" of a GitHub repository. ` +
        `Fix: pulumi config set --path 'github.repository' graasp/graasp-infrastructure`,
    );
  const reviewers = args.productionReviewers.length;
  if (args.environment === "production" && (reviewers === 0 || reviewers > MAX_REVIEWERS))
    problems.push(
      `\`graasp:github.productionReviewers\` lists ${reviewers} logins; production needs 1 to ${MAX_REVIEWERS} GitHub logins who approve deployments. ` +
        `Fix: pulumi config set --path 'github.productionReviewers[0]' <login>`,
    );
  if (args.oidcProviderArn !== undefined && !OIDC_PROVIDER_PATTERN.test(args.oidcProviderArn))
    problems.push(
      `\`graasp:github.oidcProviderArn\` is "${args.oidcProviderArn}", not the ARN of a token.actions.githubusercontent.com OIDC provider. ` +
        `Fix: pulumi config rm --path 'github.oidcProviderArn' (the stack then creates one)`,
    );
  if (!STATE_BUCKET_PATTERN.test(args.stateBucket))
    problems.push(
      `\`graasp:github.stateBucket\` is ${JSON.stringify(args.stateBucket)}, not an S3 bucket name (3 to 63 of a-z 0-9 . -). ` +
        `Fix: pulumi config set --path 'github.stateBucket' graasp-pulumi-state-<account>`,
    );
  if (problems.length > 0) throw new Error(problems.join("\n"));
}

/**
 * Lets GitHub Actions reach one stack without long-lived keys: two IAM roles trusted through
 * GitHub's OIDC provider (view-only plus the reads a preview needs for this repository's pull
 * requests, deploy for jobs in the stack's GitHub environment), that environment with its branch
 * policy and reviewers, and the Actions variables the workflows read to find the roles and the
 * account's state backend.
 */
export class CiAccess extends pulumi.ComponentResource {
  public readonly oidcProviderArn: pulumi.Output<string>;
  public readonly previewRoleArn: pulumi.Output<string>;
  public readonly deployRoleArn: pulumi.Output<string>;
  public readonly environmentName: pulumi.Output<string>;

  constructor(name: string, args: CiAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:CiAccess", name, {}, opts);
    validateCiAccessArgs(args);
    const repository = repositoryName(args.repository);

    const providerArn = this.createOidcProvider(name, args.oidcProviderArn);
    const previewRole = this.createRole(name, "preview", {
      providerArn,
      subject: pullRequestSubject(args.repository),
      policyArn: VIEW_ONLY_POLICY_ARN,
      description: `Pulumi preview of stack ${args.stack} from pull requests of ${args.repository}`,
    });
    new aws.iam.RolePolicy(
      `${name}-preview-reads`,
      { role: previewRole.name, policy: JSON.stringify(previewReadPolicy(args.stateBucket)) },
      { parent: this },
    );
    const deployRole = this.createRole(name, "deploy", {
      providerArn,
      subject: environmentSubject(args.repository, args.stack),
      policyArn: ADMINISTRATOR_POLICY_ARN,
      description: `pulumi up of stack ${args.stack} from the ${args.stack} environment of ${args.repository}`,
      maxSessionDuration: DEPLOY_SESSION_SECONDS,
    });
    const environment = this.createEnvironment(name, repository, args);
    const backend = backendUrl(args.stateBucket, args.region);
    this.createVariables(name, repository, environment.environment, [
      ["deploy-role", ENVIRONMENT_VARIABLES.deployRoleArn, deployRole.arn],
      ["region", ENVIRONMENT_VARIABLES.region, args.region],
      ["stack", ENVIRONMENT_VARIABLES.stack, args.stack],
      ["backend", ENVIRONMENT_VARIABLES.backendUrl, backend],
      ["preview-role", previewRoleVariableName(args.stack), previewRole.arn, "repository"],
      ["preview-region", previewRegionVariableName(args.stack), args.region, "repository"],
      ["preview-backend", previewBackendVariableName(args.stack), backend, "repository"],
    ]);

    this.oidcProviderArn = providerArn;
    this.previewRoleArn = previewRole.arn;
    this.deployRoleArn = deployRole.arn;
    this.environmentName = environment.environment;
    this.registerOutputs({
      oidcProviderArn: this.oidcProviderArn,
      previewRoleArn: this.previewRoleArn,
      deployRoleArn: this.deployRoleArn,
      environmentName: this.environmentName,
    });
  }

  /**
   * No thumbprints: for GitHub's issuer AWS validates the certificate against its own trusted
   * CAs and ignores any configured thumbprint, so a pinned value would only mislead. Retained on
   * delete because other stacks in the account may reference it through `oidcProviderArn`.
   */
  private createOidcProvider(name: string, existingArn: string | undefined): pulumi.Output<string> {
    if (existingArn !== undefined) return pulumi.output(existingArn);
    const provider = new aws.iam.OpenIdConnectProvider(
      `${name}-oidc-provider`,
      { url: GITHUB_OIDC_URL, clientIdLists: [STS_AUDIENCE] },
      { parent: this, retainOnDelete: true },
    );
    return provider.arn;
  }

  private createRole(
    name: string,
    role: "preview" | "deploy",
    settings: {
      providerArn: pulumi.Output<string>;
      subject: string;
      policyArn: string;
      description: string;
      maxSessionDuration?: number;
    },
  ): aws.iam.Role {
    const trust = settings.providerArn.apply((arn) =>
      JSON.stringify(githubTrustPolicy(arn, settings.subject)),
    );
    const created = new aws.iam.Role(
      `${name}-${role}`,
      {
        assumeRolePolicy: trust,
        description: settings.description,
        maxSessionDuration: settings.maxSessionDuration ?? 3600,
      },
      { parent: this },
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-${role}-policy`,
      { role: created.name, policyArn: settings.policyArn },
      { parent: this },
    );
    return created;
  }

  /**
   * Both environments accept jobs from `main` only: without that, any pushed branch could run a
   * workflow with `environment: <stack>` and assume the deploy role. Production adds reviewers
   * who cannot approve their own runs and whom admins cannot bypass.
   */
  private createEnvironment(
    name: string,
    repository: string,
    args: CiAccessArgs,
  ): github.RepositoryEnvironment {
    const production = args.environment === "production";
    // Reviewers are user IDs; the logins in config are resolved once per deployment.
    const reviewerIds = production
      ? args.productionReviewers.map((username) =>
          github.getUserOutput({ username }, { parent: this }).id.apply(Number),
        )
      : [];
    const environment = new github.RepositoryEnvironment(
      `${name}-environment`,
      {
        repository,
        environment: args.stack,
        reviewers: production ? [{ users: reviewerIds }] : undefined,
        preventSelfReview: production,
        canAdminsBypass: !production,
        deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
      },
      { parent: this },
    );
    new github.RepositoryEnvironmentDeploymentPolicy(
      `${name}-main-branch`,
      { repository, environment: environment.environment, branchPattern: DEPLOYMENT_BRANCH },
      { parent: this },
    );
    return environment;
  }

  /**
   * Environment variables reach only jobs that entered the environment (after its branch policy
   * and reviewers); pull_request jobs have no environment, so preview settings are repository-wide.
   */
  private createVariables(
    name: string,
    repository: string,
    environment: pulumi.Output<string>,
    variables: readonly VariableSpec[],
  ): void {
    for (const [role, variableName, value, scope] of variables) {
      const variableArgs = { repository, variableName, value };
      if (scope === "repository")
        new github.ActionsVariable(`${name}-${role}-variable`, variableArgs, { parent: this });
      else
        new github.ActionsEnvironmentVariable(
          `${name}-${role}-variable`,
          { ...variableArgs, environment },
          { parent: this },
        );
    }
  }
}
