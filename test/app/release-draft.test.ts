import { afterAll, afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type nock from "nock";
import type { Probot } from "probot";
import { createTestApp } from "../helpers/test-app.js";
import { mockGitHub, mockNoConfig, resetNock } from "../helpers/mock-github.js";
import { examplePayload } from "../helpers/webhooks.js";
import { buildHistoryRepo } from "../helpers/history-repo.js";
import { LOGIN, commitJson, compareJson, treeJson } from "../helpers/github-from-repo.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const R = `/repos/${OWNER}/${REPO}`;
const HTML = `https://github.com/${OWNER}/${REPO}`;

function tagPush(tag: string, deleted = false): Record<string, any> {
  const payload = examplePayload("push", undefined, { index: deleted ? 1 : 0 });
  payload.ref = `refs/tags/${tag}`;
  expect(payload.created).toBe(!deleted);
  expect(payload.deleted).toBe(deleted);
  return payload;
}

function release(id: number, tag: string, draft: boolean, body = "old notes") {
  return { id, tag_name: tag, name: tag, body, draft, prerelease: false };
}

describe("release drafts from version tags", () => {
  const history = buildHistoryRepo();
  afterAll(() => history.cleanup());
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["releaseDraft"]);
  });
  afterEach(() => resetNock());

  /** Everything GitHub answers while building the v0.0.3 notes from the real (diverged) history. */
  function mockV003Reads(api: nock.Scope) {
    mockNoConfig(api, OWNER, REPO);
    api
      .get(`${R}/tags`)
      .query({ per_page: "100" })
      .reply(
        200,
        ["v0.0.3", "v0.0.2", "v0.0.1", "not-a-version"].map((name) => ({ name })),
      )
      .get(`${R}/compare/v0.0.2...v0.0.3`)
      .query({ per_page: "100", page: "1" })
      .reply(200, compareJson(history.dir, "v0.0.2", "v0.0.3"))
      // v0.0.2 is off main: its own PRs (#9, #10) are read to leave them out, and the paths come from the trees.
      .get(`${R}/compare/v0.0.3...v0.0.2`)
      .query({ per_page: "100", page: "1" })
      .reply(200, compareJson(history.dir, "v0.0.3", "v0.0.2"))
      .get(`${R}/git/trees/v0.0.2`)
      .query({ recursive: "1" })
      .reply(200, treeJson(history.dir, "v0.0.2"))
      .get(`${R}/git/trees/v0.0.3`)
      .query({ recursive: "1" })
      .reply(200, treeJson(history.dir, "v0.0.3"))
      .get(`${R}/commits`)
      .query({ sha: "v0.0.2", author: LOGIN, per_page: "1" })
      .reply(200, [commitJson(history.dir, "v0.0.2")]);
  }

  const V003_BODY = [
    "### Providers",
    "",
    `- **aws:** apply access-control feature to mgmt cluster ([#12](${HTML}/pull/12)) by @${LOGIN}`,
    "",
    "### Fixes",
    "",
    `- **aws:** correct non-prod-eu-west-1 filenames ([#13](${HTML}/pull/13)) by @${LOGIN}`,
    "",
    "### Platform impact",
    "",
    "- **Clusters:** aws mgmt: `flux-system`, `non-prod-eu-west-1`",
    "",
    "### Contributors",
    "",
    `@${LOGIN}`,
    "",
    `**Full changelog:** [v0.0.2...v0.0.3](${HTML}/compare/v0.0.2...v0.0.3)`,
    "",
  ].join("\n");

  test("tag push → one draft with the notes for exactly #12 and #13", async () => {
    const gh = mockGitHub();
    const created: any[] = [];
    mockV003Reads(gh.api);
    gh.api
      .get(`${R}/releases`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${R}/releases`, (body) => (created.push(body), true))
      .reply(201, { id: 7 });
    await probot.receive({ name: "push", id: "d1", payload: tagPush("v0.0.3") } as never);
    gh.finish();
    expect(created).toEqual([
      { tag_name: "v0.0.3", name: "v0.0.3", body: V003_BODY, draft: true, prerelease: false },
    ]);
  });

  test("the same delivery again → the draft is updated in place, not duplicated", async () => {
    const gh = mockGitHub();
    const updates: any[] = [];
    mockV003Reads(gh.api);
    gh.api
      .get(`${R}/releases`)
      .query({ per_page: "100" })
      .reply(200, [release(5, "v0.0.2", false), release(7, "v0.0.3", true)])
      .patch(`${R}/releases/7`, (body) => (updates.push(body), true))
      .reply(200, { id: 7 });
    await probot.receive({ name: "push", id: "d1", payload: tagPush("v0.0.3") } as never);
    gh.finish();
    expect(updates).toEqual([{ name: "v0.0.3", body: V003_BODY, prerelease: false }]);
    expect(gh.requests.filter((r) => r.method === "POST")).toEqual([]);
  });

  test("two deliveries at the same moment → one draft created, the other run finds it unchanged", async () => {
    const gh = mockGitHub();
    mockV003Reads(gh.api);
    mockV003Reads(gh.api);
    gh.api
      .get(`${R}/releases`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${R}/releases`)
      .reply(201, { id: 7 })
      .get(`${R}/releases`)
      .query({ per_page: "100" })
      .reply(200, [release(7, "v0.0.3", true, V003_BODY)]);
    await Promise.all([
      probot.receive({ name: "push", id: "d1a", payload: tagPush("v0.0.3") } as never),
      probot.receive({ name: "push", id: "d1b", payload: tagPush("v0.0.3") } as never),
    ]);
    gh.finish();
    expect(gh.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${R}/releases`,
    ]);
  });

  test("a published release of the tag is never modified", async () => {
    const gh = mockGitHub();
    mockV003Reads(gh.api);
    gh.api
      .get(`${R}/releases`)
      .query({ per_page: "100" })
      .reply(200, [release(7, "v0.0.3", false, "hand-written notes")]);
    await probot.receive({ name: "push", id: "d2", payload: tagPush("v0.0.3") } as never);
    gh.finish();
    expect(gh.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  test("a 600-commit range is read in 6 compare pages and lists all 600 PRs", async () => {
    const gh = mockGitHub();
    mockNoConfig(gh.api, OWNER, REPO);
    const commits = Array.from({ length: 600 }, (_, i) => ({
      sha: (i + 1).toString(16).padStart(40, "0"),
      commit: { message: `fix(tenant-${i % 7}): change ${i + 1} (#${i + 1})`, author: { name: "Dev" } },
      author: { login: `dev${i % 3}` },
    }));
    gh.api
      .get(`${R}/tags`)
      .query(true)
      .reply(200, [{ name: "v1.0.0" }, { name: "v1.0.1" }]);
    for (let page = 1; page <= 6; page++)
      gh.api
        .get(`${R}/compare/v1.0.0...v1.0.1`)
        .query({ per_page: "100", page: String(page) })
        .reply(200, {
          status: "ahead",
          ahead_by: 600,
          behind_by: 0,
          total_commits: 600,
          commits: commits.slice((page - 1) * 100, page * 100),
          files: page === 1 ? [{ filename: "tenants/aws/prod/tenant-1/quota.yaml", status: "modified" }] : [],
        });
    for (const login of ["dev0", "dev1", "dev2"])
      gh.api
        .get(`${R}/commits`)
        .query({ sha: "v1.0.0", author: login, per_page: "1" })
        .reply(200, login === "dev2" ? [] : [commits[0]]);
    const created: any[] = [];
    gh.api
      .get(`${R}/releases`)
      .query(true)
      .reply(200, [])
      .post(`${R}/releases`, (body) => (created.push(body), true))
      .reply(201, { id: 9 });
    await probot.receive({ name: "push", id: "d3", payload: tagPush("v1.0.1") } as never);
    gh.finish();
    const body: string = created[0].body;
    const listed = [...body.matchAll(/\[#(\d+)\]/g)].map((m) => Number(m[1]));
    expect(listed).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(body).toContain("- **Tenants:** aws prod: `tenant-1`");
    expect(body).toContain("@dev0, @dev1, @dev2 (first contribution)");
    expect(gh.requests.filter((r) => r.path.includes("/compare/"))).toHaveLength(6);

    // The same tag again (another delivery): dev0 and dev1 are known contributors of this repository on this
    // installation now, so only dev2 (a first-timer so far) is looked up again.
    const again = mockGitHub();
    mockNoConfig(again.api, OWNER, REPO, { org: false });
    again.api
      .get(`${R}/tags`)
      .query(true)
      .reply(200, [{ name: "v1.0.0" }, { name: "v1.0.1" }]);
    for (let page = 1; page <= 6; page++)
      again.api
        .get(`${R}/compare/v1.0.0...v1.0.1`)
        .query({ per_page: "100", page: String(page) })
        .reply(200, {
          status: "ahead",
          ahead_by: 600,
          behind_by: 0,
          total_commits: 600,
          commits: commits.slice((page - 1) * 100, page * 100),
          files: page === 1 ? [{ filename: "tenants/aws/prod/tenant-1/quota.yaml", status: "modified" }] : [],
        });
    again.api.get(`${R}/commits`).query({ sha: "v1.0.0", author: "dev2", per_page: "1" }).reply(200, []);
    again.api
      .get(`${R}/releases`)
      .query(true)
      .reply(200, [{ ...release(9, "v1.0.1", true, body), name: "v1.0.1" }]);
    await probot.receive({ name: "push", id: "d3-again", payload: tagPush("v1.0.1") } as never);
    again.finish();
    expect(again.requests.filter((r) => r.path.startsWith(`${R}/commits?`))).toHaveLength(1);
    expect(again.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  test("a deleted tag whose release is a draft → the draft is deleted; a published one stays", async () => {
    const gh = mockGitHub();
    mockNoConfig(gh.api, OWNER, REPO);
    gh.api
      .get(`${R}/releases`)
      .query(true)
      .reply(200, [release(3, "v0.0.3", true), release(2, "v0.0.2", false)])
      .delete(`${R}/releases/3`)
      .reply(204);
    await probot.receive({ name: "push", id: "d4", payload: tagPush("v0.0.3", true) } as never);
    gh.finish();
    const gh2 = mockGitHub();
    mockNoConfig(gh2.api, OWNER, REPO, { org: false });
    gh2.api
      .get(`${R}/releases`)
      .query(true)
      .reply(200, [release(2, "v0.0.2", false)]);
    await probot.receive({ name: "push", id: "d5", payload: tagPush("v0.0.2", true) } as never);
    gh2.finish();
    expect(gh2.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  test("a pre-release tag → a draft marked pre-release, previous = highest version below", async () => {
    const gh = mockGitHub();
    mockNoConfig(gh.api, OWNER, REPO);
    gh.api
      .get(`${R}/tags`)
      .query(true)
      .reply(200, [{ name: "v1.0.0-rc.2" }, { name: "v1.0.0-rc.1" }, { name: "v0.9.0" }])
      .get(`${R}/compare/v1.0.0-rc.1...v1.0.0-rc.2`)
      .query(true)
      .reply(200, {
        status: "ahead",
        ahead_by: 1,
        behind_by: 0,
        total_commits: 1,
        commits: [
          {
            sha: "a".repeat(40),
            commit: { message: "feat(api)!: drop v1 endpoints (#21)", author: { name: "Dev" } },
            author: { login: "dev" },
          },
        ],
        files: [],
      })
      .get(`${R}/commits`)
      .query(true)
      .reply(200, [{ sha: "b".repeat(40) }])
      .get(`${R}/releases`)
      .query(true)
      .reply(200, []);
    const created: any[] = [];
    gh.api.post(`${R}/releases`, (body) => (created.push(body), true)).reply(201, { id: 1 });
    await probot.receive({ name: "push", id: "d6", payload: tagPush("v1.0.0-rc.2") } as never);
    gh.finish();
    expect(created[0]).toMatchObject({ tag_name: "v1.0.0-rc.2", draft: true, prerelease: true });
    expect(created[0].body).toContain(
      `### Breaking changes\n\n- **api:** drop v1 endpoints ([#21](${HTML}/pull/21)) by @dev\n\n### Features\n\n- **api:** drop v1 endpoints`,
    );
  });

  test("a tag that is not a version and a branch push → no release calls", async () => {
    const gh = mockGitHub();
    mockNoConfig(gh.api, OWNER, REPO);
    await probot.receive({ name: "push", id: "d7", payload: tagPush("simple-tag") } as never);
    const branch = tagPush("x");
    branch.ref = "refs/heads/main";
    await probot.receive({ name: "push", id: "d8", payload: branch } as never);
    gh.finish();
    expect(gh.requests.map((r) => r.path)).toEqual([`${R}/contents/.github%2Fgitops-release-bot.yml`]);
  });
});
