import { afterAll, describe, expect, test } from "@jest/globals";
import { readCommits } from "../../src/cli/git-log.js";
import { parseConfig } from "../../src/config/parse-config.js";
import { auditMainCommit } from "../../src/rules/audit-main-commit.js";
import { splitPullRequestSuffix } from "../../src/rules/parse-conventional-commit.js";
import { predictSquashTitle } from "../../src/rules/predict-squash-title.js";
import { validatePrTitle } from "../../src/rules/validate-pr-title.js";
import { buildHistoryRepo, git } from "../helpers/history-repo.js";

const defaults = parseConfig({});
if (!defaults.ok) throw new Error("default configuration is invalid");
const rules = defaults.value.prTitle;

describe("the real history (k8s-gitops-at-scale), rebuilt as a git repository", () => {
  const repo = buildHistoryRepo();
  afterAll(() => repo.cleanup());

  test("every commit of main follows the convention except `Initial commit`", async () => {
    const commits = await readCommits(repo.dir, ["main"]);
    expect(commits).toHaveLength(15);
    const violations = commits
      .map((commit) => auditMainCommit(commit, rules, { defaultBranch: "main", pulls: null }))
      .filter((audit) => audit.problems.length);
    expect(violations.map((v) => v.subject)).toEqual(["Initial commit"]);
    expect(violations[0]!.sha).toBe(repo.shaOf("f2f82021228e97a0eb9be42f6e838d572c23f21e"));
    expect(violations[0]!.problems.map((p) => p.rule)).toEqual(["header-format", "pr-reference-missing"]);
  });

  // PR titles, as GitHub squashed them onto main: `title (#N)`.
  const prTitles = new Map(
    git(repo.dir, ["log", "--format=%s", "main"])
      .split("\n")
      .map((subject) => splitPullRequestSuffix(subject))
      .filter((s) => s.number !== null)
      .map((s) => [s.number!, s.title]),
  );
  const heads = Object.keys(repo.history.refs)
    .map((ref) => /^refs\/pull\/(\d+)\/head$/.exec(ref)?.[1])
    .filter((n): n is string => Boolean(n))
    .map(Number)
    .sort((a, b) => a - b);

  test("PR head branches: the single commit has no (#N), so prediction decides what lands", async () => {
    expect(heads).toHaveLength(14);
    const wouldLand: Record<number, { commitOrPr: string; prTitle: string; valid: boolean }> = {};
    for (const number of heads) {
      const commits = await readCommits(repo.dir, [`refs/pull/${number}/head^..refs/pull/${number}/head`]);
      expect(commits).toHaveLength(1);
      expect(splitPullRequestSuffix(commits[0]!.subject).number).toBeNull();
      const pull = { number, title: prTitles.get(number)!, autoMerge: null };
      const byCommit = predictSquashTitle({ pull, commits, squashMergeCommitTitle: "COMMIT_OR_PR_TITLE" });
      const byTitle = predictSquashTitle({ pull, commits, squashMergeCommitTitle: "PR_TITLE" });
      expect(byCommit.source).toBe("commit");
      expect(byTitle.fullTitle).toBe(`${pull.title} (#${number})`);
      wouldLand[number] = {
        commitOrPr: byCommit.fullTitle,
        prTitle: byTitle.fullTitle,
        valid: validatePrTitle({ title: byCommit.title }, rules).valid,
      };
    }
    // With GitHub's default, #5 would land with the commit's type `provider`, which the rules reject...
    expect(wouldLand[5]).toEqual({
      commitOrPr: "provider(aws): add flux-system self-management (#5)",
      prTitle: "providers(aws): add flux-system self-management (#5)",
      valid: false,
    });
    // ...and #8 and the first release PRs would land with their commit's wording, not the PR title.
    expect(wouldLand[9]!.commitOrPr).toBe("chore(release): promote aws prod to v0.0.1 (#9)");
    expect(wouldLand[9]!.prTitle).toBe("chore(release): promote v0.0.1 to aws prod (#9)");
    const differing = heads.filter((n) => wouldLand[n]!.commitOrPr !== wouldLand[n]!.prTitle);
    expect(differing).toEqual([5, 8, 9, 11]);
    expect(heads.filter((n) => !wouldLand[n]!.valid)).toEqual([5]);
  });

  test("the squash commit that really landed for #5 (7e4a48c, later rewritten) fails the audit", async () => {
    const [landed] = await readCommits(repo.dir, [`${findSha(repo, "7e4a48c")}^!`]);
    expect(landed!.subject).toBe("provider(aws): add flux-system self-management (#5)");
    const audit = auditMainCommit(landed!, rules, {
      defaultBranch: "main",
      pulls: [{ number: 5, title: prTitles.get(5)!, baseRef: "main", merged: true }],
    });
    expect(audit.problems.map((p) => p.rule)).toEqual(["type-enum", "subject-differs-from-pr-title"]);
    expect(audit.repair).toContain("Revert the commit");
    expect(audit.repair).toContain("`providers(aws): add flux-system self-management (#N)`");
  });
});

function findSha(
  repo: { history: { commits: Array<{ sha: string }> }; shaOf: (s: string) => string },
  prefix: string,
) {
  const commit = repo.history.commits.find((c) => c.sha.startsWith(prefix));
  if (!commit) throw new Error(`no commit ${prefix}`);
  return repo.shaOf(commit.sha);
}
