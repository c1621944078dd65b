import { splitPullRequestSuffix } from "./parse-conventional-commit.js";
import { validatePrTitle, type TitleProblem, type TitleRules } from "./validate-pr-title.js";
import { inlineCode } from "../util/markdown.js";

/** A commit on the default branch, as the compare API or `git log` gives it. */
export interface AuditedCommit {
  sha: string;
  /** First line of the message. */
  subject: string;
  parentCount: number;
}

/** A pull request associated with the commit (GitHub's "pull requests associated with a commit"). */
export interface AssociatedPull {
  number: number;
  title: string;
  baseRef: string;
  merged: boolean;
}

export interface CommitAudit {
  sha: string;
  subject: string;
  /** Empty when the commit follows the convention. */
  problems: TitleProblem[];
  /** How to repair the commit, when it has problems. */
  repair: string | null;
}

const REVERT_AND_RELAND =
  'Revert the commit through a PR titled `revert: <subject>` (GitHub\'s Revert button proposes `Revert "…"`, ' +
  "which is not a conventional header), and land the change again through a PR merged with " +
  "**Squash and merge**, its title following the convention.";

/**
 * Audits one commit of the default branch: a squash commit `type(scope): subject (#N)`, where #N is a PR merged into
 * that branch whose title the header matches. `pulls` is null offline (the CLI): PR existence cannot be checked then,
 * the format and merge commits can.
 */
export function auditMainCommit(
  commit: AuditedCommit,
  rules: TitleRules,
  context: { defaultBranch: string; pulls: AssociatedPull[] | null },
): CommitAudit {
  const problems: TitleProblem[] = [];
  const add = (rule: string, message: string) => problems.push({ rule, message });
  const { title, number } = splitPullRequestSuffix(commit.subject);

  if (commit.parentCount > 1) {
    add(
      "merge-commit",
      `This is a merge commit (${commit.parentCount} parents): every commit of the merged branch landed on ` +
        `\`${context.defaultBranch}\` unsquashed. Merge PRs with **Squash and merge**.`,
    );
  }
  const verdict = validatePrTitle({ title }, rules);
  for (const problem of verdict.problems) add(problem.rule, problem.message);

  const merged = context.pulls?.filter((pr) => pr.merged && pr.baseRef === context.defaultBranch) ?? [];
  if (number === null) {
    const hint = merged[0] ? ` It belongs to PR #${merged[0].number}, whose squash title was edited.` : "";
    add(
      "pr-reference-missing",
      `The subject does not end with the PR number \`(#N)\` that GitHub adds when it squashes a PR.${hint}`,
    );
  }
  if (context.pulls !== null) {
    const pull = merged.find((pr) => pr.number === number);
    if (!context.pulls.length && commit.parentCount <= 1) {
      add(
        "direct-push",
        `No pull request contains this commit: it was pushed to \`${context.defaultBranch}\` directly.`,
      );
    } else if (number !== null && !pull) {
      add(
        "pr-not-merged",
        `The subject names #${number}, but #${number} is not a pull request merged into \`${context.defaultBranch}\` ` +
          `that contains this commit.`,
      );
    } else if (pull && pull.title.trim() !== title) {
      add(
        "subject-differs-from-pr-title",
        `The subject ${inlineCode(title)} differs from the title of #${pull.number}, ${inlineCode(pull.title)}: the title was edited ` +
          "in the merge dialog, or GitHub used a single commit's subject (squash title setting `COMMIT_OR_PR_TITLE`).",
      );
    }
  }
  const suggestion = verdict.suggestion
    ? ` A conforming subject would be ${inlineCode(`${verdict.suggestion} (#N)`)}.`
    : "";
  return {
    sha: commit.sha,
    subject: commit.subject,
    problems,
    repair: problems.length ? `${REVERT_AND_RELAND}${suggestion}` : null,
  };
}
