import type { ReleaseCommit } from "../notes/collect-release-entries.js";
import { mapConcurrent } from "../util/map-concurrent.js";
import type { Octokit, RepoRef } from "./types.js";

/** Commits per compare page (GitHub's maximum). */
export const COMPARE_PAGE_SIZE = 100;
/** The compare API lists at most this many files (on its first page, for the whole comparison). */
export const COMPARE_FILES_LIMIT = 300;
/** Pages and associated-PR look-ups fetched at the same time: enough to be quick, few enough for secondary limits. */
const CONCURRENCY = 4;

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

/**
 * Compares two refs (`base...head`), every commit included: the API answers 250 commits unpaged, so the range is read
 * in pages of 100 (⌈C/100⌉ requests; the first says how many there are, the rest are fetched concurrently).
 */
export async function compareRefs(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<TagComparison> {
  const { first, commits } = await compareAllCommits(octokit, repo, base, head);
  const files = first.files ?? [];
  return {
    commits: commits.map(toReleaseCommit),
    status: first.status,
    aheadBy: first.ahead_by,
    behindBy: first.behind_by,
    files:
      files.length >= COMPARE_FILES_LIMIT
        ? null
        : files.flatMap((f) => (f.previous_filename ? [f.previous_filename, f.filename] : [f.filename])),
  };
}

type ComparePage = Awaited<ReturnType<Octokit["rest"]["repos"]["compareCommitsWithBasehead"]>>["data"];

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
  const basehead = `${base}...${head}`;
  const page = (n: number) =>
    octokit.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead,
      per_page: COMPARE_PAGE_SIZE,
      page: n,
    });
  const { data: first } = await page(1);
  const pages = Math.ceil(first.total_commits / COMPARE_PAGE_SIZE);
  const rest = await mapConcurrent(
    Array.from({ length: Math.max(0, pages - 1) }, (_, i) => i + 2),
    CONCURRENCY,
    async (n) => (await page(n)).data.commits,
  );
  return { first, commits: [first.commits, ...rest].flat() };
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
 * Adds the merged PR each commit belongs to, for commits whose subject names none (`(#N)` or a merge commit):
 * one associated-PRs request per such commit. Commits with no merged PR stay plain.
 */
export async function addAssociatedPullRequests(
  octokit: Octokit,
  repo: RepoRef,
  commits: ReleaseCommit[],
  needsLookup: (commit: ReleaseCommit) => boolean,
): Promise<ReleaseCommit[]> {
  return mapConcurrent(commits, CONCURRENCY, async (commit) => {
    if (!needsLookup(commit)) return commit;
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repo,
      commit_sha: commit.sha,
      per_page: 100,
    });
    const merged = data.filter((pr) => pr.merged_at);
    const pr = merged.find((p) => p.merge_commit_sha === commit.sha) ?? merged[0];
    return {
      ...commit,
      associatedPullRequest: pr
        ? { number: pr.number, title: pr.title, login: pr.user?.login ?? null }
        : null,
    };
  });
}

/** Every tag name of the repository, 100 a page. */
export async function listTagNames(octokit: Octokit, repo: RepoRef): Promise<string[]> {
  const tags = await octokit.paginate(octokit.rest.repos.listTags, { ...repo, per_page: 100 });
  return tags.map((tag) => tag.name);
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
