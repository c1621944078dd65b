import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";
import { auditMainCommit, type AssociatedPull } from "../../src/rules/audit-main-commit.js";
import { findMergeSettingsDrift, mergeSettingsPatch } from "../../src/rules/merge-settings-drift.js";

const parsed = parseConfig({});
if (!parsed.ok) throw new Error("default configuration is invalid");
const config = parsed.value;
const SHA = "a".repeat(40);
const merged = (number: number, title: string, baseRef = "main"): AssociatedPull => ({
  number,
  title,
  baseRef,
  merged: true,
});

describe("auditMainCommit (online: with the commit's associated PRs)", () => {
  test.each<[string, string, number, AssociatedPull[], string[]]>([
    [
      "squash commit matching its PR",
      "fix(aws): correct filenames (#13)",
      1,
      [merged(13, "fix(aws): correct filenames")],
      [],
    ],
    ["direct push", "fix(aws): correct filenames", 1, [], ["pr-reference-missing", "direct-push"]],
    ["direct push claiming a PR", "fix(aws): correct filenames (#13)", 1, [], ["direct-push"]],
    [
      "title edited in the merge dialog",
      "fix(aws): Fix stuff (#13)",
      1,
      [merged(13, "fix(aws): correct filenames")],
      ["subject-case", "subject-differs-from-pr-title"],
    ],
    [
      "(#N) names another PR",
      "fix(aws): correct filenames (#12)",
      1,
      [merged(13, "fix(aws): correct filenames")],
      ["pr-not-merged"],
    ],
    [
      "PR merged into another branch",
      "fix(aws): correct filenames (#13)",
      1,
      [merged(13, "fix(aws): correct filenames", "release")],
      ["pr-not-merged"],
    ],
    [
      "merge commit",
      "Merge pull request #13 from org/fix",
      2,
      [merged(13, "fix(aws): correct filenames")],
      ["merge-commit", "header-format", "pr-reference-missing"],
    ],
    [
      "rebase-merged commit (no (#N), belongs to a PR)",
      "fix(aws): correct filenames",
      1,
      [merged(13, "fix(aws): correct filenames")],
      ["pr-reference-missing"],
    ],
  ])("%s", (_name, subject, parentCount, pulls, rules) => {
    const audit = auditMainCommit({ sha: SHA, subject, parentCount }, config.prTitle, {
      defaultBranch: "main",
      pulls,
    });
    expect(audit.problems.map((p) => p.rule)).toEqual(rules);
    expect(audit.repair === null).toBe(rules.length === 0);
  });

  test("messages quote the values and name the fix", () => {
    const audit = auditMainCommit(
      { sha: SHA, subject: "fix(aws): other words (#13)", parentCount: 1 },
      config.prTitle,
      {
        defaultBranch: "main",
        pulls: [merged(13, "fix(aws): correct filenames")],
      },
    );
    expect(audit.problems[0]!.message).toContain(
      "The subject `fix(aws): other words` differs from the title of #13, `fix(aws): correct filenames`",
    );
    const edited = auditMainCommit(
      { sha: SHA, subject: "fix(aws): correct filenames", parentCount: 1 },
      config.prTitle,
      {
        defaultBranch: "main",
        pulls: [merged(13, "fix(aws): correct filenames")],
      },
    );
    expect(edited.problems[0]!.message).toContain("It belongs to PR #13");
    expect(edited.repair).toContain("Revert the commit");
  });
});

describe("findMergeSettingsDrift", () => {
  const policy = config.mergeSettings.policy;
  test("GitHub's defaults drift from the policy on merge commits, rebase merges and the squash title", () => {
    const { drift, unreadable } = findMergeSettingsDrift(
      {
        allow_squash_merge: true,
        allow_merge_commit: true,
        allow_rebase_merge: true,
        squash_merge_commit_title: "COMMIT_OR_PR_TITLE",
        squash_merge_commit_message: "COMMIT_MESSAGES",
      },
      policy,
    );
    expect(drift.map((d) => [d.setting, d.actual, d.expected])).toEqual([
      ["allow_merge_commit", true, false],
      ["allow_rebase_merge", true, false],
      ["squash_merge_commit_title", "COMMIT_OR_PR_TITLE", "PR_TITLE"],
    ]);
    expect(unreadable).toEqual([]);
    expect(mergeSettingsPatch(drift)).toEqual({
      allow_merge_commit: false,
      allow_rebase_merge: false,
      squash_merge_commit_title: "PR_TITLE",
    });
  });

  test("unreadable settings are listed, not guessed; a null policy value accepts anything", () => {
    const { drift, unreadable } = findMergeSettingsDrift({ allow_squash_merge: true }, policy);
    expect(drift).toEqual([]);
    expect(unreadable).toEqual(["allow_merge_commit", "allow_rebase_merge", "squash_merge_commit_title"]);
    const strict = findMergeSettingsDrift(
      { squash_merge_commit_message: "BLANK" },
      { ...policy, squashMergeCommitMessage: "PR_BODY" },
    );
    expect(strict.drift.map((d) => d.setting)).toEqual(["squash_merge_commit_message"]);
  });
});
