import type { Octokit, RepoRef } from "./types.js";

/** Every file of a commit's tree: path → blob SHA. */
export interface RepoTree {
  blobs: Map<string, string>;
  /** GitHub cut the listing (over 100,000 entries or 7 MB): some files are missing. */
  truncated: boolean;
}

/** Every file of `treeish`'s tree, in one recursive request. */
export async function getTree(octokit: Octokit, repo: RepoRef, treeish: string): Promise<RepoTree> {
  const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: treeish, recursive: "true" });
  const blobs = new Map<string, string>();
  for (const entry of data.tree) {
    if (entry.type === "blob" && entry.path && entry.sha) blobs.set(entry.path, entry.sha);
  }
  return { blobs, truncated: data.truncated };
}

/** Paths added, changed or removed between two trees, sorted. */
export function diffTrees(before: RepoTree, after: RepoTree): string[] {
  const paths = new Set<string>();
  for (const [path, sha] of after.blobs) if (before.blobs.get(path) !== sha) paths.add(path);
  for (const path of before.blobs.keys()) if (!after.blobs.has(path)) paths.add(path);
  return [...paths].sort();
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
  return { paths: diffTrees(before, after), complete: !before.truncated && !after.truncated };
}
