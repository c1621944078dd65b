import { loadConfig } from "../config/load-config.js";
import { upsertCheckRun } from "../github/checks.js";
import { reportConfigProblems, reportSkipped } from "../report/config-report.js";
import type { CheckResult } from "../report/check-result.js";
import { reportPrTitle } from "../report/pr-title-report.js";
import { validatePrTitle } from "../rules/validate-pr-title.js";
import type { Config } from "../config/schema.js";
import type { PullRequestInfo } from "../github/pulls.js";
import type { Result } from "../util/result.js";
import type { ConfigProblem } from "../config/parse-config.js";
import { pullRequestsToCheck, type PullRequestCheckContext } from "./pull-request-events.js";

export const PR_TITLE_CHECK = "PR title";

/** The "PR title" check: one check run per head SHA saying whether the title follows the naming convention. */
export async function handlePrTitle(context: PullRequestCheckContext): Promise<void> {
  // 1. Which PRs does this event concern?
  const pulls = await pullRequestsToCheck(context, PR_TITLE_CHECK, "title");
  if (!pulls.length) return;
  // 2. The repository's configuration (default branch).
  const config = await loadConfig(context);
  if (config.ok && !config.value.prTitle.enabled) return;
  for (const pr of pulls) {
    // 3. Judge the title.
    const result = judgePrTitle(pr, config);
    // 4. Write the check run (created once per SHA, then updated; never with a verdict on older PR data).
    await upsertCheckRun(
      context.octokit,
      { ...context.repo(), name: PR_TITLE_CHECK, headSha: pr.headSha },
      result,
      { asOf: pr.updatedAt, event: context.payload },
    );
  }
}

export function judgePrTitle(
  pr: Pick<PullRequestInfo, "title" | "draft" | "labels">,
  config: Result<Config, ConfigProblem[]>,
): CheckResult {
  if (!config.ok) return reportConfigProblems(config.error);
  const rules = config.value.prTitle;
  const exempt = pr.labels.find((label) => rules.exemptLabels.includes(label));
  if (exempt)
    return reportSkipped("Title not checked: exempt label", `The label \`${exempt}\` exempts this PR.`);
  const result = reportPrTitle(pr.title, validatePrTitle(pr, rules), rules);
  if (pr.draft && rules.drafts === "neutral" && result.conclusion === "failure") {
    return { ...result, conclusion: "neutral", title: `Draft: ${result.title}` };
  }
  return result;
}
