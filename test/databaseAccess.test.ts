/*
 * The setup script and the client task entries, as text and data. What this cannot prove: that
 * psql and PostgreSQL accept the script (run it twice against a real server for that: see the
 * README) or that ECS injects the secrets; `pulumi up` against a real account does.
 */
import { expect } from "chai";
import { ETHERPAD_DATABASE, SERVICE_CATALOG, UMAMI_DATABASE } from "../components/catalog";
import { containerDefinitions } from "../components/containers";
import {
  POSTGRES_CLIENT_IMAGE,
  applicationDatabaseProblems,
  applicationDatabases,
  setupScript,
  setupTask,
  toolboxTask,
} from "../components/databaseAccess";
import { SECRETS } from "./fixtures";

const EXPECTED_SCRIPT = [
  "\\set ON_ERROR_STOP on",
  "\\set VERBOSITY terse",
  "\\set SHOW_CONTEXT never",
  "\\echo 'database etherpad, user etherpad'",
  "SELECT format('CREATE ROLE %I LOGIN', 'etherpad') WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'etherpad')",
  "\\gexec",
  "\\getenv etherpad_password ETHERPAD_DB_PASSWORD",
  "ALTER ROLE \"etherpad\" WITH LOGIN PASSWORD :'etherpad_password';",
  "\\unset etherpad_password",
  'GRANT "etherpad" TO CURRENT_USER;',
  "SELECT format('CREATE DATABASE %I OWNER %I', 'etherpad', 'etherpad') WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'etherpad')",
  "\\gexec",
  'ALTER DATABASE "etherpad" OWNER TO "etherpad";',
  'REVOKE CONNECT, TEMPORARY ON DATABASE "etherpad" FROM PUBLIC;',
  'GRANT CONNECT, TEMPORARY ON DATABASE "etherpad" TO "etherpad";',
  "\\echo 'database umami, user umami'",
  "SELECT format('CREATE ROLE %I LOGIN', 'umami') WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'umami')",
  "\\gexec",
  "\\getenv umami_password UMAMI_DB_PASSWORD",
  "ALTER ROLE \"umami\" WITH LOGIN PASSWORD :'umami_password';",
  "\\unset umami_password",
  'GRANT "umami" TO CURRENT_USER;',
  "SELECT format('CREATE DATABASE %I OWNER %I', 'umami', 'umami') WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'umami')",
  "\\gexec",
  'ALTER DATABASE "umami" OWNER TO "umami";',
  'REVOKE CONNECT, TEMPORARY ON DATABASE "umami" FROM PUBLIC;',
  'GRANT CONNECT, TEMPORARY ON DATABASE "umami" TO "umami";',
  "\\echo 'setup complete'",
  "",
].join("\n");

const CONTEXT = {
  region: "eu-central-2",
  logGroupName: "/graasp/staging/db-setup",
  images: { "db-setup": POSTGRES_CLIENT_IMAGE, toolbox: POSTGRES_CLIENT_IMAGE },
  templateValues: {
    domain: "stage.graasp.org",
    region: "eu-central-2",
    environment: "staging",
    fileItemsBucket: "graasp-staging-file-items",
    h5pBucket: "graasp-staging-h5p",
    h5pIntegrationUrl: "https://h5p.dev.graasp.org/h5p-integration/index.html",
    databaseHost: "graasp-staging.example.rds.amazonaws.com",
    databasePort: "5432",
    settings: {} as never,
  },
  secretArn:
    "arn:aws:secretsmanager:eu-central-2:123456789012:secret:graasp/staging/tasks/db-setup-AbCdEf",
  secretVersionId: "v1",
};

describe("database access", () => {
  describe("applicationDatabases", () => {
    it("derives etherpad and umami from the catalog entries that declare them", () => {
      expect(applicationDatabases()).to.deep.equal([ETHERPAD_DATABASE, UMAMI_DATABASE]);
      expect(SERVICE_CATALOG.etherpad.ownDatabase).to.equal(ETHERPAD_DATABASE);
      expect(SERVICE_CATALOG.umami.ownDatabase).to.equal(UMAMI_DATABASE);
    });

    it("is what the services connect with: one declaration per database", () => {
      const etherpad = SERVICE_CATALOG.etherpad.containers[0];
      expect(etherpad.environment.DB_NAME).to.equal("etherpad");
      expect(etherpad.environment.DB_USER).to.equal("etherpad");
      expect(etherpad.secrets.DB_PASS).to.deep.equal({ secret: "ETHERPAD_DB_PASSWORD" });
      const umami = SERVICE_CATALOG.umami.containers[0].secrets.DATABASE_URL;
      expect(umami).to.deep.include({
        databaseUrl: {
          scheme: "postgresql",
          login: { user: "umami", passwordSecret: "UMAMI_DB_PASSWORD" },
          database: "umami",
          applicationName: "umami",
          tlsQuery: "sslmode=require",
        },
      });
    });

    it("rejects identifiers that would need quoting, reserved names and shared users", () => {
      expect(
        applicationDatabaseProblems(
          [
            { database: "Pads", user: "etherpad", passwordSecret: "ETHERPAD_DB_PASSWORD" },
            { database: "graasp", user: "etherpad", passwordSecret: "UMAMI_DB_PASSWORD" },
          ],
          ["graasp"],
        ),
      ).to.deep.equal([
        '"Pads" is not a plain PostgreSQL identifier (a-z first, then a-z, 0-9, _)',
        '"graasp" is the platform\'s own database or master user',
        'user "etherpad" owns more than one database',
      ]);
      expect(applicationDatabaseProblems(applicationDatabases(), ["graasp"])).to.deep.equal([]);
    });
  });

  describe("setupScript", () => {
    it("is exactly this idempotent script for the catalog's databases", () => {
      expect(setupScript(applicationDatabases(), "graasp", "graasp")).to.equal(EXPECTED_SCRIPT);
    });

    it("creates only what is missing and sets again only what may change", () => {
      const statements = EXPECTED_SCRIPT.split("\n").filter((line) => /^[A-Z]/.test(line));
      // Creations are guarded; everything else can run any number of times.
      for (const statement of statements.filter((line) => line.includes("CREATE ")))
        expect(statement).to.match(/^SELECT format\('CREATE .* WHERE NOT EXISTS \(SELECT FROM /);
      expect(
        statements.filter((line) => !line.startsWith("SELECT")).map((line) => line.split(" ")[0]),
      ).to.deep.equal([
        ...["ALTER", "GRANT", "ALTER", "REVOKE", "GRANT"],
        ...["ALTER", "GRANT", "ALTER", "REVOKE", "GRANT"],
      ]);
    });

    it("never holds a password: psql reads each one from the environment", () => {
      const script = setupScript(applicationDatabases(), "graasp", "graasp");
      for (const value of Object.values(SECRETS)) expect(script).not.to.include(value);
      expect(script.match(/PASSWORD [^;]*;/g)).to.deep.equal([
        "PASSWORD :'etherpad_password';",
        "PASSWORD :'umami_password';",
      ]);
      // Terse errors print no statement text, so a failing ALTER ROLE cannot echo its literal.
      expect(script.split("\n").slice(0, 3)).to.deep.equal([
        "\\set ON_ERROR_STOP on",
        "\\set VERBOSITY terse",
        "\\set SHOW_CONTEXT never",
      ]);
    });

    it("refuses a catalog whose databases are unsafe to script", () => {
      expect(() =>
        setupScript(
          [{ database: "x;drop", user: "x", passwordSecret: "UMAMI_DB_PASSWORD" }],
          "graasp",
          "graasp",
        ),
      ).to.throw(
        `The catalog's application databases are invalid: "x;drop" is not a plain PostgreSQL identifier (a-z first, then a-z, 0-9, _)`,
      );
    });
  });

  describe("setupTask", () => {
    const task = setupTask(applicationDatabases(), "graasp", "graasp");

    it("runs the script with psql from ECR Public, the passwords as ECS secrets", () => {
      const [definition] = containerDefinitions(task, CONTEXT) as Record<string, any>[];
      expect(definition.image).to.equal("public.ecr.aws/docker/library/postgres:16.10-alpine");
      expect(definition.command).to.deep.equal([
        "sh",
        "-c",
        `psql --no-psqlrc --set ON_ERROR_STOP=1 <<'SQL'\n${EXPECTED_SCRIPT}SQL`,
      ]);
      expect(definition.environment).to.deep.equal([
        { name: "PGAPPNAME", value: "graasp-setup" },
        { name: "PGDATABASE", value: "graasp" },
        { name: "PGHOST", value: "graasp-staging.example.rds.amazonaws.com" },
        { name: "PGPORT", value: "5432" },
        { name: "PGSSLMODE", value: "require" },
        { name: "PGUSER", value: "graasp" },
      ]);
      expect(definition.secrets.map((s: { name: string }) => s.name)).to.deep.equal([
        "ETHERPAD_DB_PASSWORD",
        "PGPASSWORD",
        "UMAMI_DB_PASSWORD",
      ]);
      expect(task).to.deep.include({
        name: "db-setup",
        architecture: "ARM64",
        usesDatabase: true,
        permissions: { buckets: false, ecsExec: false, sendEmail: false },
      });
    });
  });

  describe("toolboxTask", () => {
    it("idles for 4 hours with the master login in its environment and ECS Exec allowed", () => {
      const task = toolboxTask("graasp", "graasp");
      const [definition] = containerDefinitions(task, CONTEXT) as Record<string, any>[];
      expect(definition.command).to.deep.equal(["sleep", "14400"]);
      expect(definition.secrets.map((s: { name: string }) => s.name)).to.deep.equal(["PGPASSWORD"]);
      expect(definition.environment.map((e: { name: string }) => e.name)).to.deep.equal([
        "PGAPPNAME",
        "PGDATABASE",
        "PGHOST",
        "PGPORT",
        "PGSSLMODE",
        "PGUSER",
      ]);
      expect(task.permissions).to.deep.equal({ buckets: false, ecsExec: true, sendEmail: false });
    });
  });
});
