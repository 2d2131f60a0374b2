/*
 * The application contract: every container of every registered task definition, on both
 * stacks in all four states, receives every variable its application requires (conditional
 * ones evaluated against the container's own environment), through `environment` or
 * `secrets`, and nothing secret-looking in `environment`. What this cannot prove: that the
 * values are right for the application (a wrong bucket name still starts), or that a newer
 * application release requires nothing more — `components/appRequirements.ts` is the
 * project's copy of the sources it names, and a new release starts with a change there.
 */
import { expect } from "chai";
import {
  APPLICATION_REQUIREMENTS,
  ApplicationName,
  DeliveredContainer,
  contractProblems,
  requiredVariables,
  unreadVariables,
} from "../components/appRequirements";
import {
  ALL_CONTAINERS,
  ContainerSpec,
  MIGRATE_TASK,
  SERVICE_CATALOG,
  TaskEntry,
  looksLikeSecretName,
} from "../components/catalog";
import { containerDefinitions } from "../components/containers";
import { STACKS, appSettingsFor } from "./fixtures";
import { Registration, ofType } from "./mocks";
import { STATES, scenario } from "./scenarios";

interface EcsContainer {
  name: string;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
}

function delivered(container: EcsContainer): DeliveredContainer {
  return {
    name: container.name,
    environment: Object.fromEntries(container.environment.map((v) => [v.name, v.value])),
    secretNames: container.secrets.map((secret) => secret.name),
  };
}

/** The program's own PostgreSQL clients run no Graasp application (databaseAccess.test.ts). */
const PROGRAM_CLIENTS = ["db-setup", "toolbox"];

function applicationOf(containerName: string): ApplicationName | undefined {
  if (PROGRAM_CLIENTS.includes(containerName)) return undefined;
  const spec = ALL_CONTAINERS.find((container) => container.name === containerName);
  if (spec === undefined) throw new Error(`container ${containerName} is not in the catalog`);
  return spec.application;
}

/** Every problem of every container the stack registers; empty when all applications start. */
function stackContractProblems(registrations: readonly Registration[]): string[] {
  const problems: string[] = [];
  for (const definition of ofType(registrations, "aws:ecs/taskDefinition:TaskDefinition"))
    for (const container of JSON.parse(definition.inputs.containerDefinitions) as EcsContainer[]) {
      for (const variable of container.environment.filter((v) => looksLikeSecretName(v.name)))
        problems.push(`container ${container.name} has ${variable.name} in environment`);
      const application = applicationOf(container.name);
      if (application !== undefined)
        problems.push(...contractProblems(application, delivered(container)));
    }
  return problems;
}

const TEMPLATE_VALUES = {
  domain: "dev.graasp.org",
  region: "eu-central-1",
  environment: "staging",
  fileItemsBucket: "graasp-staging-file-items",
  h5pBucket: "graasp-staging-h5p",
  h5pIntegrationUrl: "https://h5p.dev.graasp.org/h5p-integration/index.html",
  databaseHost: "db.example",
  databasePort: "5432",
  settings: appSettingsFor("staging") as never,
};

/** The containers a catalog entry would give ECS, built the way the task definitions are. */
function catalogContainers(entry: TaskEntry): EcsContainer[] {
  return containerDefinitions(entry, {
    region: "eu-central-1",
    logGroupName: "/graasp/staging/x",
    images: {},
    templateValues: TEMPLATE_VALUES,
    secretArn: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:x",
  }) as EcsContainer[];
}

function withoutVariable(entry: TaskEntry, containerName: string, variable: string): TaskEntry {
  const strip = (container: ContainerSpec): ContainerSpec =>
    container.name !== containerName
      ? container
      : {
          ...container,
          environment: Object.fromEntries(
            Object.entries(container.environment).filter(([name]) => name !== variable),
          ),
          secrets: Object.fromEntries(
            Object.entries(container.secrets).filter(([name]) => name !== variable),
          ),
        };
  return { ...entry, containers: entry.containers.map(strip) };
}

const CONTRACT_TASKS: TaskEntry[] = [
  SERVICE_CATALOG.core,
  SERVICE_CATALOG.workers,
  SERVICE_CATALOG.admin,
  MIGRATE_TASK,
];

describe("application contract", function () {
  // The first scenario evaluation of the process loads the AWS modules.
  this.timeout(30_000);
  for (const stack of STACKS)
    for (const state of STATES)
      it(`${stack} in ${state}: every container gets what its application requires`, async () => {
        const { registrations } = await scenario(stack, state);
        const checked = ofType(registrations, "aws:ecs/taskDefinition:TaskDefinition")
          .flatMap((definition) => JSON.parse(definition.inputs.containerDefinitions))
          .filter((container: EcsContainer) => applicationOf(container.name) !== undefined)
          .map((container: EcsContainer) => `${container.name}:${applicationOf(container.name)}`);
        expect(checked.sort()).to.deep.equal([
          "admin:admin",
          "core:backend",
          "migrate:migrate",
          "workers:backend",
        ]);
        expect(stackContractProblems(registrations)).to.deep.equal([]);
      });

  it("requires the S3 keys exactly when the container's own storage type is s3", () => {
    const s3 = requiredVariables("backend", {
      FILE_STORAGE_TYPE: "s3",
      H5P_FILE_STORAGE_TYPE: "s3",
    });
    const local = requiredVariables("backend", {
      FILE_STORAGE_TYPE: "local",
      H5P_FILE_STORAGE_TYPE: "local",
    });
    expect(Object.keys(s3)).to.have.length(25);
    expect(Object.keys(local)).to.have.length(17);
    expect(Object.keys(s3).filter((name) => !(name in local))).to.deep.equal([
      "S3_FILE_ITEM_REGION",
      "S3_FILE_ITEM_BUCKET",
      "S3_FILE_ITEM_ACCESS_KEY_ID",
      "S3_FILE_ITEM_SECRET_ACCESS_KEY",
      "H5P_CONTENT_REGION",
      "H5P_CONTENT_BUCKET",
      "H5P_CONTENT_ACCESS_KEY_ID",
      "H5P_CONTENT_SECRET_ACCESS_KEY_ID",
    ]);
    expect(s3.S3_FILE_ITEM_ACCESS_KEY_ID).to.equal(
      "src/utils/config.ts:112-113 throws 'Missing s3 \"access key\" config for file plugin'",
    );
  });

  // Removing any required variable from any container of the catalog is caught, with the line.
  for (const entry of CONTRACT_TASKS)
    for (const container of entry.containers.filter((c) => c.application !== undefined)) {
      const application = container.application!;
      it(`fails for ${container.name} without any one of its ${application} variables`, () => {
        const complete = catalogContainers(entry).find((c) => c.name === container.name)!;
        const required = requiredVariables(application, delivered(complete).environment);
        expect(contractProblems(application, delivered(complete))).to.deep.equal([]);
        for (const [variable, source] of Object.entries(required)) {
          const mutated = catalogContainers(withoutVariable(entry, container.name, variable)).find(
            (c) => c.name === container.name,
          )!;
          expect(contractProblems(application, delivered(mutated)), variable).to.deep.equal([
            `container ${container.name} (${application}) lacks ${variable}, required by ${source}`,
          ]);
        }
      });
    }

  it("fails when a variable is given both plainly and as a secret, or a secret sits in environment", async () => {
    const { registrations } = await scenario("staging", "running");
    const core = ofType(registrations, "aws:ecs/taskDefinition:TaskDefinition").find(
      (definition) => definition.name === "core-task-task",
    )!;
    const containers = JSON.parse(core.inputs.containerDefinitions) as EcsContainer[];
    containers[0].environment.push({ name: "JWT_SECRET", value: "leaked" });
    const mutated = {
      ...core,
      inputs: { ...core.inputs, containerDefinitions: JSON.stringify(containers) },
    };
    expect(stackContractProblems([mutated])).to.deep.equal([
      "container core has JWT_SECRET in environment",
      "container core (backend) gets JWT_SECRET both as a plain variable and as a secret",
    ]);
  });

  it("gives each application only variables it reads (or that its next releases read)", () => {
    for (const entry of CONTRACT_TASKS)
      for (const container of catalogContainers(entry)) {
        const application = applicationOf(container.name);
        if (application !== undefined)
          expect(unreadVariables(application, delivered(container)), container.name).to.deep.equal(
            [],
          );
      }
    expect(APPLICATION_REQUIREMENTS.admin.anticipated).to.deep.equal([
      "ADMIN_SHARED_SECRET",
      "GRAASP_APPS_JWT_SECRET",
      "GRAASP_APP_KEY",
      "OPENAI_API_KEY",
      "RECAPTCHA_SITE_KEY",
    ]);
    expect(
      unreadVariables("backend", {
        name: "core",
        environment: { REDIS_HOST: "x" },
        secretNames: [],
      }),
    ).to.deep.equal(["REDIS_HOST"]);
  });
});
