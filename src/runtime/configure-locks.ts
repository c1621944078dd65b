import { Redis } from "ioredis";
import type { Probot } from "probot";
import { createLocalLock, createRedisLock, useKeyedLock } from "../util/keyed-lock.js";

/**
 * Chooses where identity locks live: in Redis when `REDIS_URL` is set (every replica sharing that Redis serialises
 * look-up-then-create on the same artifact), in-process otherwise. Returns what closes the lock's Redis connection
 * (on shutdown, after the queue: a job finishing before the deadline still releases its locks).
 */
export function configureLocks(
  log: Probot["log"],
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<void> {
  const url = env.REDIS_URL;
  if (!url) {
    useKeyedLock(createLocalLock());
    return async () => undefined;
  }
  // While Redis is away a lock request fails after 3 reconnection attempts (the delivery then fails visibly with
  // a 500) instead of waiting without end. The name shows in Redis' CLIENT LIST.
  const redis = new Redis(url, { maxRetriesPerRequest: 3, connectionName: "grb-locks" });
  // Without a listener, ioredis prints every connection error unstructured; REDIS_URL may hold a password, and
  // ioredis' error messages name only host and port.
  redis.on("error", (error: Error) =>
    log.error({ err: error, source: "redis-lock" }, "Redis for identity locks"),
  );
  useKeyedLock(createRedisLock(redis));
  return async () => {
    // QUIT lets replies under way arrive; a Redis that is away (QUIT would wait for it) gets a plain disconnect.
    const quit = redis.quit().catch(() => undefined);
    await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    redis.disconnect();
  };
}
