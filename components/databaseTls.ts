/**
 * Whether the database may refuse clear-text connections (`rds.force_ssl`), decided from what
 * every client in the catalog can do. Shared by the database component, the configuration
 * warnings (plan and preview) and the policy pack, so all three name the same client.
 */
import { MIGRATE_TASK, SERVICE_CATALOG, TaskEntry, TaskName } from "./catalog";

export interface TlsHoldout {
  readonly task: TaskName;
  /** Why it cannot encrypt and what change in the application lifts it. */
  readonly note: string;
}

export interface ForceSslDecision {
  readonly forceSsl: boolean;
  /** Clients that cannot encrypt; empty when `forceSsl`. */
  readonly holdouts: readonly TlsHoldout[];
}

export function databaseClientTasks(): TaskEntry[] {
  return [...Object.values(SERVICE_CATALOG), MIGRATE_TASK].filter((task) => task.usesDatabase);
}

/** `rds.force_ssl` is 1 only when every database client can encrypt. */
export function forceSslDecision(
  tasks: readonly TaskEntry[] = databaseClientTasks(),
): ForceSslDecision {
  const holdouts = tasks
    .filter((task) => task.usesDatabase && task.databaseTls?.capability === "none")
    .map((task) => ({ task: task.name, note: task.databaseTls!.note }));
  return { forceSsl: holdouts.length === 0, holdouts };
}

/** One sentence for the plan, the preview and the policy pack. */
export function forceSslExplanation(decision: ForceSslDecision): string {
  if (decision.forceSsl)
    return "rds.force_ssl is 1: every database client encrypts its connection.";
  const names = decision.holdouts.map((holdout) => holdout.task).join(", ");
  return (
    `rds.force_ssl is 0: ${names} cannot encrypt its database connection, so the database ` +
    `accepts clear-text connections (the other clients still encrypt). ` +
    decision.holdouts.map((holdout) => `${holdout.task}: ${holdout.note}.`).join(" ")
  );
}
