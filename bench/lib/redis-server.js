// @ts-check
// A throwaway redis-server on a free loopback port for the two-replica runs, or null when Redis is not installed.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../../demo/lib/app-process.js";

export async function startRedis() {
  if (spawnSync("redis-server", ["--version"]).error) return null;
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "grb-bench-redis-"));
  const server = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  const killOnExit = () => server.kill("SIGKILL");
  process.once("exit", killOnExit);
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) });
  // Refused until the server listens: ioredis retries; the first failures are expected.
  client.on("error", () => {});
  await client.ping();
  return {
    url,
    /** Empties every key (queue, locks, buckets) between runs. */
    flush: async () => {
      await client.flushall();
    },
    stop: async () => {
      client.disconnect();
      process.removeListener("exit", killOnExit);
      server.kill("SIGTERM");
      await new Promise((resolve) => server.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
