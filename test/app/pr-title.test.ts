import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import { runCli } from "../../src/cli/run-cli.js";
import { createTestApp } from "../helpers/test-app.js";
import {
  mockConfig,
  mockCreateCheckRun,
  mockGitHub,
  mockNoConfig,
  mockPullFiles,
  resetNock,
  OPT_IN_DEFAULTS_YAML,
} from "../helpers/mock-github.js";
import { examplePayload } from "../helpers/webhooks.js";
import { TITLE_CASES } from "../rules/pr-title-cases.js";

/** A pull_request event from the real examples, with the repository coordinates the mocks need. */
function pullRequestEvent(action: string, title: string) {
  // The examples record no `edited` event: take `opened` and add the `changes` GitHub sends with an edit.
  const payload = examplePayload("pull_request", action, { source: action === "edited" ? "opened" : action });
  payload.pull_request.title = title;
  if (action === "edited") payload.changes = { title: { from: "old title" } };
  return {
    payload,
    owner: payload.repository.owner.login as string,
    repo: payload.repository.name as string,
    sha: payload.pull_request.head.sha as string,
    number: payload.number as number,
  };
}

describe('"PR title" check', () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["prTitle", "configCheck"]);
  });
  afterEach(() => resetNock());

  test("a bad title on opened → one failing check run on the head SHA, explaining the fix", async () => {
    const e = pullRequestEvent("opened", "Feat: Add x.");
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockNoConfig(gh.api, e.owner, e.repo);
    mockPullFiles(gh.api, e.owner, e.repo, e.number, [{ filename: "README.md" }]);
    mockCreateCheckRun(gh.api, e.owner, e.repo, e.sha, runs);
    await probot.receive({ name: "pull_request", id: "1", payload: e.payload } as never);
    gh.finish();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      name: "PR title",
      head_sha: e.sha,
      status: "completed",
      conclusion: "failure",
    });
    expect(runs[0]!.output.title).toBe("The type `Feat` must be lower-case: write `feat`. (+2 more)");
    expect(runs[0]!.output.summary).toContain("**PR title:** `Feat: Add x.`");
    expect(runs[0]!.output.summary).toContain("Suggested title: `feat: add x`");
    expect(runs[0]!.output.summary).toContain("Allowed types: `feat`, `fix`");
  });

  test("a redelivery with the same result writes nothing; a changed result updates the same run", async () => {
    const e = pullRequestEvent("edited", "feat: add x");
    const gh = mockGitHub();
    const existing = { id: 42, name: "PR title", head_sha: e.sha, status: "completed", external_id: "" };
    const updates: Array<Record<string, any>> = [];
    mockNoConfig(gh.api, e.owner, e.repo);
    gh.api
      .get(`/repos/${e.owner}/${e.repo}/commits/${e.sha}/check-runs`)
      .query({ filter: "latest", per_page: "100" })
      .reply(200, { total_count: 1, check_runs: [existing] })
      .patch(`/repos/${e.owner}/${e.repo}/check-runs/42`, (body) => {
        updates.push(body);
        return true;
      })
      .reply(200, { id: 42 });
    await probot.receive({ name: "pull_request", id: "2", payload: e.payload } as never);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ conclusion: "success" });
    // Same title again: GitHub now reports the fingerprint we stored, so no write happens.
    mockNoConfig(gh.api, e.owner, e.repo, { org: false });
    gh.api
      .get(`/repos/${e.owner}/${e.repo}/commits/${e.sha}/check-runs`)
      .query(true)
      .reply(200, { total_count: 1, check_runs: [{ ...existing, external_id: updates[0]!.external_id }] });
    // A different delivery (the fingerprint, not the queue, prevents the write).
    await probot.receive({ name: "pull_request", id: "2b", payload: structuredClone(e.payload) } as never);
    gh.finish();
    expect(updates).toHaveLength(1);
  });

  test("a redelivery of the same delivery id is not run again (the queue remembers finished deliveries)", async () => {
    const e = pullRequestEvent("edited", "feat: add x");
    const gh = mockGitHub();
    mockNoConfig(gh.api, e.owner, e.repo);
    const runs: Array<Record<string, unknown>> = [];
    mockCreateCheckRun(gh.api, e.owner, e.repo, e.sha, runs);
    await probot.receive({ name: "pull_request", id: "same-guid", payload: e.payload } as never);
    const before = gh.requests.length;
    await probot.receive({
      name: "pull_request",
      id: "same-guid",
      payload: structuredClone(e.payload),
    } as never);
    gh.finish();
    expect(runs).toHaveLength(1);
    expect(gh.requests).toHaveLength(before);
  });

  test("an old delivery redelivered after the title changed does not overwrite the newer verdict", async () => {
    const e = pullRequestEvent("opened", "Bad title");
    e.payload.pull_request.updated_at = "2026-01-01T10:00:00Z";
    const gh = mockGitHub();
    const newer = Math.floor(Date.parse("2026-01-01T10:05:00Z") / 1000);
    mockNoConfig(gh.api, e.owner, e.repo);
    mockPullFiles(gh.api, e.owner, e.repo, e.number, [{ filename: "README.md" }]);
    gh.api
      .get(`/repos/${e.owner}/${e.repo}/commits/${e.sha}/check-runs`)
      .query(true)
      .reply(200, {
        total_count: 1,
        check_runs: [
          { id: 5, name: "PR title", head_sha: e.sha, status: "completed", external_id: `grb:abc@${newer}` },
        ],
      });
    await probot.receive({ name: "pull_request", id: "old", payload: e.payload } as never);
    gh.finish();
    expect(gh.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  test("concurrent deliveries of one event create one check run", async () => {
    const e = pullRequestEvent("edited", "fix: correct it");
    const gh = mockGitHub();
    const created: Array<Record<string, any>> = [];
    let stored: Record<string, any> | null = null;
    gh.api
      .get(`/repos/${e.owner}/${e.repo}/contents/.github%2Fgitops-release-bot.yml`)
      .times(2)
      .reply(200, OPT_IN_DEFAULTS_YAML, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" })
      .get(`/repos/${e.owner}/${e.repo}/commits/${e.sha}/check-runs`)
      .query(true)
      .times(2)
      .reply(() => [200, { total_count: stored ? 1 : 0, check_runs: stored ? [stored] : [] }])
      .post(`/repos/${e.owner}/${e.repo}/check-runs`, (body) => {
        created.push(body);
        stored = {
          id: 9,
          name: body.name,
          head_sha: body.head_sha,
          status: "completed",
          external_id: body.external_id,
        };
        return true;
      })
      .reply(201, { id: 9 });
    await Promise.all([
      // Two deliveries of the same change (GitHub may send an event twice under different GUIDs).
      probot.receive({ name: "pull_request", id: "3a", payload: e.payload } as never),
      probot.receive({ name: "pull_request", id: "3b", payload: structuredClone(e.payload) } as never),
    ]);
    gh.finish();
    expect(created).toHaveLength(1);
  });

  test("an edit that does not change the title does nothing", async () => {
    const e = pullRequestEvent("edited", "Bad title");
    e.payload.changes = { body: { from: "old body" } };
    const gh = mockGitHub();
    await probot.receive({ name: "pull_request", id: "4", payload: e.payload } as never);
    gh.finish();
    expect(gh.requests).toEqual([]);
  });

  test("exempt labels skip the check; drafts conclude neutral when configured", async () => {
    const config = "prTitle:\n  exemptLabels: [no-title-check]\n  drafts: neutral\n";
    const labelled = pullRequestEvent("edited", "Bad title");
    labelled.payload.pull_request.labels = [{ id: 1, name: "no-title-check", color: "fff", default: false }];
    const draft = pullRequestEvent("edited", "Bad title");
    draft.payload.pull_request.draft = true;
    draft.payload.pull_request.head.sha = "d".repeat(40);
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockConfig(gh.api, labelled.owner, labelled.repo, config);
    mockCreateCheckRun(gh.api, labelled.owner, labelled.repo, labelled.sha, runs);
    mockConfig(gh.api, draft.owner, draft.repo, config);
    mockCreateCheckRun(gh.api, draft.owner, draft.repo, draft.payload.pull_request.head.sha, runs);
    await probot.receive({ name: "pull_request", id: "5", payload: labelled.payload } as never);
    await probot.receive({ name: "pull_request", id: "6", payload: draft.payload } as never);
    gh.finish();
    expect(runs.map((r) => r.conclusion)).toEqual(["skipped", "neutral"]);
    expect(runs[0]!.output.summary).toContain("`no-title-check`");
    expect(runs[1]!.output.title).toMatch(/^Draft: /);
  });

  test("the options peers have: several scopes each checked, scope patterns, `scopes: []` is no restriction", async () => {
    const runs: Array<Record<string, any>> = [];
    const gh = mockGitHub();
    const bad = pullRequestEvent("opened", "fix(core,docs): correct it");
    mockConfig(gh.api, bad.owner, bad.repo, 'prTitle:\n  scopes: [core, e2e, "[A-Z]+-\\\\d+"]\n');
    mockPullFiles(gh.api, bad.owner, bad.repo, bad.number, [{ filename: "README.md" }]);
    mockCreateCheckRun(gh.api, bad.owner, bad.repo, bad.sha, runs);
    await probot.receive({ name: "pull_request", id: "peers-1", payload: bad.payload } as never);
    const open = pullRequestEvent("opened", "fix(anything): correct it");
    open.payload.pull_request.head.sha = open.sha.replace(/^./, "f");
    mockConfig(gh.api, open.owner, open.repo, "prTitle:\n  scopes: []\n");
    mockPullFiles(gh.api, open.owner, open.repo, open.number, [{ filename: "README.md" }]);
    mockCreateCheckRun(gh.api, open.owner, open.repo, open.payload.pull_request.head.sha, runs);
    await probot.receive({ name: "pull_request", id: "peers-2", payload: open.payload } as never);
    gh.finish();
    expect(runs.map((r) => r.conclusion)).toEqual(["failure", "success"]);
    expect(runs[0]!.output.title).toBe(
      "The scope `docs` is not allowed. Allowed scopes: `core`, `e2e`, `[A-Z]+-\\d+`.",
    );
  });

  test("an invalid configuration fails the check with every problem, its path, value and what is allowed", async () => {
    const e = pullRequestEvent("edited", "feat: add x");
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockConfig(gh.api, e.owner, e.repo, "prTitle:\n  maxHeaderLength: ten\n  drafts: maybe\n  typo: 1\n");
    mockCreateCheckRun(gh.api, e.owner, e.repo, e.sha, runs);
    await probot.receive({ name: "pull_request", id: "7", payload: e.payload } as never);
    gh.finish();
    expect(runs[0]).toMatchObject({ conclusion: "failure" });
    expect(runs[0]!.output.title).toBe("Invalid configuration: 3 problems in .github/gitops-release-bot.yml");
    expect(runs[0]!.output.summary).toContain(
      '- `prTitle.maxHeaderLength`: got `"ten"` — Invalid input: expected number',
    );
    expect(runs[0]!.output.summary).toContain(
      '- `prTitle.drafts`: got `"maybe"` — must be one of "check", "neutral"',
    );
    expect(runs[0]!.output.summary).toContain(
      '- `prTitle.typo`: got `1` — unknown key "typo"; allowed keys here: enabled',
    );
  });

  test("a YAML syntax error in the configuration fails the check instead of crashing the webhook", async () => {
    const e = pullRequestEvent("edited", "feat: add x");
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockConfig(gh.api, e.owner, e.repo, "prTitle: [unclosed\n");
    mockCreateCheckRun(gh.api, e.owner, e.repo, e.sha, runs);
    await probot.receive({ name: "pull_request", id: "8", payload: e.payload } as never);
    gh.finish();
    expect(runs[0]).toMatchObject({ conclusion: "failure" });
    expect(runs[0]!.output.summary).toContain("invalid YAML");
  });

  test("_extends: the organization's .github repository provides the rules, the repository's lists replace them", async () => {
    const e = pullRequestEvent("edited", "ops: rotate keys");
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockConfig(gh.api, e.owner, e.repo, "_extends: .github\nprTitle:\n  requireScope: true\n");
    gh.api
      .get(`/repos/${e.owner}/.github/contents/.github%2Fgitops-release-bot.yml`)
      .reply(200, "prTitle:\n  types: [feat, fix]\n  requireScope: false\n", {
        "content-type": "application/vnd.github.v3.raw; charset=utf-8",
      });
    mockCreateCheckRun(gh.api, e.owner, e.repo, e.sha, runs);
    await probot.receive({ name: "pull_request", id: "9", payload: e.payload } as never);
    gh.finish();
    expect(runs[0]).toMatchObject({ conclusion: "failure" });
    expect(runs[0]!.output.summary).toContain("The type `ops` is not allowed");
    expect(runs[0]!.output.summary).toContain("Allowed types: `feat`, `fix`.");
    expect(runs[0]!.output.summary).toContain("A scope is required.");
  });

  test("check_run.rerequested re-evaluates the PRs of that check run; other checks' runs are ignored", async () => {
    const payload = examplePayload("check_run", "rerequested");
    const owner = payload.repository.owner.login;
    const repo = payload.repository.name;
    payload.check_run.name = "PR title";
    const sha = payload.check_run.head_sha;
    const number = 2;
    // The recorded example has an empty list; GitHub lists the PRs whose head is the run's SHA.
    payload.check_run.pull_requests = [
      {
        url: "",
        id: 1,
        number,
        head: { ref: "changes", sha, repo: payload.repository },
        base: { ref: "main", sha, repo: payload.repository },
      },
    ];
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    const pr = examplePayload("pull_request", "opened").pull_request;
    gh.api.get(`/repos/${owner}/${repo}/pulls/${number}`).reply(200, {
      ...pr,
      number,
      title: "tenants(dummy): increase compute quota",
      head: { ...pr.head, sha },
    });
    mockNoConfig(gh.api, owner, repo);
    mockCreateCheckRun(gh.api, owner, repo, sha, runs);
    await probot.receive({ name: "check_run", id: "10", payload } as never);
    const other = examplePayload("check_run", "rerequested");
    other.check_run.name = "Some other check";
    await probot.receive({ name: "check_run", id: "11", payload: other } as never);
    gh.finish();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: "PR title", head_sha: sha, conclusion: "success" });
  });

  test("check_suite.rerequested without PRs in the payload finds the open PRs of the head commit", async () => {
    const payload = examplePayload("check_suite", "rerequested");
    const owner = payload.repository.owner.login;
    const repo = payload.repository.name;
    payload.check_suite.pull_requests = [];
    const sha = payload.check_suite.head_sha;
    const pr = examplePayload("pull_request", "opened").pull_request;
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    gh.api
      .get(`/repos/${owner}/${repo}/commits/${sha}/pulls`)
      .query(true)
      .reply(200, [
        { ...pr, number: 5, state: "open", title: "fix stuff", head: { ...pr.head, sha } },
        { ...pr, number: 6, state: "closed", title: "fix: other", head: { ...pr.head, sha } },
      ]);
    mockNoConfig(gh.api, owner, repo);
    mockCreateCheckRun(gh.api, owner, repo, sha, runs);
    gh.api.get(`/repos/${owner}/${repo}/pulls/5/files`).query(true).reply(200, []);
    await probot.receive({ name: "check_suite", id: "12", payload } as never);
    gh.finish();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ conclusion: "failure", head_sha: sha });
  });

  test("the CLI and the app agree on every title of the table", async () => {
    const gh = mockGitHub();
    const appConclusions: string[] = [];
    const cliValid: boolean[] = [];
    for (const [index, [title]] of TITLE_CASES.entries()) {
      const e = pullRequestEvent("edited", title);
      e.payload.pull_request.head.sha = index.toString(16).padStart(40, "a");
      const runs: Array<Record<string, any>> = [];
      // The organization's 404 is remembered after the first delivery.
      mockNoConfig(gh.api, e.owner, e.repo, { org: index === 0 });
      mockCreateCheckRun(gh.api, e.owner, e.repo, e.payload.pull_request.head.sha, runs);
      await probot.receive({ name: "pull_request", id: `t${index}`, payload: e.payload } as never);
      appConclusions.push(runs[0]!.conclusion);
      let json = "";
      const code = await runCli(["title", "--json", title], (text) => (json = text));
      const parsed = JSON.parse(json);
      expect(code).toBe(parsed.valid ? 0 : 1);
      cliValid.push(parsed.valid);
    }
    gh.finish();
    expect(appConclusions).toEqual(TITLE_CASES.map(([, valid]) => (valid ? "success" : "failure")));
    expect(cliValid).toEqual(TITLE_CASES.map(([, valid]) => valid));
  });
});
