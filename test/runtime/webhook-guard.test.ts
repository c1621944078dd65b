import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { Probot, Server } from "probot";
import { freePort } from "../../demo/lib/app-process.js";
import { signature } from "../../demo/lib/webhook-sender.js";
import { createGitopsReleaseBot } from "../../src/index.js";
import { createMemoryQueue } from "../../src/runtime/memory-queue.js";
import type { Runtime } from "../../src/runtime/start-runtime.js";
import { TEST_APP_ID, testPrivateKey } from "../helpers/test-app.js";

const SECRET = "guard-secret";
const MB = 1024 * 1024;

/**
 * Probot's own Server (what `probot run` starts), in this process: same handler order, no child process. The app's
 * environment names `envSecret` as WEBHOOK_SECRET (the guard signs while the body streams in when it is Probot's).
 */
async function startServer(envSecret: string) {
  const port = (await freePort()) as number;
  let runtime: Runtime | undefined;
  const server = new Server({
    Probot: Probot.defaults({
      appId: TEST_APP_ID,
      privateKey: testPrivateKey(),
      secret: SECRET,
      logLevel: "fatal",
    }),
    log: new Probot({ appId: TEST_APP_ID, privateKey: testPrivateKey(), logLevel: "fatal" }).log,
    port,
    host: "127.0.0.1",
  });
  await server.load(
    createGitopsReleaseBot({
      queue: createMemoryQueue(),
      keepLocks: true,
      env: { ...process.env, WEBHOOK_SECRET: envSecret },
      onRuntime: (r) => (runtime = r),
    }),
  );
  await server.start();
  return {
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      await runtime?.shutdown();
      await server.stop();
    },
  };
}

let base: string;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ base, stop } = await startServer(SECRET));
});
afterAll(async () => {
  await stop?.();
});

/** A signed POST. fetch, not node:http: another test file's nock stays patched into node:http in this jest worker. */
async function post(path: string, event: string, body: string, extra: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signature(SECRET, body),
      ...extra,
    },
    body,
  });
  return { status: response.status, body: await response.text() };
}

const ping = JSON.stringify({ zen: "Design for failure.", hook_id: 1 });
const huge = () => JSON.stringify({ zen: "x".repeat(26 * MB), hook_id: 1 });

describe("the webhook guard on Probot's own Server", () => {
  test("a valid delivery passes through to Probot's middleware (leading whitespace and a query string too)", async () => {
    expect(await post("/api/github/webhooks", "ping", ping)).toEqual({ status: 200, body: "ok\n" });
    const spaced = `\n  ${ping}`;
    expect((await post("/api/github/webhooks?source=test", "ping", spaced)).status).toBe(200);
  });

  test("the route's other spellings (trailing slash, query) are guarded too: Probot's middleware accepts them", async () => {
    for (const path of ["/api/github/webhooks/", "/api/github/webhooks?x=1", "/api/github/webhooks//"]) {
      const answer = await post(path, "ping", huge());
      expect({ path, status: answer.status }).toEqual({ path, status: 413 });
    }
  });

  test("a body of exactly 25 MB is read (and then judged by its signature); one byte more is refused", async () => {
    const limit = 25 * MB;
    const atLimit = `{"a":"${"x".repeat(limit - 8)}"}`;
    expect(Buffer.byteLength(atLimit)).toBe(limit);
    const badSignature = { "x-hub-signature-256": `sha256=${"0".repeat(64)}` };
    const forged = await post("/api/github/webhooks", "ping", atLimit, badSignature);
    expect(forged).toEqual({
      status: 400,
      body: '{"error":"signature does not match event payload and secret"}',
    });
    // Refused by the guard (counted), before Probot, which would log the whole 25 MB payload.
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(
      /^grb_webhooks_refused_total\{status="400"\} 1$/m,
    );
    const over = `{"a":"${"x".repeat(limit - 7)}"}`;
    expect((await post("/api/github/webhooks", "ping", over)).status).toBe(413);
  });

  test("a signature header that is not sha256= and 64 hex digits is refused before the body is read", async () => {
    for (const header of [
      "sha256=00",
      "sha1=0123456789abcdef0123456789abcdef01234567",
      `sha256=${"g".repeat(64)}`,
    ]) {
      expect(await post("/api/github/webhooks", "ping", ping, { "x-hub-signature-256": header })).toEqual({
        status: 400,
        body: JSON.stringify({
          error:
            `X-Hub-Signature-256 ${JSON.stringify(header)} is not "sha256=" followed by 64 hexadecimal digits: ` +
            "sign the body with HMAC-SHA256 and the webhook secret, as GitHub does",
        }),
      });
    }
  });

  test("a WEBHOOK_SECRET in the app's environment that is not Probot's secret: Probot's verify decides", async () => {
    const other = await startServer("not-probots-secret");
    try {
      const signedWithProbots = await fetch(`${other.base}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": signature(SECRET, ping),
        },
        body: ping,
      });
      expect(signedWithProbots.status).toBe(200);
    } finally {
      await other.stop();
    }
  });

  test("only webhook POSTs are taken aside: GET on the route, and the private route called from outside, are 404", async () => {
    const get = await fetch(`${base}/api/github/webhooks`);
    expect(get.status).toBe(404);
    const other = await post("/__grb_guarded_webhook_x", "ping", ping);
    expect(other.status).toBe(404);
    expect((await fetch(`${base}/ping`)).status).toBe(200);
  });
});
