import semver from "semver";
import { parseConventionalCommit } from "../rules/parse-conventional-commit.js";
import { pullRequestOfCommit, type ReleaseCommit } from "./collect-release-entries.js";
import { platformImpact, type ImpactGroupRule, type LayoutPathMatcher } from "./platform-impact.js";
import { parseVersionTag } from "./version-tags.js";

/** A merged change on the default branch that a ref (the production tag, the latest tag) does not have yet. */
export interface WaitingChange {
  number: number | null;
  title: string;
  sha: string;
  type: string | null;
  breaking: boolean;
}

/**
 * The PRs of `commits` (reachable from the branch, not from `base`) that `base` does not already have. `base` may be
 * off the branch (history rewritten after tagging): its own commits (`baseOnlyCommits`) name PRs whose rewritten
 * twins are on the branch, matched by PR number, or by title when the twin lost its `(#N)`. The bot's promotion PRs
 * (`excludeTitles`) are not changes. Oldest first, one entry per PR.
 */
export function waitingChanges(
  commits: readonly ReleaseCommit[],
  baseOnlyCommits: readonly ReleaseCommit[],
  excludeTitles: ReadonlyArray<{ test(text: string): boolean }>,
): WaitingChange[] {
  const inBase = baseOnlyCommits.map(pullRequestOfCommit);
  const numbers = new Set(inBase.map((pr) => pr.number).filter((n): n is number => n !== null));
  const titles = new Set(inBase.map((pr) => pr.title));
  const seen = new Set<number>();
  const waiting: WaitingChange[] = [];
  for (const commit of commits) {
    const pr = pullRequestOfCommit(commit);
    if (pr.number !== null) {
      if (seen.has(pr.number)) continue;
      seen.add(pr.number);
      if (numbers.has(pr.number)) continue;
    }
    if (titles.has(pr.title)) continue;
    if (excludeTitles.some((pattern) => pattern.test(pr.title))) continue;
    const header = parseConventionalCommit(pr.body ? `${pr.title}\n\n${pr.body}` : pr.title);
    waiting.push({
      number: pr.number,
      title: pr.title,
      sha: commit.sha,
      type: header.type,
      breaking: header.breaking || /^\w+(\([^()]*\))?!:/.test(pr.title),
    });
  }
  return waiting;
}

export interface NextVersionRules {
  /** The bump a breaking change needs. */
  breaking: "major" | "minor";
  /** Types that need a minor bump. */
  minorTypes: readonly string[];
}

/**
 * The version to tag next: the highest version tag bumped by what the unreleased changes need (breaking → major by
 * default, a minor type → minor, anything else → patch). Null when nothing is unreleased.
 */
export function suggestNextVersion(
  unreleased: ReadonlyArray<Pick<WaitingChange, "type" | "breaking">>,
  tags: readonly string[],
  prefix: string,
  rules: NextVersionRules,
): string | null {
  if (!unreleased.length) return null;
  const latest = latestVersionTag(tags, prefix);
  const current = latest ? parseVersionTag(latest, prefix)!.version : "0.0.0";
  let bump: "major" | "minor" | "patch" = "patch";
  for (const change of unreleased) {
    if (change.breaking) bump = rules.breaking === "major" ? "major" : bump === "major" ? bump : "minor";
    else if (change.type && rules.minorTypes.includes(change.type) && bump === "patch") bump = "minor";
  }
  // A pre-release `1.0.0-rc.1` is released as `1.0.0` whatever the bump (semver.inc does that for patch only).
  const base = semver.parse(current)!;
  const next =
    base.prerelease.length && bump === "patch" ? semver.inc(base, "patch") : semver.inc(base, bump);
  return `${prefix}${next}`;
}

/** The highest final version tag (pre-releases count only when there is no final one). */
export function latestVersionTag(tags: readonly string[], prefix: string): string | null {
  const versions = tags
    .map((tag) => ({ tag, version: parseVersionTag(tag, prefix) }))
    .filter((t): t is { tag: string; version: semver.SemVer } => t.version !== null);
  const finals = versions.filter((t) => !t.version.prerelease.length);
  const pool = finals.length ? finals : versions;
  pool.sort((a, b) => semver.compareBuild(b.version, a.version));
  return pool[0]?.tag ?? null;
}

/** One line of the grouping: e.g. `Clusters` → `aws prod: prod-eu-west-1` → the PRs that change it. */
export interface ImpactGroup {
  heading: string;
  items: Array<{ label: string; pulls: number[] }>;
}

/**
 * Groups the waiting PRs by what they change on the platform (features, clusters per environment, tenants), from
 * each PR's changed paths through the layout. PRs without a number or with unknown paths are not grouped.
 */
export function groupByImpact(
  changes: ReadonlyArray<{ number: number | null; paths: readonly string[] | null }>,
  match: LayoutPathMatcher,
  rules: readonly ImpactGroupRule[],
): ImpactGroup[] {
  const headings = new Map<string, Map<string, Set<number>>>();
  for (const rule of rules) if (!headings.has(rule.heading)) headings.set(rule.heading, new Map());
  for (const change of changes) {
    if (change.number === null || !change.paths) continue;
    for (const line of platformImpact(change.paths, match, rules).lines) {
      const labels = headings.get(line.heading)!;
      for (const group of line.groups) {
        for (const item of group.items) {
          const label = group.name ? `${group.name}: ${item}` : item;
          let pulls = labels.get(label);
          if (!pulls) labels.set(label, (pulls = new Set()));
          pulls.add(change.number);
        }
      }
    }
  }
  return [...headings]
    .filter(([, labels]) => labels.size)
    .map(([heading, labels]) => ({
      heading,
      items: [...labels]
        .map(([label, pulls]) => ({ label, pulls: [...pulls].sort((a, b) => a - b) }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    }));
}
