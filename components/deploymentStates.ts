/**
 * The one table that says what each deployment state does. Every state-dependent decision in
 * the program reads this table; nothing else switches on the state name.
 */

export const DEPLOYMENT_STATES = ["running", "restricted", "db-only", "stopped"] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** `core`: the user-facing platform. `administration`: admin and umami, kept up for operators. */
export const SERVICE_TIERS = ["core", "administration"] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];

export type DatabasePowerState = "available" | "stopped";

export interface StateBehaviour {
  /** Tiers whose services run at their configured count; every other tier runs 0 tasks. */
  readonly runningTiers: readonly ServiceTier[];
  /** Users without the bypass header get the maintenance response. */
  readonly maintenance: boolean;
  /** The administration tier also requires the bypass header. */
  readonly administrationBehindMaintenance: boolean;
  /** Power state the database is driven to. */
  readonly databasePower: DatabasePowerState;
  /** A migration task runs once when the state is entered. */
  readonly runsMigration: boolean;
  /**
   * A task may run: a tier runs or a one-off task starts. Without one the network has no NAT
   * gateway (a one-off task that still runs, e.g. on a first deployment, uses a public IP).
   */
  readonly tasksMayRun: boolean;
}

export const STATE_TABLE: Readonly<Record<DeploymentState, StateBehaviour>> = Object.freeze({
  running: Object.freeze({
    runningTiers: Object.freeze(["core", "administration"] as const),
    maintenance: false,
    administrationBehindMaintenance: false,
    databasePower: "available",
    runsMigration: false,
    tasksMayRun: true,
  }),
  restricted: Object.freeze({
    runningTiers: Object.freeze(["core", "administration"] as const),
    maintenance: true,
    administrationBehindMaintenance: false,
    databasePower: "available",
    runsMigration: false,
    tasksMayRun: true,
  }),
  "db-only": Object.freeze({
    runningTiers: Object.freeze(["administration"] as const),
    maintenance: true,
    administrationBehindMaintenance: false,
    databasePower: "available",
    runsMigration: true,
    tasksMayRun: true,
  }),
  stopped: Object.freeze({
    runningTiers: Object.freeze([] as const),
    maintenance: true,
    administrationBehindMaintenance: true,
    databasePower: "stopped",
    runsMigration: false,
    tasksMayRun: false,
  }),
});

export function isDeploymentState(value: unknown): value is DeploymentState {
  return typeof value === "string" && (DEPLOYMENT_STATES as readonly string[]).includes(value);
}

export function tierRuns(behaviour: StateBehaviour, tier: ServiceTier): boolean {
  return behaviour.runningTiers.includes(tier);
}

/** Whether a tier's routes require the bypass header in this state. */
export function tierBehindMaintenance(behaviour: StateBehaviour, tier: ServiceTier): boolean {
  if (!behaviour.maintenance) return false;
  return tier === "core" || behaviour.administrationBehindMaintenance;
}
