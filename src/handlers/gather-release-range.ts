import {
  pullRequestOfCommit,
  pullRequestOwners,
  type ReleaseCommit,
} from "../notes/collect-release-entries.js";
import { compareRefs, listCommitsOf, listPullRequestsForCommits } from "../github/commits.js";
import { getTree } from "../github/git-data.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { changedPathsBetweenTrees } from "./gather-changed-paths.js";

export interface FetchedReleaseRange {
  commits: ReleaseCommit[];
  previousOnlyCommits: ReleaseCommit[];
  changedPaths: string[];
  changedPathsComplete: boolean;
}

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
  event: object,
): Promise<FetchedReleaseRange> {
  if (!previousTag) {
    const [commits, tree] = await Promise.all([
      listCommitsOf(octokit, repo, tag),
      getTree(octokit, repo, tag),
    ]);
    return {
      commits: await addAssociatedPullRequests(octokit, repo, commits, event),
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
    addAssociatedPullRequests(octokit, repo, forward.commits, event),
    backward ? addAssociatedPullRequests(octokit, repo, backward.commits, event) : [],
  ]);
  return {
    commits,
    previousOnlyCommits,
    changedPaths: paths ? paths.paths : (forward.files ?? []),
    changedPathsComplete: paths ? paths.complete : true,
  };
}

/**
 * Adds the merged PR each commit belongs to, for commits whose subject names none (`(#N)` or a merge commit), in
 * batched GraphQL look-ups. The branch commits of a PR merged with a merge commit are already known to be that PR's
 * (`pullRequestOwners`, from the parents) and are not looked up. Commits with no merged PR stay plain.
 */
async function addAssociatedPullRequests(
  octokit: Octokit,
  repo: RepoRef,
  commits: ReleaseCommit[],
  event: object,
): Promise<ReleaseCommit[]> {
  const owners = pullRequestOwners(commits);
  const needsLookup = (commit: ReleaseCommit) =>
    !owners.has(commit.sha) && pullRequestOfCommit(commit).number === null;
  const wanted = commits.filter(needsLookup).map((commit) => commit.sha);
  const pullsOf = await listPullRequestsForCommits(octokit, repo, wanted, event);
  return commits.map((commit) => {
    if (!needsLookup(commit)) return commit;
    const merged = (pullsOf.get(commit.sha) ?? []).filter((pr) => pr.merged);
    const pr = merged.find((p) => p.mergeCommitSha === commit.sha) ?? merged[0];
    return {
      ...commit,
      associatedPullRequest: pr ? { number: pr.number, title: pr.title, login: pr.authorLogin } : null,
    };
  });
}
