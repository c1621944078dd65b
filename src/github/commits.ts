import type { AssociatedPull } from "../rules/audit-main-commit.js";
import { memoizeForEvent } from "../util/event-memo.js";
import { compareAllCommits } from "./compare.js";
import type { Octokit, RepoRef } from "./types.js";

/** A commit with what the squash audit reads. */
export interface CommitInfo {
  sha: string;
  message: string;
  subject: string;
  parentCount: number;
}

/**
 * Every commit in `base...head` (oldest first), through the paged compare API: a push payload lists at most 20
 * commits and carries no parents, so the audit always reads the comparison.
 */
export async function compareCommits(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<CommitInfo[]> {
  const { commits } = await compareAllCommits(octokit, repo, base, head);
  return commits.map((commit) => toCommitInfo(commit.sha, commit.commit.message, commit.parents.length));
}

/** Every pull request GitHub associates with the commit (open, closed or merged). */
export function listPullRequestsForCommit(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  event: object,
): Promise<AssociatedPull[]> {
  return memoizeForEvent(event, `commit-pulls-all:${repo.owner}/${repo.repo}@${sha}`, async () => {
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repo,
      commit_sha: sha,
      per_page: 100,
    });
    return data.map((pr) => ({
      number: pr.number,
      title: pr.title,
      baseRef: pr.base.ref,
      merged: Boolean(pr.merged_at),
    }));
  });
}

/** A PR's commits (GitHub lists at most 250), with their parent counts; once per delivery. */
export function listPullRequestCommits(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  event: object,
): Promise<CommitInfo[]> {
  return memoizeForEvent(event, `pull-commits:${repo.owner}/${repo.repo}#${number}`, async () => {
    const data = await octokit.paginate(octokit.rest.pulls.listCommits, {
      ...repo,
      pull_number: number,
      per_page: 100,
    });
    return data.map((c) => toCommitInfo(c.sha, c.commit.message, c.parents.length));
  });
}

/** The PR's auto-merge setting (method and stored commit title), or null when auto-merge is off. */
export function autoMergeOf(pr: {
  auto_merge?: { merge_method: string; commit_title?: string | null } | null;
}): { mergeMethod: "merge" | "squash" | "rebase"; commitTitle: string | null } | null {
  const auto = pr.auto_merge;
  if (!auto) return null;
  const method =
    auto.merge_method === "merge" || auto.merge_method === "rebase" ? auto.merge_method : "squash";
  return { mergeMethod: method, commitTitle: auto.commit_title ?? null };
}

/** A full pull request, once per delivery (the check needs its auto-merge setting, which PullRequestInfo omits). */
export function getPullRequestAutoMerge(octokit: Octokit, repo: RepoRef, number: number, event: object) {
  return memoizeForEvent(event, `pull-auto-merge:${repo.owner}/${repo.repo}#${number}`, async () => {
    const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    return autoMergeOf(data);
  });
}

function toCommitInfo(sha: string, message: string, parentCount: number): CommitInfo {
  return { sha, message, subject: message.split("\n")[0] ?? "", parentCount };
}
