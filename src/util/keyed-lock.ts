import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * What a task holding an identity lock can ask of it. `assertHeld()` is the fencing check: call it right before a
 * write, so that a holder that was paused (GC, a stalled event loop, a slow GitHub answer) past the lock's expiry
 * does not write over what the next holder decided. GitHub offers no conditional write on check runs, releases or
 * issues, so the check is "still the holder, with the newest fencing token" just before the request.
 */
export interface Lease {
  /** Fencing token: strictly increasing per key across every replica sharing the Redis. 0 in-process. */
  readonly fence: number;
  /** Throws `LockLostError` when another holder has taken the key since this lease began. */
  assertHeld(): Promise<void>;
}

export class LockLostError extends Error {
  constructor(readonly key: string) {
    super(
      `Lost the lock on "${key}" before writing: it expired (the holder was paused longer than the lock's ` +
        `life) and another instance holds it now, so this attempt writes nothing here; the job is retried and ` +
        `decides again on fresh data.`,
    );
    this.name = "LockLostError";
  }
}

/** The key stayed busy for the whole wait: the job is retried later (see classify-failure.ts). */
export class LockTimeoutError extends Error {
  constructor(
    readonly key: string,
    waitMs: number,
    ttlMs: number,
  ) {
    super(
      `Timed out after ${waitMs} ms waiting for the lock on "${key}" in Redis: another instance holds it ` +
        `(a lock lives ${ttlMs} ms without renewal) or Redis does not answer. The job is retried; if this ` +
        `persists, check REDIS_URL's server.`,
    );
    this.name = "LockTimeoutError";
  }
}

export type KeyedLock = <T>(key: string, task: (lease: Lease) => Promise<T>) => Promise<T>;

/**
 * In-process identity lock: runs `task` after every earlier task with the same key has settled. Bot-owned artifacts
 * are looked up and then created; two deliveries of the same webhook arriving together would otherwise both see
 * "none" and both create.
 */
export function createLocalLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  const lease: Lease = { fence: 0, assertHeld: async () => undefined };
  return async <T>(key: string, task: (lease: Lease) => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(
      () => task(lease),
      () => task(lease),
    );
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

export interface RedisLockOptions {
  /** How long a lock lives without renewal. A crashed holder blocks the key at most this long. */
  ttlMs?: number;
  /** How long to wait for a busy key before giving up with an error (the job is then retried). */
  waitMs?: number;
  /** Key prefix in Redis. */
  prefix?: string;
  /** Renew the lease every ttl/3 while the task runs (tests turn it off to simulate a paused holder). */
  renew?: boolean;
}

// Delete or extend only our own lock: the value is this holder's random token.
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
// Acquire and take the next fencing token in one step, so tokens are ordered exactly like acquisitions.
const ACQUIRE = `if redis.call("set", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then return redis.call("incr", KEYS[2]) else return 0 end`;

/**
 * Identity lock shared by every replica through Redis (SET NX PX with a random token, a fencing counter, renewal
 * while the task runs, compare-and-delete on release). Within one process, tasks on a key are also serialised
 * locally first, so a process never polls Redis against itself.
 */
export function createRedisLock(redis: Redis, options: RedisLockOptions = {}): KeyedLock {
  const ttlMs = options.ttlMs ?? 30_000;
  const waitMs = options.waitMs ?? 60_000;
  const prefix = options.prefix ?? "gitops-release-bot:lock:";
  const renew = options.renew ?? true;
  const local = createLocalLock();

  return <T>(key: string, task: (lease: Lease) => Promise<T>): Promise<T> =>
    local(key, async () => {
      const lockKey = `${prefix}${key}`;
      const fenceKey = `${prefix}fence:${key}`;
      const token = randomUUID();
      const deadline = Date.now() + waitMs;
      let fence = 0;
      for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
        fence = Number(await redis.eval(ACQUIRE, 2, lockKey, fenceKey, token, String(ttlMs)));
        if (fence > 0) break;
        if (Date.now() > deadline) {
          throw new LockTimeoutError(key, waitMs, ttlMs);
        }
        await sleep(delay + Math.random() * delay);
      }
      const timer = renew
        ? setInterval(
            () => void redis.eval(EXTEND, 1, lockKey, token, String(ttlMs)).catch(() => {}),
            ttlMs / 3,
          )
        : undefined;
      timer?.unref();
      const lease: Lease = {
        fence,
        // Our token is still the value: nobody acquired since (SET NX), so no newer fence exists either.
        assertHeld: async () => {
          if ((await redis.get(lockKey)) !== token) throw new LockLostError(key);
        },
      };
      try {
        return await task(lease);
      } finally {
        if (timer) clearInterval(timer);
        await redis.eval(RELEASE, 1, lockKey, token).catch(() => {});
      }
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let current: KeyedLock = createLocalLock();

/** Selects the lock every adapter uses: `createRedisLock` when Redis is configured, in-process otherwise. */
export function useKeyedLock(lock: KeyedLock): void {
  current = lock;
}

/**
 * Runs `task` while holding the identity lock on `key` (in-process, or across replicas through Redis when
 * `REDIS_URL` is set; see README "Running several instances"). Call `lease.assertHeld()` right before writing.
 */
export function withKeyedLock<T>(key: string, task: (lease: Lease) => Promise<T>): Promise<T> {
  return current(key, task);
}
