import type { Context } from "probot";
import { loadConfig } from "../config/load-config.js";
import { formatConfigProblems, parseConfig } from "../config/parse-config.js";
import type { Config } from "../config/schema.js";
import { isFirstContribution } from "../github/commits.js";
import { listTagNames } from "../github/repos.js";
import { deleteReleaseDrafts, upsertReleaseDraft } from "../github/releases.js";
import { planReleaseNotes } from "../notes/build-release-notes.js";
import { classifyTagPush } from "../notes/classify-tag-push.js";
import { draftRelease } from "../notes/draft-release.js";
import { contributorKey } from "../notes/render-release-notes.js";
import { pickPreviousVersion } from "../notes/version-tags.js";
import { mapConcurrent } from "../util/map-concurrent.js";
import { fetchReleaseRange } from "./gather-release-range.js";

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
  // 2. Is this a version tag being pushed or deleted? (The tag is read here, once.)
  const push = classifyTagPush(payload, rules.tagPrefix, rules.versionScheme);
  if (push.kind === "not-a-tag") return;
  if (push.kind === "not-a-version") {
    context.log.debug(`release: tag "${push.tag}" is not "${rules.tagPrefix}<version>"; ignored`);
    return;
  }
  const repo = context.repo();
  if (push.kind === "deleted") {
    const deleted = await deleteReleaseDrafts(context.octokit, repo, push.tag);
    context.log.info(`release: tag ${push.tag} deleted; ${deleted.length} draft release(s) deleted`);
    return;
  }
  // 3. The previous release by version, and the commits and paths in between.
  const tags = await listTagNames(context.octokit, repo);
  const previousVersion = pickPreviousVersion(tags, push.version, rules.tagPrefix, rules.versionScheme);
  const previousTag = previousVersion?.tag ?? null;
  const range = await fetchReleaseRange(context.octokit, repo, push.tag, previousTag, payload);
  // 4. Which PRs the notes list (pure), then who among their authors contributes for the first time.
  const plan = planReleaseNotes({ version: push.version, previousTag, previousVersion, ...range }, rules);
  const firstTime = await firstTimeContributors(context, plan.contributors, previousTag, rules.contributors);
  // 5. The draft (pure): notes, their warnings and links.
  const draft = draftRelease({
    plan,
    firstTimeContributors: firstTime,
    changedPaths: range.changedPaths,
    changedPathsComplete: range.changedPathsComplete,
    layout: config.layout,
    configProblems: loaded.ok ? null : formatConfigProblems(loaded.error),
    htmlUrl: payload.repository.html_url,
    rules,
  });
  // 6. One draft per tag: created, or updated in place; a published release is left alone.
  const result = await upsertReleaseDraft(context.octokit, repo, {
    tag: draft.tag,
    name: draft.name,
    body: draft.body,
    prerelease: draft.prerelease,
  });
  context.log.info(
    `release: ${push.tag} (previous ${previousTag ?? "none"}): ${result.action}, ${draft.notes.pullRequests.length} PR(s)`,
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

function defaultConfig(): Config {
  const parsed = parseConfig({});
  if (!parsed.ok) throw new Error("the default configuration is invalid");
  return parsed.value;
}
