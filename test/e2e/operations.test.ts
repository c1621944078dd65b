import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startApp, throwawayAppKey } from "../../demo/lib/app-process.js";
import { FakeGitHub } from "../../demo/lib/fake-github.js";
import { startHarness, type Harness } from "../../demo/lib/harness.js";
import { storySeed } from "../../demo/lib/story.js";
import { waitUntil } from "../../demo/lib/wait-until.js";
import { ensureBuilt } from "./support/ensure-built.js";
import { runCheckedStep } from "./support/story-checks.js";

const METRICS_TOKEN = "metrics-token-for-the-test";

/**
 * /healthz, /readyz and /metrics of the real `probot run` process against the stand-in, on a LOG_LEVEL=trace run of
 * the story's first two steps: the metrics the issue lists, the bearer token, readiness that costs GitHub at most one
 * request a minute, and logs that carry the delivery's fields and never a secret.
 */
describe("operations: probes, metrics and logs of the real process", () => {
  let h: Harness;
  const memory: Record<string, any> = {};
  const appGets = () => h.fake.requests.filter((r) => r.method === "GET" && r.path === "/app").length;

  beforeAll(async () => {
    ensureBuilt();
    h = await startHarness({
      fake: storySeed(),
      appLogLevel: "trace",
      appEnv: { METRICS_TOKEN, RECONCILE_INTERVAL_MINUTES: "0" },
    });
    await runCheckedStep(h, memory, "open-pr");
    await runCheckedStep(h, memory, "retitle-and-fix");
    await h.waitIdle();
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  const url = () => h.apps[0]!.url;

  test("/healthz answers 200 without touching GitHub", async () => {
    const before = h.fake.requests.length;
    const res = await fetch(`${url()}/healthz`);
    expect([res.status, await res.text()]).toEqual([200, "ok\n"]);
    expect(h.fake.requests.length).toBe(before);
  });

  test("/readyz: ready once GitHub accepted the App's JWT; 30 probes cost at most one GET /app", async () => {
    const first = await fetch(`${url()}/readyz`);
    expect([first.status, await first.text()]).toEqual([200, "ready\n"]);
    const before = appGets();
    const probes = await Promise.all(Array.from({ length: 30 }, () => fetch(`${url()}/readyz`)));
    expect(probes.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(appGets() - before).toBe(0);
    // The check that made it ready was a real, JWT-authenticated GET /app (the stand-in verifies the signature).
    expect(h.fake.requests.some((r) => r.path === "/app" && r.status === 200 && r.actor === "app:4242")).toBe(
      true,
    );
  });

  test("/metrics needs the bearer token when METRICS_TOKEN is set", async () => {
    expect((await fetch(`${url()}/metrics`)).status).toBe(401);
    expect((await fetch(`${url()}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(
      401,
    );
    expect((await fetch(`${url()}/healthz`)).status).toBe(200);
  });

  test("/metrics: deliveries, feature durations, queue, GitHub requests, rate limit, artifacts", async () => {
    const text = await h.apps[0]!.metrics();
    expect(text).toMatch(/^grb_deliveries_total\{event="pull_request",outcome="done"\} [1-9]/m);
    expect(text).toMatch(/^grb_feature_duration_seconds_count\{feature="prTitle",outcome="done"\} [1-9]/m);
    expect(text).toMatch(/^grb_queue_jobs\{state="waiting"\} 0$/m);
    expect(text).toMatch(/^grb_feature_runs_total\{outcome="done",feature="folderLayout"\} [1-9]/m);
    expect(text).toMatch(
      /^grb_github_requests_total\{method="POST",route="\/repos\/\{owner\}\/\{repo\}\/check-runs",status="201"\} [1-9]/m,
    );
    expect(text).toMatch(/^grb_github_requests_total\{method="GET",route="\/app",status="200"\} [1-9]/m);
    expect(text).toMatch(/^grb_github_rate_limit_remaining\{installation="2"\} \d+$/m);
    expect(text).toMatch(/^grb_artifacts_written_total\{kind="check_run"\} [1-9]/m);
    expect(text).not.toMatch(/^grb_dry_run_writes_total\{/m);
  });

  test("a trace-level log never holds the private key, the webhook secret or an installation token", () => {
    const logs = h.logs();
    expect(logs.length).toBeGreaterThan(10_000); // trace really logged (payloads, requests)
    const keyLines = h.appPrivateKey.split("\n").filter((line) => line.length > 40);
    expect(keyLines.length).toBeGreaterThan(5);
    for (const line of keyLines) expect(logs).not.toContain(line);
    const secret = h.sender.secret as string;
    expect(secret.length).toBeGreaterThan(10);
    expect(logs).not.toContain(secret);
    const tokens = [...h.fake.tokens.keys()];
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of tokens) expect(logs).not.toContain(token);
  });

  test("every log line of a delivery's work names the delivery, installation, repository and feature", () => {
    const records = h.apps[0]!.logRecords();
    const delivered = new Set(h.fake.deliveryLog.map((entry: { item: { guid: string } }) => entry.item.guid));
    // The features' work: every line logged with a delivery id from a feature's context or client.
    const work = records.filter((r) => delivered.has(r.id) && r.feature);
    const features = new Set(work.map((r) => r.feature));
    expect(features.has("prTitle") && features.has("folderLayout")).toBe(true);
    expect(work.length).toBeGreaterThan(5);
    for (const r of work) {
      expect([r.msg, r.installation, r.repository]).toEqual([r.msg, 2, "berndonline/k8s-gitops-at-scale"]);
    }
    // GitHub requests made for a delivery (octokit's request lines) all carry the feature that made them.
    const requestLines = records.filter(
      (r) => delivered.has(r.id) && /^(GET|POST|PATCH|PUT) \//.test(r.msg ?? ""),
    );
    expect(requestLines.length).toBeGreaterThan(3);
    expect(requestLines.filter((r) => !r.feature).map((r) => r.msg)).toEqual([]);
  });
});

describe("operations: /readyz when GitHub refuses the App's JWT", () => {
  let fake: FakeGitHub;
  beforeAll(async () => {
    ensureBuilt();
    fake = await FakeGitHub.start({ appId: 4242, appPublicKey: throwawayAppKey().publicKey });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
  });

  test("a key GitHub does not know → /readyz 503 naming the cause, /healthz 200", async () => {
    const app = await startApp({
      githubHost: fake.host,
      appId: 4242,
      privateKey: throwawayAppKey().privateKey, // not the key the stand-in knows
      webhookSecret: "secret-for-the-test",
      env: { RECONCILE_INTERVAL_MINUTES: "0" },
    });
    try {
      const readyz = await fetch(`${app.url}/readyz`);
      expect(readyz.status).toBe(503);
      expect(await readyz.text()).toMatch(/GitHub refused the App's JWT on GET \/app \(401\)/);
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
      // Cached: the next probes within the minute cost nothing.
      const before = fake.requests.filter((r) => r.path === "/app").length;
      for (let i = 0; i < 5; i++) expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
      await waitUntil(
        "no new GET /app",
        () => fake.requests.filter((r) => r.path === "/app").length === before,
      );
    } finally {
      await app.stop();
    }
  }, 60_000);
});
