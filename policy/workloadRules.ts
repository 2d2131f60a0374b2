/** Guardrails for the ECS workloads, their logs, the stopped state and the CI role. */
import type { StackValidationPolicy } from "@pulumi/policy";
import { looksLikeSecretName } from "../components/catalog";
import { MOVING_TAGS_TAG, containersInMovingTagsTag } from "../components/images";
import { asList, Props, resourcePolicy, TYPES } from "./common";
import { containerDefinitions, imagePinProblem, policyDocument } from "./inspect";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

function containersOf(props: Props, report: (message: string) => void) {
  const containers = containerDefinitions(props.containerDefinitions);
  if (!containers) report("`containerDefinitions` is not a JSON array of container definitions.");
  return containers ?? [];
}

export const secretsNotInEnvironment = resourcePolicy(
  "ecs-secrets-not-in-environment",
  "Container variables whose names look secret come from `secrets`, not `environment`.",
  {
    [TYPES.taskDefinition]: (props, _args, report) => {
      for (const container of containersOf(props, report)) {
        for (const variable of container.environment ?? []) {
          if (!looksLikeSecretName(variable.name)) continue;
          report(
            `Container "${container.name}" sets ${variable.name} in \`environment\`: a secret-looking variable must come from \`secrets\` (Secrets Manager), where it stays out of the task definition.`,
          );
        }
      }
    },
  },
);

/**
 * A moving tag passes only for the containers the task definition's `graasp:moving-tags` tag
 * lists: the program writes it from the stack file's `graasp:movingTags`, nothing else does.
 */
export const imagesPinned = resourcePolicy(
  "ecs-images-pinned",
  "Container images name a release tag or a digest, so a redeploy runs what was reviewed; a moving tag only where the stack file accepts it (graasp:movingTags).",
  {
    [TYPES.taskDefinition]: (props, _args, report) => {
      const accepted = containersInMovingTagsTag(props.tags?.[MOVING_TAGS_TAG]);
      for (const container of containersOf(props, report)) {
        const problem = imagePinProblem(String(container.image ?? ""));
        if (problem === undefined || accepted.includes(String(container.name))) continue;
        report(
          `Container "${container.name}" image \`${container.image}\` ${problem}: pin a release tag or an @sha256 digest, or accept the moving tag in the stack file (pulumi config set --path 'movingTags[<next index>]' ${container.name}).`,
        );
      }
    },
  },
);

export const logGroupRetention = resourcePolicy(
  "log-group-retention",
  "Log groups expire their events instead of keeping (and billing) them forever.",
  {
    [TYPES.logGroup]: (props, _args, report) => {
      const days = props.retentionInDays;
      if (typeof days === "number" && days > 0) return;
      report(
        `Log group keeps events forever (retentionInDays ${days ?? "not set"}): set \`retentionInDays\`, e.g. 30.`,
      );
    },
  },
);

export const capacityProviderWeights = resourcePolicy(
  "ecs-capacity-provider-weights",
  "With several capacity providers, each has a weight of at least 1 (ECS never scales onto weight 0).",
  {
    [TYPES.service]: (props, _args, report) => {
      const strategies = asList<Props>(props.capacityProviderStrategies);
      if (strategies.length < 2) return;
      for (const strategy of strategies) {
        if (typeof strategy.weight === "number" && strategy.weight > 0) continue;
        report(
          `Capacity provider ${strategy.capacityProvider} has weight ${strategy.weight ?? "unset"} next to other providers: ECS places no task on it beyond \`base\`; give it a weight of at least 1.`,
        );
      }
    },
  },
);

/** The database is stopped: the program's power resource or the AWS provider's one says so. */
function databaseStopped(resources: readonly { type: string; props: Props }[]): boolean {
  return resources.some(
    ({ type, props }) =>
      (type === TYPES.dynamicResource &&
        props.desiredState === "stopped" &&
        props.instanceIdentifier !== undefined) ||
      (type === TYPES.rdsDesiredState && props.state === "stopped"),
  );
}

export const stoppedScalesToZero: StackValidationPolicy = {
  name: "stopped-state-runs-no-tasks",
  description:
    "When the database is powered off, every ECS service runs 0 tasks and cannot scale back up.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    if (!databaseStopped(args.resources)) return;
    for (const resource of args.resources) {
      const { props } = resource;
      if (resource.type === TYPES.service && (props.desiredCount ?? 0) !== 0) {
        report(
          `ECS service "${resource.name}" keeps desiredCount ${props.desiredCount} while the database is stopped: set it to 0.`,
          resource.urn,
        );
      }
      if (
        resource.type === TYPES.scalableTarget &&
        props.serviceNamespace === "ecs" &&
        (props.minCapacity !== 0 || props.maxCapacity !== 0)
      ) {
        report(
          `Autoscaling target "${resource.name}" keeps minCapacity ${props.minCapacity} and maxCapacity ${props.maxCapacity} while the database is stopped: set both to 0 or it starts tasks again.`,
          resource.urn,
        );
      }
    }
  },
};

function githubSubjects(statement: Props): string[] {
  const condition = statement.Condition ?? {};
  return [condition.StringEquals, condition.StringLike]
    .flatMap((operator) => asList<string>(operator?.[`${GITHUB_OIDC_HOST}:sub`]))
    .map(String);
}

export const githubOidcTrustScoped = resourcePolicy(
  "github-oidc-trust-scoped",
  "A role that trusts GitHub Actions' OIDC provider names the repository that may assume it.",
  {
    [TYPES.role]: (props, _args, report) => {
      const document = policyDocument(props.assumeRolePolicy);
      for (const statement of asList<Props>(document?.Statement)) {
        const federated = asList<string>(statement.Principal?.Federated).map(String);
        if (
          statement.Effect !== "Allow" ||
          !federated.some((arn) => arn.includes(GITHUB_OIDC_HOST))
        ) {
          continue;
        }
        const subjects = githubSubjects(statement);
        if (subjects.length === 0) {
          report(
            `Role trusts GitHub Actions without a \`${GITHUB_OIDC_HOST}:sub\` condition, so any GitHub repository can assume it: add StringEquals/StringLike on \`repo:<owner>/<repo>:...\`.`,
          );
        }
        for (const subject of subjects.filter((value) => !/^repo:[A-Za-z0-9_.-]+\//.test(value))) {
          report(
            `Role trusts the GitHub subject \`${subject}\`, which does not name a repository owner: use \`repo:<owner>/<repo>:...\`.`,
          );
        }
      }
    },
  },
);
