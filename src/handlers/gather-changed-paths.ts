import { compareFiles } from "../github/commits.js";
import { diffTrees, getTree } from "../github/git-data.js";
import type { Octokit, RepoRef } from "../github/types.js";

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
  const listed = await compareFiles(octokit, repo, base, head);
  if (listed) return { files: listed.sort(), complete: true, via: "compare" };
  const { paths, complete } = await changedPathsBetweenTrees(octokit, repo, base, head);
  return { files: paths, complete, via: "trees" };
}
