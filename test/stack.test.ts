/*
 * The whole stack, evaluated for both stacks in all four deployment states under the shared
 * mocks. What this cannot prove: that AWS accepts these inputs, which changes the provider turns
 * into replacements, or how long ECS and RDS take; `pulumi preview` against an account does.
 */
import { expect } from "chai";
import { SERVICE_NAMES } from "../components/catalog";
import { DeploymentState } from "../components/deploymentStates";
import { MAINTENANCE_HTML, MAINTENANCE_JSON } from "../components/maintenanceContent";
import { MAIL_SENDERS, REGIONS, REGISTRIES, SENTRY_ENVS } from "./fixtures";
import { BYPASS_TOKEN, CERTIFICATE_ARNS, DOMAINS, SECRETS, STACKS, configFor } from "./fixtures";
import { createPlatform } from "../platform";
import { Registration, evaluate, named, ofType } from "./mocks";
import { STATES, Scenario, scenario } from "./scenarios";

const RULE = "aws:lb/listenerRule:ListenerRule";
const SERVICE = "aws:ecs/service:Service";
const TARGET = "aws:appautoscaling/target:Target";
const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

const EXPECTED_COUNTS = {
  // Database power (and migration in db-only), engine guard, ECS service-linked role,
  // 9 deployment checks, 3 drain checks, the database setup and the initial migration.
  running: { rules: 15, dynamic: 17 },
  restricted: { rules: 18, dynamic: 17 },
  "db-only": { rules: 18, dynamic: 18 },
  stopped: { rules: 18, dynamic: 17 },
} as const;

const DESIRED = {
  running: {
    core: 1,
    workers: 1,
    library: 1,
    etherpad: 1,
    umami: 1,
    admin: 1,
    meilisearch: 1,
    iframely: 1,
    redis: 1,
  },
  restricted: {
    core: 1,
    workers: 1,
    library: 1,
    etherpad: 1,
    umami: 1,
    admin: 1,
    meilisearch: 1,
    iframely: 1,
    redis: 1,
  },
  "db-only": {
    core: 0,
    workers: 0,
    library: 0,
    etherpad: 0,
    umami: 1,
    admin: 1,
    meilisearch: 0,
    iframely: 0,
    redis: 0,
  },
  stopped: {
    core: 0,
    workers: 0,
    library: 0,
    etherpad: 0,
    umami: 0,
    admin: 0,
    meilisearch: 0,
    iframely: 0,
    redis: 0,
  },
};

function countsByType(registrations: readonly Registration[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const registration of registrations)
    counts[registration.type] = (counts[registration.type] ?? 0) + 1;
  return counts;
}

function headerOf(rule: Registration): string | undefined {
  const condition = (rule.inputs.conditions as any[]).find((c) => c.httpHeader);
  return (
    condition && `${condition.httpHeader.httpHeaderName}=${condition.httpHeader.values.join(",")}`
  );
}

function desiredCount(s: Scenario, service: string): number {
  return named(s.registrations, SERVICE, `${service}-service`).inputs.desiredCount;
}

for (const stack of STACKS)
  for (const state of STATES)
    describe(`stack ${stack} in ${state}`, function () {
      this.timeout(20_000);
      let s: Scenario;
      before(async () => {
        s = await scenario(stack, state);
      });
      const domain = DOMAINS[stack];
      const production = stack === "production";

      it("registers exactly the expected resources", () => {
        const counts = countsByType(s.registrations);
        expect(counts).to.deep.include({
          "graasp:index:GraaspNetwork": 1,
          "graasp:index:GraaspLoadBalancer": 1,
          "graasp:index:GraaspCluster": 1,
          "graasp:index:GraaspDatabase": 1,
          "graasp:index:MaintenancePage": 1,
          "graasp:index:GraaspService": 9,
          "graasp:index:GraaspTaskDefinition": 12,
          "aws:ec2/vpc:Vpc": 1,
          "aws:ec2/internetGateway:InternetGateway": 1,
          "aws:ec2/subnet:Subnet": production ? 9 : 6,
          "aws:ec2/routeTable:RouteTable": production ? 4 : 1,
          "aws:ec2/routeTableAssociation:RouteTableAssociation": production ? 6 : 3,
          "aws:lb/loadBalancer:LoadBalancer": 1,
          "aws:lb/listener:Listener": 2,
          "aws:lb/targetGroup:TargetGroup": 5,
          "aws:ecs/cluster:Cluster": 1,
          "aws:ecs/taskDefinition:TaskDefinition": 12,
          "aws:ecs/service:Service": 9,
          "aws:cloudwatch/logGroup:LogGroup": 14,
          "aws:secretsmanager/secret:Secret": 11,
          "aws:secretsmanager/secretVersion:SecretVersion": 11,
          "graasp:index:S3Access": 1,
          "aws:iam/user:User": 1,
          "aws:iam/userPolicy:UserPolicy": 1,
          "aws:iam/accessKey:AccessKey": 1,
          "graasp:index:ImageCache": 1,
          "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": 1,
          "aws:ec2/securityGroup:SecurityGroup": 14,
          "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 13,
          "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 22,
          "aws:iam/role:Role": 5,
          "aws:iam/rolePolicy:RolePolicy": 5,
          "aws:rds/instance:Instance": 1,
          "aws:appautoscaling/target:Target": 3,
          "aws:appautoscaling/policy:Policy": 3,
          "graasp:index:GraaspMonitoring": 1,
          "aws:cloudwatch/metricAlarm:MetricAlarm": 25,
          "aws:cloudwatch/dashboard:Dashboard": 1,
          "aws:sns/topic:Topic": 1,
          "aws:sns/topicPolicy:TopicPolicy": 1,
          "aws:kms/key:Key": 1,
          "aws:kms/alias:Alias": 1,
        });
        const nat = production && state !== "stopped" ? 1 : 0;
        expect([counts["aws:ec2/natGateway:NatGateway"], counts["aws:ec2/eip:Eip"]]).to.deep.equal(
          nat ? [1, 1] : [undefined, undefined],
        );
        expect(counts["aws:ec2/route:Route"]).to.equal(1 + 3 * nat);
        expect(counts[RULE]).to.equal(EXPECTED_COUNTS[state].rules);
        expect(counts[DYNAMIC]).to.equal(EXPECTED_COUNTS[state].dynamic);
      });

      it("exports the state, URLs and per-service counts, and no secret", () => {
        expect(s.outputs.deploymentState).to.equal(state);
        expect(s.outputs.environment).to.equal(stack);
        expect(s.outputs.url).to.equal(`https://${domain}`);
        expect(s.outputs.apiUrl).to.equal(`https://api.${domain}`);
        expect(s.loadBalancerDnsName).to.equal(
          "load-balancer-alb-1234567890.eu-central-2.elb.amazonaws.com",
        );
        expect(s.databaseEndpoint).to.equal(
          `graasp-${stack}.c9akciq32.eu-central-2.rds.amazonaws.com:5432`,
        );
        const expected = { ...DESIRED[state] } as Record<string, number>;
        if (production && expected.core === 1) expected.core = 2;
        expect(s.outputs.services).to.deep.equal(expected);
        expect(s.outputs.maintenance).to.equal(state !== "running");
        const exported = JSON.stringify({
          ...s.outputs,
          dns: s.loadBalancerDnsName,
          db: s.databaseEndpoint,
        });
        for (const value of [...Object.values(SECRETS), BYPASS_TOKEN])
          expect(exported).not.to.include(value);
      });

      it("lays the network out over three zones, NAT by environment", () => {
        const vpc = named(s.registrations, "aws:ec2/vpc:Vpc", "network-vpc");
        expect(vpc.inputs).to.deep.include({
          cidrBlock: "10.0.0.0/16",
          enableDnsHostnames: true,
          enableDnsSupport: true,
        });
        expect(vpc.protect).to.equal(true);
        const subnets = ofType(s.registrations, "aws:ec2/subnet:Subnet").map(
          (r) => `${r.name} ${r.inputs.cidrBlock} ${r.inputs.availabilityZone} ${r.protect}`,
        );
        const zone = (letter: string) => `${REGIONS[stack]}${letter}`;
        expect(subnets).to.deep.equal([
          `network-public-a 10.0.0.0/24 ${zone("a")} false`,
          `network-public-b 10.0.1.0/24 ${zone("b")} false`,
          `network-public-c 10.0.2.0/24 ${zone("c")} false`,
          `network-isolated-a 10.0.3.0/24 ${zone("a")} true`,
          `network-isolated-b 10.0.4.0/24 ${zone("b")} true`,
          `network-isolated-c 10.0.5.0/24 ${zone("c")} true`,
          ...(production
            ? [
                `network-private-a 10.0.16.0/20 ${zone("a")} false`,
                `network-private-b 10.0.32.0/20 ${zone("b")} false`,
                `network-private-c 10.0.48.0/20 ${zone("c")} false`,
              ]
            : []),
        ]);
        // Production has its single NAT gateway whenever a task may run, and none when stopped.
        const nat = production && state !== "stopped";
        const nats = ofType(s.registrations, "aws:ec2/natGateway:NatGateway");
        expect(nats.map((r) => [r.name, r.inputs.subnetId, r.protect])).to.deep.equal(
          nat ? [["network-nat-a", "subnet-public-a", false]] : [],
        );
        expect(
          ofType(s.registrations, "aws:ec2/eip:Eip").map((r) => [
            r.name,
            r.inputs.domain,
            r.protect,
          ]),
        ).to.deep.equal(nat ? [["network-nat-a", "vpc", false]] : []);
        const routes = ofType(s.registrations, "aws:ec2/route:Route").map(
          (r) =>
            `${r.name} ${r.inputs.destinationCidrBlock} ${r.inputs.natGatewayId ?? r.inputs.gatewayId} ${r.protect}`,
        );
        expect(routes).to.deep.equal([
          "network-public-internet 0.0.0.0/0 network-igw-id false",
          ...(nat
            ? ["a", "b", "c"].map(
                (zone) => `network-private-${zone}-nat 0.0.0.0/0 nat-network-nat-a false`,
              )
            : []),
        ]);
        const core = named(s.registrations, SERVICE, "core-service");
        expect(core.inputs.networkConfiguration).to.deep.equal(
          production
            ? {
                subnets: ["subnet-private-a", "subnet-private-b", "subnet-private-c"],
                securityGroups: ["sg-core-task-sg"],
                assignPublicIp: false,
              }
            : {
                subnets: ["subnet-public-a", "subnet-public-b", "subnet-public-c"],
                securityGroups: ["sg-core-task-sg"],
                assignPublicIp: true,
              },
        );
      });

      it("opens the load balancer on 80 and 443 only, and redirects HTTP", () => {
        const rules = ofType(s.registrations, INGRESS).filter(
          (rule) => rule.inputs.securityGroupId === "sg-load-balancer-sg",
        );
        expect(
          rules.map(
            (rule) =>
              `${rule.inputs.ipProtocol} ${rule.inputs.fromPort}-${rule.inputs.toPort} ${rule.inputs.cidrIpv4 ?? rule.inputs.cidrIpv6}`,
          ),
        ).to.deep.equal([
          "tcp 80-80 0.0.0.0/0",
          "tcp 80-80 ::/0",
          "tcp 443-443 0.0.0.0/0",
          "tcp 443-443 ::/0",
        ]);
        const egress = named(
          s.registrations,
          "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
          "load-balancer-out-vpc",
        );
        expect(egress.inputs).to.deep.include({
          ipProtocol: "tcp",
          fromPort: 0,
          toPort: 65535,
          cidrIpv4: "10.0.0.0/16",
        });
        const alb = named(s.registrations, "aws:lb/loadBalancer:LoadBalancer", "load-balancer-alb");
        expect(alb.inputs).to.deep.include({
          internal: false,
          loadBalancerType: "application",
          dropInvalidHeaderFields: true,
          enableDeletionProtection: production,
        });
        expect(alb.inputs.subnets).to.deep.equal([
          "subnet-public-a",
          "subnet-public-b",
          "subnet-public-c",
        ]);
        const http = named(s.registrations, "aws:lb/listener:Listener", "load-balancer-http");
        expect(http.inputs.port).to.equal(80);
        expect(http.inputs.defaultActions).to.deep.equal([
          {
            type: "redirect",
            redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" },
          },
        ]);
        const https = named(s.registrations, "aws:lb/listener:Listener", "load-balancer-https");
        expect(https.inputs).to.deep.include({
          port: 443,
          protocol: "HTTPS",
          sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
          certificateArn: CERTIFICATE_ARNS[stack],
        });
        expect(https.inputs.defaultActions).to.deep.equal([
          {
            type: "fixed-response",
            fixedResponse: {
              statusCode: "404",
              contentType: "text/plain",
              messageBody: "Not found",
            },
          },
        ]);
      });

      it("runs the cluster with Container Insights, both Fargate providers and a scoped execution role", () => {
        const cluster = named(s.registrations, "aws:ecs/cluster:Cluster", "cluster-cluster");
        expect(cluster.inputs.name).to.equal(`graasp-${stack}`);
        expect(cluster.inputs.settings).to.deep.equal([
          { name: "containerInsights", value: "enabled" },
        ]);
        const providers = named(
          s.registrations,
          "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
          "cluster-capacity",
        );
        expect(providers.inputs.capacityProviders).to.deep.equal(["FARGATE", "FARGATE_SPOT"]);
        const namespace = named(
          s.registrations,
          "aws:servicediscovery/httpNamespace:HttpNamespace",
          "cluster-namespace",
        );
        expect(namespace.inputs.name).to.equal(`graasp-${stack}`);
        const role = named(s.registrations, "aws:iam/role:Role", "cluster-execution-role");
        expect(JSON.parse(role.inputs.assumeRolePolicy)).to.deep.equal({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "ecs-tasks.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
            },
          ],
        });
        const policy = JSON.parse(
          named(s.registrations, "aws:iam/rolePolicy:RolePolicy", "cluster-execution-policy").inputs
            .policy,
        );
        expect(
          policy.Statement.map((statement: { Resource: string }) => statement.Resource),
        ).to.deep.equal([
          "*",
          "arn:aws:ecr:*:123456789012:repository/*",
          `arn:aws:ecr:${REGIONS[stack]}:123456789012:repository/graasp-${stack}-docker-hub/*`,
          `arn:aws:logs:${REGIONS[stack]}:123456789012:log-group:/graasp/${stack}/*:*`,
          `arn:aws:secretsmanager:${REGIONS[stack]}:123456789012:secret:graasp/${stack}/tasks/*`,
        ]);
        const taskRoles = ofType(s.registrations, "aws:iam/role:Role")
          .map((r) => r.name)
          .sort();
        expect(taskRoles).to.deep.equal([
          "admin-task-task-role",
          "cluster-execution-role",
          "core-task-task-role",
          "toolbox-task-role",
          "workers-task-task-role",
        ]);
      });

      it("redirects the former sub-sites, behind the header when maintenance is on", () => {
        const redirects = ofType(s.registrations, RULE).filter((rule) =>
          rule.name.startsWith("load-balancer-redirect-"),
        );
        expect(
          redirects.map(
            (rule) =>
              `${rule.inputs.priority} ${rule.inputs.conditions[0].hostHeader.values[0]} -> ${rule.inputs.actions[0].redirect.host}${rule.inputs.actions[0].redirect.path} ${rule.inputs.actions[0].redirect.statusCode}`,
          ),
        ).to.deep.equal([
          `50 go.${domain} -> api.${domain}/items/short-links/#{path} HTTP_302`,
          `51 account.${domain} -> ${domain}/account/#{path} HTTP_301`,
          `52 auth.${domain} -> ${domain}/auth/#{path} HTTP_301`,
          `53 player.${domain} -> ${domain}/player/#{path} HTTP_301`,
          `54 builder.${domain} -> ${domain}/builder/#{path} HTTP_301`,
          `55 analytics.${domain} -> ${domain}/analytics/#{path} HTTP_301`,
          `56 association.${domain} -> ${domain}/about-us HTTP_301`,
          `57 admin.${domain} -> ${domain}/#{path} HTTP_301`,
        ]);
        const header =
          state === "running" ? undefined : `x-graasp-maintenance-bypass=${BYPASS_TOKEN}`;
        for (const rule of redirects) expect(headerOf(rule)).to.equal(header);
      });

      it("gates exactly the rules the state table puts behind maintenance", () => {
        const gated = ofType(s.registrations, RULE)
          .filter(
            (rule) =>
              !rule.name.startsWith("load-balancer-redirect-") &&
              !rule.name.startsWith("maintenance-"),
          )
          .map((rule) => `${rule.name}${headerOf(rule) ? " +header" : ""}`)
          .sort();
        const coreGated = state === "running" ? "" : " +header";
        const adminGated = state === "stopped" ? " +header" : "";
        expect(gated).to.deep.equal(
          [
            `admin-rule-10${adminGated}`,
            `core-rule-1${coreGated}`,
            `core-rule-2${coreGated}`,
            `core-rule-7${coreGated}`,
            `etherpad-rule-4${coreGated}`,
            `library-rule-30${coreGated}`,
            `umami-rule-5${adminGated}`,
          ].sort(),
        );
      });

      it("answers 503 during maintenance: JSON for the API, HTML for people", () => {
        const maintenance = ofType(s.registrations, RULE)
          .filter((rule) => rule.name.startsWith("maintenance-"))
          .sort((a, b) => a.inputs.priority - b.inputs.priority);
        if (state === "running") {
          expect(maintenance).to.deep.equal([]);
          return;
        }
        expect(
          maintenance.map((rule) => ({
            name: rule.name,
            priority: rule.inputs.priority,
            conditions: rule.inputs.conditions,
            response: rule.inputs.actions[0].fixedResponse,
          })),
        ).to.deep.equal([
          {
            name: "maintenance-api",
            priority: 3,
            conditions: [{ hostHeader: { values: [`api.${domain}`] } }],
            response: {
              statusCode: "503",
              contentType: "application/json",
              messageBody: MAINTENANCE_JSON,
            },
          },
          {
            name: "maintenance-apex-api",
            priority: 8,
            conditions: [
              { hostHeader: { values: [domain] } },
              { pathPattern: { values: ["/api/*"] } },
            ],
            response: {
              statusCode: "503",
              contentType: "application/json",
              messageBody: MAINTENANCE_JSON,
            },
          },
          {
            name: "maintenance-page",
            priority: 1000,
            conditions: [{ hostHeader: { values: [domain, `*.${domain}`] } }],
            response: {
              statusCode: "503",
              contentType: "text/html",
              messageBody: MAINTENANCE_HTML,
            },
          },
        ]);
        for (const rule of maintenance)
          expect(Buffer.byteLength(rule.inputs.actions[0].fixedResponse.messageBody)).to.be.at.most(
            1024,
          );
      });

      it("routes core's API hosts, including the legacy rewrite", () => {
        const rewrite = named(s.registrations, RULE, "core-rule-2");
        expect(rewrite.inputs.conditions[0]).to.deep.equal({
          hostHeader: { values: [`api.${domain}`] },
        });
        expect(rewrite.inputs.transforms).to.deep.equal([
          {
            type: "url-rewrite",
            urlRewriteConfig: { rewrite: { regex: "^/(.*)$", replace: "/api/$1" } },
          },
        ]);
        const apex = named(s.registrations, RULE, "core-rule-7");
        expect(apex.inputs.conditions.slice(0, 2)).to.deep.equal([
          { hostHeader: { values: [domain] } },
          { pathPattern: { values: ["/api/*"] } },
        ]);
        expect(apex.inputs.actions).to.deep.equal([
          {
            type: "forward",
            targetGroupArn:
              "arn:aws:elasticloadbalancing:eu-central-2:123456789012:targetgroup/core-tg/73e2d6bc24d8a067",
          },
        ]);
        const tg = named(s.registrations, "aws:lb/targetGroup:TargetGroup", "core-tg");
        expect(tg.inputs).to.deep.include({
          port: 3111,
          protocol: "HTTP",
          targetType: "ip",
          deregistrationDelay: 30,
        });
        expect(tg.inputs.healthCheck).to.deep.equal({
          path: "/health",
          matcher: "200-399",
          interval: 30,
          timeout: 15,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        });
      });

      it("runs each service at the count the state table gives its tier", () => {
        for (const name of SERVICE_NAMES) {
          const expected =
            name === "core" && production && DESIRED[state].core === 1 ? 2 : DESIRED[state][name];
          expect(desiredCount(s, name), name).to.equal(expected);
        }
      });

      it("bounds autoscaling to 0..0 when the tier is off, and lets it own the count when on", () => {
        const bounds = ofType(s.registrations, TARGET)
          .sort((a, b) => a.name.localeCompare(b.name))
          .map(
            (target) => `${target.name} ${target.inputs.minCapacity}..${target.inputs.maxCapacity}`,
          );
        const coreBase = production ? 2 : 1;
        expect(bounds).to.deep.equal(
          state === "running" || state === "restricted"
            ? [`core-scaling ${coreBase}..8`, "library-scaling 1..8", "workers-scaling 1..8"]
            : ["core-scaling 0..0", "library-scaling 0..0", "workers-scaling 0..0"],
        );
        const ignored = ofType(s.registrations, SERVICE)
          .filter((service) => service.ignoreChanges.includes("desiredCount"))
          .map((service) => service.name)
          .sort();
        expect(ignored).to.deep.equal(
          state === "running" || state === "restricted"
            ? ["core-service", "library-service", "workers-service"]
            : [],
        );
      });

      it("places tasks on Fargate by each service's spot preference, every weight above 0", () => {
        const strategies = Object.fromEntries(
          ofType(s.registrations, SERVICE).map((service) => [
            service.inputs.name,
            (service.inputs.capacityProviderStrategies as any[])
              .map((share) => `${share.capacityProvider}:${share.base}/${share.weight}`)
              .join(" "),
          ]),
        );
        const upscale = "FARGATE:1/1 FARGATE_SPOT:0/3";
        expect(strategies).to.deep.equal(
          production
            ? {
                core: upscale,
                workers: upscale,
                library: upscale,
                etherpad: "FARGATE:0/1",
                umami: "FARGATE:0/1",
                admin: upscale,
                meilisearch: "FARGATE:0/1",
                iframely: "FARGATE:0/1",
                redis: "FARGATE:0/1",
              }
            : {
                core: "FARGATE_SPOT:0/1",
                workers: "FARGATE_SPOT:0/1",
                library: upscale,
                etherpad: "FARGATE_SPOT:0/1",
                umami: "FARGATE_SPOT:0/1",
                admin: "FARGATE:0/1",
                meilisearch: "FARGATE:0/1",
                iframely: "FARGATE_SPOT:0/1",
                redis: "FARGATE:0/1",
              },
        );
        for (const service of ofType(s.registrations, SERVICE)) {
          expect(service.inputs.deploymentCircuitBreaker).to.deep.equal({
            enable: true,
            rollback: true,
          });
          expect(service.inputs.waitForSteadyState).to.equal(true);
          expect(service.inputs.enableExecuteCommand).to.equal(service.inputs.name === "admin");
          expect(service.inputs.serviceConnectConfiguration.enabled).to.equal(true);
        }
        const meilisearch = named(s.registrations, SERVICE, "meilisearch-service");
        expect(meilisearch.inputs.serviceConnectConfiguration.services).to.deep.equal([
          {
            portName: "meilisearch-7700",
            discoveryName: "graasp-meilisearch",
            clientAlias: [{ port: 7700, dnsName: "graasp-meilisearch" }],
          },
        ]);
      });

      it("creates each service after its listener rules and the cluster's capacity providers", () => {
        const capacity = named(
          s.registrations,
          "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
          "cluster-capacity",
        );
        for (const service of ofType(s.registrations, SERVICE))
          expect(service.dependencies, service.name).to.include(capacity.urn);
        const core = named(s.registrations, SERVICE, "core-service");
        const coreRules = ofType(s.registrations, RULE).filter((rule) =>
          rule.name.startsWith("core-rule-"),
        );
        expect(coreRules).to.have.length(3);
        expect(core.dependencies).to.include.members(coreRules.map((rule) => rule.urn));
      });

      it("starts internal services before their clients and stops them after", () => {
        const urnOf = (name: string) => named(s.registrations, SERVICE, `${name}-service`).urn;
        // Stopping, a server waits on its clients through the `<server>-clients-drained` check.
        const reaches = (urn: string, target: string, seen = new Set<string>()): boolean => {
          if (seen.has(urn)) return false;
          seen.add(urn);
          const deps = s.registrations.find((r) => r.urn === urn)?.dependencies ?? [];
          return deps.includes(target) || deps.some((dep) => reaches(dep, target, seen));
        };
        const dependsOn = (name: string, other: string) => reaches(urnOf(name), urnOf(other));
        const pairs = [
          ["core", "redis"],
          ["core", "meilisearch"],
          ["core", "iframely"],
          ["workers", "redis"],
          ["workers", "meilisearch"],
        ];
        const coreRuns = state === "running" || state === "restricted";
        for (const [client, server] of pairs) {
          expect(dependsOn(client, server), `${client} after ${server}`).to.equal(coreRuns);
          expect(dependsOn(server, client), `${server} after ${client}`).to.equal(!coreRuns);
        }
        expect(dependsOn("library", "redis")).to.equal(false);
      });

      it("admits each service only from the load balancer or its named clients", () => {
        const sources = ofType(s.registrations, INGRESS)
          .filter(
            (rule) =>
              rule.inputs.referencedSecurityGroupId !== undefined &&
              rule.inputs.securityGroupId !== "sg-database-sg",
          )
          .map(
            (rule) =>
              `${rule.inputs.securityGroupId}:${rule.inputs.fromPort} <- ${rule.inputs.referencedSecurityGroupId}`,
          )
          .sort();
        expect(sources).to.deep.equal(
          [
            "sg-core-task-sg:3111 <- sg-load-balancer-sg",
            "sg-library-task-sg:3000 <- sg-load-balancer-sg",
            "sg-etherpad-task-sg:9001 <- sg-load-balancer-sg",
            "sg-umami-task-sg:3000 <- sg-load-balancer-sg",
            "sg-admin-task-sg:4000 <- sg-load-balancer-sg",
            "sg-meilisearch-task-sg:7700 <- sg-core-task-sg",
            "sg-meilisearch-task-sg:7700 <- sg-workers-task-sg",
            "sg-iframely-task-sg:8061 <- sg-core-task-sg",
            "sg-redis-task-sg:6379 <- sg-core-task-sg",
            "sg-redis-task-sg:6379 <- sg-workers-task-sg",
          ].sort(),
        );
        expect(
          ofType(s.registrations, INGRESS)
            .filter(
              (rule) => rule.inputs.cidrIpv4 !== undefined || rule.inputs.cidrIpv6 !== undefined,
            )
            .map((rule) => rule.inputs.securityGroupId),
        ).to.deep.equal(Array(4).fill("sg-load-balancer-sg"));
      });

      it("admits PostgreSQL exactly from the services that use the database", () => {
        const clients = ofType(s.registrations, INGRESS)
          .filter((rule) => rule.inputs.securityGroupId === "sg-database-sg")
          .map(
            (rule) =>
              `${rule.inputs.ipProtocol}/${rule.inputs.fromPort}-${rule.inputs.toPort} <- ${rule.inputs.referencedSecurityGroupId}`,
          );
        expect(clients).to.deep.equal([
          // The one-off tasks and the toolbox exist before the services.
          ...["migrate", "db-setup", "toolbox"].map((task) => `tcp/5432-5432 <- sg-${task}-sg`),
          ...["core", "workers", "etherpad", "umami", "admin"].map(
            (client) => `tcp/5432-5432 <- sg-${client}-task-sg`,
          ),
        ]);
      });

      it("builds the database private, encrypted, TLS-only and protected", () => {
        const instance = named(s.registrations, "aws:rds/instance:Instance", "database-instance");
        expect(instance.inputs).to.deep.include({
          identifier: `graasp-${stack}`,
          engine: "postgres",
          engineVersion: "16",
          instanceClass: production ? "db.t4g.small" : "db.t4g.micro",
          storageType: "gp3",
          allocatedStorage: 20,
          maxAllocatedStorage: 1000,
          storageEncrypted: true,
          multiAz: false,
          publiclyAccessible: false,
          backupRetentionPeriod: production ? 7 : 1,
          deletionProtection: production,
          skipFinalSnapshot: false,
          finalSnapshotIdentifier: `graasp-${stack}-final-a1b2c3d4`,
          performanceInsightsEnabled: true,
          dbName: "graasp",
          username: "graasp",
          password: "generated-password-database-master-password",
        });
        expect(instance.inputs.enabledCloudwatchLogsExports).to.deep.equal([
          "postgresql",
          "upgrade",
        ]);
        expect(instance.inputs.vpcSecurityGroupIds).to.deep.equal(["sg-database-sg"]);
        expect(instance.protect).to.equal(true);
        const parameters = named(
          s.registrations,
          "aws:rds/parameterGroup:ParameterGroup",
          "database-parameters",
        );
        expect(parameters.inputs.family).to.equal("postgres16");
        // Admin cannot encrypt yet (databaseTls.ts): enforcing TLS would lock it out.
        expect(parameters.inputs.parameters).to.deep.equal([{ name: "rds.force_ssl", value: "0" }]);
        const subnets = named(
          s.registrations,
          "aws:rds/subnetGroup:SubnetGroup",
          "database-subnets",
        );
        expect(subnets.inputs.subnetIds).to.deep.equal([
          "subnet-isolated-a",
          "subnet-isolated-b",
          "subnet-isolated-c",
        ]);
        expect(
          named(s.registrations, "aws:secretsmanager/secret:Secret", "database-credentials").inputs
            .name,
        ).to.equal(`graasp/${stack}/database`);
      });

      it("protects every stateful resource", () => {
        const stateful = s.registrations.filter((r) =>
          [
            "aws:rds/instance:Instance",
            "aws:secretsmanager/secret:Secret",
            "aws:cloudwatch/logGroup:LogGroup",
            "random:index/randomPassword:RandomPassword",
            "aws:ec2/vpc:Vpc",
          ].includes(r.type),
        );
        expect(stateful).to.have.length(28);
        expect(stateful.filter((r) => !r.protect).map((r) => r.name)).to.deep.equal([]);
      });

      it("keeps every secret value out of container environments and plain inputs", () => {
        const secretValues = [
          ...Object.values(SECRETS),
          BYPASS_TOKEN,
          "generated-password-database-master-password",
        ];
        for (const definition of ofType(s.registrations, "aws:ecs/taskDefinition:TaskDefinition")) {
          const text = definition.inputs.containerDefinitions as string;
          for (const value of secretValues)
            expect(text, `${definition.name}`).not.to.include(value);
          for (const container of JSON.parse(text))
            for (const variable of container.environment)
              expect(variable.name).not.to.match(/SECRET|PASSWORD|DSN|_KEY$/);
        }
        // Only secret versions, the master password's consumer, header conditions and the
        // CloudFront store's token key may carry them, each marked secret.
        const allowed = new Set([
          "aws:secretsmanager/secretVersion:SecretVersion",
          "aws:rds/instance:Instance",
          RULE,
          "aws:cloudfront/keyvaluestoreKey:KeyvaluestoreKey",
        ]);
        for (const registration of s.registrations.filter((r) => !allowed.has(r.type))) {
          const text = JSON.stringify(registration.inputs);
          for (const value of secretValues)
            expect(text, `${registration.type} ${registration.name}`).not.to.include(value);
        }
      });

      it("gives core its secrets by reference from its own secret", () => {
        const core = named(
          s.registrations,
          "aws:ecs/taskDefinition:TaskDefinition",
          "core-task-task",
        );
        const [main, sidecar] = JSON.parse(core.inputs.containerDefinitions);
        expect(main.image).to.equal(`${REGISTRIES[stack]}/graasp:core-v1.66.0`);
        expect(sidecar.image).to.equal(`${REGISTRIES[stack]}/graasp:nudenet-latest`);
        expect(sidecar.portMappings).to.deep.equal([
          { name: "nudenet-8080", containerPort: 8080, hostPort: 8080, protocol: "tcp" },
        ]);
        expect(core.inputs.tags).to.deep.equal({ "graasp:moving-tags": "nudenet" });
        const environment = Object.fromEntries(
          main.environment.map((v: { name: string; value: string }) => [v.name, v.value]),
        );
        expect(environment).to.deep.include({
          H5P_INTEGRATION_URL: `https://h5p.${DOMAINS[stack]}/h5p-integration/index.html`,
          S3_FILE_ITEM_BUCKET: `graasp-${production ? "prod" : "dev"}-file-items`,
          PUBLIC_URL: `https://${DOMAINS[stack]}`,
          SENTRY_ENV: SENTRY_ENVS[stack],
          MAILER_CONFIG_FROM_EMAIL: MAIL_SENDERS[stack],
          REDIS_CONNECTION: "redis://graasp-redis:6379",
          CORS_ORIGIN_REGEX: `^https?:\\/\\/(([a-z0-9]+\\.)+)?${DOMAINS[stack].replace(/\./g, "\\.")}$`,
          GRAASPER_CREATOR_ID: "setting-graasper_id",
        });
        expect(Object.values(environment).join(" ")).not.to.match(/[{}]/);
        expect(main.secrets).to.have.length(18);
        expect(main.secrets[0]).to.deep.equal({
          name: "APPS_JWT_SECRET",
          valueFrom: `arn:aws:secretsmanager:eu-central-2:123456789012:secret:graasp/${stack}/tasks/core-AbCdEf:APPS_JWT_SECRET::version-core-task-secret-value`,
        });
        expect(core.inputs).to.deep.include({
          family: `graasp-${stack}-core`,
          cpu: "1024",
          memory: "2048",
          networkMode: "awsvpc",
        });
        expect(core.inputs.runtimePlatform).to.deep.equal({
          operatingSystemFamily: "LINUX",
          cpuArchitecture: "ARM64",
        });
      });

      it("orders the database power, the services and the migration by the transition", () => {
        const power = named(s.registrations, DYNAMIC, "database-power");
        expect(power.inputs.desiredState).to.equal(state === "stopped" ? "stopped" : "available");
        expect(power.inputs.instanceIdentifier).to.equal(`graasp-${stack}`);
        expect(power.inputs.drain).to.deep.equal({
          clusterArn: `arn:aws:ecs:eu-central-2:123456789012:cluster/graasp-${stack}`,
          serviceNames: [...SERVICE_NAMES],
        });
        const services = ofType(s.registrations, SERVICE);
        const targets = ofType(s.registrations, TARGET);
        if (state === "stopped") {
          // Every service and autoscaling target, plus where its inputs come from: the instance
          // (identifier) and the cluster with its capacity providers (drain check).
          const inputSources = [
            named(s.registrations, "aws:rds/instance:Instance", "database-instance"),
            named(s.registrations, "aws:ecs/cluster:Cluster", "cluster-cluster"),
            named(
              s.registrations,
              "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
              "cluster-capacity",
            ),
            // The database stops only once the first deployment's runs are done.
            named(s.registrations, DYNAMIC, "database-setup"),
            named(s.registrations, DYNAMIC, "initial-migration"),
          ];
          expect([...power.dependencies].sort()).to.deep.equal(
            [...services, ...targets, ...inputSources].map((r) => r.urn).sort(),
          );
          for (const service of services) expect(service.dependencies).not.to.include(power.urn);
        } else {
          expect(power.dependencies.filter((urn) => urn.includes("ecs/service"))).to.deep.equal([]);
          for (const resource of [...services, ...targets])
            expect(resource.dependencies, resource.name).to.include(power.urn);
          for (const rule of ofType(s.registrations, RULE).filter((r) => /-rule-\d+$/.test(r.name)))
            expect(rule.dependencies, rule.name).to.include(power.urn);
        }
        const migrations = s.registrations.filter(
          (r) => r.type === DYNAMIC && r.name === "migration",
        );
        if (state !== "db-only") {
          expect(migrations).to.deep.equal([]);
          return;
        }
        const [migration] = migrations;
        const coreTier = [
          "core",
          "workers",
          "library",
          "etherpad",
          "meilisearch",
          "iframely",
          "redis",
        ];
        const expected = [
          power.urn,
          ...services.filter((r) => coreTier.includes(r.inputs.name)).map((r) => r.urn),
          ...targets
            .filter((r) => ["core-scaling", "workers-scaling", "library-scaling"].includes(r.name))
            .map((r) => r.urn),
        ];
        expect(migration.dependencies).to.include.members(expected);
        expect(
          migration.dependencies.filter(
            (urn) => urn.includes("admin-service") || urn.includes("umami-service"),
          ),
        ).to.deep.equal([]);
        expect(migration.inputs).to.deep.include({
          appVersion: "v1.66.0",
          containerName: "migrate",
          logGroupName: `/graasp/${stack}/migrate`,
          logStreamPrefix: "ecs",
          assignPublicIp: !production,
        });
        expect(migration.inputs.securityGroupIds).to.deep.equal(["sg-migrate-sg"]);
        expect(migration.inputs.drain.serviceNames).to.deep.equal([
          "core",
          "workers",
          "library",
          "etherpad",
          "meilisearch",
          "iframely",
          "redis",
        ]);
      });
    });

describe("CI access", function () {
  this.timeout(20_000);
  it("exists only when graasp:github is set", async () => {
    const without = await scenario("staging", "running");
    expect(without.registrations.filter((r) => r.type === "graasp:index:CiAccess")).to.deep.equal(
      [],
    );
    const { registrations } = await evaluate("production", () =>
      createPlatform(
        configFor("production", "running", {
          github: JSON.stringify({
            repository: "graasp/graasp-infrastructure",
            productionReviewers: ["alice"],
            stateBucket: "graasp-pulumi-state-production",
          }),
        }),
      ),
    );
    expect(
      registrations.filter((r) => r.type === "graasp:index:CiAccess").map((r) => r.name),
    ).to.deep.equal(["ci"]);
    const roles = registrations.filter(
      (r) => r.type === "aws:iam/role:Role" && r.parentUrn.includes("CiAccess"),
    );
    expect(roles).to.have.length(2);
  });
});

describe("states compared", () => {
  it("keeps the administration tier up in db-only and everything down in stopped", async () => {
    const dbOnly = await scenario("staging", "db-only" as DeploymentState);
    expect(dbOnly.outputs.services.admin).to.equal(1);
    expect(dbOnly.outputs.services.core).to.equal(0);
    const stopped = await scenario("staging", "stopped");
    expect(Object.values(stopped.outputs.services).every((count) => count === 0)).to.equal(true);
  });
});
