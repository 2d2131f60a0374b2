/** Guardrails for the PostgreSQL database: private, encrypted, backed up, TLS only. */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
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
 * else by name.
 */
export const rdsForceSsl: StackValidationPolicy = {
  name: "rds-force-ssl",
  description:
    "Every PostgreSQL parameter group sets rds.force_ssl=1 and every PostgreSQL instance uses one of them.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const enforcing: PolicyResource[] = [];
    for (const group of args.resources) {
      if (group.type !== TYPES.rdsParameterGroup || !/^postgres/.test(String(group.props.family))) {
        continue;
      }
      if (forceSslValue(group.props) === "1") {
        enforcing.push(group);
      } else {
        report(
          `Parameter group "${group.name}" (family ${group.props.family}) does not set rds.force_ssl to 1, so clients may connect without TLS.`,
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
      if (sources.some((source) => enforcing.includes(source))) continue;
      const groupName = instance.props.parameterGroupName;
      if (enforcing.some((group) => groupName !== undefined && group.props.name === groupName)) {
        continue;
      }
      const uses = groupName === undefined ? "no parameterGroupName" : `\`${groupName}\``;
      report(
        `RDS instance "${instance.name}" uses ${uses}, not a parameter group of this stack that sets rds.force_ssl to 1.`,
        instance.urn,
      );
    }
  },
};
