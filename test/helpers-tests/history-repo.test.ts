import { afterAll, describe, expect, test } from "@jest/globals";
import { buildHistoryRepo, git } from "../helpers/history-repo.js";

describe("buildHistoryRepo", () => {
  const repo = buildHistoryRepo();
  afterAll(() => repo.cleanup());

  test("rebuilds every commit with its parents, author and message", () => {
    for (const commit of repo.history.commits) {
      const sha = repo.shaOf(commit.sha);
      const [parents = "", author = "", subject = ""] = git(repo.dir, [
        "log",
        "-1",
        "--format=%P|%an <%ae> %aI|%s",
        sha,
      ]).split("|");
      expect(parents.split(" ").filter(Boolean)).toEqual(commit.parents.map(repo.shaOf));
      expect(author).toBe(`${commit.author.name} <${commit.author.email}> ${commit.author.date}`);
      expect(subject).toBe(commit.subject);
    }
  });

  test("creates main, the tags and the PR head refs, and nothing else", () => {
    for (const [ref, sha] of Object.entries(repo.history.refs)) {
      expect(git(repo.dir, ["rev-parse", ref])).toBe(repo.shaOf(sha));
    }
    expect(git(repo.dir, ["for-each-ref", "--format=%(refname)"]).split("\n").sort()).toEqual(
      Object.keys(repo.history.refs).sort(),
    );
    expect(git(repo.dir, ["log", "--format=%s", "-1", "main"])).toBe(
      "chore(release): promote v0.0.3 to aws prod (#14)",
    );
  });

  test("v0.0.2 is not an ancestor of main, as in the real repository", () => {
    expect(() => git(repo.dir, ["merge-base", "--is-ancestor", "v0.0.2", "main"])).toThrow();
  });
});
