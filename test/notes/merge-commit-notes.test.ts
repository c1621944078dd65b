import { afterAll, describe, expect, test } from "@jest/globals";
import { runCli } from "../../src/cli/run-cli.js";
import { collectReleaseEntries, pullRequestOwners } from "../../src/notes/collect-release-entries.js";
import { localCommits } from "../../src/cli/local-release-range.js";
import { buildHistoryRepo } from "../helpers/history-repo.js";
import { clusterApiHistory } from "../fixtures/merge-commits/cluster-api-history.js";

async function cli(args: string[]): Promise<[number, string]> {
  let out = "";
  const code = await runCli(
    args,
    (t) => (out += `${t}\n`),
    () => undefined,
  );
  return [code, out];
}

describe("a history merged with merge commits (Cluster API's shape)", () => {
  const repo = buildHistoryRepo({ history: clusterApiHistory() });
  afterAll(() => repo.cleanup());

  test("CLI: each merged PR is listed once, its branch commits are not listed again", async () => {
    const [code, out] = await cli(["notes", "--repo", repo.dir, "--tag", "v1.8.0", "--json"]);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.previousTag).toBe("v1.7.0");
    expect(json.pullRequests.map((pr: { number: number }) => pr.number).sort()).toEqual([101, 102, 103, 104]);
    // No plain-commit lines (a branch commit would be listed by its short SHA).
    expect(json.markdown).not.toMatch(/\([0-9a-f]{7}\)/);
    expect(json.markdown).not.toContain("Address review comments");
    expect(json.markdown).not.toContain("Merge branch 'main'");
    // The authors are the PRs' authors (of the branch commits), not the robot that pressed merge.
    expect(json.markdown).toContain(
      "Stefan Büringer, fabriziopandini (first contribution), Christian Schlotter (first contribution), killianmuldoon (first contribution)",
    );
    expect(json.markdown).not.toContain("Kubernetes Prow Robot");
  });

  test("pullRequestOwners: every branch commit belongs to the merge commit that brought it in", async () => {
    const commits = await localCommits(repo.dir, ["v1.7.0..v1.8.0"]);
    const sha = (original: string) => repo.shaOf(original);
    const owners = pullRequestOwners(commits);
    expect(Object.fromEntries(owners)).toEqual({
      [sha("b1")]: sha("m1"),
      [sha("b2")]: sha("m1"),
      [sha("f1")]: sha("m2"),
      [sha("f2")]: sha("m2"), // main merged into the branch: still the PR's, and m1 stays #101's
      [sha("f3")]: sha("m2"),
      [sha("d1")]: sha("m3"),
      [sha("e1")]: sha("m4"),
    });
    const { entries } = collectReleaseEntries(commits, { releasedNumbers: new Set(), excludeTitles: [] });
    expect(entries.map((e) => [e.number, e.author?.name])).toEqual([
      [101, "Stefan Büringer"],
      [102, "fabriziopandini"],
      [103, "Christian Schlotter"],
      [104, "killianmuldoon"],
    ]);
  });

  test("a PR merged into a PR branch belongs to the outer PR; a non-PR merge keeps its PRs", () => {
    const c = (sha: string, parents: string[], message: string) => ({
      sha,
      parents,
      message,
      author: { login: null, name: sha },
    });
    const commits = [
      c("x1", ["base"], "Work on the feature"),
      c("y1", ["base"], "Sub-change"),
      c("ym", ["x1", "y1"], "Merge pull request #2 from dev/sub\n\nfeat: sub change"),
      c("xm", ["base", "ym"], "Merge pull request #1 from dev/feature\n\nfeat: the feature"),
      c("r1", ["base"], "fix: backported (#3)"),
      c("rm", ["xm", "r1"], "Merge branch 'release-1.0'"),
    ];
    expect(Object.fromEntries(pullRequestOwners(commits))).toEqual({ x1: "xm", y1: "xm", ym: "xm" });
    const { entries } = collectReleaseEntries(commits, { releasedNumbers: new Set(), excludeTitles: [] });
    expect(entries.map((e) => e.number ?? e.subject)).toEqual([1, 3, "Merge branch 'release-1.0'"]);
  });

  test("merge commits titled like squash commits (`merge_commit_title: PR_TITLE`: `title (#N)`) own their branch too", () => {
    const c = (sha: string, parents: string[], message: string) => ({
      sha,
      parents,
      message,
      author: { login: null, name: sha },
    });
    const commits = [
      c("b1", ["base"], "wip"),
      c("b2", ["b1"], "fix: the part that was missing (#99)"), // a cherry-pick naming another PR: still #7's
      c("m", ["base", "b2"], "feat(api): add a field (#7)\n\n* wip\n* fix the part"),
    ];
    expect(Object.fromEntries(pullRequestOwners(commits))).toEqual({ b1: "m", b2: "m" });
    const { entries } = collectReleaseEntries(commits, { releasedNumbers: new Set(), excludeTitles: [] });
    expect(entries.map((e) => [e.number, e.type, e.scope, e.author?.name])).toEqual([
      [7, "feat", "api", "b1"],
    ]);
  });
});

describe("docs/release-notes.md", () => {
  test("every YAML example is a valid configuration", async () => {
    const { readFileSync } = await import("node:fs");
    const { parse } = await import("yaml");
    const { parseConfig } = await import("../../src/config/parse-config.js");
    const { formatConfigProblems } = await import("../../src/config/parse-config.js");
    const doc = readFileSync(new URL("../../docs/release-notes.md", import.meta.url), "utf8");
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) {
      const config = parseConfig(parse(block));
      expect(config.ok ? [] : formatConfigProblems(config.error)).toEqual([]);
    }
  });
});
