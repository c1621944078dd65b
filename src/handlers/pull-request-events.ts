import type { Context } from "probot";
import {
  getPullRequest,
  listOpenPullRequestsForCommit,
  toPullRequestInfo,
  type PullRequestInfo,
} from "../github/pulls.js";

/** Pull-request events after which the PR checks run. */
export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.edited",
  "pull_request.synchronize",
  "pull_request.ready_for_review",
] as const;

/** "Re-run" buttons in GitHub's UI. */
export const RERUN_EVENTS = ["check_run.rerequested", "check_suite.rerequested"] as const;

export type PullRequestCheckContext = Context<
  (typeof PULL_REQUEST_EVENTS)[number] | (typeof RERUN_EVENTS)[number]
>;

/**
 * The pull requests an event asks the check `checkName` to (re)evaluate.
 * `dependsOn` says what the check reads: a title check runs on `edited` only when the title changed, a file check never.
 */
export async function pullRequestsToCheck(
  context: PullRequestCheckContext,
  checkName: string,
  dependsOn: "title" | "files",
): Promise<PullRequestInfo[]> {
  const payload = context.payload;
  const repo = context.repo();
  if ("pull_request" in payload) {
    if (
      payload.action === "edited" &&
      (dependsOn === "files" || !("changes" in payload && payload.changes.title))
    ) {
      return [];
    }
    return [toPullRequestInfo(payload.pull_request)];
  }
  if ("check_run" in payload) {
    if (payload.check_run.name !== checkName) return [];
    const numbers = payload.check_run.pull_requests.map((pr) => pr.number);
    const pulls = await Promise.all(numbers.map((n) => getPullRequest(context.octokit, repo, n, payload)));
    return pulls.filter((pr) => pr.headSha === payload.check_run.head_sha);
  }
  if ("check_suite" in payload) {
    const suite = payload.check_suite;
    if (!suite.pull_requests.length) {
      return listOpenPullRequestsForCommit(context.octokit, repo, suite.head_sha, payload);
    }
    const pulls = await Promise.all(
      suite.pull_requests.map((pr) => getPullRequest(context.octokit, repo, pr.number, payload)),
    );
    return pulls.filter((pr) => pr.headSha === suite.head_sha);
  }
  return [];
}
