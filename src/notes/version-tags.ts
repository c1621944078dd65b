import semver, { type SemVer } from "semver";

export type VersionScheme = "auto" | "semver" | "calver";

/** A version tag, read once: its scheme and a SemVer that orders it among the others. */
export interface TagVersion {
  tag: string;
  scheme: "semver" | "calver";
  /** For ordering; for CalVer the numbers as major.minor.patch (`2024.06` → 2024.6.0), so not a version to print. */
  version: SemVer;
  prerelease: boolean;
}

// CalVer: two or three numbers with leading zeros allowed (`2024.06`, `2024.06.01`, `24.04.2`), SemVer's suffixes.
const CALVER = /^(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Reads a tag `<prefix><version>` under a scheme: `semver` (strict), `calver` (see `CALVER`), or `auto` (CalVer
 * when the first number has four digits, a year; SemVer otherwise). Null when the tag is not a version.
 */
export function readVersionTag(
  tag: string,
  prefix: string,
  scheme: VersionScheme = "auto",
): TagVersion | null {
  if (!tag.startsWith(prefix)) return null;
  const text = tag.slice(prefix.length);
  const calver = CALVER.exec(text);
  const isCalver = scheme === "calver" || (scheme === "auto" && calver !== null && calver[1]!.length === 4);
  if (!isCalver) {
    const version = semver.parse(text);
    return version ? { tag, scheme: "semver", version, prerelease: version.prerelease.length > 0 } : null;
  }
  if (!calver) return null;
  const [, a, b, c = "0", pre = "", build = ""] = calver;
  const version = semver.parse(`${Number(a)}.${Number(b)}.${Number(c)}${pre}${build}`);
  return version ? { tag, scheme: "calver", version, prerelease: version.prerelease.length > 0 } : null;
}

/** The version a tag names, for ordering (`v1.2.3` with prefix `v`, or a CalVer tag), or null. */
export function parseVersionTag(tag: string, prefix: string, scheme: VersionScheme = "auto"): SemVer | null {
  return readVersionTag(tag, prefix, scheme)?.version ?? null;
}

/**
 * The previous release of `version`: the highest version tag below it by version, not by ancestry (a tag may point
 * off the main branch). A final release skips pre-releases (`v1.1.0` follows `v1.0.0`, not `v1.1.0-rc.1`); a
 * pre-release follows whatever is highest below it. Null for the first release.
 */
export function pickPreviousVersion(
  tags: readonly string[],
  version: TagVersion,
  prefix: string,
  scheme: VersionScheme = "auto",
): TagVersion | null {
  let best: TagVersion | null = null;
  for (const tag of tags) {
    if (tag === version.tag) continue;
    const candidate = readVersionTag(tag, prefix, scheme);
    if (!candidate || semver.compare(candidate.version, version.version) >= 0) continue;
    if (!version.prerelease && candidate.prerelease) continue;
    if (!best || semver.compareBuild(candidate.version, best.version) > 0) best = candidate;
  }
  return best;
}

/** `pickPreviousVersion` for a tag name: the previous release's tag, or null. */
export function pickPreviousTag(
  tags: readonly string[],
  newTag: string,
  prefix: string,
  scheme: VersionScheme = "auto",
): string | null {
  const version = readVersionTag(newTag, prefix, scheme);
  return version ? (pickPreviousVersion(tags, version, prefix, scheme)?.tag ?? null) : null;
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
