/**
 * What the edge serves, as data and pure functions: the buckets and their purposes, the
 * CloudFront sites, the host names DNS must answer for, the bucket policy, CORS and lifecycle
 * documents, and the ECR repositories the catalog's images come from.
 */
import { Environment, REDIRECTS, SERVICE_CATALOG, qualifiedHost } from "./catalog";
import { ServiceTier } from "./deploymentStates";

export const BUCKET_PURPOSES = ["file-items", "h5p", "apps", "assets", "maintenance"] as const;
export type BucketPurpose = (typeof BUCKET_PURPOSES)[number];
export type BucketNames = Readonly<Record<BucketPurpose, string>>;

/** Today's stacks are named `graasp-dev` and `graasp-prod`; their buckets carry those names. */
const LIVE_BUCKET_PREFIX: Readonly<Record<Environment, string>> = {
  staging: "graasp-dev",
  production: "graasp-prod",
};

export function defaultBucketNames(environment: Environment): BucketNames {
  return Object.fromEntries(
    BUCKET_PURPOSES.map((purpose) => [purpose, `${LIVE_BUCKET_PREFIX[environment]}-${purpose}`]),
  ) as Record<BucketPurpose, string>;
}

export interface SiteSpec {
  /** Sub-domain label of the site; also the purpose of the bucket it serves. */
  readonly site: BucketPurpose;
  /** Tier whose maintenance gates the site; unset: never gated. */
  readonly gatedWith?: ServiceTier;
  /**
   * Other pipelines upload with `--acl public-read` (ObjectWriter ownership): the bucket
   * accepts such ACLs and ignores them, so uploads keep working and nothing becomes public.
   */
  readonly aclUploads: boolean;
}

/** The CloudFront sites. assets and h5p are gated like the core tier, as today. */
export const SITES: readonly SiteSpec[] = [
  { site: "apps", aclUploads: true },
  { site: "assets", gatedWith: "core", aclUploads: true },
  { site: "h5p", gatedWith: "core", aclUploads: false },
  { site: "maintenance", aclUploads: true },
];

/** Host labels the load balancer answers: every catalog route's host and every redirect. */
export function loadBalancerHostLabels(): string[] {
  const routeHosts = Object.values(SERVICE_CATALOG).flatMap((entry) =>
    entry.routing.kind === "public" ? entry.routing.routes.map((route) => route.host) : [],
  );
  return [...new Set([...routeHosts, ...REDIRECTS.map((redirect) => redirect.host)])];
}

export interface ServedHost {
  /** Label relative to the domain (`""` = apex), used in resource names. */
  readonly label: string;
  readonly fqdn: string;
  readonly target: "load-balancer" | "cdn";
}

/** Every host this program serves, with what answers it. */
export function servedHosts(domain: string, withCdn: boolean): ServedHost[] {
  return [
    ...loadBalancerHostLabels().map((label) => ({
      label,
      fqdn: qualifiedHost(label, domain),
      target: "load-balancer" as const,
    })),
    ...(withCdn ? SITES : []).map(({ site }) => ({
      label: site,
      fqdn: qualifiedHost(site, domain),
      target: "cdn" as const,
    })),
  ];
}

/** A Route 53 record name for a label: `apex` stands for the domain itself. */
export function recordRole(label: string): string {
  return label === "" ? "apex" : label;
}

type CorsRule = {
  allowedMethods: string[];
  allowedOrigins: string[];
  allowedHeaders?: string[];
};

/** Today's CORS rules per bucket (file-items: three; h5p: the builder, player and apex). */
export function corsRules(purpose: BucketPurpose, domain: string): CorsRule[] {
  switch (purpose) {
    case "file-items":
      return [
        { allowedMethods: ["GET"], allowedOrigins: [`https://${qualifiedHost("assets", domain)}`] },
        {
          allowedMethods: ["HEAD", "PUT", "GET", "DELETE"],
          allowedOrigins: ["null"],
          allowedHeaders: ["*"],
        },
        { allowedMethods: ["HEAD", "GET"], allowedOrigins: ["*"] },
      ];
    case "h5p":
      return [
        {
          allowedMethods: ["GET"],
          allowedOrigins: ["builder", "player", ""].map(
            (label) => `https://${qualifiedHost(label, domain)}`,
          ),
        },
      ];
    default:
      return [];
  }
}

/** Read access for one CloudFront distribution through Origin Access Control, nothing else. */
export function cdnReadPolicy(bucketName: string, distributionArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CloudFrontReadsThroughOriginAccessControl",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${bucketName}/*`,
        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
      },
    ],
  };
}

/** The role a catalog repository is configured under: its last path segment (`graasp/admin` → `admin`). */
export function repositoryRole(repository: string): string {
  return repository.split("/").pop()!;
}

/** Repositories the catalog's Graasp images are pulled from, keyed by their role. */
export function catalogRepositories(): Record<string, string> {
  const repositories = Object.values(SERVICE_CATALOG)
    .flatMap((entry) => entry.containers)
    .flatMap((container) =>
      container.image.registry === "graasp" ? [container.image.repository] : [],
    );
  return Object.fromEntries(
    [...new Set(repositories)].map((repository) => [repositoryRole(repository), repository]),
  );
}

/**
 * Tagged images (every release a task definition names) are never expired. Untagged ones are
 * left behind when a moving tag (`latest`, `nudenet-latest`) moves, but ECS pins the digest a
 * tag had for the whole deployment: a task started later by autoscaling pulls that digest. So
 * untagged images expire by count, not age: the 10 newest stay, older ones go.
 */
export const UNTAGGED_IMAGES_KEPT = 10;

export function repositoryLifecyclePolicy(): object {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Keep the ${UNTAGGED_IMAGES_KEPT} newest untagged images; tagged images are kept`,
        selection: {
          tagStatus: "untagged",
          countType: "imageCountMoreThan",
          countNumber: UNTAGGED_IMAGES_KEPT,
        },
        action: { type: "expire" },
      },
    ],
  };
}
