/**
 * Builds the whole Graasp platform from a validated configuration. `index.ts` calls it with the
 * stack's configuration; tests call it once per stack and deployment state.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GraaspConfig } from "./config";
import {
  MIGRATE_TASK,
  SERVICE_CATALOG,
  SERVICE_NAMES,
  ServiceEntry,
  ServiceName,
  ImageSource,
  TaskEntry,
  qualifiedHost,
} from "./components/catalog";
import { LOG_STREAM_PREFIX, TemplateValues, secretPayload } from "./components/containers";
import { CiAccess } from "./components/ciAccess";
import { GraaspCluster } from "./components/cluster";
import { GraaspDatabase } from "./components/database";
import { forceSslDecision } from "./components/databaseTls";
import { ImageCache } from "./components/imageCache";
import { resolveImage } from "./components/images";
import { S3Access } from "./components/s3Access";
import {
  SERVICE_TIERS,
  STATE_TABLE,
  tierBehindMaintenance,
  tierRuns,
} from "./components/deploymentStates";
import { ToolboxAccess, createDatabaseRuns } from "./components/databaseRuns";
import { GraaspLoadBalancer } from "./components/loadBalancer";
import { MaintenancePage, bypassConditions } from "./components/maintenance";
import { GraaspCdn } from "./components/cdn";
import { GraaspDns } from "./components/dns";
import { SITES, repositoryRole, servedHosts } from "./components/edge";
import { GraaspRegistry } from "./components/registry";
import { GraaspStorage } from "./components/storage";
import { dockerHubCachePrefix } from "./components/naming";
import { GraaspMonitoring } from "./components/monitoring";
import { GraaspNetwork } from "./components/network";
import { availabilityZones } from "./components/networkLayout";
import { DatabasePower } from "./components/providers/databasePower";
import { MigrationRun } from "./components/providers/migrationRun";
import { ServicesDrained } from "./components/providers/servicesDrained";
import { GraaspService } from "./components/service";
import { GraaspTaskDefinition } from "./components/taskDefinition";
import { internalServicesFirst, transitionOrder } from "./components/transitions";

export interface PlatformOutputs {
  readonly deploymentState: string;
  readonly environment: string;
  readonly url: string;
  readonly apiUrl: string;
  readonly loadBalancerDnsName: pulumi.Output<string>;
  readonly databaseEndpoint: pulumi.Output<string>;
  /** Tasks each service runs in this state (its base count when autoscaled). */
  readonly services: Readonly<Record<ServiceName, number>>;
  readonly maintenance: boolean;
  /** Where `npm run db-shell` starts the toolbox task. */
  readonly toolbox: pulumi.Output<ToolboxAccess>;
}

export function createPlatform(config: GraaspConfig): PlatformOutputs {
  const behaviour = STATE_TABLE[config.deploymentState];
  const order = transitionOrder(behaviour);
  const accountId = aws.getCallerIdentityOutput().accountId;
  const production = config.environment === "production";
  const bypass = { name: config.maintenanceHeaderName, token: config.maintenanceBypassToken };

  const network = new GraaspNetwork("network", {
    ...config.network,
    availabilityZones: availabilityZones(config.region),
    tasksMayRun: behaviour.tasksMayRun,
  });
  const loadBalancer = new GraaspLoadBalancer("load-balancer", {
    vpcId: network.vpcId,
    vpcCidr: network.cidr,
    publicSubnetIds: network.publicSubnetIds,
    certificateArn: config.certificateArn,
    domain: config.domain,
    redirectConditions: bypassConditions(behaviour, "core", bypass),
    deletionProtection: production,
  });
  // Bucket names come from `graasp:buckets` (GraaspStorage creates them under these names).
  const fileItemsBucket = config.buckets["file-items"];
  const h5pBucket = config.buckets.h5p;
  const s3Access = new S3Access("s3-access", {
    stack: config.stack,
    bucketNames: [fileItemsBucket, h5pBucket],
    keyGeneration: config.s3KeyGeneration,
  });
  // Validation refused any image that would need the cache when there is none.
  const imageCache = config.dockerHubCache
    ? new ImageCache("image-cache", {
        stack: config.stack,
        dockerHubUsername: config.secrets.apply((secrets) => secrets.DOCKER_HUB_USERNAME),
        dockerHubAccessToken: config.secrets.apply((secrets) => secrets.DOCKER_HUB_ACCESS_TOKEN),
      })
    : undefined;
  const imageContext = {
    containerRegistry: config.containerRegistry,
    appVersion: config.appVersion,
    dockerHubCachePrefix: dockerHubCachePrefix(config.stack),
  };
  // Graasp's images come from the repositories `graasp:repositories` names (keyed by role, as
  // components/edge.ts creates them).
  const sourceOf = (image: ImageSource): ImageSource =>
    image.registry === "graasp"
      ? {
          ...image,
          repository: config.repositories[repositoryRole(image.repository)] ?? image.repository,
        }
      : image;
  const imagesOf = (entry: TaskEntry): Record<string, string> =>
    Object.fromEntries(
      entry.containers.map((container) => [
        container.name,
        resolveImage(sourceOf(container.image), config.images[container.name], imageContext),
      ]),
    );
  const usesImageCache = (entry: TaskEntry) =>
    Object.values(imagesOf(entry)).some((image) =>
      image.startsWith(`${config.containerRegistry}/${imageContext.dockerHubCachePrefix}/`),
    );
  const cluster = new GraaspCluster("cluster", {
    stack: config.stack,
    region: config.region,
    accountId,
    containerRegistry: config.containerRegistry,
    assumeRoleArn: config.transitions.assumeRoleArn,
    pullThroughCachePrefix: imageCache?.repositoryPrefix,
  });
  const database = new GraaspDatabase("database", {
    stack: config.stack,
    environment: config.environment,
    vpcId: network.vpcId,
    isolatedSubnetIds: network.isolatedSubnetIds,
    settings: config.database,
    region: config.region,
    logRetentionDays: config.logRetentionDays,
    assumeRoleArn: config.transitions.assumeRoleArn,
    forceSsl: forceSslDecision().forceSsl,
  });
  const maintenance = new MaintenancePage("maintenance", {
    enabled: behaviour.maintenance,
    listenerArn: loadBalancer.httpsListenerArn,
    domain: config.domain,
  });

  const edge = createEdge(config, loadBalancer);

  const templateValues: pulumi.Output<TemplateValues> = pulumi
    .all([database.address, database.port])
    .apply(([host, port]) => ({
      domain: config.domain,
      region: config.region,
      environment: config.environment,
      fileItemsBucket,
      h5pBucket,
      h5pIntegrationUrl: edge.h5pIntegrationUrl,
      databaseHost: host,
      databasePort: String(port),
      settings: config.appSettings,
    }));
  const payloadOf = (entry: TaskEntry) =>
    pulumi.secret(
      pulumi
        .all([
          config.secrets,
          database.address,
          database.port,
          database.masterPassword,
          s3Access.accessKeyId,
          s3Access.secretAccessKey,
        ])
        .apply(([secrets, host, port, password, s3AccessKeyId, s3SecretAccessKey]) =>
          secretPayload(entry, {
            secrets,
            settings: config.appSettings,
            databaseHost: host,
            databasePort: port,
            masterUsername: database.masterUsername,
            masterPassword: password,
            s3AccessKeyId,
            s3SecretAccessKey,
          }),
        ),
    );
  const taskArgs = (entry: TaskEntry, cpu: number, memory: number) => ({
    entry,
    stack: config.stack,
    environment: config.environment,
    region: config.region,
    accountId,
    cpu,
    memory,
    images: imagesOf(entry),
    acceptedMovingTags: config.movingTags,
    withoutHealthCheck: config.adminHealthCheck ? [] : ["admin"],
    executionRoleArn: cluster.executionRoleArn,
    vpcId: network.vpcId,
    templateValues,
    secretPayload: payloadOf(entry),
    logRetentionDays: config.logRetentionDays,
    bucketNames: [fileItemsBucket, h5pBucket],
  });

  // Starting: the database is powered before any service count changes.
  const powerArgs = {
    instanceIdentifier: database.identifier,
    region: config.region,
    desiredState: behaviour.databasePower,
    assumeRoleArn: config.transitions.assumeRoleArn,
    timeoutMinutes: config.transitions.databaseTimeoutMinutes,
    // Before a stop, the provider itself also checks that no task of any service still runs.
    drain: { clusterArn: cluster.clusterArn, serviceNames: [...SERVICE_NAMES] },
  };
  let power = order.servicesWaitForDatabase
    ? new DatabasePower("database-power", powerArgs)
    : undefined;

  const migrateSize = MIGRATE_TASK.sizes[config.environment];
  const migrate = new GraaspTaskDefinition(
    "migrate",
    taskArgs(MIGRATE_TASK, migrateSize.cpu, migrateSize.memory),
  );
  const migrateAdmitted = database.allowFrom("migrate", migrate.securityGroupId);
  // Created with the database, in every state: its users and databases, then the schema, before
  // any service that uses it (and, when stopping, before the database stops).
  const databaseRuns = createDatabaseRuns({
    region: config.region,
    appVersion: config.appVersion,
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    // One-off tasks: behind the NAT while it exists, else with a public IP (GraaspNetwork).
    subnetIds: network.oneOffSubnetIds,
    assignPublicIp: network.oneOffAssignPublicIp,
    database,
    migrate,
    migrateAdmitted,
    taskDefinition: (entry) => {
      const size = entry.sizes[config.environment];
      return new GraaspTaskDefinition(entry.name, taskArgs(entry, size.cpu, size.memory));
    },
    assumeRoleArn: config.transitions.assumeRoleArn,
    migrationTimeoutMinutes: config.transitions.migrationTimeoutMinutes,
    dependsOn: [...(power ? [power] : []), ...network.egressResources],
  });

  const services = new Map<ServiceName, GraaspService>();
  const countResourcesOf = (names: readonly string[]) =>
    names.flatMap((name) => services.get(name as ServiceName)?.countResources ?? []);
  const createService = (entry: ServiceEntry, waitFor: pulumi.Resource[]) => {
    const settings = config.services[entry.name];
    const service = new GraaspService(entry.name, {
      ...taskArgs(entry, settings.cpu, settings.memory),
      entry,
      running: tierRuns(behaviour, entry.tier),
      desiredCount: settings.desiredCount,
      maxCount: settings.maxCount,
      spot: settings.spot,
      clusterArn: cluster.clusterArn,
      clusterName: cluster.clusterName,
      namespaceArn: cluster.namespaceArn,
      subnetIds: network.serviceSubnetIds,
      assignPublicIp: network.assignPublicIp,
      domain: config.domain,
      loadBalancer:
        entry.routing.kind === "public"
          ? {
              listenerArn: loadBalancer.httpsListenerArn,
              securityGroupId: loadBalancer.securityGroupId,
            }
          : undefined,
      routeConditions: bypassConditions(behaviour, entry.tier, bypass),
      countDependsOn: [
        ...(power ? [power] : []),
        ...network.egressResources,
        ...(entry.usesDatabase ? databaseRuns.ready : []),
        ...waitFor,
        // Its first task pulls through the cache, which must exist by then.
        ...(imageCache !== undefined && usesImageCache(entry) ? [imageCache] : []),
      ],
      assumeRoleArn: config.transitions.assumeRoleArn,
    });
    services.set(entry.name, service);
    if (entry.usesDatabase) database.allowFrom(entry.name, service.securityGroupId);
  };

  // Internal services start before their clients and stop after them (transitions.ts).
  const entries = SERVICE_NAMES.map((name) => SERVICE_CATALOG[name]);
  const internal = entries.filter((entry) => entry.routing.kind === "internal");
  const serversFirst = internal.filter((entry) => internalServicesFirst(behaviour, entry.tier));
  const serversLast = internal.filter((entry) => !serversFirst.includes(entry));
  const clientsOf = (entry: ServiceEntry) =>
    entry.routing.kind === "internal" ? entry.routing.clients : [];
  for (const entry of serversFirst) createService(entry, []);
  for (const entry of entries.filter((entry) => entry.routing.kind !== "internal"))
    createService(
      entry,
      countResourcesOf(
        serversFirst
          .filter((server) => clientsOf(server).includes(entry.name))
          .map((server) => server.name),
      ),
    );
  // Stopping, a server waits for its clients' real task count to reach 0: an autoscaled
  // client's stored count can already be 0 while autoscaling still scales its tasks in.
  const clientsDrained = new Map(
    internal.map((entry) => [
      entry.name,
      new ServicesDrained(
        `${entry.name}-clients-drained`,
        {
          region: config.region,
          drain: {
            clusterArn: cluster.clusterArn,
            serviceNames: clientsOf(entry).filter(
              (client) => !tierRuns(behaviour, SERVICE_CATALOG[client as ServiceName].tier),
            ),
          },
          assumeRoleArn: config.transitions.assumeRoleArn,
        },
        { dependsOn: countResourcesOf(clientsOf(entry)) },
      ),
    ]),
  );
  for (const entry of serversLast) createService(entry, [clientsDrained.get(entry.name)!]);
  for (const entry of internal)
    for (const client of clientsOf(entry))
      services
        .get(entry.name)!
        .allowFrom(client, services.get(client as ServiceName)!.securityGroupId);

  // Stopping: the database stops only after every service has drained.
  const countResources = (tiers: readonly string[]) =>
    [...services.values()]
      .filter((service) => tiers.includes(service.tier))
      .flatMap((service) => service.countResources);
  if (power === undefined)
    power = new DatabasePower("database-power", powerArgs, {
      dependsOn: [...countResources(["core", "administration"]), ...databaseRuns.ready],
    });

  if (behaviour.runsMigration)
    new MigrationRun(
      "migration",
      {
        region: config.region,
        clusterArn: cluster.clusterArn,
        taskDefinitionArn: migrate.taskDefinitionArn,
        subnetIds: network.oneOffSubnetIds,
        securityGroupIds: [migrate.securityGroupId],
        assignPublicIp: network.oneOffAssignPublicIp,
        containerName: migrate.mainContainer,
        logGroupName: migrate.logGroupName,
        logStreamPrefix: LOG_STREAM_PREFIX,
        appVersion: config.appVersion,
        assumeRoleArn: config.transitions.assumeRoleArn,
        timeoutMinutes: config.transitions.migrationTimeoutMinutes,
        // ECS service names are the catalog's names; the migration waits for those it turns off.
        drain: {
          clusterArn: cluster.clusterArn,
          serviceNames: SERVICE_NAMES.filter((name) =>
            order.migrationWaitsForTiers.includes(SERVICE_CATALOG[name].tier),
          ),
        },
      },
      {
        dependsOn: [
          power,
          ...network.egressResources,
          ...databaseRuns.ready,
          ...countResources(order.migrationWaitsForTiers),
        ],
      },
    );

  new GraaspMonitoring("monitoring", {
    stack: config.stack,
    region: config.region,
    accountId,
    emails: config.alerts.emails,
    thresholds: config.alerts.thresholds,
    behaviour,
    targets: {
      loadBalancer: loadBalancer.arnSuffix,
      clusterName: cluster.clusterName,
      databaseIdentifier: database.identifier,
      // Catalog order: the creation order depends on the transition's direction.
      services: SERVICE_NAMES.map((name) => ({
        name,
        tier: services.get(name)!.tier,
        targetGroup: services.get(name)!.targetGroupArnSuffix,
      })),
    },
  });

  // Roles and GitHub settings for the workflows, only where the stack is wired to a repository.
  if (config.github !== undefined)
    new CiAccess("ci", {
      stack: config.stack,
      environment: config.environment,
      region: config.region,
      repository: config.github.repository,
      productionReviewers: config.github.productionReviewers,
      oidcProviderArn: config.github.oidcProviderArn,
      stateBucket: config.github.stateBucket,
    });

  return {
    deploymentState: config.deploymentState,
    environment: config.environment,
    url: `https://${config.domain}`,
    apiUrl: `https://${qualifiedHost("api", config.domain)}`,
    loadBalancerDnsName: loadBalancer.dnsName,
    databaseEndpoint: pulumi.interpolate`${database.address}:${database.port}`,
    services: Object.fromEntries(
      [...services].map(([name, service]) => [name, service.desiredCount]),
    ) as Record<ServiceName, number>,
    maintenance: maintenance.enabled,
    toolbox: databaseRuns.toolbox,
  };
}

/**
 * Buckets and repositories always; the CloudFront sites when `graasp:cdnCertificateArn` is set;
 * DNS records when `graasp:dns` is set. Only the CDN's maintenance flags follow the state.
 */
function createEdge(config: GraaspConfig, loadBalancer: GraaspLoadBalancer) {
  const behaviour = STATE_TABLE[config.deploymentState];
  const storage = new GraaspStorage("storage", {
    names: config.buckets,
    domain: config.domain,
    noncurrentVersionDays: config.fileVersionRetentionDays,
  });
  new GraaspRegistry("registry", { repositories: config.repositories });
  const cdn =
    config.cdnCertificateArn === undefined
      ? undefined
      : new GraaspCdn("cdn", {
          domain: config.domain,
          certificateArn: config.cdnCertificateArn,
          bucketDomainNames: storage.regionalDomainNames,
          tiersBehindMaintenance: SERVICE_TIERS.filter((tier) =>
            tierBehindMaintenance(behaviour, tier),
          ),
          bypass: { name: config.maintenanceHeaderName, token: config.maintenanceBypassToken },
        });
  if (cdn !== undefined)
    for (const { site } of SITES) storage.allowCdn(site, cdn.distributionArns[site]);
  if (config.dns !== undefined)
    new GraaspDns("dns", {
      hostedZoneId: config.dns.hostedZoneId,
      hosts: servedHosts(config.domain, cdn !== undefined),
      loadBalancer: { dnsName: loadBalancer.dnsName, zoneId: loadBalancer.zoneId },
      cdnSites:
        cdn === undefined
          ? undefined
          : Object.fromEntries(
              SITES.map(({ site }) => [
                site,
                { dnsName: cdn.domainNames[site], zoneId: cdn.hostedZoneIds[site] },
              ]),
            ),
    });
  const h5pIntegrationUrl =
    cdn === undefined
      ? `https://${config.buckets.h5p}.s3.${config.region}.amazonaws.com/h5p-integration/index.html`
      : `https://${qualifiedHost("h5p", config.domain)}/h5p-integration/index.html`;
  return { storage, cdn, h5pIntegrationUrl };
}
