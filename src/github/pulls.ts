import { memoizeForEvent } from "../util/event-memo.js";
import type { Octokit, RepoRef } from "./types.js";

/** The parts of a pull request the checks read. */
export interface PullRequestInfo {
  number: number;
  title: string;
  headSha: string;
  headRef: string;
  baseRef: string;
  draft: boolean;
  labels: string[];
  authorLogin: string | null;
  /** When GitHub last changed the PR: orders the verdicts judged from different deliveries. */
  updatedAt: string | null;
  /** How many files the PR changes, when GitHub said (the files API lists at most 3000). */
  changedFiles: number | null;
}

interface PullRequestLike {
  number: number;
  title: string;
  draft?: boolean | null;
  labels?: Array<{ name?: string } | string> | null;
  head: { sha: string; ref: string };
  base: { ref: string };
  user?: { login: string } | null;
  updated_at?: string | null;
  changed_files?: number;
}

export function toPullRequestInfo(pr: PullRequestLike): PullRequestInfo {
  return {
    number: pr.number,
    title: pr.title,
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    baseRef: pr.base.ref,
    draft: Boolean(pr.draft),
    labels: (pr.labels ?? [])
      .map((label) => (typeof label === "string" ? label : (label.name ?? "")))
      .filter(Boolean),
    authorLogin: pr.user?.login ?? null,
    updatedAt: pr.updated_at ?? null,
    changedFiles: typeof pr.changed_files === "number" ? pr.changed_files : null,
  };
}

/** Reads one pull request, once per webhook delivery however many features ask. */
export function getPullRequest(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  event: object,
): Promise<PullRequestInfo> {
  return memoizeForEvent(event, `pull:${repo.owner}/${repo.repo}#${number}`, async () => {
    const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    return toPullRequestInfo(data);
  });
}

/** Open pull requests whose head is this commit (check suites of forks carry no PR list). */
export function listOpenPullRequestsForCommit(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  event: object,
): Promise<PullRequestInfo[]> {
  return memoizeForEvent(event, `commit-pulls:${repo.owner}/${repo.repo}@${sha}`, async () => {
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repo,
      commit_sha: sha,
      per_page: 100,
    });
    return data.filter((pr) => pr.state === "open" && pr.head.sha === sha).map((pr) => toPullRequestInfo(pr));
  });
}

/** A file a pull request changes, as the PR files API lists it. */
export interface ChangedFile {
  filename: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  previousFilename?: string;
  sha: string | null;
}

/**
 * Every file the PR changes (100 a page), once per delivery. GitHub stops listing at 3000 files: `complete` is false
 * then, and callers that need every file diff the trees instead.
 */
export function listPullRequestFiles(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  event: object,
): Promise<{ files: ChangedFile[]; complete: boolean }> {
  return memoizeForEvent(event, `pull-files:${repo.owner}/${repo.repo}#${number}`, async () => {
    const data = await octokit.paginate(octokit.rest.pulls.listFiles, {
      ...repo,
      pull_number: number,
      per_page: 100,
    });
    const files = data.map((file) => ({
      filename: file.filename,
      status: file.status,
      ...(file.previous_filename ? { previousFilename: file.previous_filename } : {}),
      sha: file.sha ?? null,
    }));
    return { files, complete: files.length < PR_FILES_API_LIMIT };
  });
}

/** The PR files API lists at most this many files. */
export const PR_FILES_API_LIMIT = 3000;
