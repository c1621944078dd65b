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

// Issue 14, classes 1 and 4: the Config check validates the size of the file and the whole `_extends` chain, each
// with its own message (before: a 10 MB file was parsed, a missing base ignored, a loop called a YAML syntax error,
// a self-loop accepted).
const RAW = { "content-type": "application/vnd.github.v3.raw; charset=utf-8" };
const FILE = ".github%2Fgitops-release-bot.yml";

type Mocked = ReturnType<typeof mockGitHub>;
const rows: Array<[string, string, (gh: Mocked, owner: string, repo: string) => void, RegExp]> = [
  [
    "a configuration file of 10 MB",
    `# ${"x".repeat(10 * 1024 * 1024)}\n`,
    () => undefined,
    /limited to 131072 bytes/,
  ],
  [
    "`_extends` naming a repository that does not exist",
    "_extends: missing-repo\n",
    (gh, owner) =>
      void gh.api.get(`/repos/${owner}/missing-repo/contents/${FILE}`).reply(404, { message: "Not Found" }),
    /missing-repo:\.github\/gitops-release-bot\.yml` does not exist/,
  ],
  [
    "`_extends` naming this repository (a self-loop once merged)",
    "_extends: SELF\n",
    (gh, owner, repo) =>
      void gh.api.get(`/repos/${owner}/${repo}/contents/${FILE}`).reply(200, "prTitle: {}\n", RAW),
    /names this repository's own file/,
  ],
  [
    "`_extends` loops through two repositories",
    "_extends: base-a\n",
    (gh, owner) => {
      gh.api.get(`/repos/${owner}/base-a/contents/${FILE}`).reply(200, "_extends: base-b\n", RAW);
      gh.api.get(`/repos/${owner}/base-b/contents/${FILE}`).reply(200, "_extends: base-a\n", RAW);
    },
    /chain loops: .*base-a.* → .*base-b.* → .*base-a/,
  ],
];

describe("Config check: size and `_extends` chain", () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["configCheck"]);
  });
  afterEach(() => resetNock());

  test.each(rows)("%s fails with its own message", async (_name, content, bases, message) => {
    const payload = examplePayload("pull_request", "synchronize");
    const owner = payload.repository.owner.login as string;
    const repo = payload.repository.name as string;
    const sha = payload.pull_request.head.sha as string;
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockPullFiles(gh.api, owner, repo, payload.number, [{ filename: ".github/gitops-release-bot.yml" }]);
    gh.api
      .get(`/repos/${owner}/${repo}/contents/${FILE}`)
      .query({ ref: sha })
      .reply(200, content.replace("SELF", repo), RAW);
    // The repository opted in (its default branch holds a configuration file); the PR changes that file.
    mockNoConfig(gh.api, owner, repo);
    bases(gh, owner, repo);
    mockCreateCheckRun(gh.api, owner, repo, sha, runs, 1);
    await probot.receive({ name: "pull_request", id: "x1", payload } as never);
    gh.finish();
    const config = runs.find((r) => r.name === "Config")!;
    expect(config).toMatchObject({ conclusion: "failure" });
    expect(config.output.summary).toMatch(message);
    expect(config.output.summary).not.toMatch(/Fix the YAML syntax/);
  });
});
