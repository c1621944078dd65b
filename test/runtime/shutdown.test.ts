import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startApp, throwawayAppKey, type AppProcess } from "../../demo/lib/app-process.js";
import { FakeGitHub } from "../../demo/lib/fake-github.js";
import { DEVELOPER, storySeed } from "../../demo/lib/story.js";
import { waitUntil } from "../../demo/lib/wait-until.js";
import { WebhookSender } from "../../demo/lib/webhook-sender.js";
import { startTestRedis, type TestRedis } from "../helpers/redis-server.js";

const APP_ID = 4242;
// The checks every PR gets (as in the story; "Config" only when the configuration file changes).
const PR_CHECKS = ["PR title", "Squash title", "Folder layout"];

/** The fake GitHub and what it takes to start app processes against it (several, one after the other). */
async function startStack() {
  const key = throwawayAppKey();
  const secret = randomUUID();
  const fake = await FakeGitHub.start({ ...storySeed(), appId: APP_ID, appPublicKey: key.publicKey });
  const apps: AppProcess[] = [];
  return {
    fake,
    async app(env: Record<string, string>) {
      const app = await startApp({
        githubHost: fake.host,
        appId: APP_ID,
        privateKey: key.privateKey,
        webhookSecret: secret,
        logLevel: "info",
        env,
      });
      apps.push(app);
      return { app, sender: new WebhookSender({ url: app.webhookUrl, secret, appId: APP_ID }) };
    },
    /** A developer pushes a branch and opens a PR; returns the head SHA and the webhooks GitHub would send. */
    async openPullRequest(branch: string) {
      const headSha = await fake.commitFiles({
        branch,
        from: "main",
        message: "docs: a note",
        files: { [`docs/${branch}.md`]: `${branch}\n` },
        actor: DEVELOPER,
      });
      await fake.openPullRequest({ head: branch, title: "docs: add a note", actor: DEVELOPER });
      return { headSha, events: fake.takeEvents() };
    },
    async stop() {
      await Promise.all(apps.map((app) => app.stop()));
      await fake.close();
    },
  };
}

/** The three PR checks completed on `headSha`, each exactly once. */
function checksOnce(fake: FakeGitHub, headSha: string) {
  return PR_CHECKS.every((name) => {
    const runs = fake.findCheckRuns({ name, headSha });
    return runs.length === 1 && runs[0]!.status === "completed";
  });
}

describe("SIGTERM through the real process", () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    stack = await startStack();
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  test("while a job runs: /readyz 503 and new deliveries 503 while draining; the job finishes; exit 0 within the deadline", async () => {
    const deadlineSeconds = 15;
    const { app, sender } = await stack.app({ SHUTDOWN_DEADLINE_SECONDS: String(deadlineSeconds) });
    // The first check-run write is answered 3 s late (GitHub stores it at once): the job is mid-flight.
    stack.fake.injectFaults({
      mode: "slow",
      route: "POST /repos/:owner/:repo/check-runs",
      delayMs: 3000,
      maxFaults: 1,
    });
    const { headSha, events } = await stack.openPullRequest("drain-me");
    for (const event of events) expect((await sender.send(event.name, event.payload)).status).toBe(200);
    await waitUntil("the slow answer to be under way", () => stack.fake.faults.slow === 1);
    expect((await app.queueCounts()).active).toBeGreaterThanOrEqual(1);

    const signalled = Date.now();
    app.kill("SIGTERM");
    await waitUntil("/readyz to answer 503 while draining", async () => {
      const readyz = await fetch(`${app.url}/readyz`);
      return readyz.status === 503 && (await readyz.text()) === "shutting down\n";
    });
    // A delivery that arrives now is refused with a 5xx: GitHub records it as failed (and it can be redelivered).
    const late = await stack.openPullRequest("too-late");
    expect((await sender.send(late.events[0]!.name, late.events[0]!.payload)).status).toBe(503);

    expect(await app.exited()).toBe(0);
    const tookMs = Date.now() - signalled;
    expect(tookMs).toBeLessThan(deadlineSeconds * 1000);
    // The job was finished, not dropped: every check of the PR, once.
    expect(checksOnce(stack.fake, headSha)).toBe(true);
    // No error but the refused late delivery (Probot logs a listener's error, twice).
    const errors = new Set(
      app
        .logRecords()
        .filter((r) => r.level >= 50)
        .map((r) => r.msg),
    );
    expect([...errors]).toEqual([
      "shutting down: not taking deliveries; GitHub will record this one as failed",
    ]);
    stack.fake.clearFaults();
  }, 40_000);

  test("with REDIS_URL, a job longer than the deadline: exit 0 within the deadline, the job stays in Redis, a replica started afterwards does it (each check once)", async () => {
    redis = await startTestRedis({ dedicated: true }); // the app's queue name is fixed: no other test may share it
    const env = { REDIS_URL: redis.url, SHUTDOWN_DEADLINE_SECONDS: "1", JOB_LOCK_SECONDS: "2" };
    const first = await stack.app(env);
    // The start-up reconciliation sweep reads the configuration too: let it finish, so the fault hits the delivery.
    await waitUntil("the start-up sweep to finish", async () =>
      /grb_reconcile_sweeps_total\{reason="start",result="ok"\} 1/.test(
        await (await fetch(`${first.app.url}/metrics`)).text(),
      ),
    );
    // The configuration read (before any lock or write) is answered 20 s late: longer than the deadline.
    const slowBefore = stack.fake.faults.slow; // the counter keeps the first test's fault
    stack.fake.injectFaults({
      mode: "slow",
      on: "reads",
      route: /\/contents\//,
      delayMs: 20_000,
      maxFaults: 1,
    });
    const { headSha, events } = await stack.openPullRequest("outlive-me");
    let opened = "";
    // Only the PR's delivery: every delivery reads the configuration first (the opt-in gate), and the one slow
    // answer must be the PR's.
    for (const event of events.filter((e) => e.name === "pull_request")) {
      const sent = await first.sender.send(event.name, event.payload);
      expect(sent.status).toBe(200);
      if (event.name === "pull_request") opened = sent.delivery.id;
    }
    await waitUntil("the slow answer to be under way", () => stack.fake.faults.slow === slowBefore + 1);

    const signalled = Date.now();
    first.app.kill("SIGTERM");
    expect(await first.app.exited()).toBe(0);
    const tookMs = Date.now() - signalled;
    // The deadline (1 s) plus closing connections and the process' own exit.
    expect(tookMs).toBeLessThan(3000);
    expect(PR_CHECKS.flatMap((name) => stack.fake.findCheckRuns({ name, headSha }))).toEqual([]);
    const client = redis.client();
    // The PR's delivery (BullMQ job id `d|<delivery GUID>`) is still in Redis, still "active" until its lock expires.
    const active = await client.lrange("grb:deliveries:active", 0, -1);
    expect(active).toContain(`d|${opened}`);

    const second = await stack.app(env);
    await waitUntil(
      "the replica to take the job over and write every check once",
      () => checksOnce(stack.fake, headSha),
      {
        timeoutMs: 20_000,
      },
    );
    await second.app.waitIdle();
    expect(await client.lrange("grb:deliveries:active", 0, -1)).toEqual([]);
    // Nothing was written twice: one run per check, created once.
    expect(checksOnce(stack.fake, headSha)).toBe(true);
    const creates = stack.fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/check-runs"));
    expect(creates.filter((r) => (r.body as { head_sha?: string }).head_sha === headSha)).toHaveLength(
      PR_CHECKS.length,
    );
  }, 50_000);
});
