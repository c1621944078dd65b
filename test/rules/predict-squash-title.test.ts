import { describe, expect, test } from "@jest/globals";
import { predictSquashTitle, type SquashPredictionInput } from "../../src/rules/predict-squash-title.js";

const PR_TITLE = "providers(aws): add flux-system self-management";
const one = [{ subject: "provider(aws): add flux-system self-management", parentCount: 1 }];
const two = [
  { subject: "providers(aws): add kustomization", parentCount: 1 },
  { subject: "fix typo", parentCount: 1 },
];
const oneWithUpdateBranch = [
  { subject: "provider(aws): add flux-system self-management", parentCount: 1 },
  { subject: "Merge branch 'main' into flux", parentCount: 2 },
  { subject: "Merge branch 'main' into flux", parentCount: 2 },
];
const onlyMerges = [{ subject: "Merge branch 'main' into flux", parentCount: 2 }];

type Row = [
  string,
  SquashPredictionInput["commits"],
  SquashPredictionInput["squashMergeCommitTitle"],
  SquashPredictionInput["pull"]["autoMerge"],
  { title: string; source: string; unsquashed?: string },
];

const rows: Row[] = [
  ["PR_TITLE, one commit", one, "PR_TITLE", null, { title: PR_TITLE, source: "pr-title" }],
  ["PR_TITLE, two commits", two, "PR_TITLE", null, { title: PR_TITLE, source: "pr-title" }],
  [
    "COMMIT_OR_PR_TITLE, one commit",
    one,
    "COMMIT_OR_PR_TITLE",
    null,
    { title: one[0]!.subject, source: "commit" },
  ],
  [
    "COMMIT_OR_PR_TITLE, two commits",
    two,
    "COMMIT_OR_PR_TITLE",
    null,
    { title: PR_TITLE, source: "pr-title" },
  ],
  [
    "COMMIT_OR_PR_TITLE, one commit plus Update-branch merges (merges do not count)",
    oneWithUpdateBranch,
    "COMMIT_OR_PR_TITLE",
    null,
    { title: one[0]!.subject, source: "commit" },
  ],
  [
    "COMMIT_OR_PR_TITLE, only merge commits",
    onlyMerges,
    "COMMIT_OR_PR_TITLE",
    null,
    { title: PR_TITLE, source: "pr-title" },
  ],
  [
    "unreadable setting, one commit: GitHub's default assumed",
    one,
    null,
    null,
    { title: one[0]!.subject, source: "commit" },
  ],
  ["unreadable setting, two commits", two, null, null, { title: PR_TITLE, source: "pr-title" }],
  [
    "auto-merge (squash) with a stored title wins over the setting",
    one,
    "PR_TITLE",
    { mergeMethod: "squash", commitTitle: "feat: stored when auto-merge was enabled (#5)" },
    { title: "feat: stored when auto-merge was enabled", source: "auto-merge" },
  ],
  [
    "auto-merge (squash) without a stored title follows the setting",
    one,
    "COMMIT_OR_PR_TITLE",
    { mergeMethod: "squash", commitTitle: null },
    { title: one[0]!.subject, source: "commit" },
  ],
  [
    "auto-merge with the merge method lands commits unsquashed",
    two,
    "PR_TITLE",
    { mergeMethod: "merge", commitTitle: null },
    { title: PR_TITLE, source: "pr-title", unsquashed: "merge" },
  ],
  [
    "auto-merge with the rebase method lands commits unsquashed",
    one,
    "PR_TITLE",
    { mergeMethod: "rebase", commitTitle: null },
    { title: PR_TITLE, source: "pr-title", unsquashed: "rebase" },
  ],
];

describe("predictSquashTitle", () => {
  test.each(rows)("%s", (_name, commits, setting, autoMerge, expected) => {
    const prediction = predictSquashTitle({
      pull: { number: 5, title: PR_TITLE, autoMerge },
      commits,
      squashMergeCommitTitle: setting,
    });
    expect(prediction.title).toBe(expected.title);
    expect(prediction.fullTitle).toBe(`${expected.title} (#5)`);
    expect(prediction.source).toBe(expected.source);
    expect(prediction.unsquashedMethod).toBe(expected.unsquashed ?? null);
  });

  test("says why, naming the setting and the commit count", () => {
    const byCommit = predictSquashTitle({
      pull: { number: 5, title: PR_TITLE, autoMerge: null },
      commits: oneWithUpdateBranch,
      squashMergeCommitTitle: "COMMIT_OR_PR_TITLE",
    });
    expect(byCommit.reason).toContain("`COMMIT_OR_PR_TITLE`");
    expect(byCommit.reason).toContain("besides merges from the base branch");
    const unknown = predictSquashTitle({
      pull: { number: 5, title: PR_TITLE, autoMerge: null },
      commits: two,
      squashMergeCommitTitle: null,
    });
    expect(unknown.reason).toContain("could not be read");
    expect(unknown.reason).toContain("2 commits");
  });
});
