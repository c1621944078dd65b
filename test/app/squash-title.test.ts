import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import type { Probot } from "probot";
import { createTestApp } from "../helpers/test-app.js";
import {
  API,
  mockConfig,
  mockCreateCheckRun,
  mockGitHub,
  mockNoConfig,
  mockPullFiles,
  resetNock,
} from "../helpers/mock-github.js";
import { GITHUB_DEFAULT_SETTINGS, mockPullCommits, mockRepository } from "../helpers/squash-mocks.js";
import { examplePayload } from "../helpers/webhooks.js";

type Run = Record<string, any>;

describe('"Squash title" check on pull requests', () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["prTitle", "configCheck", "squashTitle"]);
  });
  afterEach(() => resetNock());

  function openedPr(title: string) {
    const payload = examplePayload("pull_request", "opened", { index: 1 });
    payload.pull_request.title = title;
    payload.pull_request.auto_merge = null;
    const owner = payload.repository.owner.login as string;
    const repo = payload.repository.name as string;
    return {
      payload,
      owner,
      repo,
      sha: payload.pull_request.head.sha as string,
      number: payload.number as number,
    };
  }

  test("a valid PR title whose single commit would become the squash title → failure saying why and how to fix", async () => {
    const { payload, owner, repo, sha, number } = openedPr("providers(aws): add flux-system self-management");
    const gh = mockGitHub();
    const runs: Run[] = [];
    mockNoConfig(gh.api, owner, repo);
    mockPullFiles(gh.api, owner, repo, number, [{ filename: "README.md" }]);
    mockRepository(gh.api, owner, repo, GITHUB_DEFAULT_SETTINGS);
    mockPullCommits(gh.api, owner, repo, number, [
      { sha: "1".repeat(40), message: "provider(aws): add flux-system self-management" },
      { sha: "2".repeat(40), message: "Merge branch 'main' into flux", parents: 2 },
    ]);
    mockCreateCheckRun(gh.api, owner, repo, sha, runs, 1);
    mockCreateCheckRun(gh.api, owner, repo, sha, runs, 2, { list: false });
    await probot.receive({ name: "pull_request", id: "1", payload } as never);
    gh.finish();
    const squash = runs.find((run) => run.name === "Squash title")!;
    const prTitle = runs.find((run) => run.name === "PR title")!;
    expect(prTitle.conclusion).toBe("success");
    expect(squash).toMatchObject({ head_sha: sha, conclusion: "failure" });
    expect(squash.output.title).toBe(
      "The squash commit title (from the single commit) breaks the naming convention",
    );
    const summary = squash.output.summary as string;
    expect(summary).toContain(
      `**Predicted squash commit title:** \`provider(aws): add flux-system self-management (#${number})\``,
    );
    expect(summary).toContain("besides merges from the base branch");
    expect(summary).toContain("The type `provider` is not allowed; did you mean `providers`?");
    expect(summary).toContain("This is **not** the PR title");
    expect(summary).toContain("git commit --amend");
    expect(summary).toContain("**Default to pull request title**, API value `PR_TITLE`");
    // Drift from the policy is reported alongside.
    expect(summary).toContain("`allow_merge_commit` is `true`; the policy wants `false`.");
    expect(summary).toContain(
      "`squash_merge_commit_title` is `COMMIT_OR_PR_TITLE`; the policy wants `PR_TITLE`.",
    );
  });

  test("enforce without Administration: write → the check says so plainly (403), title still judged", async () => {
    const { payload, owner, repo, sha, number } = openedPr("feat(ingress): add nginx controller deployment");
    const gh = mockGitHub();
    const runs: Run[] = [];
    mockConfig(gh.api, owner, repo, "mergeSettings:\n  enforce: true\n");
    mockPullFiles(gh.api, owner, repo, number, [{ filename: "README.md" }]);
    mockRepository(gh.api, owner, repo, GITHUB_DEFAULT_SETTINGS);
    const patches: unknown[] = [];
    gh.api
      .patch(`/repos/${owner}/${repo}`, (body) => {
        if (typeof body === "object") patches.push(body);
        return true;
      })
      .reply(403, { message: "Resource not accessible by integration" });
    mockPullCommits(gh.api, owner, repo, number, [
      { sha: "1".repeat(40), message: "feat(ingress): add nginx controller deployment" },
    ]);
    mockCreateCheckRun(gh.api, owner, repo, sha, runs, 1);
    mockCreateCheckRun(gh.api, owner, repo, sha, runs, 2, { list: false });
    await probot.receive({ name: "pull_request", id: "2", payload } as never);
    gh.finish();
    expect(patches).toEqual([
      { allow_merge_commit: false, allow_rebase_merge: false, squash_merge_commit_title: "PR_TITLE" },
    ]);
    const squash = runs.find((run) => run.name === "Squash title")!;
    expect(squash.conclusion).toBe("neutral");
    expect(squash.output.title).toBe(
      "The squash commit title will follow the naming convention; the repository's merge settings differ from the policy",
    );
    expect(squash.output.summary).toContain(
      "Could not enforce the policy: the app lacks the **Administration: write** permission",
    );
  });

  test("settings missing from REST (no Contents: write) are read from GraphQL; PR_TITLE → no commits listed", async () => {
    const { payload, owner, repo, sha, number } = openedPr("Add nginx");
    const gh = mockGitHub();
    const runs: Run[] = [];
    mockNoConfig(gh.api, owner, repo);
    mockPullFiles(gh.api, owner, repo, number, [{ filename: "README.md" }]);
    mockRepository(gh.api, owner, repo, {});
    // GraphQL is not part of the REST description, so it is mocked outside the schema-checked scope.
    const queries: any[] = [];
    const graphql = nock(API)
      .post("/graphql", (body) => {
        if (typeof body === "object") queries.push(body);
        return true;
      })
      .reply(200, {
        data: {
          repository: {
            squashMergeAllowed: true,
            mergeCommitAllowed: false,
            rebaseMergeAllowed: false,
            squashMergeCommitTitle: "PR_TITLE",
            squashMergeCommitMessage: "PR_BODY",
          },
        },
      });
    mockCreateCheckRun(gh.api, owner, repo, sha, runs, 1);
    mockCreateCheckRun(gh.api, owner, repo, sha, runs, 2, { list: false });
    await probot.receive({ name: "pull_request", id: "3", payload } as never);
    gh.finish();
    expect(graphql.isDone()).toBe(true);
    expect(queries[0].variables).toEqual({ owner, name: repo });
    const squash = runs.find((run) => run.name === "Squash title")!;
    expect(squash.conclusion).toBe("failure");
    expect(squash.output.title).toBe("The squash commit title (the PR title) breaks the naming convention");
    expect(squash.output.summary).toContain("The repository's squash commit title setting is `PR_TITLE`.");
    expect(squash.output.summary).not.toContain("### Merge settings");
  });
});

describe('"Squash title" on merge groups', () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["prTitle", "configCheck", "squashTitle"]);
  });
  afterEach(() => resetNock());

  test("a group with one bad PR title → failure on the group's head SHA", async () => {
    const payload = examplePayload("merge_group", "checks_requested");
    const group = payload.merge_group;
    const owner = payload.repository.owner.login as string;
    const repo = payload.repository.name as string;
    const gh = mockGitHub();
    const runs: Run[] = [];
    mockNoConfig(gh.api, owner, repo);
    gh.api
      .get(`/repos/${owner}/${repo}/compare/${group.base_sha}...${group.head_sha}`)
      .query({ per_page: "100", page: "1" })
      .reply(200, {
        total_commits: 2,
        commits: [
          {
            sha: "3".repeat(40),
            commit: { message: "feat(ingress): add nginx (#103)" },
            parents: [{ sha: group.base_sha }],
          },
          {
            sha: group.head_sha,
            commit: { message: "Update README (#104)" },
            parents: [{ sha: "3".repeat(40) }],
          },
        ],
      });
    for (const [number, title] of [
      [103, "feat(ingress): add nginx"],
      [104, "Update README"],
    ] as const) {
      gh.api.get(`/repos/${owner}/${repo}/pulls/${number}`).reply(200, {
        number,
        title,
        draft: false,
        labels: [],
        head: { sha: String(number).repeat(13).slice(0, 40), ref: `pr-${number}` },
        base: { ref: "main" },
        user: { login: "octocat" },
      });
    }
    mockCreateCheckRun(gh.api, owner, repo, group.head_sha, runs);
    await probot.receive({ name: "merge_group", id: "4", payload } as never);
    gh.finish();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: "Squash title", head_sha: group.head_sha, conclusion: "failure" });
    expect(runs[0]!.output.title).toBe("#104 has a title that breaks the naming convention");
    expect(runs[0]!.output.summary).toContain("**#104** `Update README`:");
    expect(runs[0]!.output.summary).not.toContain("**#103**");
  });
});
