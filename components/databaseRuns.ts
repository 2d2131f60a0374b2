/**
 * What a database needs before any service uses it, in every deployment state: the setup run
 * (application databases and users) and the initial migration (the schema of `appVersion`),
 * both created with the instance and run once; plus the toolbox task definition operators
 * start on demand to open `psql` without SSH.
 */
import * as pulumi from "@pulumi/pulumi";
import { TaskEntry } from "./catalog";
import { LOG_STREAM_PREFIX } from "./containers";
import { GraaspDatabase } from "./database";
import { applicationDatabases, setupTask, toolboxTask } from "./databaseAccess";
import { DatabaseSetup } from "./providers/databaseSetup";
import { InitialMigration } from "./providers/initialMigration";
import { GraaspTaskDefinition } from "./taskDefinition";

/** Creating two users and databases takes seconds; most of this is pulling the image. */
export const SETUP_TIMEOUT_MINUTES = 15;

export interface DatabaseRunsArgs {
  readonly region: string;
  /** Release whose migration task the initial migration runs. */
  readonly appVersion: string;
  readonly clusterArn: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  /** Where the one-off tasks and the toolbox run: the services' subnets. */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly assignPublicIp: pulumi.Input<boolean>;
  readonly database: GraaspDatabase;
  /** The `migrate` task definition, shared with `MigrationRun`. */
  readonly migrate: GraaspTaskDefinition;
  /** Builds a task definition for an entry (log group, secret, role, security group). */
  readonly taskDefinition: (entry: TaskEntry) => GraaspTaskDefinition;
  readonly assumeRoleArn?: string;
  /** Minutes the initial migration may take. @default 60 */
  readonly migrationTimeoutMinutes?: number;
  /** What the setup run waits for besides the instance (the database being powered on). */
  readonly dependsOn: pulumi.Resource[];
}

/** What `npm run db-shell` needs to start a toolbox task, exported as the stack output `toolbox`. */
export interface ToolboxAccess {
  readonly region: string;
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly container: string;
  readonly subnets: string[];
  readonly securityGroups: string[];
  readonly assignPublicIp: boolean;
}

export interface DatabaseRuns {
  readonly setup: DatabaseSetup;
  readonly initialMigration: InitialMigration;
  /** Everything a service that uses the database waits for. */
  readonly ready: pulumi.Resource[];
  readonly toolbox: pulumi.Output<ToolboxAccess>;
}

export function createDatabaseRuns(args: DatabaseRunsArgs): DatabaseRuns {
  const { database } = args;
  const databases = applicationDatabases();
  const setupDefinition = args.taskDefinition(
    setupTask(databases, database.masterUsername, database.databaseName),
  );
  database.allowFrom("db-setup", setupDefinition.securityGroupId);
  const toolboxDefinition = args.taskDefinition(
    toolboxTask(database.masterUsername, database.databaseName),
  );
  database.allowFrom("toolbox", toolboxDefinition.securityGroupId);

  const network = {
    region: args.region,
    clusterArn: args.clusterArn,
    subnetIds: args.subnetIds,
    assignPublicIp: args.assignPublicIp,
    logStreamPrefix: LOG_STREAM_PREFIX,
    assumeRoleArn: args.assumeRoleArn,
  };
  const setup = new DatabaseSetup(
    "database-setup",
    {
      ...network,
      taskDefinitionArn: setupDefinition.taskDefinitionArn,
      securityGroupIds: [setupDefinition.securityGroupId],
      containerName: setupDefinition.mainContainer,
      logGroupName: setupDefinition.logGroupName,
      instanceId: database.resourceId,
      databases: databases.map((entry) => entry.database),
      timeoutMinutes: SETUP_TIMEOUT_MINUTES,
    },
    { dependsOn: args.dependsOn },
  );
  // Core's first tasks must find the schema of their own version.
  const initialMigration = new InitialMigration(
    "initial-migration",
    {
      ...network,
      taskDefinitionArn: args.migrate.taskDefinitionArn,
      securityGroupIds: [args.migrate.securityGroupId],
      containerName: args.migrate.mainContainer,
      logGroupName: args.migrate.logGroupName,
      instanceId: database.resourceId,
      appVersion: args.appVersion,
      timeoutMinutes: args.migrationTimeoutMinutes,
    },
    { dependsOn: [setup] },
  );

  return {
    setup,
    initialMigration,
    ready: [setup, initialMigration],
    toolbox: pulumi
      .all([
        args.clusterName,
        toolboxDefinition.securityGroupId,
        pulumi.output(args.subnetIds),
        pulumi.output(args.assignPublicIp),
      ])
      .apply(([cluster, securityGroup, subnets, assignPublicIp]) => ({
        region: args.region,
        cluster,
        taskDefinition: toolboxDefinition.family,
        container: toolboxDefinition.mainContainer,
        subnets,
        securityGroups: [securityGroup],
        assignPublicIp,
      })),
  };
}
