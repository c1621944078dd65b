import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import { configCacheClock, ORG_CONFIG_MISS_TTL_MS } from "../../src/github/contents.js";
import { createTestApp } from "../helpers/test-app.js";
import { mockAbsentConfig, mockCreateCheckRun, mockGitHub, resetNock } from "../helpers/mock-github.js";
import { examplePayload } from "../helpers/webhooks.js";

const RAW = { "content-type": "application/vnd.github.v3.raw; charset=utf-8" };
const FILE = ".github%2Fgitops-release-bot.yml";

/** A title edit on a PR of the example repository, on installation `installation`, with its own head SHA. */
function titleEdit(title: string, index: number, installation = 2) {
  const payload = examplePayload("pull_request", "edited", { source: "opened" });
  payload.pull_request.title = title;
  payload.changes = { title: { from: "old title" } };
  payload.pull_request.head.sha = index.toString(16).padStart(40, "c");
  payload.installation = { id: installation };
  return {
    payload,
    owner: payload.repository.owner.login as string,
    repo: payload.repository.name as string,
    sha: payload.pull_request.head.sha as string,
  };
}

describe("configuration read once per installation, then revalidated for free", () => {
  let probot: Probot;
  const realNow = configCacheClock.now;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["prTitle"]);
  });
  afterEach(() => {
    configCacheClock.now = realNow;
    resetNock();
  });

  test("two deliveries on one installation: the files are read once, then answered 304 (If-None-Match)", async () => {
    const gh = mockGitHub();
    const first = titleEdit("ops: rotate keys", 1);
    // The repository's file extends the organization's: both are read conditionally.
    gh.api
      .get(`/repos/${first.owner}/${first.repo}/contents/${FILE}`)
      .reply(200, "_extends: .github\nprTitle:\n  requireScope: true\n", { ...RAW, etag: 'W/"repo-1"' })
      .get(`/repos/${first.owner}/.github/contents/${FILE}`)
      .reply(200, "prTitle:\n  types: [feat, fix]\n", { ...RAW, etag: '"org-1"' });
    const runs: Array<Record<string, any>> = [];
    mockCreateCheckRun(gh.api, first.owner, first.repo, first.sha, runs);
    await probot.receive({ name: "pull_request", id: "cfg-1", payload: first.payload } as never);

    const second = titleEdit("ops: rotate more keys", 2);
    gh.api
      .get(`/repos/${second.owner}/${second.repo}/contents/${FILE}`)
      .matchHeader("if-none-match", 'W/"repo-1"')
      .reply(304)
      .get(`/repos/${second.owner}/.github/contents/${FILE}`)
      .matchHeader("if-none-match", '"org-1"')
      .reply(304);
    mockCreateCheckRun(gh.api, second.owner, second.repo, second.sha, runs);
    await probot.receive({ name: "pull_request", id: "cfg-2", payload: second.payload } as never);
    gh.finish();

    const configReads = gh.requests.filter((r) => r.path.includes("/contents/"));
    expect(configReads).toHaveLength(4); // 2 full reads, then 2 answers of 304 (no rate limit)
    // The second delivery judged with the remembered files: the organization's types and the repository's scope.
    for (const run of runs) {
      expect(run.conclusion).toBe("failure");
      expect(run.output.summary).toContain("Allowed types: `feat`, `fix`.");
      expect(run.output.summary).toContain("A scope is required.");
    }
  });

  test("a changed file (200 with a new ETag) replaces the remembered one", async () => {
    const gh = mockGitHub();
    const first = titleEdit("feat: add x", 3);
    gh.api
      .get(`/repos/${first.owner}/${first.repo}/contents/${FILE}`)
      .reply(200, "prTitle:\n  requireScope: false\n", { ...RAW, etag: '"v1"' });
    const runs: Array<Record<string, any>> = [];
    mockCreateCheckRun(gh.api, first.owner, first.repo, first.sha, runs);
    await probot.receive({ name: "pull_request", id: "cfg-3", payload: first.payload } as never);
    const second = titleEdit("feat: add y", 4);
    gh.api
      .get(`/repos/${second.owner}/${second.repo}/contents/${FILE}`)
      .matchHeader("if-none-match", '"v1"')
      .reply(200, "prTitle:\n  requireScope: true\n", { ...RAW, etag: '"v2"' });
    mockCreateCheckRun(gh.api, second.owner, second.repo, second.sha, runs);
    await probot.receive({ name: "pull_request", id: "cfg-4", payload: second.payload } as never);
    gh.finish();
    expect(runs.map((r) => r.conclusion)).toEqual(["success", "failure"]);
    expect(runs[1]!.output.summary).toContain("A scope is required.");
  });

  test("the organization's .github 404 is not asked again within its memo time, and is after it", async () => {
    // A repository that has not opted in: each event costs its configuration look-up and nothing else.
    const gh = mockGitHub();
    let now = 1_000_000;
    configCacheClock.now = () => now;
    const deliver = async (index: number) => {
      const e = titleEdit("feat: add x", index);
      await probot.receive({ name: "pull_request", id: `miss-${index}`, payload: e.payload } as never);
      return e;
    };
    const e = titleEdit("feat: add x", 5);
    mockAbsentConfig(gh.api, e.owner, e.repo); // repository 404, organization 404
    await deliver(5);
    mockAbsentConfig(gh.api, e.owner, e.repo, { org: false }); // the repository's own file is asked every time
    now += ORG_CONFIG_MISS_TTL_MS - 1;
    await deliver(6);
    mockAbsentConfig(gh.api, e.owner, e.repo); // memo expired: both again
    now += 2;
    await deliver(7);
    gh.finish();
    const orgReads = gh.requests.filter((r) => r.path.startsWith(`/repos/${e.owner}/.github/`));
    expect(orgReads).toHaveLength(2);
    expect(gh.requests.every((r) => r.path.includes("/contents/.github%2Fgitops-release-bot.yml"))).toBe(
      true,
    );
  });

  test("another installation does not share what one installation read", async () => {
    const gh = mockGitHub();
    const first = titleEdit("feat: add x", 8, 2);
    const conditions: Array<string | null> = [];
    gh.api
      .get(`/repos/${first.owner}/${first.repo}/contents/${FILE}`)
      .times(2)
      .reply((request: Request) => {
        conditions.push(request.headers.get("if-none-match"));
        return [200, "prTitle:\n  requireScope: false\n", { ...RAW, etag: '"same"' }];
      });
    const runs: Array<Record<string, any>> = [];
    mockCreateCheckRun(gh.api, first.owner, first.repo, first.sha, runs);
    await probot.receive({ name: "pull_request", id: "inst-2", payload: first.payload } as never);
    const other = titleEdit("feat: add x", 9, 3);
    mockCreateCheckRun(gh.api, other.owner, other.repo, other.sha, runs);
    await probot.receive({ name: "pull_request", id: "inst-3", payload: other.payload } as never);
    gh.finish();
    // No If-None-Match on installation 3's read: it reads everything itself.
    expect(conditions).toEqual([null, null]);
    expect(runs).toHaveLength(2);
  });
});
