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
import { examplePayload } from "../helpers/webhooks.js";

const RAW = { "content-type": "application/vnd.github.v3.raw; charset=utf-8" };

describe('"Config" check on PRs that change .github/gitops-release-bot.yml', () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["prTitle", "configCheck"]);
  });
  afterEach(() => resetNock());

  function event() {
    const payload = examplePayload("pull_request", "synchronize");
    payload.pull_request.title = "chore(config): tighten title rules";
    return {
      payload,
      owner: payload.repository.owner.login as string,
      repo: payload.repository.name as string,
      sha: payload.pull_request.head.sha as string,
      number: payload.number as number,
    };
  }

  test("validates the file as changed in the PR (at the head SHA), not the default branch's", async () => {
    const e = event();
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockNoConfig(gh.api, e.owner, e.repo); // the default branch has no file yet: the title check uses defaults
    mockCreateCheckRun(gh.api, e.owner, e.repo, e.sha, runs, 1);
    mockPullFiles(gh.api, e.owner, e.repo, e.number, [
      { filename: ".github/gitops-release-bot.yml", status: "added" },
    ]);
    gh.api
      .get(`/repos/${e.owner}/${e.repo}/contents/.github%2Fgitops-release-bot.yml`)
      .query({ ref: e.sha })
      .reply(200, "prTitle:\n  requireScope: yes-please\n  colour: red\n", RAW);
    mockCreateCheckRun(gh.api, e.owner, e.repo, e.sha, runs, 2, { list: false });
    await probot.receive({ name: "pull_request", id: "c1", payload: e.payload } as never);
    gh.finish();
    const config = runs.find((r) => r.name === "Config")!;
    expect(config).toMatchObject({ conclusion: "failure", head_sha: e.sha });
    expect(config.output.summary).toContain("as changed by this PR");
    expect(config.output.summary).toContain(
      '`prTitle.requireScope`: got `"yes-please"` — Invalid input: expected boolean',
    );
    expect(config.output.summary).toContain('`prTitle.colour`: got `"red"` — unknown key "colour"');
    expect(runs.find((r) => r.name === "PR title")).toMatchObject({ conclusion: "success" });
  });

  test("a valid change passes; a PR that does not touch the file gets no Config check", async () => {
    const e = event();
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockNoConfig(gh.api, e.owner, e.repo);
    mockCreateCheckRun(gh.api, e.owner, e.repo, e.sha, runs, 1);
    mockPullFiles(gh.api, e.owner, e.repo, e.number, [{ filename: ".github/gitops-release-bot.yml" }]);
    gh.api
      .get(`/repos/${e.owner}/${e.repo}/contents/.github%2Fgitops-release-bot.yml`)
      .query({ ref: e.sha })
      .reply(200, "prTitle:\n  requireScope: true\n", RAW);
    mockCreateCheckRun(gh.api, e.owner, e.repo, e.sha, runs, 2, { list: false });
    await probot.receive({ name: "pull_request", id: "c2", payload: e.payload } as never);

    const other = event();
    mockNoConfig(gh.api, other.owner, other.repo, { org: false });
    mockCreateCheckRun(gh.api, other.owner, other.repo, other.sha, runs, 3);
    mockPullFiles(gh.api, other.owner, other.repo, other.number, [
      { filename: "tenants/aws/common/dummy/quota.yaml" },
    ]);
    await probot.receive({ name: "pull_request", id: "c3", payload: other.payload } as never);
    gh.finish();
    expect(runs.map((r) => `${r.name}:${r.conclusion}`).sort()).toEqual([
      "Config:success",
      "PR title:success",
      "PR title:success",
    ]);
  });
});
