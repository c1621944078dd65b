import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { startApp, throwawayAppKey, type AppProcess } from "../../demo/lib/app-process.js";
import { FakeGitHub } from "../../demo/lib/fake-github.js";
import { DEVELOPER, storySeed } from "../../demo/lib/story.js";
import { waitUntil } from "../../demo/lib/wait-until.js";
import { WebhookSender } from "../../demo/lib/webhook-sender.js";
import { ensureBuilt } from "./support/ensure-built.js";

/**
 * Reconciliation against the real `probot run` process and the GitHub stand-in: a lone replica WITHOUT Redis (its
 * queue lives in memory) is killed with SIGKILL while it handles a tag push; restarted, its start-up sweep drafts
 * the release, exactly once. A delivery sent while it was down (GitHub logs it as "failed to connect") is redelivered
 * from the App's delivery log by the same sweep, once.
 */
describe("end to end: the start-up sweep heals what a kill -9 lost", () => {
  const APP_ID = 4343;
  const key = throwawayAppKey();
  const secret = randomBytes(16).toString("hex");
  let fake: FakeGitHub;
  let app: AppProcess | null = null;
  // The webhook URL GitHub knows stays the same across restarts (like a Service in front of the pods): a forwarder.
  let forwarder: Server;
  let upstream = "";
  let sender: WebhookSender;

  const start = async (env: Record<string, string> = {}) =>
    startApp({
      githubHost: fake.host,
      appId: APP_ID,
      privateKey: key.privateKey,
      webhookSecret: secret,
      logLevel: "info",
      env,
    });
  const sweepsOf = (process: AppProcess) =>
    process.logRecords().filter((record) => record.reconcile) as Array<{
      reconcile: { reason: string; heals: string[]; redelivered: string[]; errors: number };
    }>;

  beforeAll(async () => {
    ensureBuilt();
    fake = await FakeGitHub.start({ ...storySeed(), appId: APP_ID, appPublicKey: key.publicKey });
    forwarder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        fetch(`${upstream}${req.url}`, {
          method: req.method ?? "POST",
          headers: Object.fromEntries(
            Object.entries(req.headers).filter(([name]) => !["host", "content-length"].includes(name)),
          ) as Record<string, string>,
          body: Buffer.concat(chunks),
        })
          .then(async (answer) => {
            res.writeHead(answer.status, {
              "content-type": answer.headers.get("content-type") ?? "text/plain",
            });
            res.end(Buffer.from(await answer.arrayBuffer()));
          })
          .catch(() => res.socket?.destroy());
      });
    });
    await new Promise<void>((resolve) => forwarder.listen(0, "127.0.0.1", resolve));
    const address = forwarder.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/api/github/webhooks`;
    sender = new WebhookSender({
      url,
      secret,
      appId: APP_ID,
      onDelivered: (delivery, result) => fake.recordDelivery(delivery, result),
    });
    fake.setWebhookTarget({ url, secret });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await fake?.settled();
    await new Promise((resolve) => forwarder?.close(resolve));
    await fake?.close();
  });

  test("kill -9 during a tag push, a PR opened while down → after the restart: one draft, each check once, one redelivery", async () => {
    // 1. The first start: the start-up sweep finds nothing to heal in the story's repository.
    app = await start();
    upstream = app.url;
    const first = app;
    await waitUntil("the start-up sweep", () => sweepsOf(first).length > 0, { timeoutMs: 30_000 });
    expect(sweepsOf(first)[0]!.reconcile).toMatchObject({ reason: "start", heals: [], errors: 0 });

    // 2. Tag v0.0.3 is pushed; the job is slow on the compare (the stand-in answers 20 s late), and the app is
    //    killed in the middle of it: the in-memory queue and the job are gone.
    fake.injectFaults({ mode: "slow", route: "GET /repos/:owner/:repo/compare/*basehead", delayMs: 20_000 });
    const main = (await fake.git.resolveRef("refs/heads/main"))!;
    await fake.moveRef("refs/tags/v0.0.3", main, { expected: null, actor: "berndonline" });
    for (const event of fake.takeEvents()) {
      const answer = await sender.send(event.name, event.payload);
      expect(answer.status).toBe(200);
    }
    await waitUntil("the tag push job to reach the compare", () => fake.faults.slow > 0, {
      timeoutMs: 20_000,
    });
    first.kill("SIGKILL");
    await first.exited();
    await first.stop();
    fake.clearFaults();
    expect(fake.releases.filter((r) => r.tagName === "v0.0.3")).toEqual([]);

    // 3. While it is down, a developer opens a PR: GitHub cannot deliver `pull_request.opened` (logged as failed).
    await fake.commitFiles({
      branch: "reconcile-probe",
      from: main,
      message: "tenants(dummy): add a config map",
      files: {
        "tenants/aws/common/dummy/configmap-probe.yaml":
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n  namespace: dummy\n",
      },
      actor: DEVELOPER,
    });
    const pr = await fake.openPullRequest({
      head: "reconcile-probe",
      title: "tenants(dummy): add a config map",
      actor: DEVELOPER,
    });
    for (const event of fake.takeEvents()) {
      await expect(sender.send(event.name, event.payload)).rejects.toThrow();
    }
    const failedGuids = fake.deliveryLog
      .filter((entry) => entry.item.status_code === 0)
      .map((entry) => entry.item.guid);
    expect(failedGuids.length).toBeGreaterThan(0);

    // 4. Restarted: the start-up sweep enqueues the tag push and the PR's checks, and redelivers what failed.
    // (Sweeps every 3 s from here on, so that step 5 sees a scheduled one.)
    app = await start({ RECONCILE_INTERVAL_MINUTES: "0.05" });
    upstream = app.url;
    const second = app;
    await waitUntil("the restarted app's start-up sweep", () => sweepsOf(second).length > 0, {
      timeoutMs: 30_000,
    });
    await fake.settled();
    await second.waitIdle(60_000);
    const sweep = sweepsOf(second)[0]!.reconcile;
    expect(sweep.errors).toBe(0);
    expect(sweep.heals).toEqual(
      expect.arrayContaining([
        `reconcile:berndonline/k8s-gitops-at-scale:pull-${pr.number}@${pr.headSha}`,
        "reconcile:berndonline/k8s-gitops-at-scale:tag@v0.0.3",
      ]),
    );
    expect(sweep.redelivered.length).toBeGreaterThan(0);
    const drafts = fake.releases.filter((r) => r.tagName === "v0.0.3");
    expect(drafts.map((r) => r.draft)).toEqual([true]);
    expect(drafts[0]!.body).toContain("#13");
    for (const name of ["PR title", "Folder layout", "Squash title"]) {
      expect(fake.findCheckRuns({ name, headSha: pr.headSha })).toHaveLength(1);
    }
    // Every failed delivery was sent again exactly once.
    const redeliveries = fake.deliveryLog.filter((entry) => entry.item.redelivery);
    expect(redeliveries.map((entry) => entry.item.guid).sort()).toEqual([...failedGuids].sort());
    expect(redeliveries.every((entry) => entry.item.status_code === 200)).toBe(true);

    // 5. The next sweeps on the same state heal nothing and redeliver nothing; GitHub charges nothing for them
    //    (every read is answered 304 Not Modified).
    //    Sweeps that overlapped the healing jobs saw their writes; once the state rests, every sweep is all 304s.
    type Sweep = { reason: string; heals: string[]; redelivered: string[]; rateLimitedCalls: number };
    const later = () => sweepsOf(second).map((record) => record.reconcile as unknown as Sweep);
    const seen = later().length;
    const quiet = await waitUntil(
      "a sweep that costs no rate-limited call",
      () => {
        const index = later().findIndex((sweep, i) => i >= seen && sweep.rateLimitedCalls === 0);
        return index >= 0 ? index : undefined;
      },
      { timeoutMs: 30_000 },
    );
    await waitUntil("the sweep after it", () => later().length > quiet + 1, { timeoutMs: 30_000 });
    for (const sweep of later().slice(quiet, quiet + 2)) {
      expect(sweep).toMatchObject({ reason: "schedule", heals: [], redelivered: [], rateLimitedCalls: 0 });
    }
    expect(fake.deliveryLog.filter((entry) => entry.item.redelivery)).toHaveLength(redeliveries.length);
    expect(fake.releases.filter((r) => r.tagName === "v0.0.3")).toHaveLength(1);
    const metrics = await fetch(`${second.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/grb_reconcile_sweeps_total\{reason="schedule",result="ok"\} [1-9]/);
    expect(metrics).toMatch(/grb_reconcile_jobs_enqueued_total\{kind="tag"\} 1/);
    expect(fake.problems()).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  }, 120_000);
});
