import type { ReleaseCommit } from "../notes/collect-release-entries.js";
import { boundCommitMessage } from "../rules/parse-conventional-commit.js";
import type { AssociatedPull } from "../rules/audit-main-commit.js";
import { hasEventMemo, memoizeForEvent } from "../util/event-memo.js";
import { LruCache } from "../util/lru-cache.js";
import { mapConcurrent } from "../util/map-concurrent.js";
import type { Octokit, RepoRef } from "./types.js";
import type { ConditionalReader } from "./conditional-reads.js";

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

/** Commit messages are written by strangers (fork PRs): bounded here, where they enter, before any parser runs. */
export function toCommitInfo(sha: string, message: string, parentCount: number): CommitInfo {
  const bounded = boundCommitMessage(message);
  const newline = bounded.indexOf("\n");
  return { sha, message: bounded, subject: newline < 0 ? bounded : bounded.slice(0, newline), parentCount };
}

interface CompareCommit {
  sha: string;
  commit: { message: string; author: { name?: string } | null };
  author: { login?: string } | null;
  parents?: Array<{ sha: string }>;
}

/** A commit of the compare or commits API, with its parents (they tell a PR's branch commits from its merge). */
export function toReleaseCommit(commit: CompareCommit): ReleaseCommit {
  return {
    sha: commit.sha,
    message: boundCommitMessage(commit.commit.message),
    author: { login: commit.author?.login ?? null, name: commit.commit.author?.name ?? "" },
    ...(commit.parents ? { parents: commit.parents.map((parent) => parent.sha) } : {}),
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
 * Authors known to have a commit in a repository, per installation: "not a first-time contributor" never becomes
 * false again (their commit stays in the history every later release tag reaches), so each is asked once per process.
 * Bounded: the least recently used are forgotten first (one key costs 1 of the bound).
 */
const knownContributors = new LruCache<true>(50_000);

/** Forgets the known contributors (tests). */
export function clearKnownContributors(): void {
  knownContributors.clear();
}

/**
 * True when `login` authored no commit reachable from `ref` (`GET /commits?author=&per_page=1`, one request per login
 * not yet known as a contributor of this repository): a first-time contributor of the release after `ref`.
 */
export async function isFirstContribution(
  octokit: Octokit,
  repo: RepoRef,
  login: string,
  ref: string,
  installationId: number | null,
): Promise<boolean> {
  const key = `${installationId ?? "-"} ${repo.owner}/${repo.repo} ${login.toLowerCase()}`;
  if (installationId !== null && knownContributors.get(key)) return false;
  const { data } = await octokit.rest.repos.listCommits({ ...repo, sha: ref, author: login, per_page: 1 });
  if (data.length && installationId !== null) knownContributors.set(key, true, 1);
  return data.length === 0;
}

/** A pull request GitHub associates with a commit, with what the audit and the release notes read. */
export interface CommitPull extends AssociatedPull {
  mergeCommitSha: string | null;
  authorLogin: string | null;
}

/**
 * Commits per GraphQL query. GitHub's GraphQL limits (docs "Rate limits and query limits for the GraphQL API"): a
 * connection asks for 1–100 nodes, a query for at most 500,000 nodes in all, and a query costs one point per 100
 * connections it opens (rounded, at least 1). 100 commits × `PULLS_PER_COMMIT` pull requests is 1,100 nodes and about
 * 1 point: one query answers 100 REST `GET /commits/{sha}/pulls` look-ups.
 */
export const COMMITS_PER_QUERY = 100;
/** Pull requests read per commit: a commit on the default branch has one (the PR that merged it), rarely a few. */
const PULLS_PER_COMMIT = 10;
/** Queries in flight at once (GitHub's secondary limits also count concurrent requests). */
const QUERY_CONCURRENCY = 2;

interface GraphQlCommitPulls {
  associatedPullRequests: {
    nodes: Array<{
      number: number;
      title: string;
      merged: boolean;
      baseRefName: string;
      mergeCommit: { oid: string } | null;
      author: { __typename: string; login: string } | null;
    } | null> | null;
  } | null;
}

/** The query for a batch of commits: one aliased `object(oid:)` per commit (`c0`, `c1`…), each its PRs. */
export function associatedPullsQuery(count: number): string {
  const variables = Array.from({ length: count }, (_, i) => `$c${i}: GitObjectID!`).join(", ");
  const fields = Array.from({ length: count }, (_, i) => `    c${i}: object(oid: $c${i}) { ...pulls }`).join(
    "\n",
  );
  return `query associatedPullRequests($owner: String!, $name: String!, ${variables}) {
  repository(owner: $owner, name: $name) {
${fields}
  }
}
fragment pulls on Commit {
  associatedPullRequests(first: ${PULLS_PER_COMMIT}) {
    nodes { number title merged baseRefName mergeCommit { oid } author { __typename login } }
  }
}`;
}

/**
 * The pull requests GitHub associates with each commit (open, closed or merged; for a commit on the default branch,
 * the PR that merged it), as `GET /commits/{sha}/pulls` answers them, but through GraphQL: ⌈N/100⌉ queries for N
 * commits instead of N requests, two at a time. Once per delivery and commit (a commit asked again is not re-read).
 */
export async function listPullRequestsForCommits(
  octokit: Octokit,
  repo: RepoRef,
  shas: readonly string[],
  event: object,
): Promise<Map<string, CommitPull[]>> {
  const keyOf = (sha: string) => `commit-pulls-all:${repo.owner}/${repo.repo}@${sha}`;
  const unique = [...new Set(shas)];
  const missing = unique.filter((sha) => !hasEventMemo(event, keyOf(sha)));
  const batches = chunk(missing, COMMITS_PER_QUERY).map((batch) => ({
    batch,
    answer: deferred<Map<string, CommitPull[]>>(),
  }));
  // Every commit of a batch is memoised on its batch's answer before any query runs, so that a concurrent ask for
  // the same commit waits for that answer instead of querying again.
  const pending = new Map<string, Promise<CommitPull[]>>();
  for (const { batch, answer } of batches) {
    for (const sha of batch) {
      pending.set(
        sha,
        memoizeForEvent(event, keyOf(sha), async () => (await answer.promise).get(sha) ?? []),
      );
    }
  }
  await mapConcurrent(batches, QUERY_CONCURRENCY, async ({ batch, answer }) => {
    try {
      answer.resolve(await queryAssociatedPulls(octokit, repo, batch));
    } catch (error) {
      answer.reject(error);
    }
  });
  // Commits asked earlier in this delivery come from the memo; a failed query rejects here (and is not memoised).
  const entries = await Promise.all(
    unique.map(
      async (sha) =>
        [
          sha,
          await (pending.get(sha) ??
            memoizeForEvent(event, keyOf(sha), () =>
              queryAssociatedPulls(octokit, repo, [sha]).then((m) => m.get(sha) ?? []),
            )),
        ] as const,
    ),
  );
  return new Map(entries);
}

async function queryAssociatedPulls(
  octokit: Octokit,
  repo: RepoRef,
  shas: string[],
): Promise<Map<string, CommitPull[]>> {
  const variables = Object.fromEntries(shas.map((sha, i) => [`c${i}`, sha]));
  let repository: Record<string, GraphQlCommitPulls | null> | null;
  try {
    ({ repository } = await octokit.graphql<{
      repository: Record<string, GraphQlCommitPulls | null> | null;
    }>(associatedPullsQuery(shas.length), { owner: repo.owner, name: repo.repo, ...variables }));
  } catch (error) {
    throw asRateLimitError(error);
  }
  return new Map(
    shas.map((sha, i) => {
      const nodes = repository?.[`c${i}`]?.associatedPullRequests?.nodes ?? [];
      return [
        sha,
        nodes
          .filter((pr) => pr !== null)
          .map((pr) => ({
            number: pr.number,
            title: pr.title,
            baseRef: pr.baseRefName,
            merged: pr.merged,
            mergeCommitSha: pr.mergeCommit?.oid ?? null,
            // REST names an app's bot user `<slug>[bot]`; GraphQL's Bot login is the bare slug.
            authorLogin: pr.author
              ? pr.author.__typename === "Bot"
                ? `${pr.author.login}[bot]`
                : pr.author.login
              : null,
          })),
      ] as const;
    }),
  );
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Rejections are seen by the memoised readers; this keeps an unread one from being "unhandled".
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * GitHub answers a GraphQL query over its rate limit with HTTP 200 and an error of type `RATE_LIMITED` (docs "Rate
 * limits and query limits for the GraphQL API"); retries read HTTP statuses and headers, so it becomes the 403 a REST
 * call would have got (with the response's `x-ratelimit-*` headers: the primary limit when `remaining` is 0, else a
 * secondary limit). Other errors pass unchanged.
 */
export function asRateLimitError(error: unknown): unknown {
  const e = error as {
    name?: string;
    errors?: Array<{ type?: string; message?: string }>;
    headers?: Record<string, string>;
  };
  if (e?.name !== "GraphqlResponseError" || !e.errors?.some((x) => x.type === "RATE_LIMITED")) return error;
  const headers = e.headers ?? {};
  const kind = headers["x-ratelimit-remaining"] === "0" ? "rate limit" : "secondary rate limit";
  return Object.assign(new Error(`GitHub's GraphQL ${kind}: ${e.errors[0]?.message ?? "RATE_LIMITED"}`), {
    status: 403,
    response: { headers },
    cause: error,
  });
}

// Read conditionally (If-None-Match with the stored ETag; a 304 is free) for the reconciliation sweep, which keeps
// only the reduced view it compares.

/** The newest commits of a branch (one page of 100), read conditionally: enough to see recent reverts. */
export async function listRecentCommits(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<Array<{ sha: string; parentSha: string | null; message: string }>> {
  return reader.get(
    octokit,
    "GET /repos/{owner}/{repo}/commits",
    { ...repo, sha: branch, per_page: 100 },
    (data) =>
      (data as Array<{ sha: string; parents: Array<{ sha: string }>; commit: { message: string } }>).map(
        (c) => ({ sha: c.sha, parentSha: c.parents[0]?.sha ?? null, message: c.commit.message }),
      ),
  );
}
