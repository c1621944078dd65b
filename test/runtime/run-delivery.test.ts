import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { RequestError } from "@octokit/request-error";
import { Probot, ProbotOctokit } from "probot";
import type { Feature } from "../../src/features.js";
import { createMemoryQueue } from "../../src/runtime/memory-queue.js";
import { startRuntime } from "../../src/runtime/start-runtime.js";
import { mockGitHub, mockNoConfig, resetNock } from "../helpers/mock-github.js";
import { createTestApp, TEST_APP_ID, testPrivateKey } from "../helpers/test-app.js";
import { examplePayload } from "../helpers/webhooks.js";

/** Retries within a test: a deadline of a minute, first backoff window 10 ms. */
const FAST_RETRIES = { RETRY_DEADLINE_MINUTES: "1", RETRY_BASE_SECONDS: "0.01" };

function pullRequestOpened(title: string) {
  const payload = examplePayload("pull_request", "opened");
  payload.pull_request.title = title;
  const owner = payload.repository.owner.login as string;
  const repo = payload.repository.name as string;
  return { payload, owner, repo, sha: payload.pull_request.head.sha as string, R: `/repos/${owner}/${repo}` };
}

function deletedTagPush(tag: string) {
  const payload = examplePayload("push", undefined, { index: 1 });
  payload.ref = `refs/tags/${tag}`;
  const owner = payload.repository.owner.login as string;
  const repo = payload.repository.name as string;
  return { payload, owner, repo, R: `/repos/${owner}/${repo}` };
}

/** GitHub's error body, as the REST API sends it. */
const githubError = (message: string) => ({ message, documentation_url: "https://docs.github.com/rest" });

/** Reads a nock request's JSON body (nock 15 hands reply functions the Fetch Request). */
const captureInto =
  (into: Array<Record<string, any>>, answer: Record<string, unknown>) => async (request: Request) => {
    into.push((await request.json()) as Record<string, any>);
    return answer;
  };

describe("a delivery's failures, through the app's queue and runner (GitHub mocked with nock)", () => {
  beforeEach(() => resetNock());
  afterEach(() => resetNock());

  test("transient (502 on a read) → retried after a backoff, then succeeds: one check run", async () => {
    const probot = await createTestApp(["prTitle"], { env: FAST_RETRIES });
    const e = pullRequestOpened("feat: add x");
    const gh = mockGitHub();
    const created: Array<Record<string, any>> = [];
    mockNoConfig(gh.api, e.owner, e.repo); // read once per delivery, also across attempts
    gh.api
      .get(`${e.R}/commits/${e.sha}/check-runs`)
      .query(true)
      .reply(502, githubError("Server Error"))
      .get(`${e.R}/commits/${e.sha}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${e.R}/check-runs`)
      .reply(201, captureInto(created, { id: 1 }) as never);
    await probot.receive({ name: "pull_request", id: "transient-1", payload: e.payload } as never);
    gh.finish();
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ name: "PR title", head_sha: e.sha, conclusion: "success" });
    expect(gh.requests.filter((r) => r.path.includes("/check-runs")).map((r) => r.method)).toEqual([
      "GET",
      "GET",
      "POST",
    ]);
  });

  test("transient after GitHub stored the write (connection reset before the answer) → the retry finds it: no duplicate", async () => {
    const probot = await createTestApp(["prTitle"], {
      env: { RETRY_DEADLINE_MINUTES: "0.05", RETRY_BASE_SECONDS: "0.01" },
    });
    const e = pullRequestOpened("feat: add x");
    const gh = mockGitHub();
    const stored: Array<Record<string, any>> = [];
    mockNoConfig(gh.api, e.owner, e.repo);
    gh.api
      .get(`${e.R}/commits/${e.sha}/check-runs`)
      .query(true)
      .times(2) // the first attempt, and the retry that finds what GitHub stored
      .reply(200, () => ({
        total_count: stored.length,
        check_runs: stored.map((run, i) => ({ id: i + 1, status: "completed", ...run })),
      }))
      .post(`${e.R}/check-runs`, (body) => {
        stored.push(body); // GitHub stored it; the answer never arrives
        return true;
      })
      .replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    await probot.receive({ name: "pull_request", id: "reset-1", payload: e.payload } as never);
    gh.finish();
    expect(stored).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === "GET" && r.path.includes("/check-runs"))).toHaveLength(2);
  });

  test("permanent (422) on a check feature → no retry; the check run concludes with the reason and the fix", async () => {
    const probot = await createTestApp(["prTitle"], { env: FAST_RETRIES });
    const e = pullRequestOpened("feat: add x");
    const gh = mockGitHub();
    const writes: Array<Record<string, any>> = [];
    mockNoConfig(gh.api, e.owner, e.repo);
    gh.api
      .get(`${e.R}/commits/${e.sha}/check-runs`)
      .query(true)
      .times(2) // the feature's look-up, and the report's
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${e.R}/check-runs`)
      .reply(422, githubError("Invalid request. For 'properties/output', nil is not an object."))
      .post(`${e.R}/check-runs`)
      .reply(201, captureInto(writes, { id: 7 }) as never);
    await probot.receive({ name: "pull_request", id: "perm-422", payload: e.payload } as never);
    gh.finish();
    // One attempt (the 422), then the report: not retried although the retry deadline is a minute away.
    expect(gh.requests.filter((r) => r.method === "POST")).toHaveLength(2);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      name: "PR title",
      head_sha: e.sha,
      status: "completed",
      conclusion: "failure",
      output: { title: "Could not complete the PR title check" },
    });
    const summary = writes[0]!.output.summary as string;
    expect(summary).toContain("GitHub answered 422: Invalid request.");
    expect(summary).toContain("**How to fix:** GitHub refused the request as invalid.");
    expect(summary).toContain("`perm-422` of `pull_request.opened`, 1 attempt.");
  });

  test("permanent (403, missing permission) on a repository feature → no retry; the tracking issue says what to grant", async () => {
    const probot = await createTestApp(["releaseDraft"], { env: FAST_RETRIES });
    const e = deletedTagPush("v0.0.3");
    const gh = mockGitHub();
    const issues: Array<Record<string, any>> = [];
    mockNoConfig(gh.api, e.owner, e.repo);
    gh.api
      .get(`${e.R}/releases`)
      .query(true)
      .reply(200, [{ id: 3, tag_name: "v0.0.3", name: "v0.0.3", body: "", draft: true, prerelease: false }])
      .delete(`${e.R}/releases/3`)
      .reply(403, githubError("Resource not accessible by integration"), {
        "x-accepted-github-permissions": "contents=write",
      })
      .get(`${e.R}/issues`)
      .query(true)
      .reply(200, [])
      .post(`${e.R}/issues`)
      .reply(201, captureInto(issues, { number: 15 }) as never);
    await probot.receive({ name: "push", id: "perm-403", payload: e.payload } as never);
    gh.finish();
    expect(gh.requests.filter((r) => r.method === "DELETE")).toHaveLength(1);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.title).toBe("gitops-release-bot could not draft a release for a pushed tag");
    const body = issues[0]!.body as string;
    expect(body).toContain("after 1 attempt: GitHub answered 403: Resource not accessible by integration");
    expect(body).toContain("GitHub accepts this request with `contents=write`");
    expect(body).toContain("delivery `perm-403`");
  });

  test("permanent (404, the repository is gone) → one attempt; nothing can be written, so the report's own failure is logged", async () => {
    const probot = await createTestApp(["releaseDraft"], { env: FAST_RETRIES });
    const e = deletedTagPush("v0.0.3");
    const gh = mockGitHub();
    mockNoConfig(gh.api, e.owner, e.repo);
    gh.api
      .get(`${e.R}/releases`)
      .query(true)
      .reply(404, githubError("Not Found"))
      .get(`${e.R}/issues`)
      .query(true)
      .reply(404, githubError("Not Found"));
    await probot.receive({ name: "push", id: "perm-404", payload: e.payload } as never);
    gh.finish();
    expect(gh.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      `GET ${e.R}/contents/.github%2Fgitops-release-bot.yml`,
      `GET ${e.R}/releases`,
      `GET ${e.R}/issues`,
    ]);
  });

  test("transient beyond RETRY_DEADLINE → retried until then, then reported like a permanent failure", async () => {
    // A deadline of 3 s and a first window of 200 ms: a few attempts, then the report.
    const probot = await createTestApp(["releaseDraft"], {
      env: { RETRY_DEADLINE_MINUTES: "0.05", RETRY_BASE_SECONDS: "0.2" },
    });
    const e = deletedTagPush("v0.0.3");
    const gh = mockGitHub();
    const issues: Array<Record<string, any>> = [];
    // Every mock of this scope answers as often as asked (GitHub keeps failing), and is still used at least once.
    mockNoConfig(gh.api.persist(), e.owner, e.repo);
    gh.api.get(`${e.R}/releases`).query(true).reply(503, githubError("Service Unavailable"));
    gh.api
      .get(`${e.R}/issues`)
      .query(true)
      .reply(200, [])
      .post(`${e.R}/issues`)
      .reply(201, captureInto(issues, { number: 16 }) as never);
    const started = Date.now();
    await probot.receive({ name: "push", id: "deadline-1", payload: e.payload } as never);
    gh.finish();
    const attempts = gh.requests.filter((r) => r.path.startsWith(`${e.R}/releases`)).length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    // Retried until the deadline (3 s), not given up when a jittered backoff would overshoot it: the last try is
    // at the deadline.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(issues).toHaveLength(1);
    const body = issues[0]!.body as string;
    expect(body).toContain(`after ${attempts} attempts: GitHub answered 503: Service Unavailable`);
    expect(body).toContain("until the retry deadline passed");
    expect(body).toContain("RETRY_DEADLINE_MINUTES");
  });
});

describe("the runner's bookkeeping across attempts (features of our own, no GitHub calls)", () => {
  beforeEach(() => resetNock());
  afterEach(() => resetNock());

  const answer = (status: number) =>
    new RequestError(`GitHub answered ${status}`, status, {
      request: { method: "POST", url: "https://api.github.com/x", headers: {} },
      response: { status, url: "https://api.github.com/x", headers: {}, data: {} },
    });

  async function appWith(features: Record<string, Feature>) {
    const probot = new Probot({
      appId: TEST_APP_ID,
      privateKey: testPrivateKey(),
      logLevel: "fatal",
      Octokit: ProbotOctokit.defaults((options: object) => ({
        ...options,
        retry: { enabled: false },
        throttle: { enabled: false },
      })),
    });
    const queue = createMemoryQueue();
    await probot.load((app) => {
      startRuntime(app, { features, queue, env: FAST_RETRIES, keepLocks: true });
    });
    return async (id: string, payload: Record<string, unknown>) => {
      await probot.receive({ name: "pull_request", id, payload } as never);
      await queue.idle();
    };
  }

  test("a feature failed for good while another was retried: after the retry succeeds, a redelivery still runs the failed one", async () => {
    const calls: string[] = [];
    const reports: string[] = [];
    let broken = true;
    const feature = (name: string, fail: (attempt: number) => Error | null): Feature => {
      let attempt = 0;
      return {
        on: [
          {
            events: ["pull_request.opened"],
            handle: async () => {
              calls.push(name);
              const error = fail(++attempt);
              if (error) throw error;
            },
          },
        ],
        reportFailure: async (_context, failure) => void reports.push(`${name}: ${failure.reason}`),
      };
    };
    const receive = await appWith({
      // Fails for good (422) until the cause is fixed.
      invalid: feature("invalid", () => (broken ? answer(422) : null)),
      // A 502 on its first attempt, fine after.
      flaky: feature("flaky", (attempt) => (attempt === 1 ? answer(502) : null)),
    });
    const gh = mockGitHub(); // installation tokens, and the opt-in look-up of each delivery
    const payload = examplePayload("pull_request", "opened");
    // The opt-in look-up, once: retries and the redelivery here hand the runner the same payload object (memoised).
    mockNoConfig(gh.api, payload.repository.owner.login, payload.repository.name);
    await receive("mixed-1", payload);
    expect(calls).toEqual(["invalid", "flaky", "flaky"]);
    expect(reports).toEqual(["invalid: GitHub answered 422: GitHub answered 422"]);
    // The cause is fixed and the delivery redelivered: it runs again (the id was not remembered as done).
    broken = false;
    await receive("mixed-1", payload);
    expect(calls).toEqual(["invalid", "flaky", "flaky", "invalid", "flaky"]);
    // Now done without failures: a further redelivery is a duplicate.
    await receive("mixed-1", payload);
    expect(calls).toHaveLength(5);
    gh.finish();
  });
});
