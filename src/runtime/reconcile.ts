import { randomUUID } from "node:crypto";
import { Redis as IORedis, type Redis } from "ioredis";
import type { Probot } from "probot";
import { Counter, Gauge, type Registry } from "prom-client";
import {
  getApp,
  listInstallationRepositories,
  listInstallations,
  type InstallationRepository,
} from "../github/apps.js";
import {
  countRequests,
  createConditionalReader,
  createEtagStore,
  type EtagStore,
  type ReadCounts,
} from "../github/conditional-reads.js";
import type { Octokit } from "../github/types.js";
import { planReconciliation, type Heal } from "../rules/plan-reconciliation.js";
import { mapConcurrent } from "../util/map-concurrent.js";
import type { JobQueue } from "./job-queue.js";
import { gatherRepository, jobForHeal, type ConfigCache } from "./reconcile-gather.js";
import { createRedeliveryMemory, redeliverFailed, type RedeliveryReport } from "./redeliver-failed.js";

type Logger = Probot["log"];

export interface ReconcilerOptions {
  /** Probot's `auth`: the app client without an id, an installation client with one. */
  auth: (installationId?: number) => Promise<Octokit>;
  queue: JobQueue;
  log: Logger;
  /** Features the runtime runs: a heal is enqueued only for those (tests load a subset). */
  features: readonly string[];
  /** Minutes between sweeps in ms; 0: only the start-up sweep. */
  intervalMs: number;
  /** Failed deliveries older than this are not redelivered; 0: no redelivery. */
  redeliverMaxAgeMs: number;
  /** Shares the sweep slot and the redelivery memory across replicas; null: in-process. */
  redis: Redis | null;
  /**
   * The queue is this process's own (in-process): at start-up nothing can be in flight, so nothing waits for a
   * settle time. With a shared queue, deliveries of the last minutes may still be running on another replica.
   */
  queueIsLocal: boolean;
  /** Where the sweep's metrics go (the runtime's /metrics registry). */
  registry?: Registry;
  /**
   * Which repositories are read at all: every installed one unless archived or disabled (GitHub refuses every write
   * there). Opt-in (a configuration file, or the organization's list) is decided from the configuration the sweep
   * reads per repository (`gatherRepository`): an inactive repository costs its head and configuration reads only.
   */
  isActive?: (repository: InstallationRepository) => boolean;
  etags?: EtagStore;
  now?: () => number;
}

export interface SweepReport {
  reason: string;
  installations: number;
  repositories: number;
  /** What the plan found to heal (also heals enqueued by an earlier sweep whose job has not healed it yet). */
  heals: Heal[];
  /** Jobs added to the queue by this sweep. */
  enqueued: number;
  /** Requests made, and how many GitHub counts against the rate limit (all but the 304s). */
  apiCalls: number;
  rateLimitedCalls: number;
  durationMs: number;
  redelivery: RedeliveryReport | null;
  errors: number;
}

export interface Reconciler {
  /** One sweep now, unless another one (here or on another replica) holds the slot: then null. */
  sweep(reason: string): Promise<SweepReport | null>;
  /** The start-up sweep, then one every interval. */
  start(): void;
  stop(): void;
}

/** Deliveries for changes newer than this may still be in flight (a shared queue, or a scheduled sweep). */
const SETTLE_MS = 2 * 60_000;
const SLOT_KEY = "grb:reconcile:slot";
/** Repositories swept at the same time. */
const REPO_CONCURRENCY = 4;
/**
 * A heal this replica enqueued is not enqueued again for this long (the queues remember a finished job id as long,
 * so adding it again would change nothing; skipping it also skips reading its payload again).
 */
const REMEMBER_ENQUEUED_MS = 24 * 3600_000;

/**
 * Level-triggered reconciliation: "events are hints, state is the truth". On start and every interval, every
 * active repository of every installation is read (conditionally: an idle repository costs 304s only), a pure plan
 * says what events were missed, and each heal is enqueued as the delivery that would have produced it, with a
 * deterministic job id, so the features run unchanged (retries and failure reports included) and two sweeps enqueue
 * one job. Then the App's failed deliveries are sent again, once each. Across replicas only one sweep runs per
 * interval: a slot in Redis (SET NX PX, renewed while the sweep runs, left to expire so that the replicas' timers do
 * not sweep again within the interval); without Redis, one at a time in this process.
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  const now = options.now ?? Date.now;
  const etags = options.etags ?? createEtagStore();
  const configs: ConfigCache = new Map();
  const memory = createRedeliveryMemory(options.redis, now);
  const isActive = options.isActive ?? ((r: InstallationRepository) => !r.archived && !r.disabled);
  const metrics = createSweepMetrics(options.registry);
  const features = new Set(options.features);
  const enqueuedAt = new Map<string, number>();
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let startedOnce = false;

  async function acquireSlot(): Promise<(() => void) | null> {
    if (running) return null;
    if (!options.redis) {
      running = true;
      return () => void (running = false);
    }
    const ttl = Math.max(60_000, Math.round((options.intervalMs || 15 * 60_000) * 0.9));
    const token = randomUUID();
    if ((await options.redis.set(SLOT_KEY, token, "PX", ttl, "NX")) !== "OK") return null;
    running = true;
    const redis = options.redis;
    const renew = setInterval(() => {
      redis.eval(RENEW_IF_HELD, 1, SLOT_KEY, token, String(ttl)).catch(() => undefined);
    }, ttl / 3);
    renew.unref();
    return () => {
      clearInterval(renew);
      running = false;
    };
  }

  async function sweep(reason: string): Promise<SweepReport | null> {
    const release = await acquireSlot();
    if (!release) {
      options.log.debug({ reason }, "reconcile: another sweep holds the slot; skipped");
      return null;
    }
    const started = now();
    const counts: ReadCounts = { calls: 0, notModified: 0 };
    const appCounts: ReadCounts = { calls: 0, notModified: 0 };
    const appReader = createConditionalReader(etags, "app", appCounts);
    const settledBefore =
      reason === "start" && options.queueIsLocal ? null : new Date(started - SETTLE_MS).toISOString();
    const report: SweepReport = {
      reason,
      installations: 0,
      repositories: 0,
      heals: [],
      enqueued: 0,
      apiCalls: 0,
      rateLimitedCalls: 0,
      durationMs: 0,
      redelivery: null,
      errors: 0,
    };
    const failed = (what: string, error: unknown) => {
      report.errors++;
      options.log.warn({ err: error }, `reconcile: ${what}`);
    };
    for (const [id, at] of enqueuedAt) if (started - at >= REMEMBER_ENQUEUED_MS) enqueuedAt.delete(id);
    try {
      const appOctokit = await options.auth();
      const self = await getApp(appReader, appOctokit);
      const installations = (await listInstallations(appReader, appOctokit)).filter((i) => !i.suspended);
      report.installations = installations.length;
      for (const installation of installations) {
        if (stopped) break;
        try {
          const octokit = await options.auth(installation.id);
          countRequests(octokit, counts);
          const reader = createConditionalReader(etags, `installation:${installation.id}`);
          const repositories = (await listInstallationRepositories(reader, octokit)).filter(isActive);
          await mapConcurrent(repositories, REPO_CONCURRENCY, async (repository) => {
            if (stopped) return;
            try {
              const input = await gatherRepository(reader, octokit, repository, {
                active: true,
                settledBefore,
                configs,
                appId: self.id,
                now: now(),
              });
              report.repositories++;
              if (!input) return;
              for (const heal of planReconciliation(input)) {
                report.heals.push(heal);
                const previously = enqueuedAt.get(heal.id);
                if (previously !== undefined && now() - previously < REMEMBER_ENQUEUED_MS) continue;
                const job = await jobForHeal(octokit, repository, installation.id, heal, now());
                if (!job) continue;
                job.features = job.features.filter((feature) => features.has(feature));
                if (!job.features.length) continue;
                await options.queue.add(job);
                enqueuedAt.set(heal.id, now());
                report.enqueued++;
                metrics.enqueued.inc({ kind: heal.kind });
              }
            } catch (error) {
              failed(`${repository.full_name}: ${describe(error)}`, error);
            }
          });
        } catch (error) {
          failed(`installation ${installation.id} (${installation.account}): ${describe(error)}`, error);
        }
      }
      if (options.redeliverMaxAgeMs > 0 && !stopped) {
        try {
          report.redelivery = await redeliverFailed(appReader, appOctokit, memory, {
            now: now(),
            maxAgeMs: options.redeliverMaxAgeMs,
            counts: appCounts,
            log: (msg, error) => failed(msg, error),
          });
          metrics.redelivered.inc(report.redelivery.redelivered.length);
        } catch (error) {
          failed(`the App's delivery log: ${describe(error)}`, error);
        }
      }
    } catch (error) {
      failed(`sweep failed: ${describe(error)}`, error);
    } finally {
      release();
    }
    report.apiCalls = counts.calls + appCounts.calls;
    report.rateLimitedCalls = report.apiCalls - counts.notModified - appCounts.notModified;
    report.durationMs = now() - started;
    metrics.record(report);
    // A sweep that had to heal or redeliver found deliveries that were lost: worth a warning, not just a count.
    const healed = report.enqueued > 0 || (report.redelivery?.redelivered.length ?? 0) > 0;
    options.log[healed || report.errors ? "warn" : "info"](
      {
        reconcile: {
          reason,
          installations: report.installations,
          repositories: report.repositories,
          enqueued: report.enqueued,
          heals: report.heals.map((heal) => heal.id),
          apiCalls: report.apiCalls,
          rateLimitedCalls: report.rateLimitedCalls,
          durationMs: report.durationMs,
          redelivered: report.redelivery?.redelivered ?? [],
          errors: report.errors,
        },
      },
      `reconcile (${reason}): ${report.repositories} repositories, ${report.enqueued} jobs enqueued, ` +
        `${report.apiCalls} API calls (${report.rateLimitedCalls} rate-limited), ` +
        `${report.redelivery?.redelivered.length ?? 0} redelivered, ${report.durationMs} ms`,
    );
    return report;
  }

  const run = (reason: string) => {
    sweep(reason).catch((error) => options.log.error({ err: error }, "reconcile: sweep crashed"));
  };

  return {
    sweep,
    start() {
      if (startedOnce) return;
      startedOnce = true;
      run("start");
      if (options.intervalMs > 0) {
        timer = setInterval(() => run("schedule"), options.intervalMs);
        timer.unref();
      }
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

/** Extends the slot only while this sweep still holds it (a paused sweep whose slot expired does not renew another). */
const RENEW_IF_HELD = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function createSweepMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  const sweeps = new Counter({
    name: "grb_reconcile_sweeps_total",
    help: "Reconciliation sweeps run by this replica, by reason (start, schedule) and result (ok, errors)",
    labelNames: ["reason", "result"],
    registers,
  });
  const repositories = new Counter({
    name: "grb_reconcile_repositories_total",
    help: "Repositories read by reconciliation sweeps",
    registers,
  });
  const enqueued = new Counter({
    name: "grb_reconcile_jobs_enqueued_total",
    help: "Jobs a sweep enqueued to heal a missed event, by kind (pull-checks, tag, release, audit)",
    labelNames: ["kind"],
    registers,
  });
  const apiCalls = new Counter({
    name: "grb_reconcile_api_calls_total",
    help: "GitHub API requests made by sweeps (reads, conditional ones included, and redelivery requests)",
    registers,
  });
  const rateLimited = new Counter({
    name: "grb_reconcile_rate_limited_calls_total",
    help: "Sweep requests that count against GitHub's rate limit (all but the 304 Not Modified answers)",
    registers,
  });
  const duration = new Gauge({
    name: "grb_reconcile_last_sweep_seconds",
    help: "Wall time of this replica's last sweep",
    registers,
  });
  const redelivered = new Counter({
    name: "grb_redeliveries_total",
    help: "Failed webhook deliveries this replica asked GitHub to redeliver",
    registers,
  });
  return {
    enqueued,
    redelivered,
    record(report: SweepReport) {
      sweeps.inc({ reason: report.reason, result: report.errors ? "errors" : "ok" });
      repositories.inc(report.repositories);
      apiCalls.inc(report.apiCalls);
      rateLimited.inc(report.rateLimitedCalls);
      duration.set(report.durationMs / 1000);
    },
  };
}

/**
 * Starts the sweeps for the runtime: a Redis connection of their own when `REDIS_URL` is set (slot and redelivery
 * memory), the start-up sweep at once, then every interval. `stop()` ends the schedule and the connection.
 */
export function startReconciliation(
  app: Probot,
  options: Omit<ReconcilerOptions, "auth" | "log" | "redis"> & {
    redisUrl: string | null;
    /** The clients to use (default: Probot's `app.auth`); the runtime passes its instrumented ones. */
    auth?: (installationId?: number) => Promise<unknown>;
  },
): { reconciler: Reconciler; stop(): Promise<void> } {
  let redis: Redis | null = null;
  if (options.redisUrl) {
    redis = new IORedis(options.redisUrl, { maxRetriesPerRequest: 1 });
    redis.on("error", (error: Error) =>
      app.log.error({ err: error, source: "redis-reconcile" }, "Redis for reconciliation"),
    );
  }
  const { redisUrl: _unused, auth, ...rest } = options;
  const reconciler = createReconciler({
    ...rest,
    auth: (installationId) => (auth ?? app.auth.bind(app))(installationId) as Promise<Octokit>,
    log: app.log,
    redis,
  });
  reconciler.start();
  return {
    reconciler,
    async stop() {
      reconciler.stop();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}
