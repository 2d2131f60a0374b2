import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  BUCKET_PURPOSES,
  BucketNames,
  BucketPurpose,
  SITES,
  cdnReadPolicy,
  corsRules,
} from "./edge";
import { bucketNameProblems } from "./edgeLimits";

/** Tag that tells the policy pack which bucket holds what. */
export const BUCKET_PURPOSE_TAG = "graasp:bucket";

export interface GraaspStorageArgs {
  /** Physical bucket names; changing one would replace the bucket (protect refuses it). */
  readonly names: BucketNames;
  /** Apex domain of the environment, e.g. `graasp.org`: CORS origins derive from it. */
  readonly domain: string;
  /** Days a replaced or deleted file-items object version is kept. @default 30 */
  readonly noncurrentVersionDays?: number;
}

export function validateStorageArgs(args: GraaspStorageArgs): string[] {
  const problems = BUCKET_PURPOSES.flatMap((purpose) =>
    bucketNameProblems(args.names[purpose]).map(
      (problem) => `\`names.${purpose}\` "${args.names[purpose]}" ${problem}`,
    ),
  );
  const days = args.noncurrentVersionDays ?? 30;
  if (!Number.isInteger(days) || days < 1)
    problems.push(`\`noncurrentVersionDays\` is ${days}; use a whole number of days, at least 1`);
  return problems;
}

/** Who owns uploaded objects: h5p is uploaded without ACLs; the others accept `public-read`. */
function objectOwnership(purpose: BucketPurpose): string {
  return purpose === "h5p" ? "BucketOwnerEnforced" : "ObjectWriter";
}

/**
 * The five Graasp buckets under their fixed names: encrypted, `protect`ed and kept on delete
 * (a destroy never deletes user files); file-items private, versioned, with today's CORS and
 * a lifecycle for old versions. Site buckets become readable by one CloudFront distribution
 * each through `allowCdn`; none is public.
 */
export class GraaspStorage extends pulumi.ComponentResource {
  public readonly names: BucketNames;
  public readonly arns: Readonly<Record<BucketPurpose, pulumi.Output<string>>>;
  public readonly regionalDomainNames: Readonly<Record<BucketPurpose, pulumi.Output<string>>>;
  private readonly buckets = new Map<BucketPurpose, aws.s3.Bucket>();
  private readonly prefix: string;

  constructor(name: string, args: GraaspStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspStorage", name, {}, opts);
    const problems = validateStorageArgs(args);
    if (problems.length > 0) throw new pulumi.ResourceError(problems.join("; "), this);
    const noncurrentVersionDays = args.noncurrentVersionDays ?? 30;
    this.prefix = name;

    for (const purpose of BUCKET_PURPOSES)
      this.buckets.set(purpose, this.createBucket(`${name}-${purpose}`, purpose, args));
    this.createFileItemsProtection(`${name}-file-items`, noncurrentVersionDays);

    this.names = args.names;
    this.arns = this.perBucket((bucket) => bucket.arn);
    this.regionalDomainNames = this.perBucket((bucket) => bucket.bucketRegionalDomainName);
    this.registerOutputs({
      names: this.names,
      arns: this.arns,
      regionalDomainNames: this.regionalDomainNames,
    });
  }

  /**
   * Lets exactly one distribution read a site bucket through Origin Access Control and blocks
   * public access. A bucket that accepts `public-read` uploads keeps accepting them, but S3
   * ignores those ACLs.
   */
  allowCdn(purpose: BucketPurpose, distributionArn: pulumi.Input<string>): void {
    const bucket = this.buckets.get(purpose)!;
    const aclUploads = SITES.find((site) => site.site === purpose)?.aclUploads ?? false;
    const name = `${this.prefix}-${purpose}`;
    const access = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: !aclUploads,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      },
      this.childOptions(),
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: pulumi
          .output(distributionArn)
          .apply((arn) => JSON.stringify(cdnReadPolicy(this.names[purpose], arn))),
      },
      { ...this.childOptions(), dependsOn: [access] },
    );
  }

  private childOptions(): pulumi.CustomResourceOptions {
    return { parent: this, retainOnDelete: true };
  }

  private perBucket<T>(
    read: (bucket: aws.s3.Bucket) => pulumi.Output<T>,
  ): Record<BucketPurpose, pulumi.Output<T>> {
    return Object.fromEntries(
      BUCKET_PURPOSES.map((purpose) => [purpose, read(this.buckets.get(purpose)!)]),
    ) as Record<BucketPurpose, pulumi.Output<T>>;
  }

  private createBucket(
    name: string,
    purpose: BucketPurpose,
    args: GraaspStorageArgs,
  ): aws.s3.Bucket {
    const bucket = new aws.s3.Bucket(
      name,
      { bucket: args.names[purpose], forceDestroy: false, tags: { [BUCKET_PURPOSE_TAG]: purpose } },
      { parent: this, protect: true, retainOnDelete: true },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
      this.childOptions(),
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: objectOwnership(purpose) } },
      this.childOptions(),
    );
    const cors = corsRules(purpose, args.domain);
    if (cors.length > 0)
      new aws.s3.BucketCorsConfiguration(
        `${name}-cors`,
        { bucket: bucket.id, corsRules: cors },
        this.childOptions(),
      );
    return bucket;
  }

  /** User files: never public, every version kept for a while after it is replaced or deleted. */
  private createFileItemsProtection(name: string, noncurrentVersionDays: number): void {
    const bucket = this.buckets.get("file-items")!;
    new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      },
      this.childOptions(),
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      this.childOptions(),
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: noncurrentVersionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      // S3 evaluates the lifecycle against versioning; apply it once versioning is on.
      { ...this.childOptions(), dependsOn: [versioning] },
    );
  }
}
