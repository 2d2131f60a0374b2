/** Guardrails for the PostgreSQL database: private, encrypted, backed up, TLS where clients can. */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ForceSslDecision, forceSslDecision, forceSslExplanation } from "../components/databaseTls";
import { asList, productionLabel, Props, resourcePolicy, TYPES } from "./common";

export const MIN_PRODUCTION_BACKUP_DAYS = 7;

export const rdsNotPublic = resourcePolicy(
  "rds-not-publicly-accessible",
  "RDS instances are reachable only from inside the VPC.",
  {
    [TYPES.rdsInstance]: (props, _args, report) => {
      if (props.publiclyAccessible === true) {
        report("RDS instance is publicly accessible: set `publiclyAccessible: false`.");
      }
    },
  },
);

export const rdsStorageEncrypted = resourcePolicy(
  "rds-storage-encrypted",
  "RDS storage, snapshots and backups are encrypted at rest.",
  {
    [TYPES.rdsInstance]: (props, _args, report) => {
      if (props.storageEncrypted !== true) {
        report(
          "RDS instance storage is not encrypted: set `storageEncrypted: true` (this replaces an existing instance).",
        );
      }
    },
  },
);

export const rdsProductionBackups = resourcePolicy(
  "rds-production-backup-retention",
  `Production databases keep automated backups for at least ${MIN_PRODUCTION_BACKUP_DAYS} days.`,
  {
    [TYPES.rdsInstance]: (props, _args, report) => {
      const label = productionLabel(props);
      const days = props.backupRetentionPeriod;
      if (label === undefined || (typeof days === "number" && days >= MIN_PRODUCTION_BACKUP_DAYS)) {
        return;
      }
      const kept = days === undefined ? "not set (AWS keeps 1 day)" : `${days} days`;
      report(
        `RDS instance ${label} has backupRetentionPeriod ${kept}: set it to at least ${MIN_PRODUCTION_BACKUP_DAYS}.`,
      );
    },
  },
);

export const rdsProductionDeletionProtection = resourcePolicy(
  "rds-production-deletion-protection",
  "Production databases cannot be deleted by a stray `pulumi destroy` or replacement.",
  {
    [TYPES.rdsInstance]: (props, _args, report) => {
      const label = productionLabel(props);
      if (label !== undefined && props.deletionProtection !== true) {
        report(
          `RDS instance ${label} has no deletion protection: set \`deletionProtection: true\`.`,
        );
      }
    },
  },
);

function forceSslValue(group: Props): string | undefined {
  const parameter = asList<Props>(group.parameters).find((entry) => entry.name === "rds.force_ssl");
  return parameter === undefined ? undefined : String(parameter.value);
}

/**
 * A stack policy because the setting lives on the parameter group while the instance only names
 * the group; an instance on AWS's default group would accept clear-text connections. The group
 * is found through the instance's property dependencies (known even while an auto-name is not),
 * else by name. The expected value follows the catalog's client TLS capabilities
 * (`components/databaseTls.ts`): 1 when every client encrypts, else 0, naming the client that
 * holds enforcement back (with 1 it could not connect at all).
 */
export function rdsForceSslFor(decision: ForceSslDecision): StackValidationPolicy {
  const expected = decision.forceSsl ? "1" : "0";
  const holdouts = decision.holdouts.map((holdout) => holdout.task).join(", ");
  return {
    name: "rds-force-ssl",
    description: decision.forceSsl
      ? "Every PostgreSQL parameter group sets rds.force_ssl=1 and every PostgreSQL instance uses one of them."
      : `Every PostgreSQL parameter group sets rds.force_ssl=0 while ${holdouts} cannot encrypt, and every PostgreSQL instance uses one of them.`,
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const following: PolicyResource[] = [];
      for (const group of args.resources) {
        if (
          group.type !== TYPES.rdsParameterGroup ||
          !/^postgres/.test(String(group.props.family))
        ) {
          continue;
        }
        const value = forceSslValue(group.props);
        if (value === expected) {
          following.push(group);
        } else if (decision.forceSsl) {
          report(
            `Parameter group "${group.name}" (family ${group.props.family}) does not set rds.force_ssl to 1, so clients may connect without TLS.`,
            group.urn,
          );
        } else {
          report(
            `Parameter group "${group.name}" (family ${group.props.family}) sets rds.force_ssl to ${value ?? "nothing"}, but ${holdouts} cannot encrypt its database connection (${forceSslExplanation(decision)}): set it to 0 until that application can.`,
            group.urn,
          );
        }
      }
      const instances = args.resources.filter(
        (resource) =>
          resource.type === TYPES.rdsInstance && /postgres/.test(String(resource.props.engine)),
      );
      for (const instance of instances) {
        const sources = instance.propertyDependencies.parameterGroupName ?? [];
        if (sources.some((source) => following.includes(source))) continue;
        const groupName = instance.props.parameterGroupName;
        if (following.some((group) => groupName !== undefined && group.props.name === groupName)) {
          continue;
        }
        const uses = groupName === undefined ? "no parameterGroupName" : `\`${groupName}\``;
        report(
          `RDS instance "${instance.name}" uses ${uses}, not a parameter group of this stack that sets rds.force_ssl to ${expected}.`,
          instance.urn,
        );
      }
    },
  };
}

/** The rule as the catalog decides it today. */
export const rdsForceSsl: StackValidationPolicy = rdsForceSslFor(forceSslDecision());
