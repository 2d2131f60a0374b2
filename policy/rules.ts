/**
 * Graasp's guardrail policies, exported without constructing the pack so that tests can call
 * them directly (constructing a PolicyPack starts a server and may exit the process).
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  rdsForceSsl,
  rdsNotPublic,
  rdsProductionBackups,
  rdsProductionDeletionProtection,
  rdsStorageEncrypted,
} from "./databaseRules";
import { bucketsEncryptedAndRetained, cloudfrontHttpsOnly, fileItemsPrivate } from "./edgeRules";
import {
  albRuleLimits,
  httpsListenerTls12,
  internetIngressWebOnly,
  noPublicPostgres,
} from "./networkRules";
import { alarmTopicEncrypted, productionAlarmsNotify } from "./monitoringRules";
import {
  capacityProviderWeights,
  githubOidcTrustScoped,
  imagesPinned,
  logGroupRetention,
  secretsNotInEnvironment,
  stoppedScalesToZero,
} from "./workloadRules";

export * from "./common";
export * from "./databaseRules";
export * from "./edgeRules";
export * from "./networkRules";
export * from "./workloadRules";
export * from "./monitoringRules";

export const GRAASP_POLICIES: ReadonlyArray<ResourceValidationPolicy | StackValidationPolicy> = [
  rdsNotPublic,
  rdsStorageEncrypted,
  rdsProductionBackups,
  rdsProductionDeletionProtection,
  rdsForceSsl,
  internetIngressWebOnly,
  noPublicPostgres,
  httpsListenerTls12,
  albRuleLimits,
  secretsNotInEnvironment,
  imagesPinned,
  logGroupRetention,
  capacityProviderWeights,
  stoppedScalesToZero,
  githubOidcTrustScoped,
  fileItemsPrivate,
  bucketsEncryptedAndRetained,
  cloudfrontHttpsOnly,
  productionAlarmsNotify,
  alarmTopicEncrypted,
];
