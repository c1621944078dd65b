import { compileUserPattern, type UserPattern } from "../rules/user-pattern.js";
import semver from "semver";
import type { ReleaseNotesConfig } from "../config/sections/release-notes.js";
import {
  collectReleaseEntries,
  pullRequestNumbers,
  type Contributor,
  type ReleaseCommit,
  type ReleaseEntry,
} from "./collect-release-entries.js";
import { platformImpact, type LayoutPathMatcher, type PlatformImpact } from "./platform-impact.js";
import {
  contributorKey,
  renderReleaseNotes,
  type NotesLinks,
  type NotesSection,
} from "./render-release-notes.js";
import { compileTypeAliases } from "./type-aliases.js";
import { bumpBetween, impliedBump, isUnderBumped, type TagVersion } from "./version-tags.js";

export interface ReleaseRange {
  /** The tag being released, read once (`readVersionTag`). */
  version: TagVersion;
  previousTag: string | null;
  /** The previous tag read as a version; null for a first release or a `--previous` tag that is not a version. */
  previousVersion: TagVersion | null;
  /** Commits reachable from `tag` and not from the previous tag (or its merge base with `tag`). */
  commits: readonly ReleaseCommit[];
  /** Commits reachable from the previous tag but not from `tag` (tags off the main branch); their PRs are released. */
  previousOnlyCommits: readonly ReleaseCommit[];
}

export interface ReleasePlan {
  tag: string;
  previousTag: string | null;
  version: TagVersion;
  previousVersion: TagVersion | null;
  prerelease: boolean;
  entries: ReleaseEntry[];
  excluded: Array<{ number: number | null; sha: string; reason: string }>;
  /** Authors of the listed entries, first-seen order, one per login (or name). */
  contributors: Contributor[];
}

/**
 * User patterns run on RE2 (linear time): a stranger's title cannot stall the process on a backtracking pattern. The
 * configuration schema already refused patterns RE2 cannot run, so a failure here is a bug, not user input.
 */
export function compileExcludeTitle(source: string): UserPattern {
  const compiled = compileUserPattern(source);
  if (!compiled.ok)
    throw new Error(`release.excludeTitles passed validation but does not compile: ${compiled.message}`);
  return compiled.pattern;
}

/** Step 1 (pure): which entries the notes list. */
export function planReleaseNotes(
  range: ReleaseRange,
  config: Pick<ReleaseNotesConfig, "excludeTitles" | "typeAliases">,
): ReleasePlan {
  const { entries, excluded } = collectReleaseEntries(range.commits, {
    releasedNumbers: pullRequestNumbers(range.previousOnlyCommits),
    excludeTitles: config.excludeTitles.map(compileExcludeTitle),
    typeAliases: compileTypeAliases(config.typeAliases),
  });
  const contributors = new Map<string, Contributor>();
  for (const entry of entries)
    if (entry.author && !contributors.has(contributorKey(entry.author)))
      contributors.set(contributorKey(entry.author), entry.author);
  return {
    tag: range.version.tag,
    previousTag: range.previousTag,
    version: range.version,
    previousVersion: range.previousVersion,
    prerelease: range.version.prerelease,
    entries,
    excluded,
    contributors: [...contributors.values()],
  };
}

export interface NotesContext {
  /** Keys (`@login` or name, see `contributorKey`) of contributors with nothing in earlier releases. */
  firstTimeContributors: ReadonlySet<string>;
  /** Changed paths between the previous tag and this one (every path of the tag for a first release). */
  changedPaths: readonly string[];
  changedPathsComplete: boolean;
  /** The layout rules' matcher; null leaves out the Platform impact. */
  matchLayout: LayoutPathMatcher | null;
  links: NotesLinks;
  /** Extra warnings for the top (e.g. an invalid configuration). */
  warnings?: string[];
}

export interface ReleaseNotes {
  tag: string;
  previousTag: string | null;
  prerelease: boolean;
  /** In the order the notes list them (first appearance). */
  pullRequests: Array<{
    number: number;
    type: string | null;
    scope: string | null;
    subject: string;
    breaking: boolean;
  }>;
  entries: ReleaseEntry[];
  impact: PlatformImpact | null;
  markdown: string;
}

/** Sorts entries into the configured sections; types no section names go to the `*` section or a final one. */
export function sectionEntries(
  entries: readonly ReleaseEntry[],
  sections: ReleaseNotesConfig["sections"],
): NotesSection[] {
  const result: NotesSection[] = sections.map((s) => ({ heading: s.heading, entries: [] }));
  const named = new Set(sections.flatMap((s) => s.types));
  let catchAll = sections.findIndex((s) => s.types.includes("*"));
  const ordered = [...entries].sort(
    (a, b) => (a.number ?? Number.MAX_SAFE_INTEGER) - (b.number ?? Number.MAX_SAFE_INTEGER),
  );
  for (const entry of ordered) {
    sections.forEach((section, index) => {
      if (section.breaking && entry.breaking) result[index]!.entries.push(entry);
    });
    let index =
      entry.type && named.has(entry.type) ? sections.findIndex((s) => s.types.includes(entry.type!)) : -1;
    if (index < 0) {
      if (catchAll < 0) {
        result.push({ heading: "Other changes", entries: [] });
        catchAll = result.length - 1;
      }
      index = catchAll;
    }
    result[index]!.entries.push(entry);
  }
  return result;
}

/** Step 2 (pure): the notes' Markdown and the data the CLI prints. */
export function renderPlannedNotes(
  plan: ReleasePlan,
  context: NotesContext,
  config: Pick<
    ReleaseNotesConfig,
    "tagPrefix" | "sections" | "contributors" | "impact" | "versionCheck" | "template"
  >,
  limit?: number,
): ReleaseNotes {
  const sections = sectionEntries(plan.entries, config.sections);
  const impact =
    config.impact.enabled && context.matchLayout
      ? platformImpact(
          context.changedPaths,
          context.matchLayout,
          config.impact.groups,
          context.changedPathsComplete,
        )
      : null;
  const warnings = [...(context.warnings ?? [])];
  const bumpWarning = config.versionCheck.enabled ? versionBumpWarning(plan, config) : null;
  if (bumpWarning) warnings.unshift(bumpWarning);
  const markdown = renderReleaseNotes({
    tag: plan.tag,
    previousTag: plan.previousTag,
    sections,
    impact,
    contributors: config.contributors
      ? plan.contributors.map((contributor) => ({
          contributor,
          firstTime: context.firstTimeContributors.has(contributorKey(contributor)),
        }))
      : null,
    warnings,
    links: context.links,
    template: config.template,
    limit,
  });
  const listed = new Set<number>();
  const pullRequests: ReleaseNotes["pullRequests"] = [];
  for (const entry of sections.flatMap((s) => s.entries)) {
    if (entry.number === null || listed.has(entry.number)) continue;
    listed.add(entry.number);
    const { number, type, scope, subject, breaking } = entry;
    pullRequests.push({ number, type, scope, subject, breaking });
  }
  return {
    tag: plan.tag,
    previousTag: plan.previousTag,
    prerelease: plan.prerelease,
    pullRequests,
    entries: plan.entries,
    impact,
    markdown,
  };
}

/**
 * The warning on top when the changes need a larger SemVer bump than the tag's. CalVer tags have none: their number
 * says when, not how much changed.
 */
function versionBumpWarning(
  plan: ReleasePlan,
  config: Pick<ReleaseNotesConfig, "tagPrefix" | "versionCheck">,
): string | null {
  const { previousVersion, version } = plan;
  if (!previousVersion || version.scheme !== "semver" || previousVersion.scheme !== "semver") return null;
  const previous = previousVersion.version;
  const actual = bumpBetween(previous, version.version);
  const needed = impliedBump(plan.entries, config.versionCheck.minorTypes, previous);
  if (!isUnderBumped(actual, needed)) return null;
  const reasons = plan.entries
    .filter((entry) => impliedBump([entry], config.versionCheck.minorTypes, previous) === needed)
    .slice(0, 5)
    .map((entry) => (entry.number !== null ? `#${entry.number}` : entry.sha.slice(0, 7)));
  const suggested = semver.inc(previous, needed);
  return [
    "> [!WARNING]",
    `> These changes need a **${needed}** version bump (${reasons.join(", ")}), but ${plan.tag} is a ${actual} release after ${plan.previousTag}. Consider tagging ${config.tagPrefix}${suggested} instead.`,
  ].join("\n");
}
