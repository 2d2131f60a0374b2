/** IAM policy documents as pure functions, so their exact statements are tested. */

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Principal?: Record<string, string>;
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

/** Trust for ECS tasks of this account only (guards against the confused-deputy problem). */
export function ecsTasksTrustPolicy(accountId: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

export interface ExecutionPolicyArgs {
  readonly region: string;
  readonly accountId: string;
  /** Account holding the private images; unset: images come from a registry outside ECR. */
  readonly registryAccountId?: string;
  /** Pull-through cache prefix: a cache miss imports the image and creates its repository. */
  readonly pullThroughCachePrefix?: string;
  readonly logGroupPattern: string;
  readonly secretPattern: string;
}

/** What ECS needs to start a task: pull images, write its logs, read its own secrets. */
export function executionRolePolicy(args: ExecutionPolicyArgs): PolicyDocument {
  const statements: PolicyStatement[] = [
    // GetAuthorizationToken cannot be scoped to a repository.
    { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
  ];
  if (args.registryAccountId !== undefined)
    statements.push({
      Sid: "EcrPull",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
      ],
      Resource: `arn:aws:ecr:*:${args.registryAccountId}:repository/*`,
    });
  if (args.pullThroughCachePrefix !== undefined)
    statements.push({
      Sid: "EcrPullThroughCache",
      Effect: "Allow",
      Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
      Resource: `arn:aws:ecr:${args.region}:${args.accountId}:repository/${args.pullThroughCachePrefix}/*`,
    });
  statements.push(
    {
      Sid: "WriteLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:aws:logs:${args.region}:${args.accountId}:log-group:${args.logGroupPattern}:*`,
    },
    {
      Sid: "ReadAppSecrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: `arn:aws:secretsmanager:${args.region}:${args.accountId}:secret:${args.secretPattern}`,
    },
  );
  return { Version: "2012-10-17", Statement: statements };
}

export interface TaskPolicyArgs {
  readonly bucketNames: readonly string[];
  readonly ecsExec: boolean;
  readonly sendEmail: boolean;
}

/** What the application itself may do; `undefined` when it needs no AWS access at all. */
export function taskRolePolicy(args: TaskPolicyArgs): PolicyDocument | undefined {
  const statements: PolicyStatement[] = [];
  if (args.bucketNames.length > 0) {
    statements.push(
      {
        Sid: "ListBuckets",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: args.bucketNames.map((bucket) => `arn:aws:s3:::${bucket}`),
      },
      {
        Sid: "ReadWriteObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: args.bucketNames.map((bucket) => `arn:aws:s3:::${bucket}/*`),
      },
    );
  }
  if (args.ecsExec)
    statements.push({
      Sid: "EcsExec",
      Effect: "Allow",
      Action: [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ],
      Resource: "*",
    });
  if (args.sendEmail)
    statements.push({
      Sid: "SendEmail",
      Effect: "Allow",
      Action: ["ses:SendEmail", "ses:SendRawEmail"],
      Resource: "*",
    });
  return statements.length > 0 ? { Version: "2012-10-17", Statement: statements } : undefined;
}
