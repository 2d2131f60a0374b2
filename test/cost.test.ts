/*
 * The monthly estimate: the arithmetic on hand-made resources, and the figures of both
 * committed stacks in all four states, pinned so that a change that makes a state dearer shows
 * in review. What this cannot prove: AWS's current prices (see tools/pricing.ts for where each
 * figure comes from) or real usage (LCUs, NAT and log volumes are stated assumptions).
 */
import { expect } from "chai";
import * as path from "path";
import { runPlan } from "../tools/plan";
import {
  Evaluation,
  SecretMasker,
  evaluateState,
  maskerFor,
  planTransition,
} from "../tools/planModel";
import { readStackConfig } from "../tools/stackFile";
import { renderTransitions } from "../tools/transitions";
import { renderPlan } from "../tools/planReport";
import { renderTransition } from "../tools/transitionReport";
import { CostError, costDifference, estimateCost, scheduleCost, spotShare } from "../tools/cost";
import { HOURS_PER_MONTH, REGION_PRICES } from "../tools/pricing";
import { REGIONS, STACKS } from "./fixtures";
import { STATES, scenario } from "./scenarios";

const task = (family: string, cpu: number, memory: number, architecture = "X86_64") => ({
  type: "aws:ecs/taskDefinition:TaskDefinition",
  name: `${family}-task`,
  inputs: {
    family,
    cpu: String(cpu),
    memory: String(memory),
    runtimePlatform: { cpuArchitecture: architecture },
  },
});
const service = (
  name: string,
  desiredCount: number,
  strategy: object[],
  assignPublicIp = false,
) => ({
  type: "aws:ecs/service:Service",
  name: `${name}-service`,
  inputs: {
    name,
    desiredCount,
    taskDefinition: `arn:aws:ecs:eu-central-1:123456789012:task-definition/graasp-x-${name}:3`,
    capacityProviderStrategies: strategy,
    networkConfiguration: { assignPublicIp },
    loadBalancers: [],
  },
});
const ON_DEMAND = [{ capacityProvider: "FARGATE", base: 0, weight: 1 }];
const UPSCALE = [
  { capacityProvider: "FARGATE", base: 1, weight: 1 },
  { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 },
];

describe("cost estimate: arithmetic", () => {
  it("places base tasks first, then splits the rest by weight", () => {
    expect(spotShare(1, UPSCALE)).to.equal(0);
    expect(spotShare(5, UPSCALE)).to.equal(3 / 5);
    expect(spotShare(2, [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }])).to.equal(1);
    expect(spotShare(0, UPSCALE)).to.equal(0);
  });

  it("prices Fargate from size, count, architecture, spot share and public IPs", () => {
    const prices = REGION_PRICES["eu-central-1"];
    const estimate = estimateCost(
      [
        task("graasp-x-api", 1024, 2048, "ARM64"),
        service("api", 2, ON_DEMAND, true),
        task("graasp-x-idle", 256, 512),
        service("idle", 0, ON_DEMAND),
      ],
      "eu-central-1",
    );
    const hourly = prices.fargateVcpuHour.arm64.usd + 2 * prices.fargateGbHour.arm64.usd;
    expect(estimate.lines.map((l) => [l.key, l.item, l.quantity, l.unit])).to.deep.equal([
      [
        "fargate:api",
        "Fargate api (1 vCPU, 2 GB, arm64, 0% spot)",
        2 * HOURS_PER_MONTH,
        "task-hours",
      ],
      ["ipv4-tasks", "Public IPv4: tasks", 2 * HOURS_PER_MONTH, "address-hours"],
      ["cloudwatch-log-ingestion", "CloudWatch log ingestion", 2, "GB"],
    ]);
    expect(estimate.lines[0].monthlyUsd).to.equal(Math.round(hourly * 1460 * 100) / 100);
    expect(estimate.lines[1].monthlyUsd).to.equal(7.3);
    expect(estimate.lines[2].monthlyUsd).to.equal(1.26);
    expect(estimate.monthlyUsd).to.equal(
      Math.round((estimate.lines[0].monthlyUsd + 7.3 + 1.26) * 100) / 100,
    );
  });

  it("bills a stopped database's storage only, and a Multi-AZ one twice", () => {
    const rds = (multiAz: boolean) => ({
      type: "aws:rds/instance:Instance",
      name: "db",
      inputs: { instanceClass: "db.t4g.small", allocatedStorage: 50, multiAz },
    });
    const power = (desiredState: string) => ({
      type: "pulumi-nodejs:dynamic:Resource",
      name: "database-power",
      inputs: { desiredState },
    });
    const stopped = estimateCost([rds(false), power("stopped")], "eu-central-1");
    expect(stopped.lines.map((l) => [l.item, l.monthlyUsd])).to.deep.equal([
      ["RDS db.t4g.small (stopped)", 0],
      ["RDS gp3 storage", 6.85],
    ]);
    const multiAz = estimateCost([rds(true), power("available")], "eu-central-1");
    expect(multiAz.lines.map((l) => [l.item, l.quantity, l.monthlyUsd])).to.deep.equal([
      ["RDS db.t4g.small Multi-AZ", 1460, 55.48],
      ["RDS gp3 storage", 100, 13.7],
    ]);
  });

  it("refuses what it cannot price, naming the fix", () => {
    expect(() => estimateCost([], "us-west-2")).to.throw(
      CostError,
      "No prices for region us-west-2: add it to tools/pricing.ts (known: eu-central-1, eu-central-2).",
    );
    expect(() =>
      estimateCost(
        [
          {
            type: "aws:rds/instance:Instance",
            name: "db",
            inputs: { instanceClass: "db.x9.huge" },
          },
        ],
        "eu-central-2",
      ),
    ).to.throw(
      CostError,
      "No price for RDS class db.x9.huge in eu-central-2: add it to tools/pricing.ts.",
    );
  });

  it("weighs a weekly schedule by its hours", () => {
    expect(scheduleCost(168, 0, 84)).to.equal(84);
    expect(scheduleCost(100, 20, 55)).to.equal(46.19);
  });
});

/**
 * USD per month of each stack of the test fixtures (which add the CloudFront sites) in each
 * state, in its region; the committed stack files' own figures are in README.md.
 */
const PINNED: Record<string, Record<string, number>> = {
  staging: { running: 185.27, restricted: 185.27, "db-only": 103.7, stopped: 64.61 },
  production: { running: 307.85, restricted: 307.85, "db-only": 180.33, stopped: 67.03 },
};

for (const stack of STACKS)
  describe(`cost of ${stack}`, function () {
    this.timeout(20_000);
    for (const state of STATES)
      it(`${state}: ${PINNED[stack][state]} USD per month`, async () => {
        const { registrations } = await scenario(stack, state);
        expect(estimateCost(registrations, REGIONS[stack]).monthlyUsd).to.equal(
          PINNED[stack][state],
        );
      });

    it("stopped pays only for the load balancer, storage, secrets, monitoring and the edge", async () => {
      const { registrations } = await scenario(stack, "stopped");
      expect(
        estimateCost(registrations, REGIONS[stack]).lines.map((l) => `${l.item}: ${l.monthlyUsd}`),
      ).to.deep.equal([
        `RDS ${stack === "staging" ? "db.t4g.micro" : "db.t4g.small"} (stopped): 0`,
        ...(stack === "staging"
          ? ["RDS gp3 storage: 2.74", "Load balancer: 19.71", "Load balancer capacity units: 0.58"]
          : [
              "RDS gp3 storage: 3.01",
              "Load balancer: 21.68",
              "Load balancer capacity units: 0.64",
            ]),
        "Public IPv4: load balancer: 10.95",
        "Secrets Manager secrets: 4.4",
        "CloudWatch alarms: 4",
        "CloudWatch dashboards: 3",
        "KMS keys: 1",
        `S3 storage: ${stack === "staging" ? 1.23 : 1.35}`,
        "CloudFront data out: 17",
      ]);
    });
  });

describe("cost in the reports", function () {
  this.timeout(30_000);
  const projectDir = path.resolve(__dirname, "..");
  const run = async (argv: string[]) => {
    const output = { out: "", err: "" };
    const code = await runPlan(argv, {
      projectDir,
      out: (text) => (output.out += text),
      err: (text) => (output.err += text),
    });
    return { code, ...output };
  };

  it("production's NAT gateway leaves with the last task and its cost with it", async () => {
    const [running, stopped] = await Promise.all([
      scenario("production", "running"),
      scenario("production", "stopped"),
    ]);
    const difference = costDifference(
      estimateCost(running.registrations, "eu-central-2"),
      estimateCost(stopped.registrations, "eu-central-2"),
    );
    expect(difference.filter((c) => c.key.startsWith("nat") || c.key === "ipv4-nat")).to.deep.equal(
      [
        { key: "nat", item: "NAT gateways", beforeUsd: 41.76, afterUsd: 0 },
        { key: "nat-data", item: "NAT gateway data", beforeUsd: 0.57, afterUsd: 0 },
        { key: "ipv4-nat", item: "Public IPv4: NAT addresses", beforeUsd: 3.65, afterUsd: 0 },
      ],
    );
  });

  it("plan --cost prints the estimate line by line; json carries it; a transition its difference", async () => {
    const text = await run(["--stack", "staging", "--state", "stopped", "--cost"]);
    expect(text.code).to.equal(0);
    const lines = text.out.split("\n");
    expect(lines).to.include("Monthly cost estimate (eu-central-1)");
    expect(lines).to.include("  Load balancer                    19.71 USD  730 hours × 0.027");
    expect(lines).to.include("  Total per month                  47.61 USD");
    // The committed production file, as the README's table gives it.
    const production = await run([
      "--stack",
      "production",
      "--state",
      "running",
      "--format",
      "json",
    ]);
    expect(JSON.parse(production.out).cost.monthlyUsd).to.equal(290.85);
    expect(lines).to.include(
      "Alerts: 25 alarms notify nobody: `graasp:alerts.emails` is not set. Fix: pulumi config set -s staging --path 'alerts.emails[0]' <address>",
    );
  });
});

const masker = new SecretMasker([]);
/** An offline-plan evaluation from the shared scenario, instead of evaluating again. */
async function evaluationOf(
  stack: "staging" | "production",
  state: "running" | "stopped",
): Promise<Evaluation> {
  return {
    stack,
    state,
    environment: stack,
    region: REGIONS[stack],
    domain: stack === "staging" ? "stage.graasp.org" : "graasp.org",
    appVersion: "v1.66.0",
    resources: masker.normalize((await scenario(stack, state)).registrations),
  };
}
const noSecrets = {
  stack: "staging",
  fileName: "Pulumi.staging.yaml",
  absentSecrets: [],
  warnings: [],
};

describe("cost in the json plan and the transition report", function () {
  this.timeout(20_000);
  it("json carries cost, a transition its difference", async () => {
    const parsed = JSON.parse(
      renderPlan(await evaluationOf("production", "running"), noSecrets, "json"),
    );
    expect(parsed.cost.monthlyUsd).to.equal(307.85);
    expect(parsed.cost.lines).to.have.length(24);
    expect(parsed.cost.lines[0]).to.deep.equal({
      key: "fargate:admin",
      item: "Fargate admin (0.5 vCPU, 1 GB, arm64, 0% spot)",
      quantity: 730,
      unit: "task-hours",
      unitUsd: 0.024987,
      monthlyUsd: 18.24,
    });
    const plan = planTransition(
      await evaluationOf("staging", "stopped"),
      await evaluationOf("staging", "running"),
    );
    expect(renderTransition(plan, noSecrets, "text").split("\n")).to.include(
      "Monthly cost: 64.61 USD → 185.27 USD (+120.66 USD)",
    );
    const json = JSON.parse(renderTransition(plan, noSecrets, "json"));
    expect([
      json.cost.from.monthlyUsd,
      json.cost.to.monthlyUsd,
      json.cost.differenceUsd,
    ]).to.deep.equal([64.61, 185.27, 120.66]);
    // Like a single state's report, `cost` carries the (target) state's total and lines.
    expect(json.cost.monthlyUsd).to.equal(185.27);
    expect(json.cost.lines).to.deep.equal(json.cost.to.lines);
  });
});

describe("cost column of npm run transitions", function () {
  this.timeout(20_000);
  it("shows each transition's monthly cost before and after", async () => {
    const plan = planTransition(
      await evaluationOf("staging", "running"),
      await evaluationOf("staging", "stopped"),
    );
    const text = renderTransitions(
      [{ stack: "staging", fileName: "Pulumi.staging.yaml", plans: [plan] }],
      "text",
    );
    const [header, row] = text.split("\n").filter((line) => line.startsWith("  "));
    expect(header).to.include("Cost/month (USD)");
    expect(row).to.include("185.27 → 64.61 (-120.66)");
    const json = JSON.parse(
      renderTransitions(
        [{ stack: "staging", fileName: "Pulumi.staging.yaml", plans: [plan] }],
        "json",
      ),
    );
    expect(json[0].transitions[0].cost).to.deep.equal({
      monthlyUsd: 64.61,
      fromMonthlyUsd: 185.27,
      toMonthlyUsd: 64.61,
      differenceUsd: -120.66,
    });
  });
});

describe("cost of the committed stack files", function () {
  this.timeout(30_000);
  // README's cost table: a change that makes a state dearer fails here and shows in review.
  const README_TABLE: Record<string, Record<string, number>> = {
    staging: { running: 168.27, restricted: 168.27, "db-only": 86.7, stopped: 47.61 },
    production: { running: 290.85, restricted: 290.85, "db-only": 163.33, stopped: 50.03 },
  };
  for (const stack of STACKS)
    it(`${stack}: every state costs what README says`, async () => {
      const projectDir = path.resolve(__dirname, "..");
      const stackConfig = readStackConfig(projectDir, stack);
      const masker = maskerFor(stackConfig);
      const figures: Record<string, number> = {};
      for (const state of STATES) {
        const evaluation = await evaluateState(stackConfig, state, masker);
        figures[state] = estimateCost(evaluation.resources, evaluation.region).monthlyUsd;
      }
      expect(figures).to.deep.equal(README_TABLE[stack]);
    });
});
