/** Guardrails for the edge: user files never public, buckets encrypted and kept, HTTPS only. */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asList, Props, resourcePolicy } from "./common";

export const EDGE_TYPES = {
  bucket: "aws:s3/bucket:Bucket",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  distribution: "aws:cloudfront/distribution:Distribution",
} as const;

/** The tag components/storage.ts puts on each bucket. */
export const BUCKET_PURPOSE_TAG = "graasp:bucket";
const ACCESS_BLOCK_SETTINGS = [
  "blockPublicAcls",
  "ignorePublicAcls",
  "blockPublicPolicy",
  "restrictPublicBuckets",
] as const;
const ENCRYPTIONS = ["AES256", "aws:kms", "aws:kms:dsse"];
const HTTPS_ONLY = ["redirect-to-https", "https-only"];

function parsePolicy(policy: unknown): Props {
  if (typeof policy !== "string") return (policy as Props) ?? {};
  try {
    return JSON.parse(policy);
  } catch {
    return {};
  }
}

/** Statements that allow anyone (`*`), whatever their conditions: public by S3's definition. */
export function publicStatements(policy: unknown): Props[] {
  return asList<Props>(parsePolicy(policy).Statement).filter((statement) => {
    if (statement.Effect !== "Allow") return false;
    const principal = statement.Principal;
    return principal === "*" || asList(principal?.AWS).includes("*");
  });
}

const bucketName = (bucket: PolicyResource) => String(bucket.props.bucket ?? bucket.name);
const forBucket = (resources: readonly PolicyResource[], type: string, bucket: PolicyResource) =>
  resources.filter(
    (resource) => resource.type === type && String(resource.props.bucket) === bucketName(bucket),
  );
const purposeOf = (bucket: PolicyResource) =>
  bucket.props.tags?.[BUCKET_PURPOSE_TAG] ?? bucket.props.tagsAll?.[BUCKET_PURPOSE_TAG];

export const fileItemsPrivate: StackValidationPolicy = {
  name: "s3-file-items-private",
  description: "The file-items bucket blocks all public access and has no public bucket policy.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const buckets = args.resources.filter(
      (resource) => resource.type === EDGE_TYPES.bucket && purposeOf(resource) === "file-items",
    );
    for (const bucket of buckets) {
      const name = bucketName(bucket);
      const blocks = forBucket(args.resources, EDGE_TYPES.publicAccessBlock, bucket);
      const complete = blocks.some((block) =>
        ACCESS_BLOCK_SETTINGS.every((setting) => block.props[setting] === true),
      );
      if (!complete)
        report(
          `Bucket ${name} holds user files but has no public access block with ${ACCESS_BLOCK_SETTINGS.join(", ")} all true.`,
          bucket.urn,
        );
      for (const policy of forBucket(args.resources, EDGE_TYPES.bucketPolicy, bucket))
        if (publicStatements(policy.props.policy).length > 0)
          report(
            `Bucket policy of ${name} (user files) allows everyone (Principal "*"): grant named principals only.`,
            policy.urn,
          );
    }
  },
};

export const bucketsEncryptedAndRetained: StackValidationPolicy = {
  name: "s3-buckets-encrypted-and-retained",
  description:
    "Every bucket has default encryption, is protected against deletion and never force-destroyed.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const bucket of args.resources.filter((r) => r.type === EDGE_TYPES.bucket)) {
      const name = bucketName(bucket);
      const encrypted = forBucket(args.resources, EDGE_TYPES.encryption, bucket).some((config) =>
        asList<Props>(config.props.rules).some((rule) =>
          ENCRYPTIONS.includes(rule.applyServerSideEncryptionByDefault?.sseAlgorithm),
        ),
      );
      if (!encrypted)
        report(
          `Bucket ${name} has no default encryption: add a BucketServerSideEncryptionConfiguration (AES256 or aws:kms).`,
          bucket.urn,
        );
      if (bucket.opts.protect !== true)
        report(
          `Bucket ${name} is not protected: register it with \`protect: true\` (and \`retainOnDelete: true\`).`,
          bucket.urn,
        );
      if (bucket.props.forceDestroy === true)
        report(`Bucket ${name} has \`forceDestroy: true\`: deleting it would delete every object.`);
    }
  },
};

export const cloudfrontHttpsOnly = resourcePolicy(
  "cloudfront-viewer-https",
  "CloudFront distributions serve viewers over HTTPS only (redirect or refuse HTTP), TLS 1.2+.",
  {
    [EDGE_TYPES.distribution]: (props, _args, report) => {
      const behaviours = [
        ["default behaviour", props.defaultCacheBehavior],
        ...asList<Props>(props.orderedCacheBehaviors).map((behaviour): [string, Props] => [
          `behaviour ${behaviour.pathPattern}`,
          behaviour,
        ]),
      ] as const;
      for (const [where, behaviour] of behaviours)
        if (!HTTPS_ONLY.includes(behaviour?.viewerProtocolPolicy))
          report(
            `Distribution ${where} has viewerProtocolPolicy ${behaviour?.viewerProtocolPolicy ?? "unset"}: use redirect-to-https.`,
          );
      const tls = String(props.viewerCertificate?.minimumProtocolVersion ?? "TLSv1");
      if (!/^TLSv1\.[23]_/.test(tls))
        report(`Distribution accepts ${tls}: set minimumProtocolVersion TLSv1.2_2021.`);
    },
  },
);
