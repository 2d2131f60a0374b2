/**
 * Database access without SSH, as data and pure functions: the application databases the
 * catalog declares, the idempotent psql script that creates them, and the two task entries
 * that use a PostgreSQL client image: `db-setup` (run by `DatabaseSetup`) and `toolbox` (run
 * on demand by `npm run db-shell`, reached through ECS Exec).
 */
import {
  ApplicationDatabase,
  ContainerSpec,
  DatabaseClientTls,
  ImageSource,
  MIGRATE_TASK,
  SERVICE_CATALOG,
  SERVICE_NAMES,
  TaskEntry,
} from "./catalog";

/** psql 16 (`\getenv` needs 15 or later) talks to every server major the config allows. */
export const POSTGRES_CLIENT_IMAGE = "public.ecr.aws/docker/library/postgres:16.10-alpine";
/** The official image, which `images.ts` resolves to its ECR Public mirror above. */
export const POSTGRES_CLIENT_SOURCE: ImageSource = {
  registry: "dockerHub",
  repository: "postgres",
  tag: "16.10-alpine",
};
/** libpq's `require`: encrypted; the RDS CA bundle is not in the image to verify with. */
const PSQL_TLS: DatabaseClientTls = {
  capability: "encrypt",
  note: "psql: PGSSLMODE=require encrypts without verifying",
};
/** A toolbox stops by itself after 4 hours, so a forgotten one does not run for ever. */
export const TOOLBOX_LIFETIME_SECONDS = 4 * 60 * 60;

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/** Every database the catalog declares, in catalog order, each once. */
export function applicationDatabases(): ApplicationDatabase[] {
  const tasks: TaskEntry[] = [...SERVICE_NAMES.map((name) => SERVICE_CATALOG[name]), MIGRATE_TASK];
  const declared = tasks.flatMap((task) => (task.ownDatabase ? [task.ownDatabase] : []));
  return declared.filter(
    (entry, index) => declared.findIndex((other) => other.database === entry.database) === index,
  );
}

/** Problems that would make the script unsafe or ambiguous; empty when the catalog is sound. */
export function applicationDatabaseProblems(
  databases: readonly ApplicationDatabase[],
  reserved: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const { database, user } of databases)
    for (const name of [database, user])
      if (!IDENTIFIER.test(name))
        problems.push(
          `"${name}" is not a plain PostgreSQL identifier (a-z first, then a-z, 0-9, _)`,
        );
      else if (reserved.includes(name))
        problems.push(`"${name}" is the platform's own database or master user`);
  const users = databases.map((entry) => entry.user);
  for (const user of new Set(users))
    if (users.filter((other) => other === user).length > 1)
      problems.push(`user "${user}" owns more than one database`);
  return problems;
}

/** The psql variable a user's password is read into; the value itself never appears. */
function passwordVariable(entry: ApplicationDatabase): string {
  return `${entry.user}_password`;
}

/**
 * The setup script. Idempotent: it creates what is missing and sets again what may have
 * changed (password, owner), so running it twice changes nothing. The task never holds an
 * application password: its secret gives the SCRAM-SHA-256 verifier PostgreSQL stores, which
 * psql reads from the environment (`\getenv`) and sends as a quoted literal (`:'var'`). It is on
 * no command line, and a failed statement the server logs shows the verifier, not a password.
 *
 * On PostgreSQL 16 a role with CREATEROLE may only give a database to a role it can SET ROLE
 * to, so the master user is made a member of each application user first.
 */
export function setupScript(
  databases: readonly ApplicationDatabase[],
  masterUser: string,
  masterDatabase: string,
): string {
  const problems = applicationDatabaseProblems(databases, [masterUser, masterDatabase]);
  if (problems.length > 0)
    throw new Error(`The catalog's application databases are invalid: ${problems.join("; ")}`);
  const lines = ["\\set ON_ERROR_STOP on", "\\set VERBOSITY terse", "\\set SHOW_CONTEXT never"];
  for (const entry of databases) {
    const { database, user } = entry;
    const password = passwordVariable(entry);
    lines.push(
      `\\echo 'database ${database}, user ${user}'`,
      `SELECT format('CREATE ROLE %I LOGIN', '${user}') WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${user}')`,
      "\\gexec",
      `\\getenv ${password} ${entry.passwordSecret}`,
      `ALTER ROLE "${user}" WITH LOGIN PASSWORD :'${password}';`,
      `\\unset ${password}`,
      `GRANT "${user}" TO CURRENT_USER;`,
      `SELECT format('CREATE DATABASE %I OWNER %I', '${database}', '${user}') WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = '${database}')`,
      "\\gexec",
      `ALTER DATABASE "${database}" OWNER TO "${user}";`,
      `REVOKE CONNECT, TEMPORARY ON DATABASE "${database}" FROM PUBLIC;`,
      `GRANT CONNECT, TEMPORARY ON DATABASE "${database}" TO "${user}";`,
    );
  }
  lines.push("\\echo 'setup complete'");
  return lines.join("\n") + "\n";
}

/** libpq reads these: the master login, TLS required (the instance refuses plain text). */
function clientEnvironment(
  masterUser: string,
  masterDatabase: string,
  applicationName: string,
): Record<string, string> {
  return {
    PGHOST: "{databaseHost}",
    PGPORT: "{databasePort}",
    PGUSER: masterUser,
    PGDATABASE: masterDatabase,
    PGSSLMODE: "require",
    PGAPPNAME: applicationName,
    // A stopped or unreachable database fails in seconds, with libpq's reason in the log.
    PGCONNECT_TIMEOUT: "30",
  };
}

const CLIENT_SIZES = {
  staging: { cpu: 256, memory: 512 },
  production: { cpu: 256, memory: 512 },
} as const;

/** The one-off task that runs the setup script against the instance. */
export function setupTask(
  databases: readonly ApplicationDatabase[],
  masterUser: string,
  masterDatabase: string,
): TaskEntry {
  const script = setupScript(databases, masterUser, masterDatabase);
  const container: ContainerSpec = {
    name: "db-setup",
    image: POSTGRES_CLIENT_SOURCE,
    essential: true,
    environment: clientEnvironment(masterUser, masterDatabase, "graasp-setup"),
    secrets: {
      PGPASSWORD: { masterPassword: true },
      ...Object.fromEntries(
        databases.map((entry) => [
          entry.passwordSecret,
          { scramVerifier: { user: entry.user, passwordSecret: entry.passwordSecret } },
        ]),
      ),
    },
    // The script is text without any secret; a quoted here-document keeps the shell off it.
    command: ["sh", "-c", `psql --no-psqlrc --set ON_ERROR_STOP=1 <<'SQL'\n${script}SQL`],
  };
  return {
    name: "db-setup",
    architecture: "ARM64",
    usesDatabase: true,
    databaseTls: PSQL_TLS,
    permissions: { buckets: false, ecsExec: false, sendEmail: false },
    containers: [container],
    sizes: CLIENT_SIZES,
  };
}

/**
 * A PostgreSQL client that idles until an operator opens `psql` in it with ECS Exec. Its
 * environment holds the master login, so `psql` needs no argument and no password is typed.
 */
export function toolboxTask(masterUser: string, masterDatabase: string): TaskEntry {
  return {
    name: "toolbox",
    architecture: "ARM64",
    usesDatabase: true,
    databaseTls: PSQL_TLS,
    permissions: { buckets: false, ecsExec: true, sendEmail: false },
    containers: [
      {
        name: "toolbox",
        image: POSTGRES_CLIENT_SOURCE,
        essential: true,
        environment: clientEnvironment(masterUser, masterDatabase, "graasp-toolbox"),
        secrets: { PGPASSWORD: { masterPassword: true } },
        command: ["sleep", String(TOOLBOX_LIFETIME_SECONDS)],
      },
    ],
    sizes: CLIENT_SIZES,
  };
}
