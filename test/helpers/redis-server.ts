import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../../demo/lib/app-process.js";

export interface TestRedis {
  url: string;
  /** A new client on this server (one per simulated replica). */
  client(): Redis;
  stop(): Promise<void>;
}

/**
 * A real Redis for tests: the one `.ci/run` started (`TEST_REDIS_URL`), or Debian's `redis-server` started here on
 * a free loopback port. Never skipped: without either, the test fails and says how to install Redis.
 * `dedicated`: always a server of its own, for tests that use the app's fixed key names (its `deliveries` queue)
 * or inspect every client (`CLIENT LIST`), which other test files running at the same time would disturb.
 */
export async function startTestRedis(options: { dedicated?: boolean } = {}): Promise<TestRedis> {
  const clients: Redis[] = [];
  const client = (url: string) => () => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    clients.push(redis);
    return redis;
  };
  const closeClients = async () => {
    await Promise.all(clients.map((redis) => redis.quit().catch(() => redis.disconnect())));
  };
  const given = process.env.TEST_REDIS_URL;
  if (given && !options.dedicated) return { url: given, client: client(given), stop: closeClients };

  if (spawnSync("redis-server", ["--version"]).error) {
    throw new Error(
      "These tests need a real Redis: install Debian's redis-server (apt-get install -y redis-server) " +
        "or set TEST_REDIS_URL=redis://127.0.0.1:<port>.",
    );
  }
  const port = (await freePort()) as number;
  const dir = mkdtempSync(join(tmpdir(), "redis-"));
  const server: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) });
  await probe.ping();
  probe.disconnect();
  return {
    url,
    client: client(url),
    stop: async () => {
      await closeClients();
      server.kill("SIGTERM");
      await new Promise((resolve) => server.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
