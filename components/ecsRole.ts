import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ecsTasksTrustPolicy } from "./iamPolicies";

export interface EcsTasksRoleArgs {
  /** Logical names of the role and of its inline policy. */
  readonly roleName: string;
  readonly policyName: string;
  readonly description: string;
  /** Account whose ECS tasks may assume the role. */
  readonly accountId: pulumi.Input<string>;
  /** The inline policy document, as JSON. */
  readonly policy: pulumi.Input<string>;
}

/** An IAM role that only this account's ECS tasks can assume, with one inline policy. */
export function createEcsTasksRole(args: EcsTasksRoleArgs, parent: pulumi.Resource): aws.iam.Role {
  const role = new aws.iam.Role(
    args.roleName,
    {
      description: args.description,
      assumeRolePolicy: pulumi
        .output(args.accountId)
        .apply((accountId) => JSON.stringify(ecsTasksTrustPolicy(accountId))),
    },
    { parent },
  );
  new aws.iam.RolePolicy(args.policyName, { role: role.name, policy: args.policy }, { parent });
  return role;
}
