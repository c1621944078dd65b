import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { Probot } from "probot";
import { waitUntil } from "../../demo/lib/wait-until.js";
import { createGitopsReleaseBot } from "../../src/index.js";
import type { Runtime } from "../../src/runtime/start-runtime.js";
import { createLocalLock, useKeyedLock } from "../../src/util/keyed-lock.js";
import { startTestRedis, type TestRedis } from "../helpers/redis-server.js";
import { TEST_APP_ID, testPrivateKey } from "../helpers/test-app.js";

let redis: TestRedis;
beforeAll(async () => {
  // A server of its own: the test reads every client connected to it.
  redis = await startTestRedis({ dedicated: true });
});
afterAll(async () => {
  useKeyedLock(createLocalLock());
  await redis.stop();
});

/** Names of the app's connections to Redis (ioredis `connectionName`, seen in CLIENT LIST). */
async function appClients(): Promise<string[]> {
  const list = (await redis.client().call("CLIENT", "LIST")) as string;
  return [...list.matchAll(/\bname=(grb-[\w-]+)/g)].map((m) => m[1]!).sort();
}

describe("the runtime with REDIS_URL", () => {
  test("shutdown closes every Redis connection it opened: the queue's, the worker's and the identity locks'", async () => {
    let runtime: Runtime | undefined;
    const probot = new Probot({ appId: TEST_APP_ID, privateKey: testPrivateKey(), logLevel: "fatal" });
    await probot.load(
      createGitopsReleaseBot({ env: { REDIS_URL: redis.url }, onRuntime: (r) => (runtime = r) }),
    );
    // The producer, the worker's connection and its blocking duplicate, the lock client.
    const open = await waitUntil("the app's Redis connections", async () => {
      const names = await appClients();
      return ["grb-locks", "grb-queue", "grb-worker"].every((n) => names.includes(n)) && names;
    });
    expect(open).toContain("grb-locks");
    expect(await runtime!.queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    await runtime!.shutdown();
    await waitUntil("every app connection to be closed", async () => (await appClients()).length === 0, {
      timeoutMs: 5000,
    });
  });
});
