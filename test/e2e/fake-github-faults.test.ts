import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { appJwt } from "../../demo/lib/app-jwt.js";
import { throwawayAppKey } from "../../demo/lib/app-process.js";
import { FakeGitHub } from "../../demo/lib/fake-github.js";
import { WebhookSender } from "../../demo/lib/webhook-sender.js";

/**
 * The fake GitHub misbehaves like GitHub when asked (server errors, rate limits, resets, slow answers), answers
 * conditional requests, counts what GitHub would charge, and keeps the App's webhook delivery log with GitHub's
 * list/get/redeliver endpoints. Plain HTTP (fetch), so every header and status is visible as sent.
 */
describe("FakeGitHub faults, conditional requests and the delivery log", () => {
  const APP_ID = 777;
  const key = throwawayAppKey();
  const repoPath = "/repos/berndonline/k8s-gitops-at-scale";
  let fake: FakeGitHub;
  let token: string;

  beforeAll(async () => {
    fake = await FakeGitHub.start({ appId: APP_ID, appPublicKey: key.publicKey });
    token = fake.issueToken();
  }, 60_000);
  afterEach(() => fake.clearFaults());
  afterAll(async () => {
    await fake?.close();
  });

  type Answer = { status: number; headers: Headers; text: string; json: any };
  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; app?: boolean } = {},
  ): Promise<Answer> => {
    const response = await fetch(`${fake.urls.api}${path}`, {
      method,
      headers: {
        accept: "application/vnd.github+json",
        authorization: options.app
          ? `Bearer ${appJwt({ appId: APP_ID, privateKey: key.privateKey })}`
          : `token ${token}`,
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : null };
  };
  const lastRecord = () => fake.requests[fake.requests.length - 1]!;

  test("5xx: 500, 502 or 503 with GitHub's error body; a faulted write changes nothing; `on: writes` spares reads", async () => {
    fake.injectFaults({ mode: "5xx", on: "writes" });
    const before = await fake.snapshot();
    const faults = fake.faults["5xx"];
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const answer = await call("POST", `${repoPath}/labels`, {
        body: { name: `flaky-${i}`, color: "ededed" },
      });
      statuses.add(answer.status);
      expect(answer.json).toEqual({
        message: expect.any(String),
        documentation_url: expect.stringContaining("docs.github.com"),
      });
      expect(lastRecord()).toMatchObject({
        fault: "5xx",
        status: answer.status,
        route: "/repos/:owner/:repo/labels",
      });
    }
    expect([...statuses].every((s) => [500, 502, 503].includes(s))).toBe(true);
    expect(statuses.size).toBeGreaterThan(1); // drawn, not always the same
    expect(fake.faults["5xx"]).toBe(faults + 12);
    expect(await fake.snapshot()).toBe(before);
    expect((await call("GET", `${repoPath}/labels`)).status).toBe(200);
    expect(lastRecord().fault).toBeNull();

    fake.injectFaults({ mode: "5xx", status: 503 });
    expect((await call("GET", repoPath)).status).toBe(503);
    fake.clearFaults();
    expect((await call("POST", `${repoPath}/labels`, { body: { name: "steady" } })).status).toBe(201);
    expect(fake.labels.has("steady")).toBe(true);
  });

  test("secondary rate limit (403) and 429: GitHub's message and `retry-after` (configurable, default 1 s)", async () => {
    fake.injectFaults({ mode: "secondary-rate-limit", retryAfter: 7, maxFaults: 1 });
    const limited = await call("POST", `${repoPath}/labels`, { body: { name: "secondary" } });
    expect(limited.status).toBe(403);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.json.message).toContain("You have exceeded a secondary rate limit");
    expect(fake.labels.has("secondary")).toBe(false);
    // maxFaults: 1 — the next request goes through.
    expect((await call("POST", `${repoPath}/labels`, { body: { name: "secondary" } })).status).toBe(201);

    fake.injectFaults({ mode: "429" });
    const tooMany = await call("GET", repoPath);
    expect(tooMany.status).toBe(429);
    expect(tooMany.headers.get("retry-after")).toBe("1");
    expect(tooMany.json.message).toContain("secondary rate limit");
    expect(lastRecord().fault).toBe("429");
  });

  test("primary rate limit: 403, x-ratelimit-remaining 0, x-ratelimit-reset = now + N, GitHub's message", async () => {
    fake.injectFaults({ mode: "primary-rate-limit", retryAfter: 30 });
    const now = Math.floor(Date.now() / 1000);
    const answer = await call("GET", `${repoPath}/labels`);
    expect(answer.status).toBe(403);
    expect(answer.headers.get("x-ratelimit-remaining")).toBe("0");
    const reset = Number(answer.headers.get("x-ratelimit-reset"));
    expect(reset).toBeGreaterThanOrEqual(now + 29);
    expect(reset).toBeLessThanOrEqual(now + 32);
    expect(answer.json.message).toMatch(/^API rate limit exceeded for installation ID 2\b/);
    expect(answer.headers.get("retry-after")).toBeNull(); // primary limits say when via x-ratelimit-reset only
  });

  test("reset: the connection is dropped unanswered and the write did not happen", async () => {
    fake.injectFaults({ mode: "reset", route: "POST /repos/:owner/:repo/labels" });
    const before = await fake.snapshot();
    await expect(call("POST", `${repoPath}/labels`, { body: { name: "lost" } })).rejects.toThrow();
    expect(lastRecord()).toMatchObject({ fault: "reset", status: 0 });
    expect(await fake.snapshot()).toBe(before);
    // Other routes are untouched; the server is fine after the reset.
    expect((await call("GET", `${repoPath}/labels/steady`)).status).toBe(200);
  });

  test("after: true — the write happens, then its answer is lost (a 502, or no answer at all)", async () => {
    fake.injectFaults({ mode: "5xx", status: 502, after: true, route: "POST /repos/:owner/:repo/labels" });
    const lost502 = await call("POST", `${repoPath}/labels`, { body: { name: "done-502" } });
    expect(lost502.status).toBe(502);
    expect(lastRecord()).toMatchObject({ fault: "5xx", status: 502 });
    expect(fake.labels.has("done-502")).toBe(true);
    fake.injectFaults({ mode: "reset", after: true, route: "POST /repos/:owner/:repo/labels" });
    await expect(call("POST", `${repoPath}/labels`, { body: { name: "done-reset" } })).rejects.toThrow();
    expect(lastRecord()).toMatchObject({ fault: "reset", status: 0, faultAfter: true });
    expect(fake.labels.has("done-reset")).toBe(true);
    // GitHub did the work: it counts against the rate limit, unlike a reset before it.
    expect(fake.rateLimitedCalls({ since: fake.requests.length - 1 })).toBe(1);
    expect(() => fake.injectFaults({ mode: "slow", after: true })).toThrow(/after/);
  });

  test("slow: the answer is late but the write happened at once, and other requests are not held up", async () => {
    fake.injectFaults({ mode: "slow", delayMs: 1500, route: /\/labels$/, on: "writes" });
    const started = Date.now();
    let slowDone = 0;
    const slow = call("POST", `${repoPath}/labels`, { body: { name: "late" } }).then((answer) => {
      slowDone = Date.now();
      return answer;
    });
    // The handler already ran: the label exists while its answer is still on the way.
    const deadline = Date.now() + 1000;
    while (!fake.labels.has("late") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(fake.labels.has("late")).toBe(true);
    const fast = await call("GET", `${repoPath}/labels/late`);
    expect(fast.status).toBe(200);
    expect(slowDone).toBe(0);
    const answer = await slow;
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ name: "late" });
    expect(slowDone - started).toBeGreaterThanOrEqual(1400);
    expect(fake.faults.slow).toBeGreaterThanOrEqual(1);
  });

  test("fraction and seed: the same seed fails the same requests; route narrows, maxFaults stops", async () => {
    const pattern = async (seed: number) => {
      fake.injectFaults({ mode: "5xx", fraction: 0.5, seed, route: "GET /repos/:owner/:repo/labels" });
      const failed: boolean[] = [];
      for (let i = 0; i < 16; i++) {
        failed.push((await call("GET", `${repoPath}/labels`)).status >= 500);
        // Not the route: never faulted, and takes no draw from the PRNG.
        expect((await call("GET", repoPath)).status).toBe(200);
      }
      return failed;
    };
    const first = await pattern(42);
    expect(await pattern(42)).toEqual(first);
    expect(await pattern(7)).not.toEqual(first);
    const count = first.filter(Boolean).length;
    expect(count).toBeGreaterThan(2);
    expect(count).toBeLessThan(14);

    fake.injectFaults({ mode: "5xx", on: "reads", maxFaults: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call("GET", repoPath)).status);
    expect(statuses.map((s) => s >= 500)).toEqual([true, true, false, false]);
    fake.injectFaults({ mode: "5xx", on: "reads" });
    expect((await call("POST", `${repoPath}/labels`, { body: { name: "read-only-faults" } })).status).toBe(
      201,
    );
  });

  test("the installation-token endpoint is faulted only when `route` names it", async () => {
    const tokenPath = "/app/installations/2/access_tokens";
    fake.injectFaults({ mode: "5xx" });
    expect((await call("POST", tokenPath, { app: true })).status).toBe(201);
    fake.injectFaults({ mode: "5xx", route: /.*/ });
    expect((await call("POST", tokenPath, { app: true })).status).toBe(201);
    fake.injectFaults({ mode: "5xx", route: "POST /app/installations/:installation_id/access_tokens" });
    expect((await call("POST", tokenPath, { app: true })).status).toBeGreaterThanOrEqual(500);
  });

  test("faults can be given at start (FakeGitHubOptions.faults)", async () => {
    const other = await FakeGitHub.start({ faults: { mode: "429", maxFaults: 1 } });
    try {
      const headers = { authorization: `token ${other.issueToken()}` };
      expect((await fetch(`${other.urls.api}${repoPath}`, { headers })).status).toBe(429);
      expect((await fetch(`${other.urls.api}${repoPath}`, { headers })).status).toBe(200);
      expect(other.faults["429"]).toBe(1);
    } finally {
      await other.close();
    }
  }, 60_000);

  test("ETag and If-None-Match: 304 without a body, counted in notModified; a change gives a new ETag", async () => {
    const first = await call("GET", `${repoPath}/labels`);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{64}"$/);
    const notModified = fake.notModified;
    const again = await call("GET", `${repoPath}/labels`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
    expect(fake.notModified).toBe(notModified + 1);
    // Weak comparison, lists and `*`.
    const strong = etag.replace(/^W\//, "");
    expect(
      (await call("GET", `${repoPath}/labels`, { headers: { "if-none-match": `"x", ${strong}` } })).status,
    ).toBe(304);
    expect(
      (await call("GET", `${repoPath}/labels`, { headers: { "if-none-match": '"other"' } })).status,
    ).toBe(200);
    await call("POST", `${repoPath}/labels`, { body: { name: "changes-the-list" } });
    const changed = await call("GET", `${repoPath}/labels`, { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    // Writes carry no ETag.
    expect(
      (await call("POST", `${repoPath}/labels`, { body: { name: "no-etag" } })).headers.get("etag"),
    ).toBeNull();
  });

  test("rateLimitedCalls: 304 answers, resets and primary-limit refusals are free; other faults count", async () => {
    const since = fake.requests.length;
    const { headers } = await call("GET", `${repoPath}/labels`); // 1
    await call("GET", `${repoPath}/labels`, { headers: { "if-none-match": headers.get("etag")! } }); // free
    fake.injectFaults({ mode: "primary-rate-limit", maxFaults: 1 });
    await call("GET", repoPath); // free
    fake.injectFaults({ mode: "reset", maxFaults: 1 });
    await expect(call("GET", repoPath)).rejects.toThrow(); // free
    fake.injectFaults({ mode: "5xx", maxFaults: 1 });
    await call("GET", repoPath); // 2
    fake.injectFaults({ mode: "secondary-rate-limit", maxFaults: 1 });
    await call("GET", repoPath); // 3
    fake.clearFaults();
    await call("GET", repoPath); // 4
    expect(fake.requests.length - since).toBe(7);
    expect(fake.rateLimitedCalls({ since })).toBe(4);
    expect(fake.rateLimitedCalls()).toBeGreaterThan(fake.rateLimitedCalls({ since }));
  });

  describe("the App's webhook delivery log", () => {
    let receiver: Server;
    let receiverUrl: string;
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    let sender: WebhookSender;
    const secret = "delivery-log-secret";

    beforeAll(async () => {
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          received.push({ headers: req.headers, body });
          const failing = JSON.parse(body).action === "fail-me";
          res.writeHead(failing ? 500 : 200, { "content-type": "text/plain" });
          res.end(failing ? "boom" : "ok");
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      const address = receiver.address();
      receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/api/github/webhooks`;
      sender = new WebhookSender({
        url: receiverUrl,
        secret,
        appId: APP_ID,
        onDelivered: (delivery, result) => fake.recordDelivery(delivery, result),
      });
      fake.setWebhookTarget({ url: receiverUrl, secret });
    });
    afterAll(async () => {
      await new Promise((resolve) => receiver.close(resolve));
    });

    const payload = (action: string) => ({ action, installation: { id: 2 }, repository: { id: 4242 } });

    test("list (newest first, per_page + cursor + Link), status filter and get: GitHub's shapes", async () => {
      await sender.send("issues", payload("opened"));
      await sender.send("issues", payload("fail-me"));
      await sender.send("push", { ref: "refs/heads/main", installation: { id: 2 } });
      const since = fake.requests.length;

      const page1 = await call("GET", "/app/hook/deliveries?per_page=2", { app: true });
      expect(page1.status).toBe(200);
      expect(page1.json.map((d: any) => [d.event, d.action])).toEqual([
        ["push", null],
        ["issues", "fail-me"],
      ]);
      expect(page1.json[0]).toMatchObject({
        installation_id: 2,
        repository_id: null,
        status: "OK",
        status_code: 200,
      });
      expect(page1.json[1]).toMatchObject({
        repository_id: 4242,
        redelivery: false,
        status: "Invalid HTTP Response: 500",
        status_code: 500,
      });
      expect(page1.json[0].guid).toBe(sender.deliveries[2]!.id);
      expect(page1.json[0].id).toBeGreaterThan(2 ** 32);
      const next = /<([^>]+)>; rel="next"/.exec(page1.headers.get("link") ?? "")?.[1];
      expect(next).toMatch(/[?&]cursor=v1_\d+/);
      const page2 = await fetch(next!, {
        headers: { authorization: `Bearer ${appJwt({ appId: APP_ID, privateKey: key.privateKey })}` },
      });
      const rest = (await page2.json()) as any[];
      expect(rest.map((d) => d.action)).toEqual(["opened"]);
      expect(page2.headers.get("link")).toBeNull();

      const failures = await call("GET", "/app/hook/deliveries?status=failure", { app: true });
      expect(failures.json.map((d: any) => d.action)).toEqual(["fail-me"]);

      const one = await call("GET", `/app/hook/deliveries/${page1.json[1].id}`, { app: true });
      expect(one.status).toBe(200);
      expect(one.json).toMatchObject({
        id: page1.json[1].id,
        guid: sender.deliveries[1]!.id,
        url: receiverUrl,
        request: { payload: payload("fail-me") },
        response: { payload: "boom" },
      });
      expect(one.json.request.headers["x-github-delivery"]).toBe(sender.deliveries[1]!.id);
      expect((await call("GET", "/app/hook/deliveries/1", { app: true })).status).toBe(404);
      // The fake checked its own answers against GitHub's schema (hook-delivery-item, hook-delivery).
      expect(fake.requests.slice(since).flatMap((r) => r.problems)).toEqual([]);
      expect(fake.requests.slice(since).map((r) => r.route)).toContain("/app/hook/deliveries/:delivery_id");
    });

    test("redeliver: 202 at once, then the same bytes and GUID reach the app; a new entry with redelivery true", async () => {
      const original = fake.deliveryLog.find((e) => e.item.action === "fail-me")!;
      received.length = 0;
      const answer = await call("POST", `/app/hook/deliveries/${original.item.id}/attempts`, { app: true });
      expect(answer.status).toBe(202);
      expect(answer.json).toEqual({});
      await fake.settled();
      expect(received).toHaveLength(1);
      expect(received[0]!.body).toBe(original.delivery.body);
      expect(received[0]!.headers["x-github-delivery"]).toBe(original.item.guid);
      expect(received[0]!.headers["x-hub-signature-256"]).toBe(
        original.delivery.headers["x-hub-signature-256"],
      );
      const latest = fake.deliveryLog[fake.deliveryLog.length - 1]!;
      expect(latest.item).toMatchObject({ guid: original.item.guid, redelivery: true, status_code: 500 });
      expect(latest.item.id).toBeGreaterThan(original.item.id);
      const listed = await call("GET", "/app/hook/deliveries?per_page=1", { app: true });
      expect(listed.json[0]).toMatchObject({ id: latest.item.id, redelivery: true });
      expect(fake.problems()).toEqual([]);
    });

    test("the delivery endpoints need the app's JWT", async () => {
      const before = fake.requests.length;
      expect((await call("GET", "/app/hook/deliveries")).status).toBe(401);
      const [record] = fake.requests.slice(before);
      expect(record!.problems).toEqual([expect.stringContaining("app authentication failed")]);
      record!.problems.length = 0;
    });
  });

  test("every request and answer of these tests was schema-valid and routed", () => {
    expect(fake.problems()).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  });
});
