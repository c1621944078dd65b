import { readVersionTag, type TagVersion, type VersionScheme } from "./version-tags.js";

export type TagPush =
  | { kind: "not-a-tag" }
  | { kind: "not-a-version"; tag: string }
  | { kind: "deleted"; tag: string }
  | { kind: "pushed"; tag: string; version: TagVersion };

/**
 * What a `push` event means for releases: a version tag was pushed (created, or moved by a force push), a version
 * tag was deleted, or nothing (a branch, a tag that is not `<prefix><version>`). The tag is read here, once.
 */
export function classifyTagPush(
  push: { ref: string; deleted: boolean },
  prefix: string,
  scheme: VersionScheme = "auto",
): TagPush {
  if (!push.ref.startsWith("refs/tags/")) return { kind: "not-a-tag" };
  const tag = push.ref.slice("refs/tags/".length);
  const version = readVersionTag(tag, prefix, scheme);
  if (!version) return { kind: "not-a-version", tag };
  if (push.deleted) return { kind: "deleted", tag };
  return { kind: "pushed", tag, version };
}
