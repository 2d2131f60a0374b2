import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { repositoryLifecyclePolicy } from "./edge";
import { repositoryNameProblems } from "./edgeLimits";

export interface GraaspRegistryArgs {
  /**
   * Repository names by role (`graasp`, `admin`, `explore`, `etherpad`). A role is the
   * resource's identity; changing a name would replace the repository (protect refuses it).
   */
  readonly repositories: Readonly<Record<string, string>>;
}

export function validateRegistryArgs(args: GraaspRegistryArgs): string[] {
  return Object.entries(args.repositories).flatMap(([role, repository]) =>
    repositoryNameProblems(repository).map(
      (problem) => `\`repositories.${role}\` "${repository}" ${problem}`,
    ),
  );
}

/**
 * The ECR repositories Graasp's images are pushed to: scanned on push, `protect`ed and kept on
 * delete, with a lifecycle that only expires untagged images, so no image a task definition
 * names by its release tag ever disappears. Existing repositories are adopted under the
 * logical names `<name>-<role>`.
 */
export class GraaspRegistry extends pulumi.ComponentResource {
  public readonly repositoryUrls: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: GraaspRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:GraaspRegistry", name, {}, opts);
    const problems = validateRegistryArgs(args);
    if (problems.length > 0) throw new pulumi.ResourceError(problems.join("; "), this);

    const urls: Record<string, pulumi.Output<string>> = {};
    for (const [role, repositoryName] of Object.entries(args.repositories)) {
      const repository = new aws.ecr.Repository(
        `${name}-${role}`,
        {
          name: repositoryName,
          // Pipelines of other repositories move `latest` tags; release tags never move.
          imageTagMutability: "MUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          forceDelete: false,
        },
        { parent: this, protect: true, retainOnDelete: true },
      );
      new aws.ecr.LifecyclePolicy(
        `${name}-${role}-lifecycle`,
        { repository: repository.name, policy: JSON.stringify(repositoryLifecyclePolicy()) },
        { parent: this, retainOnDelete: true },
      );
      urls[role] = repository.repositoryUrl;
    }
    this.repositoryUrls = urls;
    this.registerOutputs({ repositoryUrls: this.repositoryUrls });
  }
}
