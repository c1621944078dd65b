import { memoizeForEvent } from "../util/event-memo.js";
import { toCommitInfo, type CommitInfo } from "./commits.js";
import { statusOf, type Octokit, type RepoRef } from "./types.js";
import type { ConditionalReader } from "./conditional-reads.js";

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
  /** The PR's auto-merge setting, or null when auto-merge is off (the squash prediction reads it). */
  autoMerge: ReturnType<typeof autoMergeOf>;
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
  auto_merge?: { merge_method: string; commit_title?: string | null } | null;
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
    autoMerge: autoMergeOf(pr),
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

/** A PR whose head is a branch of this repository, as the bot's own branches need it. */
export interface PullByHead {
  number: number;
  title: string;
  body: string;
  url: string;
  state: "open" | "closed";
  mergedAt: string | null;
  mergeCommitSha: string | null;
}

/**
 * The PRs whose head is `branch` of this repository (`GET /pulls?head=owner:branch`), last updated first; one page: a bot
 * branch's PRs are few, and its older ones are history. GitHub matches `head` on the branch name only as a prefix
 * filter of forks' refs too, so the exact ref is checked.
 */
export async function listPullsByHead(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  state: "open" | "closed" | "all",
): Promise<PullByHead[]> {
  const { data } = await octokit.rest.pulls.list({
    ...repo,
    state,
    head: `${repo.owner}:${branch}`,
    sort: "updated",
    direction: "desc",
    per_page: 30,
  });
  return data
    .filter((p) => p.head.ref === branch)
    .map((p) => ({
      number: p.number,
      title: p.title,
      body: p.body ?? "",
      url: p.html_url,
      state: p.state === "open" ? "open" : "closed",
      mergedAt: p.merged_at ?? null,
      mergeCommitSha: p.merge_commit_sha ?? null,
    }));
}

/** The open PR whose head is `branch` of this repository, if any. */
export async function findOpenPull(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<{ number: number; body: string; title: string; url: string } | null> {
  const [pull] = await listPullsByHead(octokit, repo, branch, "open");
  return pull ? { number: pull.number, body: pull.body, title: pull.title, url: pull.url } : null;
}

/** The newest PR in any state (open, closed, merged) from `branch`: e.g. "the onboarding PR was closed". */
export async function findPullByHeadAnyState(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<{ number: number; state: "open" | "closed"; merged: boolean } | null> {
  const [pull] = await listPullsByHead(octokit, repo, branch, "all");
  return pull ? { number: pull.number, state: pull.state, merged: pull.mergedAt !== null } : null;
}

/**
 * Opens a PR (`POST /pulls`). Returns "conflict" when GitHub says a PR for the branch already exists (another
 * delivery made it meanwhile).
 */
export async function createPull(
  octokit: Octokit,
  repo: RepoRef,
  pull: { head: string; base: string; title: string; body: string; draft: boolean },
): Promise<{ number: number; url: string } | "conflict"> {
  try {
    const { data } = await octokit.rest.pulls.create({ ...repo, ...pull, maintainer_can_modify: false });
    return { number: data.number, url: data.html_url };
  } catch (error) {
    if (statusOf(error) === 422 && /already exists/i.test(String((error as Error).message)))
      return "conflict";
    throw error;
  }
}

/** Asks users and teams to review a PR. */
export async function requestReviewers(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  reviewers: { users: string[]; teams: string[] },
): Promise<void> {
  await octokit.rest.pulls.requestReviewers({
    ...repo,
    pull_number: number,
    reviewers: reviewers.users,
    team_reviewers: reviewers.teams,
  });
}

/** Changes a PR's title and body. */
export async function updatePull(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  change: { title: string; body: string },
): Promise<void> {
  await octokit.rest.pulls.update({ ...repo, pull_number: number, title: change.title, body: change.body });
}

// Read conditionally (If-None-Match with the stored ETag; a 304 is free) for the reconciliation sweep, which keeps
// only the reduced view it compares.

interface OpenPullLike {
  number: number;
  body?: string | null;
  updated_at?: string | null;
  head: { sha: string; ref: string };
}

/** An open pull request as the reconciliation sweep keeps it (the body only for the bot's promotion branches). */
export interface OpenPull {
  number: number;
  headSha: string;
  headRef: string;
  updatedAt: string | null;
  /** The body of a PR from `promote/…` (its hidden marker names the tag it promotes), else null. */
  promotionBody: string | null;
}

/** Every open pull request (100 a page), read conditionally. */
export async function listOpenPulls(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
): Promise<OpenPull[]> {
  return reader.all(
    octokit,
    "GET /repos/{owner}/{repo}/pulls",
    { ...repo, state: "open", per_page: 100 },
    (data) =>
      (data as Array<OpenPullLike>).map((pr) => ({
        number: pr.number,
        headSha: pr.head.sha,
        headRef: pr.head.ref,
        updatedAt: pr.updated_at ?? null,
        promotionBody: pr.head.ref.startsWith("promote/") ? (pr.body ?? "") : null,
      })),
  );
}

/** A pull request as GitHub answers it now (the `pull_request` of a webhook the sweep stands in for). */
export async function getPullRequestData(octokit: Octokit, repo: RepoRef, number: number) {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
  return data;
}

/** A merged pull request, as the rollout reads it. */
export interface MergedPull {
  number: number;
  url: string;
  body: string;
  mergedAt: string;
  mergeCommitSha: string;
}

/** The merged PRs from `branch`, most recently merged first. */
export async function listMergedPulls(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<MergedPull[]> {
  const pulls = await listPullsByHead(octokit, repo, branch, "closed");
  return pulls
    .flatMap((p) =>
      p.mergedAt && p.mergeCommitSha
        ? [
            {
              number: p.number,
              url: p.url,
              body: p.body,
              mergedAt: p.mergedAt,
              mergeCommitSha: p.mergeCommitSha,
            },
          ]
        : [],
    )
    .sort((a, b) => Date.parse(b.mergedAt) - Date.parse(a.mergedAt));
}

/**
 * The newest merged PR whose head is `branch`, read conditionally for the reconciliation sweep (one page: a 304 when
 * nothing changed), reduced to what the rollout's timeout needs; `tagOf` reads the promoted tag from the body.
 */
export async function readLatestMergedPull(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  tagOf: (body: string | null) => string | null,
): Promise<{ number: number; mergeCommitSha: string; tag: string | null } | null> {
  return reader.get(
    octokit,
    "GET /repos/{owner}/{repo}/pulls",
    {
      ...repo,
      state: "closed",
      head: `${repo.owner}:${branch}`,
      sort: "updated",
      direction: "desc",
      per_page: 30,
    },
    (data) => {
      const merged = (
        data as Array<{
          number: number;
          head: { ref: string };
          merged_at: string | null;
          merge_commit_sha: string | null;
          body: string | null;
        }>
      )
        .filter((p) => p.head.ref === branch && p.merged_at && p.merge_commit_sha)
        .sort((a, b) => Date.parse(b.merged_at!) - Date.parse(a.merged_at!))[0];
      return merged
        ? { number: merged.number, mergeCommitSha: merged.merge_commit_sha!, tag: tagOf(merged.body) }
        : null;
    },
    branch,
  );
}
