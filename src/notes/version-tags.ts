import semver, { type SemVer } from "semver";

/** The version a tag names (`v1.2.3` with prefix `v`), or null when the tag is not `<prefix><semver>`. */
export function parseVersionTag(tag: string, prefix: string): SemVer | null {
  if (!tag.startsWith(prefix)) return null;
  return semver.parse(tag.slice(prefix.length));
}

/**
 * The previous release of `newTag`: the highest version tag below it by semver, not by ancestry (a tag may point off
 * the main branch). A final release skips pre-releases (`v1.1.0` follows `v1.0.0`, not `v1.1.0-rc.1`); a pre-release
 * follows whatever is highest below it. Null for the first release.
 */
export function pickPreviousTag(tags: readonly string[], newTag: string, prefix: string): string | null {
  const version = parseVersionTag(newTag, prefix);
  if (!version) return null;
  let best: { tag: string; version: SemVer } | null = null;
  for (const tag of tags) {
    if (tag === newTag) continue;
    const candidate = parseVersionTag(tag, prefix);
    if (!candidate || semver.compare(candidate, version) >= 0) continue;
    if (!version.prerelease.length && candidate.prerelease.length) continue;
    if (!best || semver.compareBuild(candidate, best.version) > 0) best = { tag, version: candidate };
  }
  return best?.tag ?? null;
}

export type Bump = "major" | "minor" | "patch";

const RANK: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

/** The bump from `previous` to `next` (pre-release parts ignored: `1.0.0-rc.1` → `1.0.0` bumps nothing, as patch). */
export function bumpBetween(previous: SemVer, next: SemVer): Bump {
  if (next.major !== previous.major) return "major";
  if (next.minor !== previous.minor) return "minor";
  return "patch";
}

/**
 * The bump the changes need: a breaking change needs a major bump (a minor one while the major version is 0, as
 * SemVer allows anything to change in 0.y), a feature-like type a minor one, anything else a patch.
 */
export function impliedBump(
  changes: ReadonlyArray<{ type: string | null; breaking: boolean }>,
  minorTypes: readonly string[],
  previous: SemVer,
): Bump {
  let bump: Bump = "patch";
  for (const change of changes) {
    const needed: Bump = change.breaking
      ? previous.major === 0
        ? "minor"
        : "major"
      : change.type && minorTypes.includes(change.type)
        ? "minor"
        : "patch";
    if (RANK[needed] > RANK[bump]) bump = needed;
  }
  return bump;
}

/** True when `needed` is a larger bump than `actual`. */
export function isUnderBumped(actual: Bump, needed: Bump): boolean {
  return RANK[needed] > RANK[actual];
}
