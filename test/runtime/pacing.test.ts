import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { Probot } from "probot";
import { installationOctokit } from "../../src/runtime/installation-octokit.js";
import { createWritePacing, type PacingShape, type WritePacing } from "../../src/runtime/write-pacing.js";
import { requestProblems } from "../helpers/github-rest-schema.js";
import { mockGitHub, resetNock } from "../helpers/mock-github.js";
import { TEST_APP_ID, testPrivateKey } from "../helpers/test-app.js";
import {
  acceptWrites,
  bucketViolations,
  burstOfWrites,
  pacedProbot,
  recordingLog,
  refuseWithSecondaryLimit,
  warmClient,
  warmUp,
  type WriteLog,
} from "./pacing-helpers.js";

/** A small bucket so the tests run in seconds; the production shape is checked in pacing-shape.test.ts. */
const SHAPE: PacingShape = {
  writes: { burst: 3, refillMs: 200 },
  content: { burst: 50, refillMs: 1000 },
  concurrency: 10,
};

describe("write pacing in one process", () => {
  let probot: Probot;
  let pacing: WritePacing | undefined;
  beforeEach(() => {
    resetNock();
    probot = pacedProbot();
  });
  afterEach(async () => {
    await pacing?.close();
    pacing = undefined;
    resetNock();
  });

  test("a burst of one installation stays inside its bucket: 3 at once, then one per refill", async () => {
    pacing = createWritePacing({ mode: "installation", log: recordingLog(), shape: SHAPE });
    const gh = mockGitHub();
    await warmUp(gh.api, probot, pacing);
    const log: WriteLog = [];
    const client = await warmClient(gh.api, probot, pacing, 1);
    acceptWrites(gh.api, 1, 12, log);
    const start = Date.now();
    await burstOfWrites(client, 1, 12);
    gh.finish();
    const times = log.map((w) => w.at).sort((a, b) => a - b);
    expect(bucketViolations(times, SHAPE.writes)).toEqual([]);
    // The burst goes out at once (not one per second as Probot's default has it)…
    expect(times[2]! - start).toBeLessThan(300);
    // …and the other 9 wait for refills, one each.
    expect(times[11]! - times[0]!).toBeGreaterThanOrEqual(9 * SHAPE.writes.refillMs - 60);
  });

  test("writes of two installations are not serialised behind each other", async () => {
    pacing = createWritePacing({ mode: "installation", log: recordingLog(), shape: SHAPE });
    const gh = mockGitHub();
    await warmUp(gh.api, probot, pacing);
    const log: WriteLog = [];
    const one = await warmClient(gh.api, probot, pacing, 1);
    const two = await warmClient(gh.api, probot, pacing, 2);
    acceptWrites(gh.api, 1, 12, log);
    acceptWrites(gh.api, 2, 1, log);
    const start = Date.now();
    const busy = burstOfWrites(one, 1, 12);
    await burstOfWrites(two, 2, 1);
    const second = Date.now() - start;
    await busy;
    gh.finish();
    const firstDone = Math.max(...log.filter((w) => w.installation === 1).map((w) => w.at)) - start;
    // Installation 1 waits for its refills (9 × 200 ms); installation 2's write does not wait behind them.
    expect(firstDone).toBeGreaterThan(1500);
    expect(second).toBeLessThan(300);
  });

  test("WRITE_PACING=process (Probot's webhook contexts): one queue, 1 s between writes of every installation", async () => {
    pacing = createWritePacing({ mode: "process", log: recordingLog() });
    const gh = mockGitHub();
    await warmUp(gh.api, probot, pacing);
    const log: WriteLog = [];
    const one = await warmClient(gh.api, probot, pacing, 1);
    const two = await warmClient(gh.api, probot, pacing, 2);
    acceptWrites(gh.api, 1, 2, log);
    acceptWrites(gh.api, 2, 1, log);
    await Promise.all([burstOfWrites(one, 1, 2), burstOfWrites(two, 2, 1)]);
    gh.finish();
    const times = log.map((w) => w.at).sort((a, b) => a - b);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(950);
  });

  test("a secondary-limit answer with retry-after pauses that installation's writes, not another's", async () => {
    const warnings = recordingLog();
    pacing = createWritePacing({ mode: "installation", log: warnings, shape: SHAPE });
    const gh = mockGitHub();
    await warmUp(gh.api, probot, pacing);
    const log: WriteLog = [];
    const one = await warmClient(gh.api, probot, pacing, 1);
    const two = await warmClient(gh.api, probot, pacing, 2);
    refuseWithSecondaryLimit(gh.api, 1, 1);
    acceptWrites(gh.api, 1, 1, log);
    acceptWrites(gh.api, 2, 1, log);
    const refused = await burstOfWrites(one, 1, 1).then(
      () => null,
      (error: { status?: number; response?: { headers: Record<string, string> } }) => error,
    );
    const refusedAt = Date.now();
    // Not retried inside the client (no worker waits idle): the caller sees the 403 and its retry-after.
    expect(refused?.status).toBe(403);
    expect(refused?.response?.headers["retry-after"]).toBe("1");
    await Promise.all([burstOfWrites(one, 1, 1), burstOfWrites(two, 2, 1)]);
    gh.finish();
    const at = (installation: number) => log.find((w) => w.installation === installation)!.at - refusedAt;
    expect(at(1)).toBeGreaterThanOrEqual(1000 - 40);
    expect(at(2)).toBeLessThan(300);
    expect(warnings.lines.join("\n")).toContain("pausing installation 1's writes for 1 s");
  });
});

describe("the paced installation client keeps what Probot's has", () => {
  const GHE = "https://ghe.example.com";
  beforeEach(() => resetNock());
  afterEach(() => resetNock());

  test("Probot's token cache and base URL (GHE_HOST); octokit's retries on 5xx; a 429 left to the pacing and the queue", async () => {
    const probot = new Probot({
      appId: TEST_APP_ID,
      privateKey: testPrivateKey(),
      logLevel: "fatal",
      baseUrl: `${GHE}/api/v3`,
    });
    const pacing = createWritePacing({ mode: "installation", log: recordingLog(), shape: SHAPE });
    const problems: string[] = [];
    const statuses: number[] = [];
    const ghe = nock(GHE);
    ghe.on("request", (request: Request, _interceptor: unknown, body: string) => {
      problems.push(
        ...requestProblems(request.method, new URL(request.url).pathname, JSON.parse(body || "null")),
      );
    });
    const create = (status: number, headers: Record<string, string> = {}) =>
      ghe.post("/api/v3/repos/org-5/platform/check-runs").reply(() => {
        statuses.push(status);
        return [status, status < 300 ? { id: 1 } : { message: `answered ${status}` }, headers];
      });
    // One token for two clients of the same installation: minted once, then taken from Probot's cache.
    ghe
      .post("/api/v3/app/installations/5/access_tokens")
      .once()
      .reply(201, { token: "ghs_once", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
    create(500);
    create(201);
    create(429, { "retry-after": "30" });
    try {
      const first = await installationOctokit(probot, 5, pacing);
      const second = await installationOctokit(probot, 5, pacing);
      const write = (client: typeof first) =>
        client.rest.checks.create({ owner: "org-5", repo: "platform", name: "x", head_sha: "a".repeat(40) });
      // A 500, then octokit's own retry (after 1 s) succeeds.
      await expect(write(first)).resolves.toMatchObject({ status: 201 });
      // A 429 is not retried blindly after 1, 4, 9 s: it reaches the caller (the queue runner) with its retry-after.
      await expect(write(second)).rejects.toMatchObject({ status: 429 });
      expect(statuses).toEqual([500, 201, 429]);
      expect(ghe.pendingMocks()).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await pacing.close();
    }
  });
});
