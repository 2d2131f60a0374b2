/**
 * Image references as pure functions: where each catalog image is pulled from, what a
 * `graasp:images` value means, and whether a reference is pinned. Shared by config validation,
 * the task definitions and the policy pack, so all three agree on what "moving" means.
 */
import { ImageSource } from "./catalog";

/** ECR Public's mirror of Docker Hub's official images (`redis`, `postgres`, ...). */
export const DOCKER_OFFICIAL_MIRROR = "public.ecr.aws/docker/library";

export interface ImageContext {
  /** Host of Graasp's private ECR registry, which also holds the pull-through cache. */
  readonly containerRegistry: string;
  readonly appVersion: string;
  /** Repository prefix of the stack's Docker Hub pull-through cache (imageCache.ts). */
  readonly dockerHubCachePrefix: string;
}

/** Repository part (no tag) the catalog image is pulled from. */
export function imageRepository(source: ImageSource, context: ImageContext): string {
  const registry = context.containerRegistry;
  switch (source.registry) {
    case "graasp":
      return `${registry}/${source.repository}`;
    case "ghcr":
      return `ghcr.io/${source.repository}`;
    case "dockerHub":
      // Official images are mirrored on ECR Public; others come through the authenticated cache.
      return source.repository.includes("/")
        ? `${registry}/${context.dockerHubCachePrefix}/${source.repository}`
        : `${DOCKER_OFFICIAL_MIRROR}/${source.repository}`;
  }
}

/** A `graasp:images` value that is a whole reference rather than a tag or a digest. */
export function isFullReference(value: string): boolean {
  return value.includes("/") || (value.includes(":") && !value.startsWith("sha256:"));
}

/**
 * The reference a container runs: the catalog's default tag, or the `graasp:images` value — a
 * tag (`v1.67.0`), a digest (`sha256:<64 hex>`) or a whole reference.
 */
export function resolveImage(
  source: ImageSource,
  setting: string | undefined,
  context: ImageContext,
): string {
  if (setting !== undefined && isFullReference(setting)) return setting;
  const repository = imageRepository(source, context);
  if (setting?.startsWith("sha256:")) return `${repository}@${setting}`;
  const tag = setting ?? source.tag.replace(/\{appVersion\}/g, context.appVersion);
  return `${repository}:${tag}`;
}

const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const REFERENCE_PATTERN =
  /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$/;

/** Why a `graasp:images` value is unusable, or undefined. */
export function imageValueProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return "is not a tag, a digest or a reference";
  if (!isFullReference(value))
    return TAG_PATTERN.test(value) || DIGEST_PATTERN.test(value)
      ? undefined
      : "is not a tag (letters, digits, '_', '.', '-') nor a sha256 digest";
  if (pullsFromDockerHub(value))
    return "would be pulled anonymously from Docker Hub; use public.ecr.aws/docker/library/<name> for an official image or give only a tag (the pull-through cache is used)";
  if (!REFERENCE_PATTERN.test(value))
    return "is not a full image reference with a tag or a digest (registry/repository:tag)";
  return undefined;
}

/** Docker Hub: no registry host in the reference, or one of Docker Hub's own hosts. */
export function pullsFromDockerHub(reference: string): boolean {
  const first = reference.split("/")[0];
  const hasHost = reference.includes("/") && (first.includes(".") || first.includes(":"));
  return !hasHost || ["docker.io", "index.docker.io", "registry-1.docker.io"].includes(first);
}

const FLOATING_TAGS = new Set([
  ...["latest", "stable", "edge", "nightly", "main", "master", "develop", "dev"],
  ...["lts", "current", "mainline", "rolling"],
]);

/**
 * Why an image reference is not pinned, or undefined when it is. A digest pins; so does a tag
 * naming a release (`1.2`, `v1.66.0`, `7.4.2-alpine`) or a commit (7+ hex digits). A bare major
 * (`7`, `7-alpine`), a word (`alpine`) or a `*-latest` tag moves with every upstream release.
 */
export function imagePinProblem(image: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return "has no tag, so ECS pulls `latest`";
  const tag = lastSegment.slice(colon + 1);
  const lastWord = tag.toLowerCase().split("-").pop() ?? "";
  if (FLOATING_TAGS.has(tag.toLowerCase()) || (tag.includes("-") && FLOATING_TAGS.has(lastWord)))
    return `uses the floating tag \`${tag}\``;
  if (/\d+\.\d+/.test(tag) || /(^|[^0-9a-f])[0-9a-f]{7,40}($|[^0-9a-f])/.test(tag)) {
    return undefined;
  }
  return `uses the tag \`${tag}\`, which names no release or commit`;
}

/** Tag of a task definition listing the containers whose moving tag the stack file accepts. */
export const MOVING_TAGS_TAG = "graasp:moving-tags";

/** The tag's value: container names separated by spaces (allowed in AWS tag values). */
export function movingTagsTagValue(containers: readonly string[]): string {
  return [...containers].sort().join(" ");
}

export function containersInMovingTagsTag(value: unknown): string[] {
  return typeof value === "string" ? value.split(" ").filter((name) => name !== "") : [];
}
