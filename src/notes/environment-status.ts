import semver from "semver";
import type { Config } from "../config/schema.js";
import type { Environment, EnvironmentRef, LocatedTarget } from "../gitops/derive-environments.js";
import { targetId } from "../rules/plan-promotion.js";
import { compileExcludeTitle } from "./build-release-notes.js";
import { layoutPathMatcher } from "./layout-path-matcher.js";
import type { ReleaseCommit } from "./collect-release-entries.js";
import type { ImpactGroupRule, LayoutPathMatcher } from "./platform-impact.js";
import {
  groupByImpact,
  suggestNextVersion,
  waitingChanges,
  type ImpactGroup,
  type NextVersionRules,
  type WaitingChange,
} from "./waiting-changes.js";
import { parseVersionTag } from "./version-tags.js";

export interface EnvironmentWithCommit extends Environment {
  /** The commit the ref points to, or null when it does not exist (a tag not pushed, a branch not fetched). */
  commit: string | null;
}

/** "What runs where": the answer of `status` and the heart of the release dashboard. */
export interface EnvironmentStatus {
  head: string;
  environments: EnvironmentWithCommit[];
  /** The production ref the waiting PRs are measured against (the oldest production tag), or null. */
  production: EnvironmentRef | null;
  /** Merged PRs on the branch that production does not have; `inLatestTag` when the latest tag already has them. */
  waiting: Array<WaitingChange & { inLatestTag: boolean }>;
  /** The waiting PRs grouped by what they change (features, clusters, tenants). */
  impact: ImpactGroup[];
  latestTag: string | null;
  /** The version to tag from the branch for the changes no tag has yet, or null when every change is tagged. */
  nextVersion: string | null;
  /** Promotion targets that cannot be found in the tree. */
  blocked: Array<{ target: string; problem: string }>;
}

/**
 * The ref the waiting PRs are measured against: the production tag with the lowest version (what is not yet
 * everywhere), else a production branch (a target not promoted yet follows a branch), else none.
 */
export function productionBase(
  environments: ReadonlyArray<Pick<Environment, "role" | "ref">>,
  prefix: string,
): EnvironmentRef | null {
  const production = environments.filter((env) => env.role === "production");
  const tags = production
    .filter((env) => env.ref.type === "tag")
    .map((env) => ({ ref: env.ref, version: parseVersionTag(env.ref.name, prefix) }))
    .sort((a, b) =>
      a.version && b.version ? semver.compareBuild(a.version, b.version) : a.version ? -1 : b.version ? 1 : 0,
    );
  return tags[0]?.ref ?? production[0]?.ref ?? null;
}

export interface StatusInput {
  head: string;
  environments: EnvironmentWithCommit[];
  blocked: EnvironmentStatus["blocked"];
  /** Commits of `production..branch`, and those only production has (a tag off the branch). */
  toProduction: { commits: readonly ReleaseCommit[]; baseOnly: readonly ReleaseCommit[] };
  /** The same against the latest version tag (or the whole branch when there is no tag). */
  toLatest: { commits: readonly ReleaseCommit[]; baseOnly: readonly ReleaseCommit[] };
  latestTag: string | null;
  tags: readonly string[];
  /** The paths a commit changed, or null when unknown. */
  pathsOf: (sha: string) => readonly string[] | null;
  matcher: LayoutPathMatcher | null;
  impactRules: readonly ImpactGroupRule[];
  excludeTitles: ReadonlyArray<{ test(text: string): boolean }>;
  tagPrefix: string;
  nextVersion: NextVersionRules;
}

/** What `status` (from a checkout) and the dashboard (from GitHub) gather; the rest comes from the configuration. */
export interface GatheredStatus
  extends Pick<StatusInput, "head" | "toProduction" | "toLatest" | "latestTag" | "tags" | "pathsOf"> {
  environments: EnvironmentWithCommit[];
  located: readonly LocatedTarget[];
}

/** What the status takes from the configuration, compiled once (the dashboard uses the title patterns again). */
export type StatusRules = Pick<
  StatusInput,
  "matcher" | "impactRules" | "excludeTitles" | "tagPrefix" | "nextVersion"
>;

export function statusRules(config: Pick<Config, "layout" | "release" | "dashboard">): StatusRules {
  const matcher = layoutPathMatcher(config.layout);
  return {
    matcher: matcher.ok ? matcher.value : null,
    impactRules: config.release.impact.groups,
    excludeTitles: config.release.excludeTitles.map(compileExcludeTitle),
    tagPrefix: config.release.tagPrefix,
    nextVersion: config.dashboard.nextVersion,
  };
}

/** The status of a repository from what was gathered and its rules: one decision for the CLI and the app. */
export function composeRepositoryStatus(rules: StatusRules, gathered: GatheredStatus): EnvironmentStatus {
  return composeStatus({
    ...gathered,
    ...rules,
    blocked: gathered.located.flatMap((l) =>
      "problem" in l ? [{ target: targetId(l.target), problem: l.problem }] : [],
    ),
  });
}

/** Composes the status (pure): waiting PRs, their grouping by platform impact, and the next version. */
export function composeStatus(input: StatusInput): EnvironmentStatus {
  const production = productionBase(input.environments, input.tagPrefix);
  const waiting = production
    ? waitingChanges(input.toProduction.commits, input.toProduction.baseOnly, input.excludeTitles)
    : [];
  const unreleased = waitingChanges(input.toLatest.commits, input.toLatest.baseOnly, input.excludeTitles);
  const unreleasedKeys = new Set(unreleased.map((c) => c.number ?? c.sha));
  return {
    head: input.head,
    environments: input.environments,
    production,
    waiting: waiting.map((change) => ({
      ...change,
      inLatestTag: input.latestTag !== null && !unreleasedKeys.has(change.number ?? change.sha),
    })),
    impact: input.matcher
      ? groupByImpact(
          waiting.map((c) => ({ number: c.number, paths: input.pathsOf(c.sha) })),
          input.matcher,
          input.impactRules,
        )
      : [],
    latestTag: input.latestTag,
    nextVersion: suggestNextVersion(unreleased, input.tags, input.tagPrefix, input.nextVersion),
    blocked: input.blocked,
  };
}

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : "(not found)");
const pr = (n: number | null, sha: string) => (n === null ? short(sha) : `#${n}`);

/** The plain-text form of `status`. */
export function renderStatusText(status: EnvironmentStatus): string {
  const lines = ["Environments"];
  for (const env of status.environments) {
    const clusters = env.clusters.length ? ` (${env.clusters.join(", ")})` : "";
    lines.push(
      `  ${env.name} [${env.role}]: ${env.ref.type} ${env.ref.name} at ${short(env.commit)}${clusters}`,
    );
  }
  for (const b of status.blocked) lines.push(`  ${b.target} [production]: not found: ${b.problem}`);
  if (!status.environments.length && !status.blocked.length) lines.push("  (none found in the tree)");
  lines.push("");
  if (!status.production) {
    lines.push("Waiting for production: no production environment found");
  } else {
    lines.push(
      `Waiting for production (${status.production.type} ${status.production.name}): ${status.waiting.length} PR(s)`,
    );
    for (const change of status.waiting) {
      const tagged = change.inLatestTag ? ` [in ${status.latestTag}]` : "";
      lines.push(`  ${pr(change.number, change.sha)} ${change.title}${tagged}`);
    }
  }
  if (status.impact.length) {
    lines.push("", "Platform impact");
    for (const group of status.impact) {
      lines.push(`  ${group.heading}`);
      for (const item of group.items)
        lines.push(`    ${item.label}: ${item.pulls.map((n) => `#${n}`).join(", ")}`);
    }
  }
  lines.push(
    "",
    status.nextVersion
      ? `Next version: ${status.nextVersion} (latest tag ${status.latestTag ?? "none"})`
      : `Next version: none (every merged change is in ${status.latestTag ?? "a tag"})`,
  );
  return lines.join("\n");
}
