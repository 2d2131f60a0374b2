/**
 * The order in which one `pulumi up` moves resources into a state. The program only knows the
 * state it is going to, and that is enough: the database's target power decides the direction.
 */
import { SERVICE_TIERS, ServiceTier, StateBehaviour, tierRuns } from "./deploymentStates";

export interface TransitionOrder {
  /**
   * The database stops only after every service has scaled to 0 and drained (services wait
   * for steady state), so no container loses its database mid-request.
   */
  readonly databaseWaitsForServices: boolean;
  /** Services change their count only once the database is available (it may be starting). */
  readonly servicesWaitForDatabase: boolean;
  /**
   * The migration starts once the database is available and the tiers this state turns off
   * have drained, so no old code runs against a schema being changed. Empty: no migration.
   */
  readonly migrationWaitsForTiers: readonly ServiceTier[];
}

export function transitionOrder(behaviour: StateBehaviour): TransitionOrder {
  const stopping = behaviour.databasePower === "stopped";
  return {
    databaseWaitsForServices: stopping,
    servicesWaitForDatabase: !stopping,
    migrationWaitsForTiers: behaviour.runsMigration
      ? SERVICE_TIERS.filter((tier) => !tierRuns(behaviour, tier))
      : [],
  };
}

/**
 * Order between an internal service (redis, meilisearch, iframely) and its clients. Service
 * Connect clients only resolve endpoints that existed when they started, so when the tier
 * runs, the servers start first; when it stops, the clients drain first and never lose a
 * server while they still serve requests.
 */
export function internalServicesFirst(behaviour: StateBehaviour, tier: ServiceTier): boolean {
  return tierRuns(behaviour, tier);
}
