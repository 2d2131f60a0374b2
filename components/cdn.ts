import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { qualifiedHost } from "./catalog";
import {
  BYPASS_TOKEN_KEY,
  FUNCTION_RUNTIME,
  GATE_OFF,
  GATE_ON,
  gateFunctionCode,
  gateKey,
  indexFunctionCode,
} from "./cdnFunction";
import { ServiceTier } from "./deploymentStates";
import { BucketPurpose, SITES } from "./edge";
import { cdnCertificateProblems } from "./edgeLimits";
import { BypassHeader } from "./maintenance";

/** AWS managed cache policy "CachingOptimized", as today. */
export const CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const ORIGIN_ID = "s3";

export interface GraaspCdnArgs {
  /** Apex domain; each site is served at `<site>.<domain>`. */
  readonly domain: string;
  /** ACM certificate in us-east-1 covering `*.<domain>`. */
  readonly certificateArn: string;
  /** S3 REST host (`bucketRegionalDomainName`) of each site's bucket. */
  readonly bucketDomainNames: Readonly<Record<BucketPurpose, pulumi.Input<string>>>;
  /** Tiers behind maintenance in this state: their sites answer 503 without the header. */
  readonly tiersBehindMaintenance: readonly ServiceTier[];
  /** The header (and secret token) that lets the team through. */
  readonly bypass: BypassHeader;
}

export function validateCdnArgs(args: GraaspCdnArgs): string[] {
  return cdnCertificateProblems(args.certificateArn).map(
    (problem) => `\`certificateArn\` "${args.certificateArn}" ${problem}`,
  );
}

/** The tiers that gate at least one site, each with one function and one flag. */
export function gatingTiers(): ServiceTier[] {
  return [...new Set(SITES.flatMap((site) => (site.gatedWith ? [site.gatedWith] : [])))];
}

/**
 * One CloudFront distribution per site (apps, assets, h5p, maintenance): HTTPS only, IPv4 and
 * IPv6, S3 origins signed with Origin Access Control, today's error responses and cache
 * policy. Gated sites always run the gate function; a state change only flips its flag in the
 * KeyValueStore, where the bypass token also lives (never in function code).
 */
export class GraaspCdn extends pulumi.ComponentResource {
  public readonly distributionArns: Readonly<Record<string, pulumi.Output<string>>>;
  public readonly domainNames: Readonly<Record<string, pulumi.Output<string>>>;
  public readonly hostedZoneIds: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: GraaspCdnArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspCdn", name, {}, opts);
    const problems = validateCdnArgs(args);
    if (problems.length > 0) throw new pulumi.ResourceError(problems.join("; "), this);

    const accessControl = new aws.cloudfront.OriginAccessControl(
      `${name}-origin-access`,
      {
        description: `Graasp sites of ${args.domain} read their buckets`,
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      { parent: this },
    );
    const store = new aws.cloudfront.KeyValueStore(
      `${name}-maintenance-store`,
      { comment: `Maintenance flags and bypass token for ${args.domain}` },
      { parent: this },
    );
    const keys = this.createStoreKeys(name, store, args);
    const indexFunction = new aws.cloudfront.Function(
      `${name}-index`,
      { runtime: FUNCTION_RUNTIME, code: indexFunctionCode(), publish: true },
      { parent: this },
    );
    const gateFunctions = new Map(
      gatingTiers().map((tier) => [
        tier,
        new aws.cloudfront.Function(
          `${name}-gate-${tier}`,
          {
            runtime: FUNCTION_RUNTIME,
            code: gateFunctionCode(args.bypass.name, tier),
            keyValueStoreAssociations: [store.arn],
            publish: true,
          },
          { parent: this, dependsOn: keys },
        ),
      ]),
    );

    const distributions = SITES.map((site) =>
      this.createDistribution(
        `${name}-${site.site}`,
        site.site,
        args,
        accessControl.id,
        (site.gatedWith ? gateFunctions.get(site.gatedWith)! : indexFunction).arn,
      ),
    );
    const perSite = (read: (distribution: aws.cloudfront.Distribution) => pulumi.Output<string>) =>
      Object.fromEntries(SITES.map((site, index) => [site.site, read(distributions[index])]));

    this.distributionArns = perSite((distribution) => distribution.arn);
    this.domainNames = perSite((distribution) => distribution.domainName);
    this.hostedZoneIds = perSite((distribution) => distribution.hostedZoneId);
    this.registerOutputs({
      distributionArns: this.distributionArns,
      domainNames: this.domainNames,
      hostedZoneIds: this.hostedZoneIds,
    });
  }

  /** The token and one on/off flag per gating tier: the only state-dependent values here. */
  private createStoreKeys(
    name: string,
    store: aws.cloudfront.KeyValueStore,
    args: GraaspCdnArgs,
  ): aws.cloudfront.KeyvaluestoreKey[] {
    const token = new aws.cloudfront.KeyvaluestoreKey(
      `${name}-bypass-token`,
      {
        keyValueStoreArn: store.arn,
        key: BYPASS_TOKEN_KEY,
        value: pulumi.secret(args.bypass.token),
      },
      { parent: this },
    );
    const flags = gatingTiers().map(
      (tier) =>
        new aws.cloudfront.KeyvaluestoreKey(
          `${name}-gate-${tier}-flag`,
          {
            keyValueStoreArn: store.arn,
            key: gateKey(tier),
            value: args.tiersBehindMaintenance.includes(tier) ? GATE_ON : GATE_OFF,
          },
          { parent: this },
        ),
    );
    return [token, ...flags];
  }

  private createDistribution(
    name: string,
    site: BucketPurpose,
    args: GraaspCdnArgs,
    accessControlId: pulumi.Input<string>,
    functionArn: pulumi.Input<string>,
  ): aws.cloudfront.Distribution {
    return new aws.cloudfront.Distribution(
      name,
      {
        enabled: true,
        comment: `Graasp ${site} (${args.domain})`,
        aliases: [qualifiedHost(site, args.domain)],
        isIpv6Enabled: true,
        httpVersion: "http2and3",
        priceClass: "PriceClass_All",
        defaultRootObject: "index.html",
        origins: [
          {
            originId: ORIGIN_ID,
            domainName: args.bucketDomainNames[site],
            originAccessControlId: accessControlId,
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: ORIGIN_ID,
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
          compress: true,
          functionAssociations: [{ eventType: "viewer-request", functionArn }],
        },
        // Single-page sites: unknown paths (S3 answers 403 without ListBucket) get the app.
        customErrorResponses: [403, 404].map((errorCode) => ({
          errorCode,
          responseCode: 200,
          responsePagePath: "/index.html",
          errorCachingMinTtl: 10,
        })),
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: {
          acmCertificateArn: args.certificateArn,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
        },
      },
      { parent: this },
    );
  }
}
