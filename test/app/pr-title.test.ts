import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import { createTestApp } from "../helpers/test-app.js";
import {
  mockCreateCheckRun,
  mockGitHub,
  mockNoConfig,
  mockPullFiles,
  resetNock,
} from "../helpers/mock-github.js";
import { mockLayoutCheckRun, mockTree } from "../helpers/mock-layout.js";
import { examplePayload } from "../helpers/webhooks.js";

describe('"PR title" check', () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp();
  });
  afterEach(() => resetNock());

  test("a bad title on opened → one failing check run on the head SHA, explaining the fix", async () => {
    const payload = examplePayload("pull_request", "opened", { index: 1 });
    payload.pull_request.title = "Feat: Add x.";
    const { owner, name } = { owner: payload.repository.owner.login, name: payload.repository.name };
    const sha = payload.pull_request.head.sha;
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    // The "Folder layout" check runs on the same event (its mocks first: nock tries interceptors in order).
    mockLayoutCheckRun(gh.api, owner, name, sha, { created: [], updates: [] });
    mockTree(gh.api, owner, name, sha, [{ path: "README.md" }]);
    mockNoConfig(gh.api, owner, name);
    mockPullFiles(gh.api, owner, name, payload.number, [{ filename: "README.md" }]);
    mockCreateCheckRun(gh.api, owner, name, sha, runs);
    await probot.receive({ name: "pull_request", id: "1", payload } as never);
    gh.finish();
    const created = runs[0]!;
    expect(created).toMatchObject({
      name: "PR title",
      head_sha: sha,
      status: "completed",
      conclusion: "failure",
    });
    expect(created.output.title).toBe("The type `Feat` must be lower-case: write `feat`. (+2 more)");
    expect(created.output.summary).toContain("Suggested title: `feat: add x`");
  });
});
