import { afterAll, afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import { createTestApp } from "../helpers/test-app.js";
import { mockGitHub, mockNoConfig, resetNock } from "../helpers/mock-github.js";
import { examplePayload } from "../helpers/webhooks.js";
import { buildHistoryRepo } from "../helpers/history-repo.js";
import { compareJson } from "../helpers/github-from-repo.js";
import { clusterApiHistory, LOGIN_OF_NAME } from "../fixtures/merge-commits/cluster-api-history.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const R = `/repos/${OWNER}/${REPO}`;
const HTML = `https://github.com/${OWNER}/${REPO}`;

function tagPush(tag: string): Record<string, any> {
  const payload = examplePayload("push", undefined, { index: 0 });
  payload.ref = `refs/tags/${tag}`;
  return payload;
}

describe("release drafts of a history merged with merge commits (Cluster API's shape)", () => {
  const history = buildHistoryRepo({ history: clusterApiHistory() });
  afterAll(() => history.cleanup());
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["releaseDraft"]);
  });
  afterEach(() => resetNock());

  test("each PR once, by its author, sorted by its emoji; branch commits are neither listed nor looked up", async () => {
    const gh = mockGitHub();
    const created: any[] = [];
    mockNoConfig(gh.api, OWNER, REPO);
    gh.api
      .get(`${R}/tags`)
      .query({ per_page: "100" })
      .reply(
        200,
        ["v1.9.0", "v1.8.0", "v1.7.0"].map((name) => ({ name })),
      )
      .get(`${R}/compare/v1.7.0...v1.8.0`)
      .query({ per_page: "100", page: "1" })
      .reply(
        200,
        compareJson(history.dir, "v1.7.0", "v1.8.0", (name) => LOGIN_OF_NAME[name] ?? null),
      );
    // The authors are the branch commits' (Prow's robot only pressed merge); each is asked once.
    for (const login of ["sbueringer", "fabriziopandini", "chrischdi", "killianmuldoon"])
      gh.api
        .get(`${R}/commits`)
        .query({ sha: "v1.7.0", author: login, per_page: "1" })
        .reply(200, login === "sbueringer" ? [{ sha: "0".repeat(40) }] : []);
    gh.api
      .get(`${R}/releases`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${R}/releases`, (body) => (created.push(body), true))
      .reply(201, { id: 7 });
    await probot.receive({ name: "push", id: "m1", payload: tagPush("v1.8.0") } as never);
    gh.finish();
    // No GraphQL look-up: every commit of the range is a PR's merge commit or one of its branch commits.
    expect(gh.requests.filter((r) => r.path === "/graphql")).toEqual([]);
    expect(created).toHaveLength(1);
    expect(created[0].body).toBe(
      [
        "### Features",
        "",
        `- Add MachineSet preflight checks ([#104](${HTML}/pull/104)) by @killianmuldoon`,
        "",
        "### Fixes",
        "",
        `- Fix MachineHealthCheck remediation for control plane machines ([#102](${HTML}/pull/102)) by @fabriziopandini`,
        "",
        "### Other changes",
        "",
        `- Bump Go to v1.22.4 ([#101](${HTML}/pull/101)) by @sbueringer`,
        `- Document ClusterClass variables ([#103](${HTML}/pull/103)) by @chrischdi`,
        "",
        "### Platform impact",
        "",
        "- No changes to the platform's files.",
        "",
        "### Contributors",
        "",
        "@sbueringer, @fabriziopandini (first contribution), @chrischdi (first contribution), @killianmuldoon (first contribution)",
        "",
        `**Full changelog:** [v1.7.0...v1.8.0](${HTML}/compare/v1.7.0...v1.8.0)`,
        "",
      ].join("\n"),
    );
  });

  test("a ⚠️ PR released as a minor bump → the version-bump warning names it", async () => {
    const gh = mockGitHub();
    const created: any[] = [];
    mockNoConfig(gh.api, OWNER, REPO);
    gh.api
      .get(`${R}/tags`)
      .query({ per_page: "100" })
      .reply(
        200,
        ["v1.9.0", "v1.8.0", "v1.7.0"].map((name) => ({ name })),
      )
      .get(`${R}/compare/v1.8.0...v1.9.0`)
      .query({ per_page: "100", page: "1" })
      .reply(
        200,
        compareJson(history.dir, "v1.8.0", "v1.9.0", (name) => LOGIN_OF_NAME[name] ?? null),
      )
      .get(`${R}/commits`)
      .query({ sha: "v1.8.0", author: "killianmuldoon", per_page: "1" })
      .reply(200, [{ sha: "0".repeat(40) }])
      .get(`${R}/releases`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${R}/releases`, (body) => (created.push(body), true))
      .reply(201, { id: 8 });
    await probot.receive({ name: "push", id: "m2", payload: tagPush("v1.9.0") } as never);
    gh.finish();
    const body: string = created[0].body;
    expect(body.split("\n\n")[0]).toBe(
      "> [!WARNING]\n> These changes need a **major** version bump (#105), but v1.9.0 is a minor release after v1.8.0. Consider tagging v2.0.0 instead.",
    );
    expect(body).toContain(
      `### Breaking changes\n\n- Remove deprecated ClusterCacheTracker fields ([#105](${HTML}/pull/105)) by @killianmuldoon`,
    );
  });
});
