/** Physical names that AWS, IAM policies or operators need to predict. */
import { TaskName } from "./catalog";

export function resourcePrefix(stack: string): string {
  return `graasp-${stack}`;
}

export function logGroupName(stack: string, task: TaskName): string {
  return `/graasp/${stack}/${task}`;
}

export function logGroupPattern(stack: string): string {
  return `/graasp/${stack}/*`;
}

/** A task's own secret; the execution role may read these and nothing else. */
export function taskSecretName(stack: string, task: TaskName): string {
  return `graasp/${stack}/tasks/${task}`;
}

export function taskSecretPattern(stack: string): string {
  return `graasp/${stack}/tasks/*`;
}

/**
 * Master credentials, for operators and tooling. Services cannot read them; the setup run and
 * the toolbox get the master password through their own task secrets.
 */
export function databaseSecretName(stack: string): string {
  return `graasp/${stack}/database`;
}

/** The PostgreSQL logs the instance exports to CloudWatch Logs. */
export const RDS_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** The log group RDS writes an exported log to, e.g. `/aws/rds/instance/graasp-staging/postgresql`. */
export function rdsLogGroupName(identifier: string, log: string): string {
  return `/aws/rds/instance/${identifier}/${log}`;
}

export function taskFamily(stack: string, task: TaskName): string {
  return `${resourcePrefix(stack)}-${task}`;
}

/** Account id of an ECR registry host (`<account>.dkr.ecr.<region>.amazonaws.com`), if it is one. */
export function ecrAccountId(registry: string): string | undefined {
  return registry.match(/^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\/|$)/)?.[1];
}

/** Repository prefix of this stack's Docker Hub pull-through cache (ECR allows 2-30 characters). */
export function dockerHubCachePrefix(stack: string): string {
  return `${resourcePrefix(stack)}-docker-hub`;
}

/** ECR requires the upstream credential's secret name to start with `ecr-pullthroughcache/`. */
export function dockerHubCredentialName(stack: string): string {
  return `ecr-pullthroughcache/${resourcePrefix(stack)}-docker-hub`;
}

/** The IAM user whose access key the backend uses for S3 (s3Access.ts). */
export function fileStorageUserName(stack: string): string {
  return `${resourcePrefix(stack)}-file-storage`;
}
