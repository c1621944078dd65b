import type { ConditionalReader } from "./conditional-reads.js";
import type { Octokit, RepoRef } from "./types.js";

/**
 * A repository's state read with conditional requests (`conditional-reads.ts`), for the reconciliation sweep: each
 * wrapper keeps only the reduced view the sweep compares, and an unchanged answer is a free `304 Not Modified`.
 * Grouped by the resource each endpoint belongs to (checks, pulls, releases, issues, git data, commits); kept in one
 * file beside the per-delivery wrappers of those resources, whose reads are not conditional.
 */

// ---------------------------------------------------------------- Checks

/**
 * The names of the App's check runs on a commit (100 a page), read conditionally: the reconciliation sweep compares
 * them with the checks the bot writes on an open PR's head. Runs of other apps (a CI job that happens to be called
 * "PR title") do not count.
 */
export async function listCheckRunNames(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  appId: number,
): Promise<string[]> {
  return reader.all(
    octokit,
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    { ...repo, ref: sha, per_page: 100 },
    (data) =>
      (data as { check_runs: Array<{ name: string; app?: { id?: number } | null }> }).check_runs
        .filter((run) => run.app?.id === appId)
        .map((run) => run.name),
  );
}

// ---------------------------------------------------------------- Pulls

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

// ---------------------------------------------------------------- Releases

/** A release as the reconciliation sweep keeps it. */
export interface ReleaseSummary {
  tag: string;
  draft: boolean;
  prerelease: boolean;
  publishedAt: string | null;
}

/** Every release, drafts included (100 a page), read conditionally. */
export async function listReleaseSummaries(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
): Promise<ReleaseSummary[]> {
  return reader.all(octokit, "GET /repos/{owner}/{repo}/releases", { ...repo, per_page: 100 }, (data) =>
    (
      data as Array<{ tag_name: string; draft: boolean; prerelease: boolean; published_at: string | null }>
    ).map((r) => ({
      tag: r.tag_name,
      draft: r.draft,
      prerelease: r.prerelease,
      publishedAt: r.published_at,
    })),
  );
}

/** The published release of a tag as GitHub answers it now (the `release` of a `release.published`), or null. */
export async function getPublishedReleaseData(octokit: Octokit, repo: RepoRef, tag: string) {
  try {
    const { data } = await octokit.rest.repos.getReleaseByTag({ ...repo, tag });
    return data;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

// ---------------------------------------------------------------- Issues

/** An open issue that carries one of the bot's markers, as the reconciliation sweep keeps it. */
export interface BotIssue {
  number: number;
  key: string;
  title: string;
  body: string;
  labels: string[];
}

/**
 * The open issues the bot tracks (every open issue is listed, 100 a page, conditionally; only the bot's kept). A
 * repository with issues turned off answers 410 (or 404): it has none.
 */
export async function listOpenBotIssues(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
): Promise<BotIssue[]> {
  return reader
    .all(octokit, "GET /repos/{owner}/{repo}/issues", { ...repo, state: "open", per_page: 100 }, (data) =>
      (
        data as Array<{
          number: number;
          title: string;
          body?: string | null;
          pull_request?: unknown;
          labels: Array<string | { name?: string }>;
        }>
      ).flatMap((issue) => {
        const key = /<!-- gitops-release-bot:(\S+) -->/.exec(issue.body ?? "")?.[1];
        if (issue.pull_request || !key) return [];
        const labels = issue.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
        return [{ number: issue.number, key, title: issue.title, body: issue.body ?? "", labels }];
      }),
    )
    .catch((error: unknown) => {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 410) return [];
      throw error;
    });
}

// ---------------------------------------------------------------- Git data and contents

/**
 * The commit a branch points to, read conditionally (the sweep's first read: an unchanged branch is a 304), or null
 * when the repository is empty (GitHub answers 409) or the branch is missing (404).
 */
export async function readBranchHead(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<string | null> {
  return reader
    .get(
      octokit,
      "GET /repos/{owner}/{repo}/git/ref/{ref}",
      { ...repo, ref: `heads/${branch}` },
      (data) => (data as { object: { sha: string } }).object.sha,
    )
    .catch((error: unknown) => {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 409) return null;
      throw error;
    });
}

/** A file's text at a commit, read conditionally, or null when it does not exist. */
export async function readFileTextAt(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<string | null> {
  try {
    return await reader.get(
      octokit,
      "GET /repos/{owner}/{repo}/contents/{path}",
      { ...repo, path, ref },
      (data) => {
        const file = data as { type?: string; content?: string };
        return file.type === "file" && typeof file.content === "string"
          ? Buffer.from(file.content, "base64").toString("utf8")
          : null;
      },
    );
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

/**
 * The files of a commit's tree that `pick` keeps (with their blob SHAs), read conditionally: only the picked
 * entries are kept between sweeps, never the whole tree. `variant` names the pick.
 */
export async function pickTreeFiles(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  pick: (paths: string[]) => string[],
  variant: string,
): Promise<Array<{ path: string; sha: string }>> {
  return reader.get(
    octokit,
    "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
    { ...repo, tree_sha: sha, recursive: "1" },
    (data) => {
      const blobs = new Map(
        (data as { tree: Array<{ path?: string; sha?: string; type?: string }> }).tree
          .filter((entry) => entry.type === "blob" && entry.path && entry.sha)
          .map((entry) => [entry.path!, entry.sha!]),
      );
      return pick([...blobs.keys()]).map((path) => ({ path, sha: blobs.get(path)! }));
    },
    variant,
  );
}

/** A blob's text reduced by `reduce` (blobs never change: after the first read, every read is a 304). */
export async function readBlobReduced<T>(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  reduce: (text: string) => T,
  variant: string,
): Promise<T> {
  return reader.get(
    octokit,
    "GET /repos/{owner}/{repo}/git/blobs/{file_sha}",
    { ...repo, file_sha: sha },
    (data) => {
      const blob = data as { content: string; encoding: string };
      return reduce(
        Buffer.from(blob.content, blob.encoding === "base64" ? "base64" : "utf8").toString("utf8"),
      );
    },
    variant,
  );
}

// ---------------------------------------------------------------- Commits and tags

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

/** Every tag of the repository with its commit (100 a page), read conditionally. */
export async function listTagsConditional(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
): Promise<Array<{ name: string; sha: string }>> {
  return reader.all(octokit, "GET /repos/{owner}/{repo}/tags", { ...repo, per_page: 100 }, (data) =>
    (data as Array<{ name: string; commit: { sha: string } }>).map((t) => ({
      name: t.name,
      sha: t.commit.sha,
    })),
  );
}
