/**
 * On-demand AWS prices (USD, excluding tax) for the regions the stacks use, with where each
 * figure comes from, and the usage assumptions an offline estimate needs. Prices dated
 * 2026-11-29. AWS's regional price pages are rendered from its price list and could not be
 * fetched offline; a figure marked `recalled` is AWS's published list price as last read from
 * the AWS pricing pages and must be checked against the AWS Pricing Calculator before it is
 * relied on; `sourced` names a page that states it; `assumption` is a usage figure this project
 * chose, not a price.
 */

export const PRICES_DATED = "2026-11-29";
export const HOURS_PER_MONTH = 730;

export type Provenance = "sourced" | "recalled" | "assumption" | "derived";

export interface Price {
  readonly usd: number;
  readonly provenance: Provenance;
  /** Where it was read, or how it was derived. */
  readonly source: string;
}

export interface RegionPrices {
  readonly fargateVcpuHour: { readonly x86_64: Price; readonly arm64: Price };
  readonly fargateGbHour: { readonly x86_64: Price; readonly arm64: Price };
  /** RDS for PostgreSQL, Single-AZ, per instance-hour; Multi-AZ is twice this. */
  readonly rdsInstanceHour: Readonly<Record<string, Price>>;
  readonly rdsGp3GbMonth: Price;
  readonly albHour: Price;
  readonly albLcuHour: Price;
  readonly natGatewayHour: Price;
  readonly natGatewayGb: Price;
  readonly logIngestionGb: Price;
  readonly s3StandardGbMonth: Price;
}

const FARGATE_PAGE = "https://aws.amazon.com/fargate/pricing/";
const RDS_PAGE = "https://aws.amazon.com/rds/postgresql/pricing/";
const ELB_PAGE = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const VPC_PAGE = "https://aws.amazon.com/vpc/pricing/";
const CLOUDWATCH_PAGE = "https://aws.amazon.com/cloudwatch/pricing/";
const recalled = (usd: number, page: string): Price => ({
  usd,
  provenance: "recalled",
  source: page,
});

const FRANKFURT: RegionPrices = {
  fargateVcpuHour: {
    x86_64: recalled(0.04656, FARGATE_PAGE),
    arm64: recalled(0.03725, FARGATE_PAGE),
  },
  fargateGbHour: {
    x86_64: recalled(0.00511, FARGATE_PAGE),
    arm64: recalled(0.00409, FARGATE_PAGE),
  },
  rdsInstanceHour: {
    "db.t4g.micro": recalled(0.019, RDS_PAGE),
    "db.t4g.small": recalled(0.038, RDS_PAGE),
    "db.t4g.medium": recalled(0.076, RDS_PAGE),
    "db.t4g.large": recalled(0.152, RDS_PAGE),
  },
  rdsGp3GbMonth: recalled(0.137, RDS_PAGE),
  albHour: recalled(0.027, ELB_PAGE),
  albLcuHour: recalled(0.008, ELB_PAGE),
  natGatewayHour: recalled(0.052, VPC_PAGE),
  natGatewayGb: recalled(0.052, VPC_PAGE),
  logIngestionGb: recalled(0.63, CLOUDWATCH_PAGE),
  s3StandardGbMonth: recalled(0.0245, "https://aws.amazon.com/s3/pricing/"),
};

/** Zurich's list prices sit about 10 % above Frankfurt's; its own figures could not be read. */
export const ZURICH_PREMIUM = 1.1;

function zurich(price: Price): Price {
  return {
    usd: Math.round(price.usd * ZURICH_PREMIUM * 1e6) / 1e6,
    provenance: "derived",
    source: `eu-central-1 × ${ZURICH_PREMIUM} (assumed Zurich premium; check ${price.source} for eu-central-2)`,
  };
}

function mapPrices<T>(value: T): T {
  if (isPrice(value)) return zurich(value) as T;
  return Object.fromEntries(
    Object.entries(value as object).map(([key, item]) => [key, mapPrices(item)]),
  ) as T;
}

function isPrice(value: unknown): value is Price {
  return typeof value === "object" && value !== null && "usd" in value && "provenance" in value;
}

export const REGION_PRICES: Readonly<Record<string, RegionPrices>> = {
  "eu-central-1": FRANKFURT,
  "eu-central-2": mapPrices(FRANKFURT),
};

/** Prices that are the same in every commercial region. */
export const GLOBAL_PRICES = {
  publicIpv4Hour: {
    usd: 0.005,
    provenance: "sourced",
    source:
      "https://aws.amazon.com/blogs/networking-and-content-delivery/identify-and-optimize-public-ipv4-address-usage-on-aws/ (all public IPv4 addresses, in use or idle, since 2024-02-01)",
  },
  secretMonth: recalled(0.4, "https://aws.amazon.com/secrets-manager/pricing/"),
  /** Standard-resolution alarm, per metric it reads (a metric-math alarm pays per metric). */
  alarmMetricMonth: recalled(0.1, CLOUDWATCH_PAGE),
  /** Charged as if the account's 3 free dashboards were used elsewhere. */
  dashboardMonth: recalled(3, CLOUDWATCH_PAGE),
  kmsKeyMonth: recalled(1, "https://aws.amazon.com/kms/pricing/"),
  cloudFrontGbOut: recalled(
    0.085,
    "https://aws.amazon.com/cloudfront/pricing/ (Europe, first 10 TB)",
  ),
} as const satisfies Record<string, Price>;

/** Fargate Spot's discount on on-demand; AWS quotes "up to 70 %", and it varies by hour. */
export const SPOT_DISCOUNT: Price = {
  usd: 0.7,
  provenance: "assumption",
  source: "https://aws.amazon.com/fargate/pricing/ (Fargate Spot: up to 70 % off on-demand)",
};

/** Usage the resources alone do not tell; each appears next to the line it prices. */
export const USAGE_ASSUMPTIONS = {
  /** Average LCUs while a service behind the load balancer runs (a quiet platform). */
  albLcuWhileServing: 1,
  /** Average LCUs while only the maintenance page answers. */
  albLcuMaintenanceOnly: 0.1,
  /** GB through each NAT gateway per month (image pulls, mail, external APIs). */
  natGbPerGatewayMonth: 10,
  /** GB of logs a task sends to CloudWatch per month. */
  logGbPerTaskMonth: 1,
  /** GB stored per S3 bucket the program registers. */
  s3GbPerBucket: 10,
  /** GB served per CloudFront distribution the program registers, per month. */
  cloudFrontGbPerDistributionMonth: 50,
} as const;

/** Stopped RDS instances bill storage only (AWS: "You aren't charged for DB instance hours"). */
export const STOPPED_DATABASE_SOURCE =
  "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_OnDemandDBInstances.html";
