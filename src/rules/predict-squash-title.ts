import { splitPullRequestSuffix } from "./parse-conventional-commit.js";

/** `squash_merge_commit_title`; null when the token could not read it (GitHub's default is COMMIT_OR_PR_TITLE). */
export type SquashTitleSetting = "PR_TITLE" | "COMMIT_OR_PR_TITLE" | null;

export interface SquashPredictionInput {
  pull: {
    number: number;
    title: string;
    /** Auto-merge fixes the method and the commit title when it is enabled. */
    autoMerge: { mergeMethod: "merge" | "squash" | "rebase"; commitTitle: string | null } | null;
  };
  /** The PR's commits in order; only the parent count and the subject are read. */
  commits: Array<{ subject: string; parentCount: number }>;
  squashMergeCommitTitle: SquashTitleSetting;
}

export type SquashTitleSource = "pr-title" | "commit" | "auto-merge";

export interface SquashPrediction {
  /** The header GitHub will write, without the ` (#N)` it appends. */
  title: string;
  /** What GitHub writes: the title followed by ` (#N)`. */
  fullTitle: string;
  source: SquashTitleSource;
  /** Why this title, in one sentence, for the check's summary. */
  reason: string;
  /** Auto-merge is set to a method that lands the PR's commits unsquashed. */
  unsquashedMethod: "merge" | "rebase" | null;
}

/**
 * The title GitHub will give the squash commit of a PR. GitHub uses the single commit's subject when the setting is
 * COMMIT_OR_PR_TITLE (its default) and the PR has exactly one non-merge commit ("Update branch" merges do not count),
 * otherwise the PR title. Auto-merge stores the commit title when it is enabled, so that title wins.
 */
export function predictSquashTitle(input: SquashPredictionInput): SquashPrediction {
  const { pull, commits, squashMergeCommitTitle } = input;
  const make = (title: string, source: SquashTitleSource, reason: string, unsquashedMethod = null) => ({
    title,
    fullTitle: `${title} (#${pull.number})`,
    source,
    reason,
    unsquashedMethod,
  });
  const auto = pull.autoMerge;
  if (auto && auto.mergeMethod !== "squash") {
    return {
      ...make(pull.title, "pr-title", `Auto-merge is enabled with the \`${auto.mergeMethod}\` method.`),
      unsquashedMethod: auto.mergeMethod,
    };
  }
  if (auto?.commitTitle) {
    const title = splitPullRequestSuffix(auto.commitTitle.trim()).title;
    return make(title, "auto-merge", "Auto-merge was enabled with this squash commit title.");
  }
  if (squashMergeCommitTitle === "PR_TITLE") {
    return make(pull.title, "pr-title", "The repository's squash commit title setting is `PR_TITLE`.");
  }
  const own = commits.filter((commit) => commit.parentCount <= 1);
  const setting = squashMergeCommitTitle ?? "COMMIT_OR_PR_TITLE (assumed: the setting could not be read)";
  const only = own.length === 1 ? own[0] : undefined;
  if (only) {
    return make(
      only.subject,
      "commit",
      `The squash commit title setting is \`${setting}\` and the PR has exactly one commit` +
        `${commits.length > 1 ? " besides merges from the base branch" : ""}, so GitHub uses that commit's subject.`,
    );
  }
  return make(
    pull.title,
    "pr-title",
    `The squash commit title setting is \`${setting}\` and the PR has ${own.length} commits, so GitHub uses the PR title.`,
  );
}
