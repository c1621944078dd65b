import { afterAll, describe, expect, test } from "@jest/globals";
import { cli } from "../helpers/run-cli.js";
import { buildHistoryRepo, git } from "../helpers/history-repo.js";

describe("gitops-release-bot audit", () => {
  const repo = buildHistoryRepo();
  const initial = repo.shaOf("f2f82021228e97a0eb9be42f6e838d572c23f21e");
  // A merge commit that brings PR #5's unsquashed commit onto a branch of main (`-s ours`: no content conflict).
  const identity = ["-c", "user.name=Admin", "-c", "user.email=admin@example.com"];
  git(repo.dir, ["checkout", "-q", "-b", "merged", "main"]);
  git(repo.dir, [
    ...identity,
    "merge",
    "-q",
    "--no-ff",
    "-s",
    "ours",
    "-m",
    "Merge branch 'flux'",
    "refs/pull/5/head",
  ]);
  const mergeSha = git(repo.dir, ["rev-parse", "HEAD"]);
  const prHead = git(repo.dir, ["rev-parse", "refs/pull/5/head"]);
  afterAll(() => repo.cleanup());

  test("main after the initial commit is clean: exit 0", async () => {
    const result = await cli(["audit", "--repo", repo.dir, "--range", `${initial}..main`]);
    expect(result).toEqual({ code: 0, out: "14 commits checked: all follow the convention", err: "" });
  });

  test("a merge commit and the commit it brings in are violations: exit 1, full SHAs in --json", async () => {
    const result = await cli(["audit", "--repo", repo.dir, "--range", "main..merged", "--json"]);
    expect(result.code).toBe(1);
    const { violations } = JSON.parse(result.out) as {
      violations: Array<{ sha: string; subject: string; problems: Array<{ rule: string; message: string }> }>;
    };
    expect(violations.map((v) => [v.sha, v.subject, v.problems.map((p) => p.rule)])).toEqual([
      [prHead, "provider(aws): add flux-system self-management", ["type-enum", "pr-reference-missing"]],
      [mergeSha, "Merge branch 'flux'", ["merge-commit", "header-format", "pr-reference-missing"]],
    ]);
    expect(violations.every((v) => /^[0-9a-f]{40}$/.test(v.sha))).toBe(true);
    expect(violations[0]!.problems[0]!.message).toBe(
      "The type `provider` is not allowed; did you mean `providers`? Use one of the allowed types.",
    );
  });

  test("text output lists each violation and its problems", async () => {
    const result = await cli(["audit", "--repo", repo.dir, "--range", "main..merged"]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`${mergeSha} "Merge branch 'flux'"`);
    expect(result.out).toContain("(merge-commit)");
    expect(result.out).toMatch(/2 of 2 commits break the convention$/);
  });

  test.each([
    [["audit", "--range", "main..merged"], "--repo is required"],
    [["audit", "--repo", "."], '--range must be <from>..<to> (two dots, e.g. v0.0.3..main), got ""'],
    [["audit", "--repo", ".", "--range", "main...merged"], 'got "main...merged"'],
    [["audit", "--repo", ".", "--range=--help..main"], 'got "--help..main"'],
  ])("usage error %j → exit 2", async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });

  test("an unknown revision is a usage error quoting it", async () => {
    const result = await cli(["audit", "--repo", repo.dir, "--range", "v9.9.9..main"]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('"v9.9.9" is not a commit in');
  });
});
