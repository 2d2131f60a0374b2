/** Complete, valid configuration for each stack, as raw values and as the engine map. */
import { APP_SETTING_DEFAULTS, APP_SETTING_KEYS, SECRET_KEYS } from "../components/catalog";
import { DeploymentState } from "../components/deploymentStates";
import { GraaspConfig, RawConfig, parseConfig } from "../config";

export const STACKS = ["staging", "production"] as const;
export type StackName = (typeof STACKS)[number];

export const BYPASS_TOKEN = "bypass-token-0123456789abcdef";
/** Today's environments: non-production on dev.graasp.org in Frankfurt, production in Zurich. */
export const DOMAINS: Record<StackName, string> = {
  staging: "dev.graasp.org",
  production: "graasp.org",
};
export const REGIONS: Record<StackName, string> = {
  staging: "eu-central-1",
  production: "eu-central-2",
};
export const SENTRY_ENVS: Record<StackName, string> = { staging: "dev", production: "prod" };
export const MAIL_SENDERS: Record<StackName, string> = {
  staging: "noreply.dev@graasp.org",
  production: "noreply@graasp.org",
};
export const REGISTRIES: Record<StackName, string> = {
  staging: "123456789012.dkr.ecr.eu-central-1.amazonaws.com",
  production: "123456789012.dkr.ecr.eu-central-2.amazonaws.com",
};
export const CERTIFICATE_ARNS: Record<StackName, string> = {
  staging: "arn:aws:acm:eu-central-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
  production:
    "arn:aws:acm:eu-central-2:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
};
/** Images published only under a moving tag, accepted as the stack files do. */
export const MOVING_TAGS = ["nudenet", "library", "etherpad", "admin", "iframely"];
/** CloudFront's certificate (us-east-1) and the hosted zone: the shared scenarios serve the edge. */
export const CDN_CERTIFICATE_ARN =
  "arn:aws:acm:us-east-1:123456789012:certificate/7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910";
export const HOSTED_ZONE_IDS: Record<StackName, string> = {
  staging: "Z0STAGING1234567890AB",
  production: "Z0PRODUCTION123456789",
};
/** The stack without CloudFront sites and DNS records (both keys unset). */
export const WITHOUT_EDGE = { cdnCertificateArn: undefined, dns: undefined } as const;

/** A distinctive value per secret key, so a test can search for it anywhere. */
export function secretValue(key: string): string {
  return `s3cr3t-${key.toLowerCase().replace(/_/g, "-")}-value`;
}

export const SECRETS: Record<string, string> = Object.fromEntries(
  SECRET_KEYS.map((key) => [key, secretValue(key)]),
);
export const APP_SETTINGS: Record<string, string> = Object.fromEntries(
  APP_SETTING_KEYS.filter((key) => APP_SETTING_DEFAULTS[key] === undefined).map((key) => [
    key,
    `setting-${key.toLowerCase()}`,
  ]),
);

export function appSettingsFor(stack: StackName): Record<string, string> {
  return {
    ...APP_SETTINGS,
    SENTRY_ENV: SENTRY_ENVS[stack],
    MAILER_CONFIG_FROM_EMAIL: MAIL_SENDERS[stack],
  };
}

export function rawValues(
  stack: StackName,
  state: DeploymentState,
): Record<string, string | undefined> {
  return {
    environment: stack,
    deploymentState: state,
    domain: DOMAINS[stack],
    certificateArn: CERTIFICATE_ARNS[stack],
    containerRegistry: REGISTRIES[stack],
    appVersion: "v1.66.0",
    maintenanceBypassToken: BYPASS_TOKEN,
    secrets: JSON.stringify(SECRETS),
    appSettings: JSON.stringify(appSettingsFor(stack)),
    movingTags: JSON.stringify(MOVING_TAGS),
    cdnCertificateArn: CDN_CERTIFICATE_ARN,
    dns: JSON.stringify({ hostedZoneId: HOSTED_ZONE_IDS[stack] }),
    "aws:region": REGIONS[stack],
  };
}

export const SECRET_CONFIG_KEYS = new Set(["graasp:maintenanceBypassToken", "graasp:secrets"]);

export function rawConfig(
  stack: StackName,
  state: DeploymentState,
  overrides: Record<string, string | undefined> = {},
): RawConfig {
  return { values: { ...rawValues(stack, state), ...overrides }, secretKeys: SECRET_CONFIG_KEYS };
}

export function configFor(
  stack: StackName,
  state: DeploymentState,
  overrides: Record<string, string | undefined> = {},
): GraaspConfig {
  return parseConfig(rawConfig(stack, state, overrides), stack);
}

/** The same configuration as the engine passes it to a program (`pulumi.runtime.setAllConfig`). */
export function engineConfig(stack: StackName, state: DeploymentState): Record<string, string> {
  const entries = Object.entries(rawValues(stack, state)).map(([key, value]) => [
    key.includes(":") ? key : `graasp:${key}`,
    value as string,
  ]);
  return Object.fromEntries(entries);
}
