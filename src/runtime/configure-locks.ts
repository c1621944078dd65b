import { Redis } from "ioredis";
import { createLocalLock, createRedisLock, useKeyedLock } from "../util/keyed-lock.js";

/**
 * Chooses where identity locks live: in Redis when `REDIS_URL` is set (every replica sharing that Redis serialises
 * look-up-then-create on the same artifact), in-process otherwise. Returns the Redis client so the caller can close
 * it on shutdown, or null.
 */
export function configureLocks(env: NodeJS.ProcessEnv = process.env): Redis | null {
  const url = env.REDIS_URL;
  if (!url) {
    useKeyedLock(createLocalLock());
    return null;
  }
  // A lock request must fail (and the job be retried) rather than queue forever while Redis is away.
  const redis = new Redis(url, { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: false });
  useKeyedLock(createRedisLock(redis));
  return redis;
}
