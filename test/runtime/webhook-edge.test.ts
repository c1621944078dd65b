import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { freePort, startApp, throwawayAppKey, type AppProcess } from "../../demo/lib/app-process.js";
import { startHarness, type Harness } from "../../demo/lib/harness.js";
import { DEVELOPER, storySeed } from "../../demo/lib/story.js";
import { signature, WebhookSender } from "../../demo/lib/webhook-sender.js";
// Not test/helpers/webhooks.ts: it loads nock, which intercepts fetch and http in this process.
import { examplePayload } from "../../demo/lib/webhook-examples.js";

/** GitHub caps payloads at 25 MB; these bodies are 30 MB. */
const MB = 1024 * 1024;
const HUGE = 30 * MB;

interface Answer {
  status: number;
  body: string;
  ms: number;
}

/**
 * A POST with exactly these headers. `body` is a string, or chunks streamed without content-length
 * (`transfer-encoding: chunked`). fetch, not node:http: another test file's nock, loaded earlier in the same jest
 * worker, stays patched into node:http (a built-in module, shared by every file of the worker).
 */
async function post(url: string, headers: Record<string, string>, body: string | Buffer[]): Promise<Answer> {
  const started = Date.now();
  const chunks = typeof body === "string" ? null : body;
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: chunks
      ? new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = chunks.shift();
            if (next) controller.enqueue(next);
            else controller.close();
          },
        })
      : (body as string),
    ...(chunks ? { duplex: "half" } : {}),
  } as RequestInit);
  return { status: response.status, body: await response.text(), ms: Date.now() - started };
}

function metricsText(app: AppProcess): Promise<string> {
  return fetch(`${app.url}/metrics`).then((r) => r.text());
}

describe("the webhook edge of the real `probot run` process", () => {
  let h: Harness;
  let secret: string;
  beforeAll(async () => {
    h = await startHarness({ fake: storySeed() });
    secret = h.sender.secret;
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  /** Headers GitHub sends, signed for `body` (a wrong secret when `badSignature`). */
  const githubHeaders = (event: string, body: string | Buffer, extra: Record<string, string | null> = {}) => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/test",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signature(secret, body.toString()),
    };
    for (const [name, value] of Object.entries(extra)) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    return headers;
  };
  const pushBody = JSON.stringify(examplePayload("push", undefined, { index: 0 }));
  const hugePush = () => {
    // A real push payload padded (inside the JSON) to 30 MB, validly signed: only its size is wrong.
    const padded = JSON.stringify({ ...JSON.parse(pushBody), padding: "x".repeat(HUGE) });
    return padded;
  };

  test("every malformed or forged request → 4xx, no job, and the process keeps serving", async () => {
    const url = h.app.webhookUrl;
    const cases: Array<[string, () => Promise<Answer>, number, string]> = [
      [
        "bad signature",
        () =>
          post(
            url,
            githubHeaders("push", pushBody, { "x-hub-signature-256": signature("wrong", pushBody) }),
            pushBody,
          ),
        400,
        "signature does not match",
      ],
      [
        "no X-Hub-Signature-256",
        () => post(url, githubHeaders("push", pushBody, { "x-hub-signature-256": null }), pushBody),
        400,
        "x-hub-signature-256",
      ],
      [
        "no X-GitHub-Event",
        () => post(url, githubHeaders("push", pushBody, { "x-github-event": null }), pushBody),
        400,
        "x-github-event",
      ],
      [
        "no X-GitHub-Delivery",
        () => post(url, githubHeaders("push", pushBody, { "x-github-delivery": null }), pushBody),
        400,
        "x-github-delivery",
      ],
      [
        "not JSON (content-type: text/plain)",
        () => post(url, githubHeaders("push", pushBody, { "content-type": "text/plain" }), pushBody),
        415,
        "application/json",
      ],
      [
        "malformed JSON, validly signed",
        () => post(url, githubHeaders("push", "{not json"), "{not json"),
        400,
        "Invalid JSON",
      ],
      [
        "JSON null, validly signed",
        () => post(url, githubHeaders("push", "null"), "null"),
        400,
        "JSON object",
      ],
      [
        "an event GitHub does not send, validly signed",
        () => post(url, githubHeaders("definitely_not_an_event", pushBody), pushBody),
        400,
        "Unknown event",
      ],
      [
        "a 30 MB push with content-length, validly signed",
        () => {
          const body = hugePush();
          return post(url, githubHeaders("push", body), body);
        },
        413,
        "too large",
      ],
      [
        "a 30 MB push streamed without content-length (chunked), validly signed",
        () => {
          const body = Buffer.from(hugePush());
          const chunks = Array.from({ length: Math.ceil(body.length / MB) }, (_, i) =>
            body.subarray(i * MB, (i + 1) * MB),
          );
          return post(url, githubHeaders("push", body), chunks);
        },
        413,
        "too large",
      ],
    ];
    const answers: Record<string, Answer> = {};
    for (const [what, send, status, says] of cases) {
      const answer = await send();
      answers[what] = answer;
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect(answer.body.toLowerCase()).toContain(says.toLowerCase());
    }
    // No job: no delivery was stored, nothing waits, runs or failed.
    const metrics = await metricsText(h.app);
    expect(metrics).not.toMatch(/^grb_deliveries_received_total\{/m);
    await h.app.waitIdle();
    expect(await h.app.queueCounts()).toMatchObject({ failed: 0 });
    // Refusals are counted by status.
    expect(metrics).toMatch(/^grb_webhooks_refused_total\{status="413"\} 2$/m);
    expect(metrics).toMatch(/^grb_webhooks_refused_total\{status="400"\} [1-9]/m);

    // No crash: the same process answers /ping and handles a real delivery end to end.
    expect(await (await fetch(`${h.app.url}/ping`)).text()).toBe("PONG");
    const headSha = await h.fake.commitFiles({
      branch: "edge-test",
      from: "main",
      message: "docs: a line",
      files: { "docs/edge.md": "edge\n" },
      actor: DEVELOPER,
    });
    await h.fake.openPullRequest({ head: "edge-test", title: "docs: add an edge note", actor: DEVELOPER });
    const delivered = await h.deliverPending();
    expect(delivered.map((d) => d.status)).toEqual(delivered.map(() => 200));
    const run = await h.waitForCheckRun("PR title", headSha, 30_000);
    expect(run.conclusion).toBe("success");
    expect(await metricsText(h.app)).toMatch(/^grb_deliveries_received_total\{event="pull_request"\} 1$/m);
  }, 60_000);

  test("/healthz, /readyz and /metrics answer through the real process", async () => {
    const healthz = await fetch(`${h.app.url}/healthz`);
    expect([healthz.status, await healthz.text()]).toEqual([200, "ok\n"]);
    const readyz = await fetch(`${h.app.url}/readyz`);
    expect([readyz.status, await readyz.text()]).toEqual([200, "ready\n"]);
    const metrics = await fetch(`${h.app.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    const text = await metrics.text();
    for (const state of ["waiting", "active", "delayed", "failed"]) {
      expect(text).toMatch(new RegExp(`^grb_queue_jobs\\{state="${state}"\\} \\d+$`, "m"));
    }
    expect(text).toContain("# HELP grb_feature_runs_total");
  });
});

describe("a delivery whose enqueue fails (REDIS_URL points at a Redis that is down)", () => {
  let app: AppProcess;
  let sender: WebhookSender;
  beforeAll(async () => {
    const key = throwawayAppKey();
    const secret = randomUUID();
    const downPort = (await freePort()) as number;
    // No GitHub at all (a closed port): the delivery must fail before any job would call it.
    app = await startApp({
      githubHost: `127.0.0.1:${(await freePort()) as number}`,
      appId: 4242,
      privateKey: key.privateKey,
      webhookSecret: secret,
      logLevel: "error",
      env: { REDIS_URL: `redis://127.0.0.1:${downPort}`, SHUTDOWN_DEADLINE_SECONDS: "2" },
    });
    sender = new WebhookSender({ url: app.webhookUrl, secret, appId: 4242 });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  test("→ 5xx (GitHub records the delivery as failed), /readyz 503, and the process stays up", async () => {
    const payload = examplePayload("pull_request", "opened");
    const result = await sender.send("pull_request", payload);
    expect(result.status).toBeGreaterThanOrEqual(500);
    expect(result.durationMs).toBeLessThan(9000); // before Probot's 9 s timeout would answer 202
    const readyz = await fetch(`${app.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.text()).toContain("queue unavailable");
    // Liveness does not depend on Redis: a restart would not bring it back.
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${app.url}/ping`)).text()).toBe("PONG");
    // An event no feature takes stores nothing, so it still succeeds.
    expect((await sender.send("ping", { zen: "Keep it logically awesome.", hook_id: 1 })).status).toBe(200);
    // SIGTERM with Redis still away: connections that cannot say goodbye do not hold the exit up.
    const signalled = Date.now();
    app.kill("SIGTERM");
    expect(await app.exited()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(6000);
  });
});
