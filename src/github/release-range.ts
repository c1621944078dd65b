import { pullRequestOfCommit, type ReleaseCommit } from "../notes/collect-release-entries.js";
import { addAssociatedPullRequests, compareRefs, listCommitsOf } from "./compare.js";
import { changedPathsBetweenTrees, getTree } from "./git-data.js";
import type { Octokit, RepoRef } from "./types.js";

export interface FetchedReleaseRange {
  commits: ReleaseCommit[];
  previousOnlyCommits: ReleaseCommit[];
  changedPaths: string[];
  changedPathsComplete: boolean;
}

const needsLookup = (commit: ReleaseCommit) => pullRequestOfCommit(commit).number === null;

/**
 * Everything GitHub knows about a release range. Usual case (the previous tag is an ancestor, < 300 files): the
 * compare pages only. A previous tag off the main branch adds the reverse comparison (its PRs are already released)
 * and a tree diff (the compare API's files are relative to the merge base); a cut file list adds the tree diff.
 * A first release lists the tag's commits and its tree.
 */
export async function fetchReleaseRange(
  octokit: Octokit,
  repo: RepoRef,
  tag: string,
  previousTag: string | null,
): Promise<FetchedReleaseRange> {
  if (!previousTag) {
    const [commits, tree] = await Promise.all([
      listCommitsOf(octokit, repo, tag),
      getTree(octokit, repo, tag),
    ]);
    return {
      commits: await addAssociatedPullRequests(octokit, repo, commits, needsLookup),
      previousOnlyCommits: [],
      changedPaths: [...tree.files.keys()],
      changedPathsComplete: !tree.truncated,
    };
  }
  const forward = await compareRefs(octokit, repo, previousTag, tag);
  const diverged = forward.behindBy > 0;
  const [backward, paths] = await Promise.all([
    diverged ? compareRefs(octokit, repo, tag, previousTag) : null,
    diverged || forward.files === null ? changedPathsBetweenTrees(octokit, repo, previousTag, tag) : null,
  ]);
  const [commits, previousOnlyCommits] = await Promise.all([
    addAssociatedPullRequests(octokit, repo, forward.commits, needsLookup),
    backward ? addAssociatedPullRequests(octokit, repo, backward.commits, needsLookup) : [],
  ]);
  return {
    commits,
    previousOnlyCommits,
    changedPaths: paths ? paths.paths : (forward.files ?? []),
    changedPathsComplete: paths ? paths.complete : true,
  };
}
