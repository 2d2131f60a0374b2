import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { statefulOptions } from "./database";
import { dockerHubCachePrefix, dockerHubCredentialName } from "./naming";

/** Docker Hub's registry host as ECR's pull-through cache names it. */
export const DOCKER_HUB_UPSTREAM = "registry-1.docker.io";

export interface ImageCacheArgs {
  /** Stack name; scopes the cache prefix and the credential's name. */
  readonly stack: string;
  /** Secret: Docker Hub username and access token (`graasp:secrets.DOCKER_HUB_*`). */
  readonly dockerHubUsername: pulumi.Input<string>;
  readonly dockerHubAccessToken: pulumi.Input<string>;
}

/**
 * An ECR pull-through cache rule fronting Docker Hub with the stack's Docker Hub account, so
 * non-official Docker Hub images (meilisearch, iframely) are pulled authenticated, once, into
 * this account's registry instead of anonymously from every task behind one NAT address.
 * Official images need none of this: they come from ECR Public's mirror.
 */
export class ImageCache extends pulumi.ComponentResource {
  public readonly repositoryPrefix: string;

  constructor(name: string, args: ImageCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("graasp:index:ImageCache", name, {}, opts);
    const prefix = dockerHubCachePrefix(args.stack);
    if (prefix.length > 30)
      throw new pulumi.ResourceError(
        `The cache prefix "${prefix}" is longer than ECR's 30 characters: use a shorter stack name.`,
        this,
      );
    const credential = new aws.secretsmanager.Secret(
      `${name}-docker-hub-credential`,
      {
        name: dockerHubCredentialName(args.stack),
        description: "Docker Hub account of the ECR pull-through cache",
      },
      statefulOptions(this),
    );
    const credentialValue = new aws.secretsmanager.SecretVersion(
      `${name}-docker-hub-credential-value`,
      {
        secretId: credential.id,
        secretString: pulumi.secret(
          pulumi.jsonStringify({
            username: args.dockerHubUsername,
            accessToken: args.dockerHubAccessToken,
          }),
        ),
      },
      { parent: this },
    );
    new aws.ecr.PullThroughCacheRule(
      `${name}-docker-hub`,
      {
        ecrRepositoryPrefix: prefix,
        upstreamRegistryUrl: DOCKER_HUB_UPSTREAM,
        credentialArn: credential.arn,
      },
      // ECR checks the credential when the rule is created.
      { parent: this, dependsOn: [credentialValue] },
    );
    this.repositoryPrefix = prefix;
    this.registerOutputs({ repositoryPrefix: this.repositoryPrefix });
  }
}
