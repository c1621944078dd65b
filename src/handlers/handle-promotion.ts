import type { Context } from "probot";
import { loadConfig } from "../config/load-config.js";
import { formatConfigProblems } from "../config/parse-config.js";
import type { ConfigProblem } from "../config/parse-config.js";
import { CONFIG_PATH } from "../config/schema.js";
import { tagExists } from "../github/git-data.js";
import { closeTrackingIssue, comment, upsertTrackingIssue, type TrackingIssue } from "../github/issues.js";
import { getReleaseByTag } from "../github/releases.js";
import { canWrite } from "../github/repos.js";
import { parsePromoteCommand, selectTargets, targetsForRelease } from "../rules/plan-promotion.js";
import { inlineCode } from "../util/markdown.js";
import { promoteTarget, type PromotionOutcome, type PromotionRequest } from "./promote-target.js";

/** `release.published`: open (or move) the promotion PR of every target to the new release. */
export async function handleReleasePublished(context: Context<"release.published">): Promise<void> {
  const { release, repository } = context.payload;
  // 1. Drafts are never promoted.
  if (release.draft) return;
  // 2. The configuration. Invalid, there is no PR to report on: a tracking issue says what blocks the promotion
  //    (never silently dropped); it is closed by the next promotion that runs with a valid configuration.
  const config = await loadConfig(context);
  const repo = context.repo();
  if (!config.ok) {
    await upsertTrackingIssue(context.octokit, repo, configBlockedIssue(release.tag_name, config.error));
    return;
  }
  const promotion = config.value.promotion;
  if (!promotion.enabled) return;
  const targets = targetsForRelease(promotion.targets, release);
  if (targets.length) {
    await closeTrackingIssue(
      context.octokit,
      repo,
      CONFIG_BLOCKED_KEY,
      `The configuration is valid again: ${release.tag_name} is being promoted.`,
    );
  }
  const request: PromotionRequest = {
    repo,
    defaultBranch: repository.default_branch,
    htmlUrl: repository.html_url,
    tag: release.tag_name,
    explicit: false,
    release: { body: release.body ?? null, url: release.html_url },
    config: promotion,
  };
  // 3. One promotion per target; pre-releases only where a target opts in.
  for (const target of targets) {
    const outcome = await promoteTarget(context.octokit, request, target);
    context.log.info(`promotion ${release.tag_name} → ${outcome.target}: ${describeOutcome(outcome)}`);
  }
}

/** `/promote vX.Y.Z [target]` in a comment: re-promotion or rollback, by a user who may write. Always answered. */
export async function handlePromoteCommand(context: Context<"issue_comment.created">): Promise<void> {
  const { comment: note, issue, repository } = context.payload;
  // 1. Only comments that carry the command, from people (the bot's own answers quote it).
  const command = parsePromoteCommand(note.body);
  const user = note.user;
  if (!command || !user || user.type === "Bot") return;
  const repo = context.repo();
  const answer = (text: string) => comment(context.octokit, repo, issue.number, `@${user.login} ${text}`);
  if (!command.ok) return answer(command.error);
  // 2. Write permission, as GitHub reports it for this repository.
  if (!(await canWrite(context.octokit, repo, user.login))) {
    return answer("`/promote` needs write permission on this repository; ask a maintainer to run it.");
  }
  // 3. Configuration and target.
  const config = await loadConfig(context);
  if (!config.ok)
    return answer(`the configuration is invalid, fix it first:\n\n${formatConfigProblems(config.error)}`);
  const promotion = config.value.promotion;
  const targets = selectTargets(promotion.targets, command.value.target);
  if (!targets.ok) return answer(targets.error);
  // 4. The tag and its release notes.
  const { tag } = command.value;
  const release = await getReleaseByTag(context.octokit, repo, tag);
  if (!release && !(await tagExists(context.octokit, repo, tag))) {
    return answer(
      `there is no tag ${inlineCode(tag)} in this repository; push it (or publish its release) first.`,
    );
  }
  const request: PromotionRequest = {
    repo,
    defaultBranch: repository.default_branch,
    htmlUrl: repository.html_url,
    tag,
    explicit: true,
    release: { body: release?.body ?? null, url: release?.url ?? null },
    config: promotion,
  };
  // 5. Promote each target and answer with what happened.
  const outcomes: PromotionOutcome[] = [];
  for (const target of targets.value) outcomes.push(await promoteTarget(context.octokit, request, target));
  await answer(outcomes.map((o) => `- ${inlineCode(o.target)}: ${describeOutcome(o)}`).join("\n"));
}

function describeOutcome(outcome: PromotionOutcome): string {
  switch (outcome.status) {
    case "opened":
      return `opened #${outcome.pull.number}`;
    case "updated":
      return `updated #${outcome.pull.number}`;
    case "skipped":
      return `nothing to do: ${outcome.reason}`;
    case "blocked":
      return `blocked, see #${outcome.issue}: ${outcome.reason}`;
  }
}

const CONFIG_BLOCKED_KEY = "promotion-blocked:configuration";

/** The issue that says a published release was not promoted because the configuration is invalid. */
function configBlockedIssue(tag: string, problems: ConfigProblem[]): TrackingIssue {
  return {
    key: CONFIG_BLOCKED_KEY,
    title: `Promotion of ${tag} is blocked: invalid configuration`,
    body: [
      `The release ${inlineCode(tag)} was published, but no promotion PR was opened: \`${CONFIG_PATH}\` on the`,
      "default branch is invalid.",
      "",
      formatConfigProblems(problems),
      "",
      `Fix the file (a PR that changes it gets a **Config** check), then comment \`/promote ${tag}\` here to promote`,
      "the release. The next promotion with a valid configuration closes this issue.",
    ].join("\n"),
  };
}
