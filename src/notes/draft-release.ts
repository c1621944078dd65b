import type { LayoutTemplateSettings } from "../rules/layout-templates.js";
import type { ReleaseNotesConfig } from "../config/sections/release-notes.js";
import { renderPlannedNotes, type ReleaseNotes, type ReleasePlan } from "./build-release-notes.js";
import { layoutPathMatcher } from "./layout-path-matcher.js";
import type { NotesLinks } from "./render-release-notes.js";

/** Everything the notes are made from, once gathered (by the app from GitHub, by the CLI from a checkout). */
export interface GatheredNotes {
  plan: ReleasePlan;
  /** Keys (`contributorKey`) of the plan's contributors with nothing in earlier releases. */
  firstTimeContributors: ReadonlySet<string>;
  changedPaths: readonly string[];
  changedPathsComplete: boolean;
  /** The layout rules, for the Platform impact (their problems become a note on top). */
  layout: LayoutTemplateSettings;
  /** The configuration's problems, formatted, when it was invalid and the defaults were used; else null. */
  configProblems: string | null;
  /** The repository's web address (`https://github.com/o/r`), or null when unknown (a CLI checkout without one). */
  htmlUrl: string | null;
  rules: ReleaseNotesConfig;
}

/** What the app writes: one draft release for the tag. */
export interface ReleaseDraft {
  tag: string;
  name: string;
  body: string;
  prerelease: boolean;
  notes: ReleaseNotes;
}

/** The notes for what was gathered (pure): warnings on top, links to the repository when its address is known. */
export function composeNotes(gathered: GatheredNotes, limit?: number): ReleaseNotes {
  const { plan, rules } = gathered;
  const matcher = layoutPathMatcher(gathered.layout);
  const warnings = [
    ...(gathered.configProblems ? [configWarning(gathered.configProblems)] : []),
    ...(matcher.ok
      ? []
      : [`> [!NOTE]\n> No Platform impact: the layout configuration is invalid: ${matcher.error}`]),
  ];
  return renderPlannedNotes(
    plan,
    {
      firstTimeContributors: gathered.firstTimeContributors,
      changedPaths: gathered.changedPaths,
      changedPathsComplete: gathered.changedPathsComplete,
      matchLayout: matcher.ok ? matcher.value : null,
      links: notesLinks(gathered.htmlUrl, plan.tag, plan.previousTag),
      warnings,
    },
    rules,
    limit,
  );
}

/** The draft release of a tag (pure): the one decision of the release-draft handler. */
export function draftRelease(gathered: GatheredNotes): ReleaseDraft {
  const notes = composeNotes(gathered);
  const { tag, prerelease } = gathered.plan;
  return { tag, name: tag, body: notes.markdown, prerelease, notes };
}

/** Links into the repository's pages; none when its address is unknown (GitHub links a pasted `#N` by itself). */
export function notesLinks(htmlUrl: string | null, tag: string, previousTag: string | null): NotesLinks {
  if (!htmlUrl) return { compare: null, pull: null, commit: null };
  const enc = encodeURIComponent;
  return {
    compare: previousTag
      ? `${htmlUrl}/compare/${enc(previousTag)}...${enc(tag)}`
      : `${htmlUrl}/commits/${enc(tag)}`,
    pull: (number) => `${htmlUrl}/pull/${number}`,
    commit: (sha) => `${htmlUrl}/commit/${sha}`,
  };
}

function configWarning(problems: string): string {
  return [
    "> [!WARNING]",
    "> `.github/gitops-release-bot.yml` is invalid, so these notes use the default settings. Fix:",
    ...problems.split("\n").map((line) => `> ${line}`),
  ].join("\n");
}
