/*
 * Alarms, topic and dashboard: which alarms exist, what they read, and which notify in each
 * state; the alert settings' validation. What this cannot prove: that CloudWatch publishes
 * these metrics with these dimensions (Container Insights must be on, as the cluster sets it)
 * or that an alarm ever fires; an alarm test in a real account covers that.
 */
import { expect } from "chai";
import { alarmSpecs } from "../components/alarms";
import { SERVICE_CATALOG, SERVICE_NAMES } from "../components/catalog";
import { STATE_TABLE, tierRuns } from "../components/deploymentStates";
import { ALERT_THRESHOLD_DEFAULTS, ConfigError, parseConfig } from "../config";
import { STACKS, configFor, rawConfig } from "./fixtures";
import { createPlatform } from "../platform";
import { evaluate, named, ofType } from "./mocks";
import { STATES, scenario } from "./scenarios";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const PUBLIC = ["core", "etherpad", "library", "umami", "admin"];
const TOPIC_ARN = "arn:aws:sns:eu-central-2:123456789012:graasp-staging-alarms";

const targets = {
  loadBalancer: "app/alb/1",
  clusterName: "graasp-staging",
  databaseIdentifier: "graasp-staging",
  services: SERVICE_NAMES.map((name) => ({
    name,
    tier: SERVICE_CATALOG[name].tier,
    targetGroup: PUBLIC.includes(name) ? `targetgroup/${name}/1` : undefined,
  })),
};

describe("alarm definitions", () => {
  it("watch the load balancer, each public target group, every service and the database", () => {
    const specs = alarmSpecs(targets, ALERT_THRESHOLD_DEFAULTS, STATE_TABLE.running);
    expect(specs.map((spec) => spec.role)).to.deep.equal([
      "load-balancer-5xx",
      ...SERVICE_NAMES.flatMap((name) => [
        ...(PUBLIC.includes(name) ? [`${name}-target-5xx`, `${name}-unhealthy-targets`] : []),
        `${name}-tasks-below-desired`,
      ]),
      "database-cpu",
      "database-free-storage",
      "database-free-memory",
      "database-connections",
      "database-awake-while-stopped",
    ]);
    const core = specs.find((spec) => spec.role === "core-target-5xx")!;
    expect(
      core.metrics.map((m) => [m.namespace, m.metricName, m.stat, m.dimensions]),
    ).to.deep.equal([
      [
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
        "Sum",
        { LoadBalancer: "app/alb/1", TargetGroup: "targetgroup/core/1" },
      ],
      [
        "AWS/ApplicationELB",
        "RequestCount",
        "Sum",
        { LoadBalancer: "app/alb/1", TargetGroup: "targetgroup/core/1" },
      ],
    ]);
    expect(core.expression).to.equal("IF(m2 > 0, 100 * FILL(m1, 0) / m2, 0)");
    const tasks = specs.find((spec) => spec.role === "redis-tasks-below-desired")!;
    expect(
      tasks.metrics.map((m) => `${m.namespace} ${m.metricName} ${JSON.stringify(m.dimensions)}`),
    ).to.deep.equal([
      'ECS/ContainerInsights DesiredTaskCount {"ClusterName":"graasp-staging","ServiceName":"redis"}',
      'ECS/ContainerInsights RunningTaskCount {"ClusterName":"graasp-staging","ServiceName":"redis"}',
    ]);
    expect([tasks.periodSeconds, tasks.evaluationPeriods, tasks.threshold]).to.deep.equal([
      60, 10, 0,
    ]);
    const storage = specs.find((spec) => spec.role === "database-free-storage")!;
    expect([storage.comparison, storage.threshold]).to.deep.equal([
      "LessThanThreshold",
      2 * 1024 ** 3,
    ]);
  });

  it("notify only for what the state table runs", () => {
    for (const state of STATES) {
      const behaviour = STATE_TABLE[state];
      const enabled = Object.fromEntries(
        alarmSpecs(targets, ALERT_THRESHOLD_DEFAULTS, behaviour).map((s) => [
          s.role,
          s.actionsEnabled,
        ]),
      );
      for (const name of SERVICE_NAMES)
        expect(enabled[`${name}-tasks-below-desired`], `${state} ${name}`).to.equal(
          tierRuns(behaviour, SERVICE_CATALOG[name].tier),
        );
      expect(enabled["load-balancer-5xx"], state).to.equal(!behaviour.maintenance);
      expect(enabled["database-cpu"], state).to.equal(behaviour.databasePower === "available");
      expect(enabled["database-awake-while-stopped"], state).to.equal(
        behaviour.databasePower === "stopped",
      );
    }
    const stopped = alarmSpecs(targets, ALERT_THRESHOLD_DEFAULTS, STATE_TABLE.stopped);
    expect(stopped.filter((s) => s.actionsEnabled).map((s) => s.role)).to.deep.equal([
      "database-awake-while-stopped",
    ]);
    const dbOnly = alarmSpecs(targets, ALERT_THRESHOLD_DEFAULTS, STATE_TABLE["db-only"]);
    expect(dbOnly.filter((s) => s.actionsEnabled).map((s) => s.role)).to.deep.equal([
      "umami-target-5xx",
      "umami-unhealthy-targets",
      "umami-tasks-below-desired",
      "admin-target-5xx",
      "admin-unhealthy-targets",
      "admin-tasks-below-desired",
      "database-cpu",
      "database-free-storage",
      "database-free-memory",
      "database-connections",
    ]);
  });
});

for (const stack of STACKS)
  for (const state of STATES)
    describe(`monitoring of ${stack} in ${state}`, function () {
      this.timeout(20_000);

      it("registers 25 alarms on the encrypted topic, actions as the state table says", async () => {
        const { registrations } = await scenario(stack, state);
        const alarms = ofType(registrations, ALARM);
        expect(alarms).to.have.length(25);
        const topicArn = `arn:aws:sns:eu-central-2:123456789012:graasp-${stack}-alarms`;
        for (const alarm of alarms) {
          expect(alarm.inputs.alarmActions, alarm.name).to.deep.equal([topicArn]);
          expect(alarm.inputs.name, alarm.name).to.equal(
            `graasp-${stack}-${alarm.name.slice("monitoring-".length)}`,
          );
          expect(alarm.inputs.treatMissingData).to.equal("notBreaching");
          expect(alarm.protect).to.equal(false);
        }
        const behaviour = STATE_TABLE[state];
        const expected = alarmSpecs(targets, ALERT_THRESHOLD_DEFAULTS, behaviour);
        expect(alarms.map((a) => [a.name, a.inputs.actionsEnabled]).sort()).to.deep.equal(
          expected.map((s) => [`monitoring-${s.role}`, s.actionsEnabled]).sort(),
        );
        const core = named(registrations, ALARM, "monitoring-core-target-5xx");
        expect(core.inputs.metricQueries[0].metric.dimensions).to.deep.equal({
          LoadBalancer: "app/load-balancer-alb/50dc6c495c0c9188",
          TargetGroup: "targetgroup/core-tg/73e2d6bc24d8a067",
        });
        const topic = named(registrations, "aws:sns/topic:Topic", "monitoring-topic");
        expect(topic.inputs.kmsMasterKeyId).to.equal(
          "arn:aws:kms:eu-central-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        );
        const key = named(registrations, "aws:kms/key:Key", "monitoring-key");
        expect(key.inputs.enableKeyRotation).to.equal(true);
        expect(JSON.parse(key.inputs.policy).Statement[1]).to.deep.equal({
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
        });
        // The committed stacks set no graasp:alerts: nobody is subscribed.
        expect(ofType(registrations, "aws:sns/topicSubscription:TopicSubscription")).to.deep.equal(
          [],
        );
        const dashboard = named(
          registrations,
          "aws:cloudwatch/dashboard:Dashboard",
          "monitoring-dashboard",
        );
        expect(dashboard.inputs.dashboardName).to.equal(`graasp-${stack}`);
        expect(JSON.parse(dashboard.inputs.dashboardBody).widgets).to.have.length(25);
      });
    });

describe("alert settings", () => {
  const problemsOf = (alerts: unknown): readonly string[] => {
    try {
      parseConfig(rawConfig("staging", "running", { alerts: JSON.stringify(alerts) }), "staging");
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error("expected a ConfigError");
  };

  it("default to no subscriber and the documented thresholds", () => {
    expect(configFor("staging", "running").alerts).to.deep.equal({
      emails: [],
      thresholds: {
        loadBalancer5xxPercent: 5,
        target5xxPercent: 5,
        unhealthyTargets: 1,
        tasksBelowDesiredMinutes: 10,
        databaseCpuPercent: 80,
        databaseFreeStorageGb: 2,
        databaseFreeMemoryMb: 64,
        databaseConnections: 80,
      },
    });
  });

  it("subscribes each address and applies the thresholds given", async () => {
    const config = configFor("staging", "stopped", {
      alerts: JSON.stringify({
        emails: ["ops@graasp.org", "oncall@example.ch"],
        thresholds: { databaseCpuPercent: 90, tasksBelowDesiredMinutes: 5 },
      }),
    });
    expect(config.alerts.thresholds.databaseCpuPercent).to.equal(90);
    const { registrations } = await evaluate("staging", () => createPlatform(config));
    expect(
      ofType(registrations, "aws:sns/topicSubscription:TopicSubscription").map((r) => [
        r.name,
        r.inputs.protocol,
        r.inputs.endpoint,
        r.inputs.topic,
      ]),
    ).to.deep.equal([
      ["monitoring-email-0", "email", "ops@graasp.org", TOPIC_ARN],
      ["monitoring-email-1", "email", "oncall@example.ch", TOPIC_ARN],
    ]);
    const cpu = named(registrations, ALARM, "monitoring-database-cpu");
    expect(cpu.inputs.threshold).to.equal(90);
    expect(
      named(registrations, ALARM, "monitoring-core-tasks-below-desired").inputs.evaluationPeriods,
    ).to.equal(5);
  });

  it("refuses an address that is not one, a negative or out-of-range threshold, unknown keys", () => {
    expect(
      problemsOf({
        emails: ["ops@graasp.org", "ops-at-graasp.org", 7],
        thresholds: {
          databaseConnections: -1,
          target5xxPercent: 150,
          databaseCpuPercent: "80",
          tasksBelowDesiredMinutes: 2.5,
          cpu: 1,
        },
        email: "x",
      }),
    ).to.deep.equal([
      "`graasp:alerts.email` is not a known key (a typo?); known keys: emails, thresholds. Did you mean `graasp:alerts.emails`? Fix: pulumi config rm --path 'alerts.email'",
      "`graasp:alerts.emails[1]` is \"ops-at-graasp.org\", which is not an e-mail address. Fix: pulumi config set --path 'alerts.emails[1]' ops@graasp.org",
      "`graasp:alerts.emails[2]` is 7, which is not an e-mail address. Fix: pulumi config set --path 'alerts.emails[2]' ops@graasp.org",
      "`graasp:alerts.thresholds.cpu` is not a known key (a typo?); known keys: loadBalancer5xxPercent, target5xxPercent, unhealthyTargets, tasksBelowDesiredMinutes, databaseCpuPercent, databaseFreeStorageGb, databaseFreeMemoryMb, databaseConnections. Fix: pulumi config rm --path 'alerts.thresholds.cpu'",
      "`graasp:alerts.thresholds.databaseCpuPercent` must be a number (found the string \"80\"). Fix: pulumi config set --path 'alerts.thresholds.databaseCpuPercent' 80",
      "`graasp:alerts.thresholds.databaseConnections` is -1; use a number from 0 up. Fix: pulumi config set --path 'alerts.thresholds.databaseConnections' 80",
      "`graasp:alerts.thresholds.target5xxPercent` is 150; use a number from 0 to 100. Fix: pulumi config set --path 'alerts.thresholds.target5xxPercent' 5",
      "`graasp:alerts.thresholds.tasksBelowDesiredMinutes` is 2.5; use a whole number of minutes from 1 to 1440. Fix: pulumi config set --path 'alerts.thresholds.tasksBelowDesiredMinutes' 10",
    ]);
    expect(problemsOf({ emails: "ops@graasp.org" })).to.deep.equal([
      "`graasp:alerts.emails` must be a list (found the string \"ops@graasp.org\"). Fix: pulumi config rm --path 'alerts.emails', then pulumi config set --path 'alerts.emails[0]' ops@graasp.org (one address per index)",
    ]);
  });
});
