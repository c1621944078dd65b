import { changedPathsBetweenTrees } from "./git-data.js";
import type { Octokit, RepoRef } from "./types.js";

/** GitHub's answer status, for the "not found" and "conflict" cases this feature handles as data. */
const statusOf = (error: unknown): number | undefined => (error as { status?: number }).status;

/** The commit a branch points to. */
export async function getBranchSha(octokit: Octokit, repo: RepoRef, branch: string): Promise<string> {
  const { data } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
  return data.object.sha;
}

/** Whether a tag exists. */
export async function tagExists(octokit: Octokit, repo: RepoRef, tag: string): Promise<boolean> {
  try {
    await octokit.rest.git.getRef({ ...repo, ref: `tags/${tag}` });
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/** A file's text and blob SHA, or null when it does not exist. */
export async function readFile(
  octokit: Octokit,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<{ text: string; sha: string } | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
    // Buffer keeps a BOM (TextDecoder would drop it), so the file is written back byte for byte.
    return { text: Buffer.from(data.content, "base64").toString("utf8"), sha: data.sha };
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/** The compare API lists at most 300 files. */
export const COMPARE_FILE_CAP = 300;

/**
 * Paths that differ between two revisions (renames count both names). The compare API is one request but stops at
 * 300 files; past that, the two trees are compared by blob SHA (two requests), which is exact unless GitHub
 * truncates a tree.
 */
export async function changedPaths(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<{ files: string[]; complete: boolean; via: "compare" | "trees" }> {
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
    ...repo,
    basehead: `${base}...${head}`,
  });
  const listed = data.files ?? [];
  if (listed.length < COMPARE_FILE_CAP) {
    const files = listed.flatMap((f) =>
      f.previous_filename ? [f.filename, f.previous_filename] : [f.filename],
    );
    return { files: [...new Set(files)].sort(), complete: true, via: "compare" };
  }
  const { paths, complete } = await changedPathsBetweenTrees(octokit, repo, base, head);
  return { files: paths, complete, via: "trees" };
}

/** The open PR whose head is the bot's promotion branch, if any. */
export async function findOpenPull(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<{ number: number; body: string; title: string; url: string } | null> {
  const { data } = await octokit.rest.pulls.list({
    ...repo,
    state: "open",
    head: `${repo.owner}:${branch}`,
    per_page: 10,
  });
  const pull = data.find((p) => p.head.ref === branch);
  return pull ? { number: pull.number, body: pull.body ?? "", title: pull.title, url: pull.html_url } : null;
}

/** Points the bot's branch at `sha` (created, or moved with force: the branch is bot-owned, one commit on base). */
async function pointBranchAt(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  sha: string,
  knownToExist: boolean,
): Promise<void> {
  if (!knownToExist) {
    try {
      await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
      return;
    } catch (error) {
      if (statusOf(error) !== 422) throw error; // 422: the branch exists (left over, or made concurrently)
    }
  }
  await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: true });
}

/**
 * Makes the bot's branch ONE commit on `baseSha` that writes `text` to `path`, with a single move of the branch.
 * The commit is built first (Git data API), then the branch is pointed at it: resetting the branch to the base and
 * committing after would leave an open PR without commits for a moment, and GitHub closes such a PR for good.
 * The file's text was read at `baseSha`, so the commit is consistent by construction (no blob-SHA lock needed).
 * The file keeps the regular-file mode `100644` (a release manifest is not executable).
 */
export async function commitFileOnBranch(
  octokit: Octokit,
  repo: RepoRef,
  change: {
    branch: string;
    baseSha: string;
    path: string;
    text: string;
    message: string;
    branchExists: boolean;
  },
): Promise<string> {
  const { data: base } = await octokit.rest.git.getCommit({ ...repo, commit_sha: change.baseSha });
  const { data: tree } = await octokit.rest.git.createTree({
    ...repo,
    base_tree: base.tree.sha,
    tree: [{ path: change.path, mode: "100644", type: "blob", content: change.text }],
  });
  const { data: commit } = await octokit.rest.git.createCommit({
    ...repo,
    message: change.message,
    tree: tree.sha,
    parents: [change.baseSha],
  });
  await pointBranchAt(octokit, repo, change.branch, commit.sha, change.branchExists);
  return commit.sha;
}

export interface PromotionPull {
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
}

/**
 * Opens the promotion PR, with its labels and reviewers. Returns "conflict" when GitHub says a PR for the branch
 * already exists (another delivery made it meanwhile): the caller starts again and updates that one instead.
 */
export async function createPromotionPull(
  octokit: Octokit,
  repo: RepoRef,
  pull: PromotionPull,
): Promise<{ number: number; url: string } | "conflict"> {
  let created;
  try {
    ({ data: created } = await octokit.rest.pulls.create({
      ...repo,
      head: pull.branch,
      base: pull.base,
      title: pull.title,
      body: pull.body,
      draft: pull.draft,
      maintainer_can_modify: false,
    }));
  } catch (error) {
    if (statusOf(error) === 422 && /already exists/i.test(String((error as Error).message)))
      return "conflict";
    throw error;
  }
  if (pull.labels.length) {
    await octokit.rest.issues.addLabels({ ...repo, issue_number: created.number, labels: pull.labels });
  }
  if (pull.reviewers.length || pull.teamReviewers.length) {
    await octokit.rest.pulls.requestReviewers({
      ...repo,
      pull_number: created.number,
      reviewers: pull.reviewers,
      team_reviewers: pull.teamReviewers,
    });
  }
  return { number: created.number, url: created.html_url };
}

/** Moves an open promotion PR to the new tag's title and body (its branch was already rewritten). */
export async function updatePromotionPull(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  change: { title: string; body: string },
): Promise<void> {
  await octokit.rest.pulls.update({ ...repo, pull_number: number, title: change.title, body: change.body });
}

/** The release published for a tag: its notes and page, or null. */
export async function getReleaseByTag(
  octokit: Octokit,
  repo: RepoRef,
  tag: string,
): Promise<{ body: string | null; url: string } | null> {
  try {
    const { data } = await octokit.rest.repos.getReleaseByTag({ ...repo, tag });
    return { body: data.body ?? null, url: data.html_url };
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/** Whether a user may write to the repository (admin, maintain and write all answer `write` or `admin`). */
export async function canWrite(octokit: Octokit, repo: RepoRef, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    return data.permission === "admin" || data.permission === "write";
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/** Answers on an issue or PR. */
export async function comment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  body: string,
): Promise<void> {
  await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
}
