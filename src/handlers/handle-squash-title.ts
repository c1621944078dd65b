import type { Context } from "probot";
import type { ConfigProblem } from "../config/parse-config.js";
import type { Config } from "../config/schema.js";
import { loadConfig } from "../config/load-config.js";
import { upsertCheckRun } from "../github/checks.js";
import type { CommitInfo } from "../github/commits.js";
import { listPullRequestCommits, type PullRequestInfo } from "../github/pulls.js";
import { readMergeSettings, updateMergeSettings } from "../github/repos.js";
import type { CheckResult } from "../report/check-result.js";
import { reportConfigProblems, reportSkipped } from "../report/config-report.js";
import { reportSquashTitle, type Enforcement } from "../report/squash-title-report.js";
import {
  findMergeSettingsDrift,
  mergeSettingsPatch,
  type MergeSettingName,
  type MergeSettings,
  type SettingDrift,
} from "../rules/merge-settings-drift.js";
import { predictSquashTitle, type SquashPredictionInput } from "../rules/predict-squash-title.js";
import { validatePrTitle } from "../rules/validate-pr-title.js";
import { memoizeForEvent } from "../util/event-memo.js";
import type { Result } from "../util/result.js";
import { pullRequestsToCheck, type PullRequestCheckContext } from "./pull-request-events.js";

export const SQUASH_TITLE_CHECK = "Squash title";

/**
 * The "Squash title" check on PRs: predicts the title GitHub will give the squash commit (which is not always the PR
 * title), validates it with the PR title rules, and reports merge-settings drift (optionally fixing it).
 */
export async function handleSquashTitle(context: PullRequestCheckContext): Promise<void> {
  // 1. Which PRs does this event concern? (`synchronize` too: the commits decide the prediction.)
  const pulls = await pullRequestsToCheck(context, SQUASH_TITLE_CHECK, "title");
  if (!pulls.length) return;
  // 2. The repository's configuration (default branch).
  const config = await loadConfig(context);
  if (config.ok && !config.value.squashTitle.enabled) return;
  // 3. The merge settings, compared with the policy (and enforced when configured).
  const settings = config.ok ? await mergeSettingsFor(context, config.value) : null;
  const repo = context.repo();
  for (const pr of pulls) {
    // 4. What the prediction needs: auto-merge (read with the PR), and the commits unless the PR title is used anyway.
    const autoMerge = pr.autoMerge;
    const titleFromAutoMerge = autoMerge && (autoMerge.mergeMethod !== "squash" || autoMerge.commitTitle);
    const needsCommits = settings?.settings.squash_merge_commit_title !== "PR_TITLE" && !titleFromAutoMerge;
    const commits = needsCommits
      ? await listPullRequestCommits(context.octokit, repo, pr.number, context.payload)
      : [];
    // 5. Predict and judge.
    const result = judgeSquashTitle(pr, autoMerge, commits, config, settings);
    // 6. Write the check run on the PR's head.
    await upsertCheckRun(
      context.octokit,
      { ...repo, name: SQUASH_TITLE_CHECK, headSha: pr.headSha },
      result,
      { asOf: pr.updatedAt, event: context.payload },
    );
  }
}

interface SettingsState {
  settings: MergeSettings;
  drift: SettingDrift[];
  unreadable: MergeSettingName[];
  enforcement: Enforcement | null;
}

/** Reads the settings once per delivery; with `enforce`, patches drifted ones (Administration: write). */
function mergeSettingsFor(context: Pick<Context, "octokit" | "payload" | "repo">, config: Config) {
  return memoizeForEvent(context.payload, "squash:merge-settings-state", async (): Promise<SettingsState> => {
    const repo = context.repo();
    const { settings } = await readMergeSettings(context.octokit, repo, context.payload);
    const { drift, unreadable } = findMergeSettingsDrift(settings, config.mergeSettings.policy);
    if (!config.mergeSettings.enforce || !drift.length)
      return { settings, drift, unreadable, enforcement: null };
    const patch = mergeSettingsPatch(drift);
    const updated = await updateMergeSettings(context.octokit, repo, patch);
    if (!updated.ok) {
      const status = updated.error.forbidden ? "forbidden" : "failed";
      return { settings, drift, unreadable, enforcement: { status, message: updated.error.message } };
    }
    return {
      settings: { ...settings, ...patch },
      drift,
      unreadable,
      enforcement: { status: "applied", settings: updated.value },
    };
  });
}

export function judgeSquashTitle(
  pr: Pick<PullRequestInfo, "number" | "title" | "labels">,
  autoMerge: SquashPredictionInput["pull"]["autoMerge"],
  commits: Pick<CommitInfo, "subject" | "parentCount">[],
  config: Result<Config, ConfigProblem[]>,
  settings: SettingsState | null,
): CheckResult {
  if (!config.ok || !settings) return reportConfigProblems(config.ok ? [] : config.error);
  const exempt = pr.labels.find((label) => config.value.squashTitle.exemptLabels.includes(label));
  if (exempt)
    return reportSkipped(
      "Squash title not checked: exempt label",
      `The label \`${exempt}\` exempts this PR.`,
    );
  const prediction = predictSquashTitle({
    pull: { number: pr.number, title: pr.title, autoMerge },
    commits,
    squashMergeCommitTitle: settings.settings.squash_merge_commit_title ?? null,
  });
  return reportSquashTitle({
    prTitle: pr.title,
    prediction,
    verdict: validatePrTitle({ title: prediction.title }, config.value.prTitle),
    drift: settings.drift,
    unreadable: settings.unreadable,
    driftMode: config.value.mergeSettings.drift,
    enforcement: settings.enforcement,
  });
}
