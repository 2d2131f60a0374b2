import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DatabaseSettings } from "../config";
import { Environment } from "./catalog";
import { RDS_LOG_EXPORTS, databaseSecretName, rdsLogGroupName, resourcePrefix } from "./naming";
import { EngineVersionGuard } from "./providers/engineVersionGuard";

export const DATABASE_PORT = 5432;
export const DATABASE_NAME = "graasp";
export const MASTER_USERNAME = "graasp";

export interface GraaspDatabaseArgs {
  /** Stack name; the instance identifier is `graasp-<stack>`. Changing it replaces the database. */
  readonly stack: string;
  /** Production turns on AWS deletion protection. */
  readonly environment: Environment;
  readonly vpcId: pulumi.Input<string>;
  /** Subnets without any route to the internet. */
  readonly isolatedSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Size, backups and engine major version (see `graasp:database`). */
  readonly settings: DatabaseSettings;
  /** AWS region, for the engine version guard's read of the instance. */
  readonly region: string;
  /** Days the instance's PostgreSQL and upgrade logs are kept in CloudWatch Logs. */
  readonly logRetentionDays: number;
  /**
   * IAM role the engine version guard assumes for its RDS read, on top of the credentials of the
   * process running `pulumi up`. @default none: those credentials are used directly
   */
  readonly assumeRoleArn?: string;
  /**
   * `rds.force_ssl`: refuse clear-text connections. Only when every client can encrypt
   * (`databaseTls.ts`); otherwise the client that cannot would be refused. @default true
   */
  readonly forceSsl?: boolean;
}

/** Options every stateful child gets: no plan may delete or replace it. */
export function statefulOptions(parent: pulumi.Resource): pulumi.CustomResourceOptions {
  return { parent, protect: true };
}

/**
 * RDS PostgreSQL in isolated subnets: encrypted, TLS enforced, backed up, with a generated
 * master password kept in a Secrets Manager secret. Admits port 5432 only from the security
 * groups given to `allowFrom`. Nothing here depends on the deployment state; its power is a
 * separate resource so that no state change can modify or replace the instance.
 */
export class GraaspDatabase extends pulumi.ComponentResource {
  public readonly identifier: pulumi.Output<string>;
  /** RDS's own id of the instance (`db-…`): a new instance, even under the same name, has a new one. */
  public readonly resourceId: pulumi.Output<string>;
  public readonly address: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  public readonly databaseName: string;
  public readonly masterUsername: string;
  /** Secret output: never export it. */
  public readonly masterPassword: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly credentialsSecretArn: pulumi.Output<string>;
  private readonly name: string;

  constructor(name: string, args: GraaspDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspDatabase", name, {}, opts);
    this.name = name;
    const identifier = resourcePrefix(args.stack);
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: "Graasp database: PostgreSQL from named clients only" },
      { parent: this },
    );
    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.isolatedSubnetIds, description: "Isolated subnets of the Graasp database" },
      { parent: this },
    );
    // Before the parameter group (a new family replaces it) and the instance are touched.
    const engineGuard = new EngineVersionGuard(
      `${name}-engine-guard`,
      {
        instanceIdentifier: identifier,
        region: args.region,
        engineMajorVersion: args.settings.engineMajorVersion,
        configKey: "graasp:database.engineMajorVersion",
        assumeRoleArn: args.assumeRoleArn,
      },
      { parent: this },
    );
    const logGroups = this.createLogGroups(name, identifier, args);
    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-parameters`,
      {
        family: `postgres${args.settings.engineMajorVersion}`,
        description: "Graasp PostgreSQL: TLS required",
        // The description stays: a new one would replace the group.
        parameters: [{ name: "rds.force_ssl", value: (args.forceSsl ?? true) ? "1" : "0" }],
      },
      { parent: this, dependsOn: [engineGuard] },
    );
    const password = new random.RandomPassword(
      `${name}-master-password`,
      // Letters and digits only: the password is embedded in connection URLs.
      { length: 40, special: false },
      statefulOptions(this),
    );
    // A new suffix whenever the instance would be a new one, so every deletion's final
    // snapshot gets a name no earlier deletion used.
    const snapshotSuffix = new random.RandomId(
      `${name}-final-snapshot-suffix`,
      { byteLength: 4, keepers: { identifier, dbName: DATABASE_NAME, username: MASTER_USERNAME } },
      { parent: this },
    );
    const instance = new aws.rds.Instance(
      `${name}-instance`,
      {
        identifier,
        engine: "postgres",
        engineVersion: String(args.settings.engineMajorVersion),
        autoMinorVersionUpgrade: true,
        // A new `engineMajorVersion` is an in-place upgrade (with a new parameter group family).
        allowMajorVersionUpgrade: true,
        instanceClass: args.settings.instanceClass,
        storageType: "gp3",
        allocatedStorage: args.settings.storageGb,
        maxAllocatedStorage: args.settings.maxStorageGb,
        storageEncrypted: true,
        multiAz: args.settings.multiAz,
        dbName: DATABASE_NAME,
        username: MASTER_USERNAME,
        password: password.result,
        port: DATABASE_PORT,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        parameterGroupName: parameterGroup.name,
        publiclyAccessible: false,
        backupRetentionPeriod: args.settings.backupRetentionDays,
        backupWindow: "21:30-22:00",
        maintenanceWindow: "sat:00:10-sat:00:40",
        copyTagsToSnapshot: true,
        deleteAutomatedBackups: false,
        performanceInsightsEnabled: true,
        performanceInsightsRetentionPeriod: 7,
        enabledCloudwatchLogsExports: [...RDS_LOG_EXPORTS],
        deletionProtection: args.environment === "production",
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: pulumi.interpolate`${identifier}-final-${snapshotSuffix.hex}`,
        applyImmediately: true,
        tags: { "graasp:environment": args.environment },
        snapshotIdentifier: args.settings.restoreFromSnapshot,
      },
      // RDS would create the exported log groups itself, without retention, if they were missing.
      // The snapshot matters only when the instance is created: setting, changing or removing
      // it later must never replace the instance (the provider would).
      {
        ...statefulOptions(this),
        dependsOn: [engineGuard, ...logGroups],
        ignoreChanges: ["snapshotIdentifier"],
      },
    );
    const credentials = this.createCredentialsSecret(name, args.stack, instance, password.result);

    this.identifier = instance.identifier;
    this.resourceId = instance.resourceId;
    this.address = instance.address;
    this.port = instance.port;
    this.databaseName = DATABASE_NAME;
    this.masterUsername = MASTER_USERNAME;
    this.masterPassword = pulumi.secret(password.result);
    this.securityGroupId = securityGroup.id;
    this.credentialsSecretArn = credentials.arn;
    this.registerOutputs({
      identifier: this.identifier,
      address: this.address,
      port: this.port,
      securityGroupId: this.securityGroupId,
      credentialsSecretArn: this.credentialsSecretArn,
    });
  }

  /** Admits PostgreSQL connections from one client's security group. */
  allowFrom(
    client: string,
    securityGroupId: pulumi.Input<string>,
  ): aws.vpc.SecurityGroupIngressRule {
    return new aws.vpc.SecurityGroupIngressRule(
      `${this.name}-from-${client}`,
      {
        securityGroupId: this.securityGroupId,
        referencedSecurityGroupId: securityGroupId,
        ipProtocol: "tcp",
        fromPort: DATABASE_PORT,
        toPort: DATABASE_PORT,
        description: `PostgreSQL from ${client}`,
      },
      { parent: this },
    );
  }

  /** The log groups RDS exports to (`enabledCloudwatchLogsExports`), with the stack's retention. */
  private createLogGroups(
    name: string,
    identifier: string,
    args: GraaspDatabaseArgs,
  ): aws.cloudwatch.LogGroup[] {
    return RDS_LOG_EXPORTS.map(
      (log) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${log}-logs`,
          {
            name: rdsLogGroupName(identifier, log),
            retentionInDays: args.logRetentionDays,
            tags: { "graasp:environment": args.environment },
          },
          statefulOptions(this),
        ),
    );
  }

  /** Master credentials for operators and tooling, in the format RDS rotation expects. */
  private createCredentialsSecret(
    name: string,
    stack: string,
    instance: aws.rds.Instance,
    password: pulumi.Output<string>,
  ): aws.secretsmanager.Secret {
    const secret = new aws.secretsmanager.Secret(
      `${name}-credentials`,
      { name: databaseSecretName(stack), description: "Master credentials of the Graasp database" },
      statefulOptions(this),
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-credentials-value`,
      {
        secretId: secret.id,
        secretString: pulumi.secret(
          pulumi.jsonStringify({
            engine: "postgres",
            host: instance.address,
            port: instance.port,
            dbname: DATABASE_NAME,
            username: MASTER_USERNAME,
            password,
          }),
        ),
      },
      { parent: this },
    );
    return secret;
  }
}
