import { CONFIG_PATH } from "../config/schema.js";
import { upsertCheckRun } from "../github/checks.js";
import { readConfigAtRef } from "../github/contents.js";
import { listPullRequestFiles } from "../github/pulls.js";
import { reportConfigProblems } from "../report/config-report.js";
import type { CheckResult } from "../report/check-result.js";
import { pullRequestsToCheck, type PullRequestCheckContext } from "./pull-request-events.js";

export const CONFIG_CHECK = "Config";

/**
 * The "Config" check on PRs that change `.github/gitops-release-bot.yml`: validates the file as the PR changes it, so a
 * broken configuration is caught before it reaches the default branch (where the other checks read it).
 */
export async function handleConfigCheck(context: PullRequestCheckContext): Promise<void> {
  // 1. Which PRs does this event concern?
  const pulls = await pullRequestsToCheck(context, CONFIG_CHECK, "files");
  const repo = context.repo();
  for (const pr of pulls) {
    // 2. Does the PR touch the configuration file?
    const { files } = await listPullRequestFiles(context.octokit, repo, pr.number, context.payload);
    const change = files.find((file) => file.filename === CONFIG_PATH);
    if (!change) continue;
    // 3. Validate the file at the PR's head.
    let result: CheckResult;
    if (change.status === "removed") {
      result = {
        conclusion: "success",
        title: "Configuration removed: the defaults will apply",
        summary: `This PR deletes \`${CONFIG_PATH}\`; after the merge every option takes its default value.`,
      };
    } else {
      const config = await readConfigAtRef(context.octokit, repo, pr.headSha);
      result = config.ok
        ? {
            conclusion: "success",
            title: "Configuration is valid",
            summary: `\`${CONFIG_PATH}\` as changed by this PR is valid.`,
          }
        : reportConfigProblems(config.error, "as changed by this PR");
    }
    // 4. Write the check run.
    await upsertCheckRun(context.octokit, { ...repo, name: CONFIG_CHECK, headSha: pr.headSha }, result, {
      asOf: pr.updatedAt,
      event: context.payload,
    });
  }
}
