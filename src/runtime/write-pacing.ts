import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import type { Probot } from "probot";

type Logger = Probot["log"];

/**
 * How requests to GitHub are paced (`WRITE_PACING`):
 * - `installation` (default): each installation token has its own bucket of writes, shaped like GitHub's documented
 *   secondary limits, shared by every replica through Redis when `REDIS_URL` is set; the first secondary-limit answer
 *   pauses that installation's writes for GitHub's `retry-after`.
 * - `probot`: what `app.auth(installationId)` clients get from Probot: one write per second per installation, one at
 *   a time, no burst.
 * - `process`: what Probot's webhook contexts get (throttle id `no-id`): ONE queue of one write per second for every
 *   installation of the process (of every replica, with Redis). Kept for the benchmark's comparison.
 */
export const WRITE_PACING_MODES = ["installation", "probot", "process"] as const;
export type WritePacingMode = (typeof WRITE_PACING_MODES)[number];

/**
 * GitHub's secondary rate limits, as documented (docs.github.com, "Rate limits for the REST API" → "About secondary
 * rate limits"): "No more than 100 concurrent requests are allowed. This limit is shared across the REST API and
 * GraphQL API."; "No more than 900 points per minute are allowed for REST API endpoints" (most GET/HEAD/OPTIONS cost
 * 1 point, most POST/PATCH/PUT/DELETE 5, "Calculating points for the secondary rate limit"); "In general, no more
 * than 80 content-generating requests per minute and no more than 500 content-generating requests per hour are
 * allowed." The older guidance ("Best practices for using the REST API" → "Pause between mutative requests"): "If
 * you are making a large number of POST, PATCH, PUT, or DELETE requests, wait at least one second between each
 * request." GitHub adds that the limits may change without notice; they apply per token, i.e. per installation here.
 */
export const GITHUB_SECONDARY_LIMITS = {
  concurrentRequests: 100,
  restPointsPerMinute: 900,
  pointsPerRead: 1,
  pointsPerWrite: 5,
  contentRequestsPerMinute: 80,
  contentRequestsPerHour: 500,
} as const;

/** A token bucket: it holds at most `burst` tokens and gains one every `refillMs`; a request takes one. */
export interface Bucket {
  burst: number;
  refillMs: number;
}

/** Most requests a bucket lets through in any window of `windowMs` (a full bucket plus what refills meanwhile). */
export function maxInWindow(bucket: Bucket, windowMs: number): number {
  return bucket.burst + Math.floor(windowMs / bucket.refillMs);
}

export interface PacingShape {
  /** Every write of an installation (the throttling plugin also routes GraphQL queries through this bucket). */
  writes: Bucket;
  /** Writes that create content GitHub notifies about (issues, comments, pull requests, releases), on top. */
  content: Bucket;
  /** Requests of one installation in flight at once, per replica. */
  concurrency: number;
}

/**
 * The default shape, checked against GITHUB_SECONDARY_LIMITS in test/runtime/pacing-shape.test.ts:
 * - writes: a burst of 10 (a PR's three checks go out at once), then one per second (the older guidance). In any
 *   minute at most 10 + 60 = 70 writes: under 80 content-generating requests even if every write counted, and
 *   70 × 5 = 350 of the 900 points, which leaves 550 points a minute for reads.
 * - content: a burst of 50, then one per 8 s. In any hour at most 50 + 450 = 500, in any minute 50 + 7 = 57.
 * - concurrency: 10 per installation and replica (the throttling plugin's own figure), well under 100.
 */
export const GITHUB_SHAPED: PacingShape = {
  writes: { burst: 10, refillMs: 1000 },
  content: { burst: 50, refillMs: 8000 },
  concurrency: 10,
};

/** A bucket idle this long is dropped (and its Redis keys expire): by then it has refilled anyway (≥ burst × refill). */
const GROUP_TIMEOUT_MS = 10 * 60_000;
/** Longer pauses are left to the queue runner's retry, which honours `retry-after` on its own. */
const MAX_PAUSE_MS = GROUP_TIMEOUT_MS;
/** GitHub: without `retry-after`, "wait for at least one minute before retrying" (same page, "Exceeding…"). */
const SECONDARY_FALLBACK_SECONDS = 60;

export interface WritePacingOptions {
  mode: WritePacingMode;
  /** Share the write buckets with every replica on this Redis (Bottleneck's IORedisConnection). */
  redisUrl?: string | null;
  log: Logger;
  /** Bucket sizes (tests use small ones); default GITHUB_SHAPED. */
  shape?: PacingShape;
  /** Prefix of the Bottleneck group ids, i.e. of the Redis keys (tests isolate themselves with it). */
  prefix?: string;
}

export interface WritePacing {
  mode: WritePacingMode;
  /** The `throttle` options of an installation's Octokit (the throttling plugin's groups, keyed per this mode). */
  throttleFor(installationId: number): Record<string, unknown>;
  /** Extra `retry` options: in `installation` mode a 429 is not retried blindly (its `retry-after` is honoured). */
  retryOptions(): Record<string, unknown>;
  /** Stops every write of the installation for `ms` (on every replica sharing the Redis). */
  pause(installationId: number, ms: number): Promise<void>;
  /** Releases the Redis connection and timers. */
  close(): Promise<void>;
}

/**
 * Builds the throttling plugin's groups (`@octokit/plugin-throttling` takes them as `throttle.global`, `.write`,
 * `.notifications`…, and keys them by `throttle.id`) for one of the modes. Writes and content buckets live in Redis
 * when `redisUrl` is set; the concurrency group stays in the process (it counts requests in flight here).
 */
export function createWritePacing(options: WritePacingOptions): WritePacing {
  const { mode, log } = options;
  const shape = options.shape ?? GITHUB_SHAPED;
  const prefix = options.prefix ?? "grb-";
  let connection: Bottleneck.IORedisConnection | undefined;
  if (options.redisUrl) {
    connection = new Bottleneck.IORedisConnection({
      Redis,
      client: new Redis(options.redisUrl, { maxRetriesPerRequest: 3 }),
    });
    connection.on("error", (error) => log.error({ err: error, source: "pacing" }, "pacing: Redis error"));
  }
  const shared = connection ? { datastore: "ioredis" as const, connection } : {};
  const local = (extra: Bottleneck.ConstructorOptions) =>
    new Bottleneck.Group({ timeout: GROUP_TIMEOUT_MS, ...extra });
  const bucket = (id: string, b: Bucket) =>
    new Bottleneck.Group({
      id: `${prefix}${id}`,
      timeout: GROUP_TIMEOUT_MS,
      reservoir: b.burst,
      reservoirIncreaseAmount: 1,
      reservoirIncreaseInterval: b.refillMs,
      reservoirIncreaseMaximum: b.burst,
      // Refills are applied on a heartbeat: often enough that a waiting write goes out about when its token exists.
      heartbeatInterval: connection
        ? Math.min(1000, b.refillMs)
        : Math.max(10, Math.min(250, b.refillMs / 5)),
      ...shared,
    });
  const spaced = (id: string, minTime: number) =>
    new Bottleneck.Group({
      id: `${prefix}${id}`,
      timeout: GROUP_TIMEOUT_MS,
      maxConcurrent: 1,
      minTime,
      ...shared,
    });

  // The throttling plugin's own figures (plugin-throttling 11: write 1 s, notifications 3 s, search 2 s apart).
  const groups =
    mode === "installation"
      ? {
          global: local({ maxConcurrent: shape.concurrency }),
          write: bucket("write", shape.writes),
          notifications: bucket("content", shape.content),
        }
      : {
          global: local({ maxConcurrent: 10 }),
          write: spaced("write", 1000),
          notifications: spaced("notifications", 3000),
        };
  const auth = local({ maxConcurrent: 1 });
  const search = local({ maxConcurrent: 1, minTime: 2000 });
  for (const group of [groups.global, groups.write, groups.notifications, auth, search]) {
    group.on("error", (error) => log.error({ err: error, source: "pacing" }, "pacing: limiter error"));
  }
  const keyOf = (installationId: number) => (mode === "process" ? "process" : String(installationId));

  const pause = async (installationId: number, ms: number) => {
    if (mode !== "installation") return;
    const limiter = groups.write.key(keyOf(installationId));
    // A negative reservoir: refilling one token per `refillMs` brings it back above zero after about `ms`.
    const tokens = -Math.ceil(Math.min(ms, MAX_PAUSE_MS) / shape.writes.refillMs);
    const current = (await limiter.currentReservoir()) ?? 0;
    if (current <= tokens) return;
    // Relative, not `updateSettings({ reservoir })`: Bottleneck 2.19's local store stops its refill heartbeat on
    // updateSettings (LocalDatastore._startHeartbeat clears a running one), and the bucket would never refill.
    await limiter.incrementReservoir(tokens - current);
  };

  // Probot's own handlers (probot 14, get-octokit-throttle-options.js): log secondary limits without retrying, retry
  // primary limits twice. Kept as they are in the comparison modes.
  const probotHandlers = {
    onRateLimit: (retryAfter: number, request: RequestOptions) => {
      log.warn(`Request quota exhausted for request ${request.method} ${request.url}`);
      return (request.request?.retryCount ?? 0) <= 2;
    },
    onSecondaryRateLimit: (_retryAfter: number, request: RequestOptions) => {
      log.warn(`Secondary quota detected for request ${request.method} ${request.url}`);
      return false;
    },
  };

  return {
    mode,
    throttleFor(installationId) {
      const id = keyOf(installationId);
      return {
        enabled: true,
        id,
        Bottleneck,
        // No `connection` here: the plugin would also build its process-wide default groups (those of the app's own
        // JWT client) on it, tying them to this pacing's lifetime. Probot's own connection (REDIS_URL) stays.
        global: groups.global,
        write: groups.write,
        notifications: groups.notifications,
        auth,
        search,
        fallbackSecondaryRateRetryAfter: SECONDARY_FALLBACK_SECONDS,
        ...(mode === "installation"
          ? {
              // 1. Back off at once: no write of this installation until `retry-after` has passed, on any replica.
              // 2. Do not retry here (a worker would wait idle): the error reaches the queue runner, whose retry
              //    honours `retry-after` too (classify-failure.ts) and re-runs only the features that failed.
              onSecondaryRateLimit: async (retryAfter: number, request: RequestOptions) => {
                log.warn(
                  { installationId, retryAfter },
                  `secondary rate limit on ${request.method} ${request.url}: pausing installation ${installationId}'s writes for ${retryAfter} s`,
                );
                await pause(installationId, retryAfter * 1000).catch((error: unknown) =>
                  log.error({ err: error }, "pacing: could not pause the installation's writes"),
                );
                return false;
              },
              // Primary limit exhausted: waiting for its reset here would hold a worker for up to an hour; the
              // queue runner reschedules the job at `x-ratelimit-reset` instead.
              onRateLimit: (retryAfter: number, request: RequestOptions) => {
                log.warn(
                  { installationId, retryAfter },
                  `rate limit exhausted on ${request.method} ${request.url}: retrying after its reset (${retryAfter} s)`,
                );
                return false;
              },
            }
          : probotHandlers),
      };
    },
    retryOptions() {
      // plugin-retry 8 retries a 429 after 1, 4, 9 s whatever its `retry-after` says; leave 429s to the throttling
      // plugin (pause) and the queue runner (retry after `retry-after`). Its other defaults are kept.
      return mode === "installation" ? { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] } : {};
    },
    pause,
    async close() {
      for (const group of [groups.global, groups.write, groups.notifications, auth, search]) {
        for (const key of group.keys()) await group.key(key).disconnect(false);
      }
      await connection?.disconnect(true);
    },
  };
}

interface RequestOptions {
  method: string;
  url: string;
  request?: { retryCount?: number };
}
