/*
 * Transition safety: for both stacks and every ordered pair of deployment states, what a
 * `pulumi up` would change. What this cannot prove: the provider's own diff (a property it
 * normalises could still show up in a real preview); `pulumi preview` on a real stack does.
 */
import { expect } from "chai";
import { SERVICE_NAMES } from "../components/catalog";
import { STATE_TABLE } from "../components/deploymentStates";
import { diffResources, isStateful } from "../tools/resourceDiff";
import { STACKS } from "./fixtures";
import { STATES, scenario } from "./scenarios";

const SERVICE = "aws:ecs/service:Service";
const TARGET = "aws:appautoscaling/target:Target";
const RULE = "aws:lb/listenerRule:ListenerRule";
const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const NAT_TYPES = ["aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway", "aws:ec2/route:Route"];
const STORE_KEY = "aws:cloudfront/keyvaluestoreKey:KeyvaluestoreKey";

/** What a state change may touch, and which properties of it. */
const ALLOWED_CHANGES: Readonly<Record<string, readonly RegExp[]>> = {
  [SERVICE]: [/^desiredCount$/],
  [TARGET]: [/^minCapacity$/, /^maxCapacity$/],
  // The bypass header condition comes and goes with maintenance.
  [RULE]: [/^conditions\[\d\]/],
  // Database power; a deployment check re-checks a new count; a drain check waits for the
  // clients a state turns off.
  // One-off tasks move to a public IP while no NAT gateway exists (an update: no re-run).
  [DYNAMIC]: [
    /^desiredState$/,
    /^desiredCount$/,
    /^drain\.serviceNames(\[\d\])?$/,
    /^subnetIds(\[\d\])?$/,
    /^assignPublicIp$/,
  ],
  // The CloudFront sites' maintenance flag (its name is checked below): on or off.
  [STORE_KEY]: [/^value$/],
  // Alarms only switch their notifications with the state.
  "aws:cloudwatch/metricAlarm:MetricAlarm": [/^actionsEnabled$/],
  // The NAT gateway, its address and routes come and go with `tasksMayRun` (never changed).
  ...Object.fromEntries(NAT_TYPES.map((type) => [type, []])),
};

for (const stack of STACKS)
  describe(`transitions of ${stack}`, function () {
    this.timeout(30_000);

    for (const from of STATES)
      for (const to of STATES.filter((state) => state !== from))
        it(`${from} -> ${to}: no stateful resource or task definition changes`, async () => {
          const [before, after] = [await scenario(stack, from), await scenario(stack, to)];
          const changes = diffResources(before.registrations, after.registrations);

          expect(
            changes.filter((change) => isStateful(change.type)).map((change) => change.urn),
          ).to.deep.equal([]);
          expect(
            changes.filter((change) => change.type === "aws:ecs/taskDefinition:TaskDefinition"),
          ).to.deep.equal([]);

          for (const change of changes.filter((change) => change.type === STORE_KEY))
            expect(change.name).to.match(/^cdn-gate-[a-z]+-flag$/);
          for (const change of changes) {
            const allowed = ALLOWED_CHANGES[change.type];
            expect(allowed, `${change.kind} ${change.type} ${change.name}`).not.to.equal(undefined);
            if (change.kind === "changed")
              for (const property of change.properties)
                expect(
                  allowed.some((pattern) => pattern.test(property.path)),
                  `${change.name}.${property.path}`,
                ).to.equal(true);
            else {
              // Only the maintenance responses, the migration and the NAT come and go.
              expect(change.name).to.match(
                /^(maintenance-(api|apex-api|page)|migration|network-nat-[abc]|network-private-[abc]-nat)$/,
              );
            }
          }
        });

    it("keeps the inputs of every stateful resource identical in all four states", async () => {
      const [first, ...others] = await Promise.all(STATES.map((state) => scenario(stack, state)));
      const stateful = (registrations: typeof first.registrations) =>
        registrations
          .filter((r) => isStateful(r.type))
          .map((r) => ({ urn: r.urn, inputs: r.inputs, protect: r.protect }))
          // Registration order follows the transition's direction; identity is the URN.
          .sort((a, b) => a.urn.localeCompare(b.urn));
      const reference = stateful(first.registrations);
      expect(reference.map((r) => r.urn.split("::").pop()).sort()).to.deep.equal(
        [
          "database-credentials",
          "database-credentials-value",
          "database-final-snapshot-suffix",
          "database-instance",
          "database-master-password",
          "database-postgresql-logs",
          "database-upgrade-logs",
          "database-parameters",
          "database-subnets",
          "load-balancer-alb",
          "network-vpc",
          ...SERVICE_NAMES.map((name) => `${name}-task-logs`),
          "migrate-logs",
          ...["core", "workers", "etherpad", "umami", "admin", "meilisearch"].flatMap((name) => [
            `${name}-task-secret`,
            `${name}-task-secret-value`,
          ]),
          "migrate-secret",
          "migrate-secret-value",
          // The S3 access key and the pull-through cache's credential: no state touches them.
          "s3-access-key-1",
          "image-cache-docker-hub-credential",
          "image-cache-docker-hub-credential-value",
          ...["file-items", "h5p", "apps", "assets", "maintenance"].map((p) => `storage-${p}`),
          ...["graasp", "admin", "explore", "etherpad"].map((role) => `registry-${role}`),
          ...["db-setup", "toolbox"].flatMap((task) => [
            `${task}-logs`,
            `${task}-secret`,
            `${task}-secret-value`,
          ]),
        ].sort(),
      );
      for (const other of others) expect(stateful(other.registrations)).to.deep.equal(reference);
    });

    it("changes only task counts, autoscaling bounds, listener rules and the transition resources", async () => {
      const running = await scenario(stack, "running");
      const stopped = await scenario(stack, "stopped");
      const changes = diffResources(running.registrations, stopped.registrations);
      const summary = changes.map((change) => `${change.kind} ${change.name}`).sort();
      expect(summary).to.deep.equal(
        [
          "added maintenance-api",
          "added maintenance-apex-api",
          "added maintenance-page",
          "changed database-power",
          "changed cdn-gate-core-flag",
          ...SERVICE_NAMES.map((name) => `changed ${name}-service`),
          ...SERVICE_NAMES.map((name) => `changed ${name}-deployment-check`),
          ...["redis", "meilisearch", "iframely"].map((name) => `changed ${name}-clients-drained`),
          ...["core", "workers", "library"].map((name) => `changed ${name}-scaling`),
          ...[
            "core-rule-1",
            "core-rule-2",
            "core-rule-7",
            "etherpad-rule-4",
            "library-rule-30",
            "umami-rule-5",
            "admin-rule-10",
          ].map((name) => `changed ${name}`),
          ...[
            "go",
            "account",
            "auth",
            "player",
            "builder",
            "analytics",
            "association",
            "admin",
          ].map((host) => `changed load-balancer-redirect-${host}`),
          // Every alarm stops notifying, and the database's "awake while stopped" one starts.
          "changed monitoring-load-balancer-5xx",
          ...["core", "etherpad", "library", "umami", "admin"].flatMap((name) => [
            `changed monitoring-${name}-target-5xx`,
            `changed monitoring-${name}-unhealthy-targets`,
          ]),
          ...SERVICE_NAMES.map((name) => `changed monitoring-${name}-tasks-below-desired`),
          ...["cpu", "free-storage", "free-memory", "connections", "awake-while-stopped"].map(
            (role) => `changed monitoring-database-${role}`,
          ),
          // Production's single NAT gateway goes while nothing runs (the one-off task records
          // follow it to the public subnets); staging has none.
          ...(stack === "production"
            ? [
                "changed database-setup",
                "changed initial-migration",
                "removed network-nat-a",
                "removed network-nat-a",
                ...["a", "b", "c"].map((zone) => `removed network-private-${zone}-nat`),
              ]
            : []),
        ].sort(),
      );
    });

    it("never protects what the NAT strategy or the state adds and removes", async () => {
      for (const state of STATES) {
        const { registrations } = await scenario(stack, state);
        const network = registrations.filter((r) => r.urn.includes("GraaspNetwork$"));
        const protectedNames = network.filter((r) => r.protect).map((r) => r.name);
        // The VPC and the database's isolated subnets only: a new NAT strategy is never blocked.
        expect(protectedNames).to.deep.equal([
          "network-vpc",
          "network-isolated-a",
          "network-isolated-b",
          "network-isolated-c",
        ]);
      }
    });

    for (const [from, to] of [
      ["running", "restricted"],
      ["restricted", "running"],
    ] as const)
      it(`${from} -> ${to} changes only the maintenance gating`, async () => {
        const changes = diffResources(
          (await scenario(stack, from)).registrations,
          (await scenario(stack, to)).registrations,
        );
        const gatedRules = [
          ...["core-rule-1", "core-rule-2", "core-rule-7", "etherpad-rule-4", "library-rule-30"],
          ...[
            "go",
            "account",
            "auth",
            "player",
            "builder",
            "analytics",
            "association",
            "admin",
          ].map((host) => `load-balancer-redirect-${host}`),
        ];
        const responses = ["maintenance-api", "maintenance-apex-api", "maintenance-page"];
        expect(changes.map((change) => `${change.kind} ${change.name}`).sort()).to.deep.equal(
          [
            "changed cdn-gate-core-flag",
            // Its own 503 page counts as 5xx: the load balancer's alarm is off in maintenance.
            "changed monitoring-load-balancer-5xx",
            ...gatedRules.map((name) => `changed ${name}`),
            ...responses.map((name) => `${from === "running" ? "added" : "removed"} ${name}`),
          ].sort(),
        );
        const flag = changes.find((change) => change.name === "cdn-gate-core-flag")!;
        expect(flag.properties).to.deep.equal([
          {
            path: "value",
            before: from === "running" ? "off" : "on",
            after: from === "running" ? "on" : "off",
          },
        ]);
      });

    it("touches no bucket setting, distribution, function, record or repository in any transition", async () => {
      const edge = /^aws:(s3|cloudfront|route53|ecr)\//;
      for (const from of STATES)
        for (const to of STATES.filter((state) => state !== from)) {
          const changes = diffResources(
            (await scenario(stack, from)).registrations,
            (await scenario(stack, to)).registrations,
          ).filter((change) => edge.test(change.type));
          const expected =
            STATE_TABLE[from].maintenance === STATE_TABLE[to].maintenance
              ? []
              : ["changed cdn-gate-core-flag"];
          expect(
            changes.map((change) => `${change.kind} ${change.name}`),
            `${from} -> ${to}`,
          ).to.deep.equal(expected);
        }
    });

    it("cannot delete a bucket or a repository: protected and retained in every state", async () => {
      for (const state of STATES) {
        const { registrations } = await scenario(stack, state);
        const kept = registrations.filter((r) =>
          ["aws:s3/bucket:Bucket", "aws:ecr/repository:Repository"].includes(r.type),
        );
        expect(kept.map((r) => `${r.name} ${r.protect} ${r.retainOnDelete}`).sort()).to.deep.equal(
          [
            ...["file-items", "h5p", "apps", "assets", "maintenance"].map(
              (purpose) => `storage-${purpose} true true`,
            ),
            ...["graasp", "explore", "etherpad", "admin"].map(
              (role) => `registry-${role} true true`,
            ),
          ].sort(),
        );
        // A destroy also leaves each bucket's settings (access block, versioning, policy) in place.
        const settings = registrations.filter(
          (r) => r.type.startsWith("aws:s3/") && r.type !== "aws:s3/bucket:Bucket",
        );
        expect(settings.length).to.equal(5 + 5 + 2 + 3 + 4 + 4);
        expect(settings.filter((r) => !r.retainOnDelete).map((r) => r.name)).to.deep.equal([]);
      }
    });
  });
