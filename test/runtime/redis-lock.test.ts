import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import {
  createLocalLock,
  createRedisLock,
  type KeyedLock,
  LockLostError,
  useKeyedLock,
} from "../../src/util/keyed-lock.js";
import { mockGitHub, OPT_IN_DEFAULTS_YAML, resetNock } from "../helpers/mock-github.js";
import { startTestRedis, type TestRedis } from "../helpers/redis-server.js";
import { createTestApp } from "../helpers/test-app.js";
import { examplePayload } from "../helpers/webhooks.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  useKeyedLock(createLocalLock());
  await redis.stop();
});

/** Spreads calls over several "replicas" in turn: only what they share (Redis) can serialise them. */
function alternate(locks: KeyedLock[]): KeyedLock {
  let next = 0;
  return (key, task) => locks[next++ % locks.length]!(key, task);
}

/** The race every bot-owned artifact has: look up, wait for GitHub, create when none was found. */
async function findOrCreate(store: string[], name: string): Promise<void> {
  const found = store.includes(name);
  await sleep(15);
  if (!found) store.push(name);
}

describe("Redis identity lock (two replicas, one Redis)", () => {
  const prefix = () => `test:${Math.random().toString(36).slice(2)}:`;

  test("20 concurrent look-up-then-create on one key from two replicas → one artifact; without it, duplicates", async () => {
    const p = prefix();
    const shared = alternate([
      createRedisLock(redis.client(), { prefix: p }),
      createRedisLock(redis.client(), { prefix: p }),
    ]);
    const store: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, () => shared("o/r@sha#PR title", () => findOrCreate(store, "run"))),
    );
    expect(store).toEqual(["run"]);

    // The same race with each replica's lock in its own memory (today's behaviour on several replicas).
    const unshared = alternate([createLocalLock(), createLocalLock()]);
    const racy: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, () => unshared("o/r@sha#PR title", () => findOrCreate(racy, "run"))),
    );
    expect(racy.length).toBeGreaterThan(1);
  });

  test("fencing tokens grow across replicas; different keys do not wait for each other", async () => {
    const p = prefix();
    const a = createRedisLock(redis.client(), { prefix: p });
    const b = createRedisLock(redis.client(), { prefix: p });
    const fences: number[] = [];
    await a("k", async (lease) => void fences.push(lease.fence));
    await b("k", async (lease) => void fences.push(lease.fence));
    await a("k", async (lease) => void fences.push(lease.fence));
    expect(fences).toEqual([1, 2, 3]);
    const order: string[] = [];
    await Promise.all([
      a("slow", async () => {
        await sleep(100);
        order.push("slow");
      }),
      b("fast", async () => void order.push("fast")),
    ]);
    expect(order).toEqual(["fast", "slow"]);
  });

  test("a paused holder whose lock expired cannot write, and its release leaves the new holder's lock alone", async () => {
    const p = prefix();
    const paused = createRedisLock(redis.client(), { prefix: p, ttlMs: 150, renew: false });
    const other = createRedisLock(redis.client(), { prefix: p, ttlMs: 5_000 });
    const writes: string[] = [];
    let releaseOther!: () => void;
    const otherHolds = new Promise<void>((resolve) => (releaseOther = resolve));
    let otherLease: Parameters<Parameters<KeyedLock>[1]>[0] | undefined;

    const first = paused("k", async (lease) => {
      await sleep(400); // a GC pause or a slow answer, longer than the lock's life
      await lease.assertHeld();
      writes.push("paused");
    });
    await sleep(200);
    const second = other("k", async (lease) => {
      otherLease = lease;
      await otherHolds;
      await lease.assertHeld();
      writes.push("other");
    });
    await expect(first).rejects.toBeInstanceOf(LockLostError);
    await expect(first).rejects.toThrow('Lost the lock on "k" before writing');
    // The paused holder's release ran; the new holder still holds the lock.
    await expect(otherLease!.assertHeld()).resolves.toBeUndefined();
    releaseOther();
    await second;
    expect(writes).toEqual(["other"]);
  });

  test("a renewed lease outlives its ttl while the task runs", async () => {
    const p = prefix();
    const lock = createRedisLock(redis.client(), { prefix: p, ttlMs: 150 });
    await expect(
      lock("k", async (lease) => {
        await sleep(450);
        await lease.assertHeld();
        return "wrote";
      }),
    ).resolves.toBe("wrote");
  });

  test("a crashed holder (never released) blocks the key only until its expiry", async () => {
    const p = prefix();
    const client = redis.client();
    await client.set(`${p}k`, "a replica that died", "PX", 200);
    const started = Date.now();
    await createRedisLock(redis.client(), { prefix: p })("k", async () => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});

describe("the app on two replicas sharing Redis", () => {
  let probot: Probot;
  afterEach(() => {
    resetNock();
    useKeyedLock(createLocalLock());
  });

  test("the same pull_request.opened delivered 10 times at once, spread over two replicas → one check run", async () => {
    resetNock();
    const p = `app:${Math.random().toString(36).slice(2)}:`;
    useKeyedLock(
      alternate([
        createRedisLock(redis.client(), { prefix: p }),
        createRedisLock(redis.client(), { prefix: p }),
      ]),
    );
    probot = await createTestApp(["prTitle"]);
    const payload = examplePayload("pull_request", "opened");
    payload.pull_request.title = "feat: add x";
    const owner = payload.repository.owner.login as string;
    const repo = payload.repository.name as string;
    const sha = payload.pull_request.head.sha as string;
    const gh = mockGitHub();
    const created: Array<Record<string, unknown>> = [];
    gh.api
      .persist()
      .get(`/repos/${owner}/${repo}/contents/.github%2Fgitops-release-bot.yml`)
      .reply(200, OPT_IN_DEFAULTS_YAML, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" })
      .get(`/repos/${owner}/${repo}/commits/${sha}/check-runs`)
      .query(true)
      .delay(20)
      .reply(200, () => ({
        total_count: created.length,
        check_runs: created.map((run, index) => ({ id: index + 1, status: "completed", ...run })),
      }))
      .post(`/repos/${owner}/${repo}/check-runs`)
      .reply(201, (async (request: Request) => {
        created.push((await request.json()) as Record<string, unknown>);
        return { id: created.length };
      }) as never);
    await Promise.all(
      Array.from({ length: 10 }, () =>
        probot.receive({ name: "pull_request", id: "same-delivery", payload } as never),
      ),
    );
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ name: "PR title", head_sha: sha, conclusion: "success" });
    expect(gh.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    gh.finish();
  });
});
