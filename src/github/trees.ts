import type { ChangedFile } from "./pulls.js";
import type { Octokit, RepoRef } from "./types.js";

/** A file of a commit's tree. */
export interface TreeFile {
  path: string;
  sha: string;
  size: number | null;
}

/** Every file of a commit (one recursive tree request); `truncated` when GitHub cut the listing (over 100,000 entries). */
export interface RepositoryTree {
  files: Map<string, TreeFile>;
  directories: Set<string>;
  truncated: boolean;
}

/** Reads the whole tree of a commit in one request. */
export async function getRepositoryTree(
  octokit: Octokit,
  repo: RepoRef,
  commitSha: string,
): Promise<RepositoryTree> {
  const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: commitSha, recursive: "1" });
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

/** The commit where the PR's branch left its base: what the PR files API compares against. */
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
 * file is `removed` at its old path and `added` at its new one, which the layout rules judge the same way).
 */
export function diffTrees(base: RepositoryTree, head: RepositoryTree): ChangedFile[] {
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

/** A blob's text (UTF-8), by SHA: contents of any size up to 100 MB, one request, no ref resolution. */
export async function getBlobText(octokit: Octokit, repo: RepoRef, sha: string): Promise<string> {
  const { data } = await octokit.rest.git.getBlob({ ...repo, file_sha: sha });
  return data.encoding === "base64" ? Buffer.from(data.content, "base64").toString("utf8") : data.content;
}
