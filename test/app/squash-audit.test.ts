import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type nock from "nock";
import type { Probot } from "probot";
import { createTestApp } from "../helpers/test-app.js";
import {
  mockConfig,
  mockCreateCheckRun,
  mockAssociatedPulls,
  mockGitHub,
  mockNoConfig,
  resetNock,
  type RecordedRequest,
} from "../helpers/mock-github.js";
import { examplePayload } from "../helpers/webhooks.js";

const ISSUE_TITLE = "Commits on main that break the naming convention";
const shaOf = (i: number) => i.toString(16).padStart(2, "0").repeat(20);
const BEFORE = "f".repeat(40);
// Among the first 5 commits, which the payload (last 20) does not list: only the compare API finds it.
const BAD = 2;

/** 25 squash commits of merged PRs, except commit BAD: pushed directly, not a conventional header. */
function pushOf25() {
  const commits = Array.from({ length: 25 }, (_, i) => ({
    sha: shaOf(i + 1),
    message: i === BAD ? "quick fix on prod" : `tenants(team-${i}): raise quota (#${100 + i})`,
    pulls: i === BAD ? [] : [{ number: 100 + i, title: `tenants(team-${i}): raise quota` }],
  }));
  const payload = examplePayload("push", undefined, { index: 4 });
  payload.before = BEFORE;
  payload.after = commits.at(-1)!.sha;
  payload.created = false;
  payload.pusher = { name: "platform-admin", email: "admin@example.com" };
  // GitHub lists at most 20 commits in a push payload.
  payload.commits = commits.slice(-20).map((c) => ({ id: c.sha, message: c.message, distinct: true }));
  return {
    payload,
    commits,
    owner: payload.repository.owner.login as string,
    repo: payload.repository.name as string,
  };
}

function mockAuditReads(
  api: nock.Scope,
  owner: string,
  repo: string,
  before: string,
  commits: Array<{ sha: string; message: string; pulls: Array<{ number: number; title: string }> }>,
  queries: Array<{ query: string; variables: Record<string, string> }> = [],
) {
  mockNoConfig(api, owner, repo);
  api
    .get(`/repos/${owner}/${repo}/compare/${before}...${commits.at(-1)!.sha}`)
    .query({ per_page: "100", page: "1" })
    .reply(200, {
      total_commits: commits.length,
      commits: commits.map((c, i) => ({
        sha: c.sha,
        commit: { message: c.message },
        parents: [{ sha: i ? commits[i - 1]!.sha : before }],
      })),
    });
  // The PRs of every commit: one GraphQL query for up to 100 commits.
  mockAssociatedPulls(api, (sha) => commits.find((c) => c.sha === sha)?.pulls ?? [], { queries });
}

// GraphQL queries are reads, even though they are POSTs.
const writes = (requests: RecordedRequest[]) =>
  requests.filter((r) => r.method !== "GET" && r.path !== "/graphql");

describe("audit of pushes to the default branch", () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["mainAudit"]);
  });
  afterEach(() => resetNock());

  test("25 commits, one bad → one failing check on its SHA and one issue; redelivery writes nothing", async () => {
    const { payload, commits, owner, repo } = pushOf25();
    const badSha = commits[BAD]!.sha;

    // First delivery.
    const gh = mockGitHub();
    const queries: Array<{ query: string; variables: Record<string, string> }> = [];
    mockAuditReads(gh.api, owner, repo, BEFORE, commits, queries);
    let issueBody = "";
    gh.api.get(`/repos/${owner}/${repo}/issues`).query(true).reply(200, []);
    gh.api
      .post(`/repos/${owner}/${repo}/issues`, (body) => {
        if (typeof body === "object") issueBody = body.body;
        return true;
      })
      .reply(201, { number: 42 });
    let checkRun: Record<string, any> = {};
    gh.api
      .get(`/repos/${owner}/${repo}/commits/${badSha}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`/repos/${owner}/${repo}/check-runs`, (body) => {
        if (typeof body === "object") checkRun = body;
        return true;
      })
      .reply(201, { id: 7 });
    await probot.receive({ name: "push", id: "p1", payload } as never);
    gh.finish();

    // The PRs of the 25 commits: ONE GraphQL query (no REST look-up per commit), validated against GitHub's schema.
    expect(queries).toHaveLength(1);
    expect(Object.values(queries[0]!.variables).filter((v) => /^[0-9a-f]{40}$/.test(v))).toEqual(
      commits.map((c) => c.sha),
    );
    expect(gh.requests.filter((r) => r.path.includes("/pulls"))).toEqual([]);
    expect(writes(gh.requests).map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /repos/${owner}/${repo}/issues`,
      `POST /repos/${owner}/${repo}/check-runs`,
    ]);
    expect(checkRun).toMatchObject({ name: "Squash title", head_sha: badSha, conclusion: "failure" });
    expect(checkRun.output.title).toMatch(/^The title is not a Conventional Commits header/);
    expect(checkRun.output.summary).toContain("pushed by `platform-admin`");
    expect(checkRun.output.summary).toContain("No pull request contains this commit");
    expect(checkRun.output.summary).toContain("Tracked in #42.");
    const created = gh.requests.find((r) => r.method === "POST" && r.path.endsWith("/issues"))!.body as any;
    expect(created.title).toBe(ISSUE_TITLE);
    expect(issueBody).toContain(`### ${badSha}`);
    expect(issueBody).toContain("- Pushed by: `platform-admin`");
    expect(issueBody).toContain("Revert the commit");
    expect(issueBody.match(/^### /gm)).toHaveLength(1);
    expect(issueBody).toContain("<!-- gitops-release-bot:squash-audit -->");

    // The same push delivered again under another GUID (a second replica's queue, or GitHub sending it twice):
    // the artifacts' fingerprints, not the queue, keep it from writing.
    resetNock();
    const again = mockGitHub();
    mockAuditReads(again.api, owner, repo, BEFORE, commits);
    const openIssue = { number: 42, title: ISSUE_TITLE, body: issueBody, state: "open", labels: [] };
    again.api.get(`/repos/${owner}/${repo}/issues`).query(true).reply(200, [openIssue]);
    again.api
      .get(`/repos/${owner}/${repo}/commits/${badSha}/check-runs`)
      .query(true)
      .reply(200, {
        total_count: 1,
        check_runs: [
          {
            id: 7,
            name: "Squash title",
            head_sha: badSha,
            status: "completed",
            external_id: checkRun.external_id,
          },
        ],
      });
    await probot.receive({ name: "push", id: "p1-again", payload: structuredClone(payload) } as never);
    again.finish();
    expect(writes(again.requests)).toEqual([]);
  });

  test("GraphQL's RATE_LIMITED answer is a rate limit (retried), not a bug: reported as such after the deadline", async () => {
    const { payload, commits, owner, repo } = pushOf25();
    const gh = mockGitHub();
    mockNoConfig(gh.api, owner, repo);
    gh.api
      .get(`/repos/${owner}/${repo}/compare/${BEFORE}...${commits.at(-1)!.sha}`)
      .query({ per_page: "100", page: "1" })
      .reply(200, {
        total_commits: commits.length,
        commits: commits.map((c) => ({
          sha: c.sha,
          commit: { message: c.message },
          parents: [{ sha: BEFORE }],
        })),
      })
      // GitHub's GraphQL answer over the limit: HTTP 200, an error of type RATE_LIMITED.
      .post("/graphql")
      .reply(
        200,
        { errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded for installation ID 2." }] },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800" },
      );
    // The test app's retry deadline is 0: the transient failure is reported at once, in the feature's issue.
    let report = "";
    gh.api.get(`/repos/${owner}/${repo}/issues`).query(true).reply(200, []);
    gh.api
      .post(`/repos/${owner}/${repo}/issues`, (body) => {
        if (typeof body === "object") report = body.body;
        return true;
      })
      .reply(201, { number: 43 });
    await probot.receive({ name: "push", id: "limited", payload } as never);
    gh.finish();
    expect(report).toContain("GitHub's rate limit is exhausted until 2100-01-01T00:00:00.000Z");
    expect(report).not.toContain("This is a bug");
  });

  test("an invalid configuration on the default branch → a failing Config check on the pushed commit", async () => {
    const { payload, owner, repo } = pushOf25();
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockConfig(gh.api, owner, repo, "audit:\n  acknowledgeLabel: 7\n");
    mockCreateCheckRun(gh.api, owner, repo, payload.after, runs);
    await probot.receive({ name: "push", id: "cfg", payload } as never);
    gh.finish();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: "Config", head_sha: payload.after, conclusion: "failure" });
    expect(runs[0]!.output.summary).toContain("`audit.acknowledgeLabel`: got `7`");
  });

  test("a later push that reverts the listed commit closes the issue with a comment", async () => {
    const { payload: first, commits, owner, repo } = pushOf25();
    const badSha = commits[BAD]!.sha;
    // The issue as the first audit left it.
    const seed = mockGitHub();
    mockAuditReads(seed.api, owner, repo, BEFORE, commits);
    let issueBody = "";
    seed.api.get(`/repos/${owner}/${repo}/issues`).query(true).reply(200, []);
    seed.api
      .post(`/repos/${owner}/${repo}/issues`, (body) => {
        if (typeof body === "object") issueBody = body.body;
        return true;
      })
      .reply(201, { number: 42 });
    seed.api
      .get(`/repos/${owner}/${repo}/commits/${badSha}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`/repos/${owner}/${repo}/check-runs`)
      .reply(201, { id: 7 });
    await probot.receive({ name: "push", id: "p1", payload: first } as never);
    seed.finish();

    resetNock();
    const revert = {
      sha: shaOf(200),
      message: `revert: quick fix on prod (#130)\n\nThis reverts commit ${badSha}.`,
      pulls: [{ number: 130, title: "revert: quick fix on prod" }],
    };
    const payload = examplePayload("push", undefined, { index: 4 });
    Object.assign(payload, { before: commits.at(-1)!.sha, after: revert.sha, created: false });
    const gh = mockGitHub();
    mockAuditReads(gh.api, owner, repo, commits.at(-1)!.sha, [revert]);
    const openIssue = { number: 42, title: ISSUE_TITLE, body: issueBody, state: "open", labels: [] };
    gh.api.get(`/repos/${owner}/${repo}/issues`).query(true).reply(200, [openIssue]);
    const comments: string[] = [];
    gh.api
      .post(`/repos/${owner}/${repo}/issues/42/comments`, (body) => {
        if (typeof body === "object") comments.push(body.body);
        return true;
      })
      .reply(201, { id: 1 })
      .patch(`/repos/${owner}/${repo}/issues/42`, { state: "closed", state_reason: "completed" })
      .reply(200, { number: 42 });
    await probot.receive({ name: "push", id: "p2", payload } as never);
    gh.finish();
    expect(comments).toEqual([
      "Every listed commit is now repaired (1) or acknowledged (0); closing. A new issue opens if a later push " +
        "breaks the convention again.",
    ]);
    // No check run: the revert itself follows the convention.
    expect(gh.requests.filter((r) => r.path.includes("check-runs"))).toEqual([]);
  });
});
