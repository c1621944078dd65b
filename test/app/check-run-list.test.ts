import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import { createTestApp } from "../helpers/test-app.js";
import {
  mockCheckRunList,
  mockGitHub,
  mockNoConfig,
  mockPullFiles,
  resetNock,
  OPT_IN_DEFAULTS_YAML,
} from "../helpers/mock-github.js";
import { mockLayoutCheckRun, mockTitleCheckRun, mockTree } from "../helpers/mock-layout.js";
import { mockRepository, mockSquashTitleCheck } from "../helpers/squash-mocks.js";
import { examplePayload } from "../helpers/webhooks.js";

/**
 * Every check of a PR delivery shares ONE list of the head SHA's check runs (instead of one look-up per check name),
 * and the upsert uses the listed run; concurrent deliveries still end with one run per name.
 */
describe("check runs of a PR event: one list per SHA", () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["prTitle", "configCheck", "folderLayout", "squashTitle"]);
  });
  afterEach(() => resetNock());

  function opened(title = "tenants(dummy): raise quota") {
    const payload = examplePayload("pull_request", "opened");
    payload.pull_request.title = title;
    return {
      payload,
      owner: payload.repository.owner.login as string,
      repo: payload.repository.name as string,
      sha: payload.pull_request.head.sha as string,
    };
  }

  test("PR opened → the three PR checks read one list of the SHA's runs and create their runs", async () => {
    const e = opened();
    const gh = mockGitHub();
    const squash: Array<Record<string, unknown>> = [];
    const layout = { created: [] as Array<Record<string, any>>, updates: [] as Array<Record<string, any>> };
    mockNoConfig(gh.api, e.owner, e.repo);
    mockPullFiles(gh.api, e.owner, e.repo, e.payload.number, [{ filename: "README.md" }]);
    mockTree(gh.api, e.owner, e.repo, e.sha, [{ path: "README.md" }]);
    mockCheckRunList(gh.api, e.owner, e.repo, e.sha);
    mockTitleCheckRun(gh.api, e.owner, e.repo, e.sha);
    mockLayoutCheckRun(gh.api, e.owner, e.repo, e.sha, layout);
    mockSquashTitleCheck(gh.api, e.owner, e.repo, e.sha, squash);
    await probot.receive({ name: "pull_request", id: "list-1", payload: e.payload } as never);
    gh.finish();
    const lists = gh.requests.filter((r) => r.method === "GET" && r.path.includes("/check-runs"));
    expect(lists).toHaveLength(1);
    const created = gh.requests.filter((r) => r.method === "POST" && r.path.endsWith("/check-runs"));
    expect(created.map((r) => (r.body as { name: string }).name).sort()).toEqual([
      "Folder layout",
      "PR title",
      "Squash title",
    ]);
  });

  test("the listed runs are the ones updated (by name; other apps' runs on the SHA are left alone)", async () => {
    const e = opened("Bad title");
    const gh = mockGitHub();
    mockNoConfig(gh.api, e.owner, e.repo);
    mockPullFiles(gh.api, e.owner, e.repo, e.payload.number, [{ filename: "README.md" }]);
    mockTree(gh.api, e.owner, e.repo, e.sha, [{ path: "README.md" }]);
    mockRepository(gh.api, e.owner, e.repo);
    // Other apps' runs share the list; ours are found by name.
    mockCheckRunList(gh.api, e.owner, e.repo, e.sha, [
      { id: 1, name: "ci/build", head_sha: e.sha, status: "completed", external_id: null },
      { id: 2, name: "PR title", head_sha: e.sha, status: "completed", external_id: "grb:old" },
      { id: 3, name: "Folder layout", head_sha: e.sha, status: "completed", external_id: "grb:old" },
      { id: 4, name: "Squash title", head_sha: e.sha, status: "completed", external_id: "grb:old" },
    ]);
    const updated: number[] = [];
    gh.api
      .patch(/\/check-runs\/[234]$/, (body) => typeof body === "object" && body.status === "completed")
      .times(3)
      .reply(200, (async (request: Request) => {
        updated.push(Number(new URL(request.url).pathname.split("/").pop()));
        return { id: 1 };
      }) as never);
    await probot.receive({ name: "pull_request", id: "list-2", payload: e.payload } as never);
    gh.finish();
    expect(updated.sort()).toEqual([2, 3, 4]);
    expect(gh.requests.filter((r) => r.method === "GET" && r.path.includes("/check-runs"))).toHaveLength(1);
  });

  test("two deliveries of the same event at once → one run per check; a stale list is read again", async () => {
    const e = opened();
    const gh = mockGitHub();
    const stored = new Map<string, Record<string, unknown>>();
    gh.api
      .get(`/repos/${e.owner}/${e.repo}/contents/.github%2Fgitops-release-bot.yml`)
      .times(2)
      .reply(200, OPT_IN_DEFAULTS_YAML, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
    for (let i = 0; i < 2; i++) {
      mockPullFiles(gh.api, e.owner, e.repo, e.payload.number, [{ filename: "README.md" }]);
      mockTree(gh.api, e.owner, e.repo, e.sha, [{ path: "README.md" }]);
      mockRepository(gh.api, e.owner, e.repo);
    }
    gh.api
      .get(`/repos/${e.owner}/${e.repo}/commits/${e.sha}/check-runs`)
      .query(true)
      .times(6)
      .optionally()
      .reply(() => [200, { total_count: stored.size, check_runs: [...stored.values()] }]);
    let nextId = 10;
    gh.api
      .post(`/repos/${e.owner}/${e.repo}/check-runs`, (body) => {
        if (typeof body !== "object" || !body.name) return false;
        stored.set(body.name, {
          id: ++nextId,
          name: body.name,
          head_sha: body.head_sha,
          status: "completed",
          external_id: body.external_id,
        });
        return true;
      })
      .times(6)
      .optionally()
      .reply(201, () => ({ id: nextId }));
    await Promise.all([
      probot.receive({ name: "pull_request", id: "twice-a", payload: e.payload } as never),
      probot.receive({ name: "pull_request", id: "twice-b", payload: structuredClone(e.payload) } as never),
    ]);
    gh.finish();
    const created = gh.requests.filter((r) => r.method === "POST" && r.path.endsWith("/check-runs"));
    expect(created.map((r) => (r.body as { name: string }).name).sort()).toEqual([
      "Folder layout",
      "PR title",
      "Squash title",
    ]);
    // At most one list per delivery while it is the lock's only holder; the other delivery's writes force a re-read.
    const lists = gh.requests.filter((r) => r.method === "GET" && r.path.includes("/check-runs")).length;
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(lists).toBeLessThanOrEqual(6);
  });
});
