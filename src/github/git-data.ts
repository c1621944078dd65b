import { mapConcurrent } from "../util/map-concurrent.js";
import type { ChangedFile } from "./pulls.js";
import type { ConditionalReader } from "./conditional-reads.js";
import type { Octokit, RepoRef } from "./types.js";

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

/** The commit where `head` left `base`: what the PR files API compares against. */
export async function getMergeBase(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<string> {
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
    ...repo,
    basehead: `${base}...${head}`,
    per_page: 1,
  });
  return data.merge_base_commit.sha;
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

/**
 * Paths that differ between two revisions, from their trees (two requests): exact whatever the number of files,
 * unlike the compare API (300 files, relative to the merge base). `complete` is false when GitHub cut a tree.
 */
export async function changedPathsBetweenTrees(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<{ paths: string[]; complete: boolean }> {
  const [before, after] = await Promise.all([getTree(octokit, repo, base), getTree(octokit, repo, head)]);
  const paths = diffTrees(before, after).map((file) => file.filename);
  return { paths: paths.sort(), complete: !before.truncated && !after.truncated };
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

/** The commit a branch points to, read conditionally (the sweep's first read: an unchanged branch is a 304). */
export async function readBranchHead(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<string> {
  return reader.get(
    octokit,
    "GET /repos/{owner}/{repo}/git/ref/{ref}",
    { ...repo, ref: `heads/${branch}` },
    (data) => (data as { object: { sha: string } }).object.sha,
  );
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
