import { afterAll, describe, expect, test } from "@jest/globals";
import { buildHistoryRepo, git, loadHistory, rewindHistory } from "../helpers/history-repo.js";

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

describe("rewindHistory", () => {
  const history = loadHistory();
  const pr13 = "29bea00647e4f52500004749a70df50e91b214c2"; // fix(aws): … (#13), where v0.0.3 was tagged

  test("moves and removes refs, and leaves out the commits nothing reaches any more", () => {
    const rewound = rewindHistory(history, {
      "refs/heads/main": pr13,
      "refs/tags/v0.0.3": null,
      "refs/pull/14/head": null,
    });
    expect(rewound.refs["refs/heads/main"]).toBe(pr13);
    expect(Object.keys(rewound.refs)).not.toContain("refs/tags/v0.0.3");
    expect(Object.keys(rewound.refs)).not.toContain("refs/pull/14/head");
    const subjects = rewound.commits.map((commit) => commit.subject);
    // #14's squash commit and its PR head are gone; everything else (v0.0.2's side branch too) stays.
    expect(subjects.filter((s) => s.includes("promote v0.0.3"))).toEqual([]);
    expect(rewound.commits).toHaveLength(history.commits.length - 2);
    expect(history.refs["refs/tags/v0.0.3"]).toBe(pr13); // the input is not changed
    const repo = buildHistoryRepo({ history: rewound, checkout: false });
    try {
      expect(git(repo.dir, ["log", "--format=%s", "-1", "main"])).toBe(
        "fix(aws): correct non-prod-eu-west-1 filenames (#13)",
      );
    } finally {
      repo.cleanup();
    }
  });

  test("a ref set to a commit the history does not have is an error naming it", () => {
    expect(() => rewindHistory(history, { "refs/heads/main": "f".repeat(40) })).toThrow(
      `refs/heads/main: commit ${"f".repeat(40)} is not in the history`,
    );
  });
});
