import { mapConcurrent } from "../util/map-concurrent.js";
import type { ChangedFile } from "./pulls.js";
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
