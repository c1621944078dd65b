import { mapConcurrent } from "../util/map-concurrent.js";
import type { ChangedFile } from "./pulls.js";
import { statusOf, type Octokit, type RepoRef } from "./types.js";
import type { ConditionalReader } from "./conditional-reads.js";

/** A file of a commit's tree. */
export interface TreeFile {
  path: string;
  sha: string;
  size: number | null;
}

/** Every file and folder of a commit; `truncated` when GitHub cut the listing (over 100,000 entries or 7 MB). */
export interface RepoTree {
  files: Map<string, TreeFile>;
  directories: Set<string>;
  truncated: boolean;
}

/** Reads the whole tree of a commit (or tag, or tree) in one recursive request. */
export async function getTree(octokit: Octokit, repo: RepoRef, treeish: string): Promise<RepoTree> {
  const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: treeish, recursive: "1" });
  const files = new Map<string, TreeFile>();
  const directories = new Set<string>();
  for (const entry of data.tree) {
    if (!entry.path || !entry.sha) continue;
    if (entry.type === "tree") directories.add(entry.path);
    else if (entry.type === "blob")
      files.set(entry.path, { path: entry.path, sha: entry.sha, size: entry.size ?? null });
  }
  return { files, directories, truncated: Boolean(data.truncated) };
}

/**
 * The files that differ between two trees, as the PR files API would list them (without rename detection: a moved
 * file is `removed` at its old path and `added` at its new one).
 */
export function diffTrees(base: RepoTree, head: RepoTree): ChangedFile[] {
  const changed: ChangedFile[] = [];
  for (const [path, file] of head.files) {
    const before = base.files.get(path);
    if (!before) changed.push({ filename: path, status: "added", sha: file.sha });
    else if (before.sha !== file.sha) changed.push({ filename: path, status: "modified", sha: file.sha });
  }
  for (const path of base.files.keys()) {
    if (!head.files.has(path)) changed.push({ filename: path, status: "removed", sha: null });
  }
  return changed;
}

/** A blob's text (UTF-8, a BOM kept) by SHA: any size up to 100 MB, one request, no ref resolution. */
export async function readBlobText(octokit: Octokit, repo: RepoRef, sha: string): Promise<string> {
  const { data } = await octokit.rest.git.getBlob({ ...repo, file_sha: sha });
  return Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8").toString("utf8");
}

/** Reads many blobs, `concurrency` at a time (GitHub's secondary rate limits punish bursts). */
export function readBlobs(
  octokit: Octokit,
  repo: RepoRef,
  files: ReadonlyArray<{ path: string; sha: string }>,
  concurrency = 6,
): Promise<Array<{ path: string; text: string }>> {
  return mapConcurrent(files, concurrency, async (file) => ({
    path: file.path,
    text: await readBlobText(octokit, repo, file.sha),
  }));
}

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

// Read conditionally (If-None-Match with the stored ETag; a 304 is free) for the reconciliation sweep, which keeps
// only the reduced view it compares.

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

/** The commit a tag points to (an annotated tag is followed to its commit), or null when there is no such tag. */
export async function getTagCommitSha(octokit: Octokit, repo: RepoRef, tag: string): Promise<string | null> {
  try {
    const { data } = await octokit.rest.git.getRef({ ...repo, ref: `tags/${tag}` });
    if (data.object.type !== "tag") return data.object.sha;
    const { data: annotated } = await octokit.rest.git.getTag({ ...repo, tag_sha: data.object.sha });
    return annotated.object.sha;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/** Creates a lightweight tag at `sha`; "exists" when the tag is already there (GitHub answers 422). */
export async function createTag(
  octokit: Octokit,
  repo: RepoRef,
  tag: string,
  sha: string,
): Promise<"created" | "exists"> {
  try {
    await octokit.rest.git.createRef({ ...repo, ref: `refs/tags/${tag}`, sha });
    return "created";
  } catch (error) {
    if (statusOf(error) === 422) return "exists";
    throw error;
  }
}
