import type { Context } from "probot";
import { loadConfig } from "../config/load-config.js";
import { formatConfigProblems, parseConfig } from "../config/parse-config.js";
import type { Config } from "../config/schema.js";
import { isFirstContribution } from "../github/commits.js";
import { listTagNames } from "../github/repos.js";
import { mapConcurrent } from "../util/map-concurrent.js";
import { fetchReleaseRange } from "./gather-release-range.js";
import { deleteReleaseDrafts, upsertReleaseDraft } from "../github/releases.js";
import { planReleaseNotes, renderPlannedNotes } from "../notes/build-release-notes.js";
import { classifyTagPush } from "../notes/classify-tag-push.js";
import { layoutPathMatcher } from "../notes/layout-path-matcher.js";
import { contributorKey, type NotesLinks } from "../notes/render-release-notes.js";
import { pickPreviousTag } from "../notes/version-tags.js";

/**
 * Release drafts. Only `push` is handled: GitHub sends both `push` (with `created`/`deleted`) and `create` for a new
 * tag, and both are suppressed alike when more than three tags are pushed at once, so `create` adds nothing but a
 * second run. The per-tag lock and the look-up by tag still keep one draft if deliveries overlap.
 */
export async function handleTagPush(context: Context<"push">): Promise<void> {
  const { payload } = context;
  if (!payload.ref.startsWith("refs/tags/")) return; // branch pushes: no configuration read, no API call
  // 1. The configuration (invalid → the defaults, and the problems shown on top of the draft).
  const loaded = await loadConfig(context);
  const config: Config = loaded.ok ? loaded.value : defaultConfig();
  const rules = config.release;
  if (!rules.enabled) return;
  // 2. Is this a version tag being pushed or deleted?
  const push = classifyTagPush(payload, rules.tagPrefix);
  if (push.kind === "not-a-tag") return;
  if (push.kind === "not-a-version") {
    context.log.debug(`release: tag "${push.tag}" is not "${rules.tagPrefix}<semver>"; ignored`);
    return;
  }
  const repo = context.repo();
  if (push.kind === "deleted") {
    const deleted = await deleteReleaseDrafts(context.octokit, repo, push.tag);
    context.log.info(`release: tag ${push.tag} deleted; ${deleted.length} draft release(s) deleted`);
    return;
  }
  // 3. The previous release by semver, and the commits and paths in between.
  const tags = await listTagNames(context.octokit, repo);
  const previousTag = pickPreviousTag(tags, push.tag, rules.tagPrefix);
  const range = await fetchReleaseRange(context.octokit, repo, push.tag, previousTag, payload);
  // 4. Which PRs the notes list (pure), then who contributes for the first time.
  const plan = planReleaseNotes({ tag: push.tag, previousTag, ...range }, rules);
  if (!plan.ok) throw new Error(plan.error); // classifyTagPush already accepted the tag as a version
  const firstTime = await firstTimeContributors(
    context,
    plan.value.contributors,
    previousTag,
    rules.contributors,
  );
  // 5. The notes (pure).
  const matcher = layoutPathMatcher(config.layout);
  const warnings = [
    ...(loaded.ok ? [] : [configWarning(formatConfigProblems(loaded.error))]),
    ...(matcher.ok
      ? []
      : [`> [!NOTE]\n> No Platform impact: the layout configuration is invalid: ${matcher.error}`]),
  ];
  const notes = renderPlannedNotes(
    plan.value,
    {
      firstTimeContributors: firstTime,
      changedPaths: range.changedPaths,
      changedPathsComplete: range.changedPathsComplete,
      matchLayout: matcher.ok ? matcher.value : null,
      links: linksFor(payload.repository.html_url, push.tag, previousTag),
      warnings,
    },
    rules,
  );
  // 6. One draft per tag: created, or updated in place; a published release is left alone.
  const result = await upsertReleaseDraft(context.octokit, repo, {
    tag: push.tag,
    name: push.tag,
    body: notes.markdown,
    prerelease: plan.value.prerelease,
  });
  context.log.info(
    `release: ${push.tag} (previous ${previousTag ?? "none"}): ${result.action}, ${notes.pullRequests.length} PR(s)`,
  );
}

async function firstTimeContributors(
  context: Context<"push">,
  contributors: Array<{ login: string | null; name: string }>,
  previousTag: string | null,
  wanted: boolean,
): Promise<Set<string>> {
  if (!wanted) return new Set();
  // Before the first release everyone is new; afterwards, one look-up per login in the previous tag's history,
  // except for logins already known as contributors of the repository (remembered per installation).
  if (!previousTag) return new Set(contributors.map(contributorKey));
  const withLogin = contributors.filter((c) => c.login);
  const installationId = context.payload.installation?.id ?? null;
  const first = await mapConcurrent(withLogin, 4, (c) =>
    isFirstContribution(context.octokit, context.repo(), c.login!, previousTag, installationId),
  );
  return new Set(withLogin.filter((_, i) => first[i]).map(contributorKey));
}

function linksFor(htmlUrl: string, tag: string, previousTag: string | null): NotesLinks {
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

function defaultConfig(): Config {
  const parsed = parseConfig({});
  if (!parsed.ok) throw new Error("the default configuration is invalid");
  return parsed.value;
}
