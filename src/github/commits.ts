import type { ReleaseCommit } from "../notes/collect-release-entries.js";
import type { AssociatedPull } from "../rules/audit-main-commit.js";
import { memoizeForEvent } from "../util/event-memo.js";
import { mapConcurrent } from "../util/map-concurrent.js";
import type { Octokit, RepoRef } from "./types.js";

/** Commits per compare page (GitHub's maximum). */
export const COMPARE_PAGE_SIZE = 100;
/** The compare API lists at most this many files (on its first page, for the whole comparison). */
export const COMPARE_FILES_LIMIT = 300;
/** Compare pages fetched at the same time: enough to be quick, few enough for secondary limits. */
const CONCURRENCY = 4;

/** A commit with what the squash audit reads. */
export interface CommitInfo {
  sha: string;
  message: string;
  subject: string;
  parentCount: number;
}

export function toCommitInfo(sha: string, message: string, parentCount: number): CommitInfo {
  return { sha, message, subject: message.split("\n")[0] ?? "", parentCount };
}

interface CompareCommit {
  sha: string;
  commit: { message: string; author: { name?: string } | null };
  author: { login?: string } | null;
}

export function toReleaseCommit(commit: CompareCommit): ReleaseCommit {
  return {
    sha: commit.sha,
    message: commit.commit.message,
    author: { login: commit.author?.login ?? null, name: commit.commit.author?.name ?? "" },
  };
}

type ComparePage = Awaited<ReturnType<Octokit["rest"]["repos"]["compareCommitsWithBasehead"]>>["data"];

/**
 * One page of `GET /repos/{owner}/{repo}/compare/{base}...{head}` (`page` null: a one-request read of the
 * status, merge base and files): the one wrapper of the compare endpoint.
 */
async function comparePage(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
  page: number | null,
  perPage: number,
): Promise<ComparePage> {
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
    ...repo,
    basehead: `${base}...${head}`,
    per_page: perPage,
    ...(page !== null ? { page } : {}),
  });
  return data;
}

/**
 * Every commit of `base...head` (oldest first) and the first page (status, counts, files). The API answers 250 commits
 * unpaged, so the range is read in pages of 100: ⌈C/100⌉ requests, the first says how many, the rest run concurrently.
 */
export async function compareAllCommits(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<{ first: ComparePage; commits: ComparePage["commits"] }> {
  const first = await comparePage(octokit, repo, base, head, 1, COMPARE_PAGE_SIZE);
  const pages = Math.ceil(first.total_commits / COMPARE_PAGE_SIZE);
  const rest = await mapConcurrent(
    Array.from({ length: Math.max(0, pages - 1) }, (_, i) => i + 2),
    CONCURRENCY,
    async (n) => (await comparePage(octokit, repo, base, head, n, COMPARE_PAGE_SIZE)).commits,
  );
  return { first, commits: [first.commits, ...rest].flat() };
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

export interface TagComparison {
  /** Commits reachable from head and not from the merge base with base. */
  commits: ReleaseCommit[];
  /** `ahead` when base is an ancestor of head, `diverged` when base is off head's history. */
  status: string;
  aheadBy: number;
  behindBy: number;
  /** Changed paths (both sides of renames), or null when GitHub's 300-file cap may have cut the list. */
  files: string[] | null;
}

/** Compares two refs (`base...head`), every commit included (⌈C/100⌉ requests). */
export async function compareRefs(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<TagComparison> {
  const { first, commits } = await compareAllCommits(octokit, repo, base, head);
  return {
    commits: commits.map(toReleaseCommit),
    status: first.status,
    aheadBy: first.ahead_by,
    behindBy: first.behind_by,
    files: filesOf(first),
  };
}

/**
 * The paths `base...head` changes (renames count both names), from one request; null when GitHub's 300-file cap
 * may have cut the list.
 */
export async function compareFiles(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<string[] | null> {
  return filesOf(await comparePage(octokit, repo, base, head, null, 1));
}

function filesOf(page: ComparePage): string[] | null {
  const files = page.files ?? [];
  if (files.length >= COMPARE_FILES_LIMIT) return null;
  const paths = files.flatMap((f) =>
    f.previous_filename ? [f.previous_filename, f.filename] : [f.filename],
  );
  return [...new Set(paths)];
}

/** The commit where `head` left `base`: what the PR files API compares against (one request). */
export async function getMergeBase(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<string> {
  return (await comparePage(octokit, repo, base, head, null, 1)).merge_base_commit.sha;
}

/** Every commit reachable from `ref` (a first release has nothing to compare with), 100 a page. */
export async function listCommitsOf(octokit: Octokit, repo: RepoRef, ref: string): Promise<ReleaseCommit[]> {
  const commits = await octokit.paginate(octokit.rest.repos.listCommits, {
    ...repo,
    sha: ref,
    per_page: 100,
  });
  return commits.map(toReleaseCommit).reverse();
}

/**
 * True when `login` authored no commit reachable from `ref` (one request per login, one result each): a first-time
 * contributor of the release after `ref`.
 */
export async function isFirstContribution(
  octokit: Octokit,
  repo: RepoRef,
  login: string,
  ref: string,
): Promise<boolean> {
  const { data } = await octokit.rest.repos.listCommits({ ...repo, sha: ref, author: login, per_page: 1 });
  return data.length === 0;
}

/** A pull request GitHub associates with a commit, with what the audit and the release notes read. */
export interface CommitPull extends AssociatedPull {
  mergeCommitSha: string | null;
  authorLogin: string | null;
}

/** Every pull request GitHub associates with the commit (open, closed or merged); once per delivery. */
export function listPullRequestsForCommit(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  event: object,
): Promise<CommitPull[]> {
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
      mergeCommitSha: pr.merge_commit_sha ?? null,
      authorLogin: pr.user?.login ?? null,
    }));
  });
}
