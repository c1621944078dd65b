import type { Context } from "probot";
import { loadConfig } from "../config/load-config.js";
import type { RolloutConfig } from "../config/sections/rollout.js";
import { upsertCheckRun } from "../github/checks.js";
import { listMergedPulls } from "../github/pulls.js";
import { getPublishedReleaseData, updateReleaseBody } from "../github/releases.js";
import { listTagsAt } from "../github/repos.js";
import { getCombinedStatuses } from "../github/statuses.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { readPromotionTag } from "../report/promotion-body.js";
import {
  readRolloutMarker,
  renderRolloutCheck,
  renderRolloutSection,
  ROLLOUT_CHECK,
  spliceRolloutSection,
} from "../report/rollout-report.js";
import { looksLikeFluxStatus, planRollout, type RolloutConclusion } from "../rules/map-flux-statuses.js";
import { targetId } from "../rules/plan-promotion.js";
import { withKeyedLock } from "../util/keyed-lock.js";

const PROMOTION_BRANCH = /^promote\/(.+)$/;

/** `status`: Flux reported a Kustomization on a commit; when a released tag points at it, its rollout is updated. */
export async function handleRolloutStatus(context: Context<"status">): Promise<void> {
  const { sha, context: statusContext } = context.payload;
  // 1. Enabled, and a status that can be a Kustomization's (other CI statuses cost no further read).
  const config = await loadConfig(context);
  if (!config.ok || !config.value.rollout.enabled) return;
  const rollout = config.value.rollout;
  if (!looksLikeFluxStatus(statusContext, rollout)) return;
  // 2. The tags of the commit: production applies a tag, so Flux reports on the tag's commit.
  const repo = context.repo();
  const tags = await listTagsAt(context.octokit, repo, sha, context.payload);
  // 3. Each tag's rollout, per promotion target.
  for (const tag of tags) {
    for (const target of config.value.promotion.targets) {
      const outcome = await trackRollout(context.octokit, repo, { tag, targetId: targetId(target), rollout });
      if (outcome) context.log.info(`rollout ${tag} → ${targetId(target)}: ${outcome}`);
    }
  }
}

/** `pull_request.closed`: a merged promotion PR starts its rollout (the Rollout check, in progress). */
export async function handlePromotionMerged(context: Context<"pull_request.closed">): Promise<void> {
  const pull = context.payload.pull_request;
  // 1. Only merged promotion PRs of this bot (its branch and its marker).
  const branch = PROMOTION_BRANCH.exec(pull.head.ref);
  const tag = readPromotionTag(pull.body);
  if (!pull.merged || !branch || !tag) return;
  // 2. Enabled.
  const config = await loadConfig(context);
  if (!config.ok || !config.value.rollout.enabled) return;
  // 3. The rollout as the statuses say now (usually: nothing reported yet).
  const outcome = await trackRollout(context.octokit, context.repo(), {
    tag,
    targetId: branch[1]!,
    rollout: config.value.rollout,
  });
  if (outcome) context.log.info(`rollout ${tag} → ${branch[1]}: ${outcome}`);
}

export interface RolloutRequest {
  tag: string;
  targetId: string;
  rollout: Pick<RolloutConfig, "statusFormat" | "statuses" | "timeoutMinutes">;
  now?: number;
}

/**
 * One tag's rollout to one target, serialised per tag and target (a burst of statuses is handled one job after the
 * other; each reads the combined statuses once, so the later ones find the output unchanged and write nothing).
 * Returns the conclusion, or null when the tag has no merged promotion PR of this target to track.
 */
export function trackRollout(
  octokit: Octokit,
  repo: RepoRef,
  request: RolloutRequest,
): Promise<RolloutConclusion | null> {
  const { tag, targetId: id } = request;
  return withKeyedLock(`${repo.owner}/${repo.repo}:rollout:${id}:${tag}`, async (lease) => {
    // 1. The newest merged promotion PR of the target; only the rollout of the tag it promoted is tracked (an older
    //    promotion of the same commit is history).
    const [pull] = await listMergedPulls(octokit, repo, `promote/${id}`);
    if (!pull || readPromotionTag(pull.body) !== tag) return null;
    const marker = readRolloutMarker(pull.body);
    if (!marker) return null;
    // 2. Flux's statuses on the tag's commit (the latest per context, read once) and the published release.
    const [{ statuses }, release] = await Promise.all([
      getCombinedStatuses(octokit, repo, tag),
      getPublishedReleaseData(octokit, repo, tag),
    ]);
    // 3. Decide.
    const plan = planRollout({
      targets: marker,
      statuses,
      since: pull.mergedAt,
      now: request.now ?? Date.now(),
      timeoutMs: request.rollout.timeoutMinutes * 60_000,
      config: request.rollout,
    });
    const described = {
      tag,
      targetId: id,
      pull: { number: pull.number, url: pull.url, mergedAt: pull.mergedAt },
      previous: marker.previous,
      timeoutMinutes: request.rollout.timeoutMinutes,
    };
    // 4. Write what changed: the release's section in place, the check on the merge commit (unchanged: no write).
    if (release && !release.draft) {
      const body = release.body ?? "";
      const next = spliceRolloutSection(body, id, renderRolloutSection(plan, described));
      if (next !== body) {
        await lease.assertHeld();
        await updateReleaseBody(octokit, repo, release.id, next);
      }
    }
    await upsertCheckRun(
      octokit,
      { ...repo, name: ROLLOUT_CHECK, headSha: pull.mergeCommitSha },
      renderRolloutCheck(plan, described),
    );
    return plan.conclusion;
  });
}
