import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import type nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { Registry } from "prom-client";
import { createConditionalReader, createEtagStore } from "../../src/github/conditional-reads.js";
import type { Octokit } from "../../src/github/types.js";
import type { DeliveryJob, JobQueue } from "../../src/runtime/job-queue.js";
import { createReconciler, type ReconcilerOptions } from "../../src/runtime/reconcile.js";
import { readRuntimeSettings } from "../../src/runtime/runtime-settings.js";
import {
  createRedeliveryMemory,
  pickRedeliveries,
  redeliverFailed,
} from "../../src/runtime/redeliver-failed.js";
import { API, mockGitHub, OPT_IN_DEFAULTS_YAML, resetNock } from "../helpers/mock-github.js";
import { startTestRedis, type TestRedis } from "../helpers/redis-server.js";
import { TEST_APP_ID, testPrivateKey } from "../helpers/test-app.js";
import { waitUntil } from "../../demo/lib/wait-until.js";

const OWNER = "acme";
const REPO = "platform";
const R = `/repos/${OWNER}/${REPO}`;
const HEAD = "1".repeat(40);
const PR_HEAD = "a".repeat(40);
const RELEASE_FILE = "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-release.yaml";
const RELEASE_BLOB = "b".repeat(40);
const NOW = Date.parse("2026-03-01T12:00:00Z");
const ago = (hours: number) => new Date(NOW - hours * 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");

const APP_AUTH = /^bearer /i;
const INSTALLATION_AUTH = /^token ghs_test$/;

function probot(): Probot {
  return new Probot({
    appId: TEST_APP_ID,
    privateKey: testPrivateKey(),
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((options: object) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
}

/** A queue that records what the sweep adds, ignoring an id it already has (like both real backends). */
function recordingQueue(): JobQueue & { jobs: DeliveryJob[] } {
  const jobs: DeliveryJob[] = [];
  return {
    jobs,
    async add(job) {
      if (!jobs.some((known) => known.id === job.id)) jobs.push(job);
    },
    start: () => undefined,
    counts: async () => ({ waiting: jobs.length, active: 0, delayed: 0, failed: 0 }),
    close: async () => undefined,
  };
}

const user = (login: string, id: number) => ({
  login,
  id,
  node_id: `U_${id}`,
  avatar_url: `https://avatars.githubusercontent.com/u/${id}`,
  gravatar_id: "",
  url: `${API}/users/${login}`,
  html_url: `https://github.com/${login}`,
  followers_url: "",
  following_url: "",
  gists_url: "",
  starred_url: "",
  subscriptions_url: "",
  organizations_url: "",
  repos_url: "",
  events_url: "",
  received_events_url: "",
  type: "Organization",
  site_admin: false,
});

const repository = {
  id: 42,
  node_id: "R_42",
  name: REPO,
  full_name: `${OWNER}/${REPO}`,
  private: true,
  owner: user(OWNER, 7),
  html_url: `https://github.com/${OWNER}/${REPO}`,
  url: `${API}${R}`,
  default_branch: "main",
  archived: false,
  disabled: false,
};

const releaseFile = (tag: string) =>
  Buffer.from(
    [
      "apiVersion: source.toolkit.fluxcd.io/v1",
      "kind: GitRepository",
      "metadata:",
      "  name: release",
      "  namespace: flux-system",
      "spec:",
      "  url: https://github.com/acme/platform",
      "  ref:",
      `    tag: ${tag}`,
      "",
    ].join("\n"),
  ).toString("base64");

interface State {
  checks: string[];
  tags: string[];
  releases: Array<{ tag: string; draft: boolean }>;
  pinned: string;
  deliveries: Array<{ id: number; guid: string; status_code: number; delivered_at: string }>;
}

/**
 * GitHub for one sweep: every read the sweep makes, each with an ETag (`fresh`), or each answered 304 to the
 * If-None-Match of the previous answer (`unchanged`). The app endpoints require the app's JWT, the others the
 * installation token.
 */
function mockSweepReads(api: nock.Scope, state: State, mode: "fresh" | "unchanged"): void {
  const answer = (interceptor: nock.Interceptor, auth: RegExp, etag: string, body: unknown): nock.Scope => {
    const matched = interceptor.matchHeader("authorization", auth);
    return mode === "fresh"
      ? matched.reply(200, body as nock.Body, { etag })
      : matched.matchHeader("if-none-match", etag).reply(304);
  };
  answer(api.get("/app"), APP_AUTH, 'W/"app"', {
    id: TEST_APP_ID,
    slug: "gitops-release-bot",
    node_id: "A_1",
    owner: user(OWNER, 7),
    name: "gitops-release-bot",
    description: "",
    external_url: "https://example.com",
    html_url: "https://github.com/apps/gitops-release-bot",
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    permissions: {},
    events: [],
  });
  answer(api.get("/app/installations").query({ per_page: 100 }), APP_AUTH, 'W/"inst"', [
    {
      id: 2,
      account: user(OWNER, 7),
      repository_selection: "all",
      access_tokens_url: `${API}/app/installations/2/access_tokens`,
      repositories_url: `${API}/installation/repositories`,
      html_url: "https://github.com/settings/installations/2",
      app_id: TEST_APP_ID,
      target_id: 7,
      target_type: "Organization",
      permissions: {},
      events: [],
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      single_file_name: null,
      app_slug: "gitops-release-bot",
      suspended_at: null,
      suspended_by: null,
    },
  ]);
  answer(api.get("/installation/repositories").query({ per_page: 100 }), INSTALLATION_AUTH, 'W/"repos"', {
    total_count: 1,
    repositories: [repository],
  });
  answer(api.get(`${R}/git/ref/heads%2Fmain`), INSTALLATION_AUTH, 'W/"head"', {
    ref: "refs/heads/main",
    node_id: "REF",
    url: "",
    object: { sha: HEAD, type: "commit", url: "" },
  });
  answer(api.get(`${R}/pulls`).query({ state: "open", per_page: 100 }), INSTALLATION_AUTH, 'W/"pulls"', [
    {
      number: 7,
      body: "",
      updated_at: ago(1),
      head: { sha: PR_HEAD, ref: "feature" },
      base: { ref: "main" },
    },
  ]);
  answer(
    api.get(`${R}/tags`).query({ per_page: 100 }),
    INSTALLATION_AUTH,
    `W/"tags-${state.tags.join()}"`,
    state.tags.map((name) => ({ name, commit: { sha: HEAD, url: "" }, zipball_url: "", tarball_url: "" })),
  );
  answer(
    api.get(`${R}/releases`).query({ per_page: 100 }),
    INSTALLATION_AUTH,
    `W/"releases"`,
    state.releases.map((r, i) => ({
      id: i + 1,
      tag_name: r.tag,
      draft: r.draft,
      prerelease: false,
      published_at: r.draft ? null : ago(24),
    })),
  );
  answer(api.get(`${R}/issues`).query({ state: "open", per_page: 100 }), INSTALLATION_AUTH, 'W/"issues"', []);
  // Rollout tracking (on by default): the newest merged promotion PR of the target; none here.
  answer(
    api.get(`${R}/pulls`).query({
      state: "closed",
      head: `${OWNER}:promote/release`,
      sort: "updated",
      direction: "desc",
      per_page: 30,
    }),
    INSTALLATION_AUTH,
    'W/"merged"',
    [],
  );
  answer(
    api.get(`${R}/commits/${PR_HEAD}/check-runs`).query({ per_page: 100 }),
    INSTALLATION_AUTH,
    'W/"checks"',
    {
      total_count: state.checks.length + 1,
      check_runs: [
        ...state.checks.map((name) => ({ name, app: { id: TEST_APP_ID } })),
        // Another app's run with one of the bot's names does not count.
        { name: "Squash title", app: { id: TEST_APP_ID + 1 } },
      ],
    },
  );
  answer(api.get(`${R}/git/trees/${HEAD}`).query({ recursive: "1" }), INSTALLATION_AUTH, 'W/"tree"', {
    sha: HEAD,
    truncated: false,
    tree: [
      { path: "README.md", type: "blob", sha: "c".repeat(40) },
      { path: RELEASE_FILE, type: "blob", sha: RELEASE_BLOB },
    ],
  });
  answer(api.get(`${R}/git/blobs/${RELEASE_BLOB}`), INSTALLATION_AUTH, 'W/"blob"', {
    sha: RELEASE_BLOB,
    encoding: "base64",
    content: releaseFile(state.pinned),
  });
  answer(api.get("/app/hook/deliveries").query({ per_page: 100 }), APP_AUTH, 'W/"log"', state.deliveries);
}

/** The configuration file is read once per default-branch commit: opted in with every default here. */
function mockNoConfigAt(api: nock.Scope): void {
  api
    .get(`${R}/contents/.github%2Fgitops-release-bot.yml`)
    .query({ ref: HEAD })
    .reply(200, OPT_IN_DEFAULTS_YAML, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
}

const delivery = (id: number, guid: string, status_code: number, hours: number) => ({
  id,
  guid,
  delivered_at: ago(hours),
  redelivery: false,
  duration: 0.1,
  status: status_code === 200 ? "OK" : `Invalid HTTP Response: ${status_code}`,
  status_code,
  event: "push",
  action: null,
  installation_id: 2,
  repository_id: 42,
  throttled_at: null,
});

function reconciler(
  app: Probot,
  queue: JobQueue,
  overrides: Partial<ReconcilerOptions> = {},
): ReturnType<typeof createReconciler> {
  return createReconciler({
    auth: (id) => app.auth(id) as Promise<Octokit>,
    queue,
    log: silentLog as unknown as ReconcilerOptions["log"],
    features: ["prTitle", "folderLayout", "squashTitle", "releaseDraft", "promotion", "mainAudit"],
    intervalMs: 0,
    redeliverMaxAgeMs: 24 * 3600_000,
    redis: null,
    queueIsLocal: false,
    now: () => NOW,
    etags: createEtagStore(),
    ...overrides,
  });
}

/** What the sweep logs (its one line per sweep, its warnings), kept for assertions. */
const logged: Array<{ level: string; fields: unknown; msg: unknown }> = [];
const silentLog = {
  ...Object.fromEntries(
    ["info", "warn", "debug", "error"].map((level) => [
      level,
      (fields: unknown, msg?: unknown) => logged.push({ level, fields, msg }),
    ]),
  ),
  child: () => silentLog,
};

beforeEach(() => {
  resetNock();
  logged.length = 0;
});

describe("the reconciliation sweep (nock: GitHub's schema, app JWT and installation token)", () => {
  test("an idle repository: the first sweep reads it, the second costs no rate-limited call (all 304)", async () => {
    const github = mockGitHub();
    const state: State = {
      checks: ["PR title", "Folder layout", "Squash title"],
      tags: ["v1.0.0", "v1.1.0"],
      releases: [
        { tag: "v1.1.0", draft: false },
        { tag: "v1.0.0", draft: false },
      ],
      pinned: "v1.1.0",
      deliveries: [delivery(5, "ok-1", 200, 1)],
    };
    mockSweepReads(github.api, state, "fresh");
    mockNoConfigAt(github.api);
    mockSweepReads(github.api, state, "unchanged");
    const queue = recordingQueue();
    const registry = new Registry();
    const app = probot();
    const sweeps = reconciler(app, queue, { registry });

    const first = (await sweeps.sweep("start"))!;
    expect(first).toMatchObject({ repositories: 1, enqueued: 0, errors: 0 });
    // 14 reads (the newest merged promotion PR for the rollout timeout included), the configuration read (the
    // repository's own file: it opted in), and the installation token.
    expect(first.apiCalls).toBe(15);
    expect(first.rateLimitedCalls).toBe(15);
    const second = (await sweeps.sweep("schedule"))!;
    expect(second).toMatchObject({ repositories: 1, enqueued: 0, errors: 0, rateLimitedCalls: 0 });
    expect(second.apiCalls).toBe(13);
    expect(queue.jobs).toEqual([]);
    github.finish();
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/grb_reconcile_repositories_total 2/);
    expect(metrics).toMatch(/grb_reconcile_api_calls_total 28/);
    expect(metrics).toMatch(/grb_reconcile_rate_limited_calls_total 15/);
    expect(metrics).toMatch(/grb_reconcile_sweeps_total\{reason="schedule",result="ok"\} 1/);
    // One log line per sweep says what it cost.
    const lines = logged.filter((line) => line.level === "info").map((line) => String(line.msg));
    expect(lines).toEqual([
      expect.stringMatching(
        /^reconcile \(start\): 1 repositories, 0 jobs enqueued, 15 API calls \(15 rate-limited\)/,
      ),
      expect.stringMatching(
        /^reconcile \(schedule\): 1 repositories, 0 jobs enqueued, 13 API calls \(0 rate-limited\)/,
      ),
    ]);
  });

  test("what events missed is enqueued as the deliveries that would have produced it, once across two sweeps", async () => {
    const github = mockGitHub();
    const state: State = {
      checks: ["PR title"],
      tags: Array.from({ length: 40 }, (_, n) => `v0.${n}.0`).concat(["v1.0.0", "v1.1.0"]),
      releases: [{ tag: "v1.0.0", draft: false }],
      pinned: "v0.39.0",
      deliveries: [
        delivery(9, "later-ok", 200, 1),
        delivery(8, "failed", 502, 2),
        delivery(7, "later-ok", 500, 3),
        delivery(6, "refused", 400, 3),
        delivery(5, "too-old", 0, 30),
      ],
    };
    mockSweepReads(github.api, state, "fresh");
    mockNoConfigAt(github.api);
    // The heals read fresh data for their payloads: the PR and the published release.
    const pull = {
      number: 7,
      state: "open",
      title: "feat: x",
      head: { sha: PR_HEAD, ref: "feature" },
      base: { ref: "main" },
    };
    const release = { id: 1, tag_name: "v1.0.0", draft: false, prerelease: false, body: "notes" };
    github.api
      .get(`${R}/pulls/7`)
      .matchHeader("authorization", INSTALLATION_AUTH)
      .reply(200, pull)
      .get(`${R}/releases/tags/v1.0.0`)
      .reply(200, release)
      .post("/app/hook/deliveries/8/attempts")
      .matchHeader("authorization", APP_AUTH)
      .reply(202, {});
    // The second sweep sees the same state (304s): the same heals, already enqueued; nothing is redelivered.
    mockSweepReads(github.api, state, "unchanged");

    const queue = recordingQueue();
    const app = probot();
    const sweeps = reconciler(app, queue);
    const first = (await sweeps.sweep("schedule"))!;
    const second = (await sweeps.sweep("schedule"))!;
    github.finish();

    const ids = [
      `reconcile:acme/platform:pull-7@${PR_HEAD}`,
      "reconcile:acme/platform:tag@v1.1.0",
      "reconcile:acme/platform:release@v1.0.0",
    ];
    expect(first.heals.map((heal) => heal.id)).toEqual(ids);
    expect(second.heals.map((heal) => heal.id)).toEqual(ids);
    expect([first.enqueued, second.enqueued]).toEqual([3, 0]);
    expect(second.rateLimitedCalls).toBe(0);
    expect(first.redelivery?.redelivered).toEqual(["failed"]);
    expect(second.redelivery?.redelivered).toEqual([]);
    expect(queue.jobs.map((job) => job.id)).toEqual(ids);
    const [checks, tag, promotion] = queue.jobs;
    expect(checks).toMatchObject({
      name: "pull_request",
      features: ["folderLayout", "squashTitle"],
      payload: {
        action: "synchronize",
        number: 7,
        pull_request: pull,
        repository: { full_name: "acme/platform", default_branch: "main" },
        installation: { id: 2 },
      },
    });
    expect(tag).toMatchObject({
      name: "push",
      features: ["releaseDraft"],
      payload: { ref: "refs/tags/v1.1.0", deleted: false, repository: { html_url: repository.html_url } },
    });
    expect(promotion).toMatchObject({
      name: "release",
      features: ["promotion"],
      payload: { action: "published", release },
    });
  });

  test("an archived repository is not read (GitHub refuses every write there)", async () => {
    const github = mockGitHub();
    github.api
      .get("/app")
      .reply(200, { id: TEST_APP_ID, slug: "gitops-release-bot" })
      .get("/app/installations")
      .query(true)
      .reply(200, [{ id: 2, account: user(OWNER, 7), suspended_at: null }])
      .get("/installation/repositories")
      .query(true)
      .reply(200, { total_count: 1, repositories: [{ ...repository, archived: true }] });
    const sweeps = reconciler(probot(), recordingQueue(), { redeliverMaxAgeMs: 0 });
    expect(await sweeps.sweep("start")).toMatchObject({ installations: 1, repositories: 0, enqueued: 0 });
    github.finish();
  });
});

describe("repositories with nothing to read", () => {
  test("an empty repository (GitHub answers 409 for its branch) is skipped without an error", async () => {
    const github = mockGitHub();
    github.api
      .get("/app")
      .reply(200, { id: TEST_APP_ID, slug: "gitops-release-bot" })
      .get("/app/installations")
      .query(true)
      .reply(200, [{ id: 2, account: user(OWNER, 7), suspended_at: null }])
      .get("/installation/repositories")
      .query(true)
      .reply(200, { total_count: 1, repositories: [repository] })
      .get(`${R}/git/ref/heads%2Fmain`)
      .reply(409, { message: "Git Repository is empty." });
    const sweeps = reconciler(probot(), recordingQueue(), { redeliverMaxAgeMs: 0 });
    expect(await sweeps.sweep("start")).toMatchObject({ repositories: 1, enqueued: 0, errors: 0 });
    github.finish();
  });
});

describe("settings", () => {
  test("RECONCILE_INTERVAL_MINUTES (default 15, 0: start-up sweep only) and REDELIVER_MAX_AGE_HOURS (default 24)", () => {
    expect(readRuntimeSettings({})).toMatchObject({
      reconcileIntervalMs: 15 * 60_000,
      redeliverMaxAgeMs: 24 * 3600_000,
    });
    expect(
      readRuntimeSettings({ RECONCILE_INTERVAL_MINUTES: "0", REDELIVER_MAX_AGE_HOURS: "72" }),
    ).toMatchObject({ reconcileIntervalMs: 0, redeliverMaxAgeMs: 72 * 3600_000 });
    expect(() => readRuntimeSettings({ REDELIVER_MAX_AGE_HOURS: "96" })).toThrow(
      'REDELIVER_MAX_AGE_HOURS="96" is not a number from 0 to 72; unset it for the default (24).',
    );
  });

  test("the schedule: a sweep at start, then one every interval", async () => {
    const sweeps = reconciler(
      { auth: async () => Promise.reject(new Error("GitHub is away")) } as unknown as Probot,
      recordingQueue(),
      { intervalMs: 20, redeliverMaxAgeMs: 0, now: Date.now },
    );
    sweeps.start();
    try {
      const lines = () => logged.filter((line) => String(line.msg).startsWith("reconcile ("));
      await waitUntil("three sweeps", () => lines().length >= 3, { timeoutMs: 5_000 });
      expect(lines().map((line) => String(line.msg).split(":")[0])).toEqual(
        expect.arrayContaining(["reconcile (start)", "reconcile (schedule)"]),
      );
      // A sweep that cannot reach GitHub says so, and the next one tries again.
      expect(logged.some((line) => String(line.msg).includes("GitHub is away"))).toBe(true);
    } finally {
      sweeps.stop();
    }
  });
});

describe("redelivery of failed deliveries", () => {
  const at = (id: number, guid: string, statusCode: number, hours: number) => ({
    id,
    guid,
    deliveredAt: ago(hours),
    redelivery: false,
    statusCode,
    event: "push",
    action: null,
  });

  test("each failed GUID once (its newest attempt), not when it later succeeded, not a 4xx, not past the age bound", () => {
    const picked = pickRedeliveries(
      [
        at(10, "g-retry", 503, 1),
        at(9, "g-retry", 0, 2),
        at(8, "g-ok-later", 200, 2),
        at(7, "g-ok-later", 500, 3),
        at(6, "g-refused", 400, 1),
        at(5, "g-old", 502, 25),
        at(4, "g-timeout", 0, 23),
      ],
      { now: NOW, maxAgeMs: 24 * 3600_000 },
    );
    expect(picked.map((d) => [d.guid, d.id])).toEqual([
      ["g-timeout", 4],
      ["g-retry", 10],
    ]);
  });
});

describe("the App's delivery log, read incrementally", () => {
  test("a pass reads only what is new since the last one; a failed redelivery request is tried again", async () => {
    const github = mockGitHub();
    const page2 = `${API}/app/hook/deliveries?per_page=100&cursor=v1_3`;
    // Pass 1: two pages (a failed delivery on each).
    github.api
      .get("/app/hook/deliveries")
      .query({ per_page: 100 })
      .reply(200, [delivery(5, "ok", 200, 1), delivery(4, "down-1", 0, 2)], {
        etag: 'W/"p1"',
        link: `<${page2}>; rel="next"`,
      })
      .get("/app/hook/deliveries")
      .query({ per_page: 100, cursor: "v1_3" })
      .reply(200, [delivery(3, "down-2", 503, 3)], { etag: 'W/"p2"' })
      .post("/app/hook/deliveries/4/attempts")
      .reply(202, {})
      .post("/app/hook/deliveries/3/attempts")
      .reply(500, { message: "Server Error" });
    // Pass 2: page 1 changed (one new failure). The redelivery request that failed in pass 1 kept the mark back, so
    // this pass reads on (page 2 unchanged: a 304) and tries it again.
    github.api
      .get("/app/hook/deliveries")
      .query({ per_page: 100 })
      .reply(200, [delivery(6, "down-3", 502, 0.5), delivery(5, "ok", 200, 1), delivery(4, "down-1", 0, 2)], {
        etag: 'W/"p1b"',
        link: `<${page2}>; rel="next"`,
      })
      .get("/app/hook/deliveries")
      .query({ per_page: 100, cursor: "v1_3" })
      .matchHeader("if-none-match", 'W/"p2"')
      .reply(304)
      .post("/app/hook/deliveries/6/attempts")
      .reply(202, {})
      .post("/app/hook/deliveries/3/attempts")
      .reply(202, {});
    // Pass 3: page 1 unchanged (304) and judged by pass 2 (the mark moved to its newest entry): page 2 is not read.
    github.api
      .get("/app/hook/deliveries")
      .query({ per_page: 100 })
      .matchHeader("if-none-match", 'W/"p1b"')
      .reply(304);
    const app = probot();
    const appOctokit = (await app.auth()) as Octokit;
    const store = createEtagStore();
    const memory = createRedeliveryMemory(null, () => NOW);
    const pass = async () => {
      const counts = { calls: 0, notModified: 0 };
      const reader = createConditionalReader(store, "app", counts);
      const report = await redeliverFailed(reader, appOctokit, memory, {
        now: NOW,
        maxAgeMs: 24 * 3600_000,
        counts,
        log: () => undefined,
      });
      return { redelivered: report.redelivered, failed: report.failed, calls: counts.calls };
    };
    expect(await pass()).toEqual({ redelivered: ["down-1"], failed: ["down-2"], calls: 4 });
    expect(await pass()).toEqual({ redelivered: ["down-2", "down-3"], failed: [], calls: 4 });
    expect(await pass()).toEqual({ redelivered: [], failed: [], calls: 1 });
    github.finish();
  });
});

describe("across replicas (a real Redis)", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  test("two replicas sweeping at once: one sweeps, the other skips; a redelivery is claimed once", async () => {
    const client = redis.client();
    await client.del("grb:reconcile:slot");
    const github = mockGitHub();
    github.api
      .get("/app")
      .reply(200, { id: TEST_APP_ID, slug: "gitops-release-bot" })
      .get("/app/installations")
      .query(true)
      .delay(100)
      .reply(200, [])
      .get("/app/hook/deliveries")
      .query(true)
      .reply(200, []);
    const app = probot();
    const a = reconciler(app, recordingQueue(), { redis: redis.client(), intervalMs: 60_000 });
    const b = reconciler(app, recordingQueue(), { redis: redis.client(), intervalMs: 60_000 });
    const [ra, rb] = await Promise.all([a.sweep("start"), b.sweep("start")]);
    expect([ra, rb].filter((report) => report !== null)).toHaveLength(1);
    // The slot stays taken for the interval: the other replica's timer does not sweep again right after.
    expect(await b.sweep("schedule")).toBeNull();
    expect(await client.pttl("grb:reconcile:slot")).toBeGreaterThan(30_000);
    github.finish();

    const guid = `g-${Math.random()}`;
    const one = createRedeliveryMemory(redis.client());
    const two = createRedeliveryMemory(redis.client());
    expect(await one.claim(guid, 60_000)).toBe(true);
    expect(await two.claim(guid, 60_000)).toBe(false);
    await client.del("grb:reconcile:slot");
  });
});
