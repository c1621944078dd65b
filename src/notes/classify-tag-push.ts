import { parseVersionTag } from "./version-tags.js";

export type TagPush =
  | { kind: "not-a-tag" }
  | { kind: "not-a-version"; tag: string }
  | { kind: "deleted"; tag: string }
  | { kind: "pushed"; tag: string; prerelease: boolean };

/**
 * What a `push` event means for releases: a version tag was pushed (created, or moved by a force push), a version
 * tag was deleted, or nothing (a branch, a tag that is not `<prefix><semver>`).
 */
export function classifyTagPush(push: { ref: string; deleted: boolean }, prefix: string): TagPush {
  if (!push.ref.startsWith("refs/tags/")) return { kind: "not-a-tag" };
  const tag = push.ref.slice("refs/tags/".length);
  const version = parseVersionTag(tag, prefix);
  if (!version) return { kind: "not-a-version", tag };
  if (push.deleted) return { kind: "deleted", tag };
  return { kind: "pushed", tag, prerelease: version.prerelease.length > 0 };
}
