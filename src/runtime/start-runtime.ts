import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Context, type Probot, type ProbotOctokit } from "probot";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { loadActivation } from "../config/load-config.js";
import { FEATURES, handlersFor, type Feature } from "../features.js";
import { retryOnlyRepeatableRequests } from "../github/retry-policy.js";
import { createBullmqQueue } from "./bullmq-queue.js";
import { closeManifestParser } from "./manifest-parser.js";
import { configureLocks } from "./configure-locks.js";
import type { DeliveryJob, JobQueue } from "./job-queue.js";
import { createMemoryQueue } from "./memory-queue.js";
import { readRuntimeSettings, type RuntimeSettings } from "./runtime-settings.js";
import { createDeliveryRunner } from "./run-delivery.js";
import { startReconciliation, type Reconciler } from "./reconcile.js";
import { guardWebhookRoute } from "./webhook-guard.js";
import { installationOctokit } from "./installation-octokit.js";
import { createWritePacing } from "./write-pacing.js";
import { verifyAppCredentials } from "../github/apps.js";
import { createGitHubMetrics, instrumentOctokit } from "./octokit-instruments.js";
import { createCachedCheck } from "./readiness.js";

/** Readiness: GitHub accepted the App's JWT within this long (one `GET /app` per this period at most). */
const CREDENTIALS_MAX_AGE_MS = 60_000;

export interface RuntimeOptions {
  /** Which features run (default: all). */
  features?: Record<string, Feature>;
  env?: NodeJS.ProcessEnv;
  /** A queue to use instead of the one the environment selects (tests). */
  queue?: JobQueue;
  /** Probot's `addHandler` (only under `probot run`): adds /healthz, /readyz and /metrics. */
  addHandler?: (handler: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>) => void;
  /** Keep the identity lock already configured (tests that pick their own). */
  keepLocks?: boolean;
  /** Install the SIGTERM handler that drains the queue and exits (default: true under `probot run`). */
  handleSignals?: boolean;
  /** Run the reconciliation sweeps (on start and every RECONCILE_INTERVAL_MINUTES; default: under `probot run`). */
  reconcile?: boolean;
}

export interface Runtime {
  queue: JobQueue;
  settings: RuntimeSettings;
  /** The reconciliation sweeps, when they run (`reconcile`). */
  reconciler: Reconciler | null;
  /** Stops taking deliveries, lets running jobs finish up to the shutdown deadline, closes connections. */
  shutdown(): Promise<void>;
}

/**
 * The app's runtime: the webhook listener only turns a delivery into a job and stores it (the webhook's answer
 * waits for nothing else), a worker runs the features from the queue with retries, and SIGTERM drains it.
 */
export function startRuntime(app: Probot, options: RuntimeOptions = {}): Runtime {
  const env = options.env ?? process.env;
  const settings = readRuntimeSettings(env);
  const features = options.features ?? FEATURES;
  const closeLocks = options.keepLocks ? async () => undefined : configureLocks(app.log, env);
  const onError = (error: unknown, source: string) =>
    app.log.error({ err: error, source }, `queue: ${source}`);
  const queue =
    options.queue ??
    (settings.redisUrl
      ? createBullmqQueue(settings.redisUrl, {
          concurrency: settings.concurrency,
          lockDurationMs: settings.jobLockMs,
          stalledIntervalMs: settings.jobLockMs,
          onError,
        })
      : createMemoryQueue({
          concurrency: settings.concurrency,
          onError: (error) => onError(error, "runner"),
        }));

  // Writes paced per installation token (WRITE_PACING), shared through Redis when it is configured.
  const pacing = createWritePacing({ mode: settings.writePacing, redisUrl: settings.redisUrl, log: app.log });
  const metrics = createMetrics(queue);
  if (settings.dryRun) {
    app.log.warn("DRY_RUN=true: reading GitHub as usual, logging every write instead of sending it");
  }
  // Every client: requests by route and status, rate limit left, artifacts written; DRY_RUN stops writes here.
  const instrument = (octokit: ProbotOctokit, installation: string, log = app.log) =>
    instrumentOctokit(octokit, { metrics: metrics.github, dryRun: settings.dryRun, log, installation });
  const appAuth = async (installationId?: number): Promise<ProbotOctokit> =>
    instrument(
      (await app.auth(installationId)) as ProbotOctokit,
      installationId ? String(installationId) : "app",
    );
  /** The client and logger of one delivery (and, with `feature`, of one feature's work on it). */
  const clientFor = async (job: DeliveryJob, feature?: string) => {
    const installationId = (job.payload.installation as { id?: number } | undefined)?.id;
    const repository = (job.payload.repository as { full_name?: string } | undefined)?.full_name;
    // Every line of a delivery's work says which delivery, installation, repository (and feature) it is about.
    const log = app.log.child({
      id: job.id,
      name: job.name,
      ...(installationId ? { installation: installationId } : {}),
      ...(repository ? { repository } : {}),
      ...(feature ? { feature } : {}),
    });
    await appAuth(); // the App's own client (JWT), shared: instrumented once
    const octokit = await installationOctokit(app, installationId, pacing, log);
    // A lost answer to a POST or DELETE is retried by the queue (look-up first), never repeated blindly.
    retryOnlyRepeatableRequests(octokit);
    instrument(octokit, installationId ? String(installationId) : "app", log);
    const event = { id: job.id, name: job.name, payload: job.payload } as ConstructorParameters<
      typeof Context
    >[0];
    return new Context(event, octokit, log);
  };
  const runner = createDeliveryRunner({
    features,
    log: app.log,
    retryDeadlineMs: settings.retryDeadlineMs,
    retryBaseMs: settings.retryBaseMs,
    contextFor: (job) => clientFor(job),
    forFeature: (context, feature) =>
      clientFor({ id: context.id, name: context.name, payload: context.payload } as DeliveryJob, feature),
    onOutcome: (outcome, feature, seconds) => {
      metrics.outcomes.inc({ outcome, feature });
      if (seconds !== undefined) metrics.durations.observe({ feature, outcome }, seconds);
    },
    isActive: async (context) => (await loadActivation(context)).active,
  });
  queue.start(async (job, attempt) => {
    const outcome = await runner(job, attempt);
    const result = outcome.kind === "retry" ? "retry" : outcome.failed?.length ? "failed" : "done";
    metrics.deliveries.inc({ event: job.name, outcome: result });
    return outcome;
  });
  const credentials = createCachedCheck(async () => verifyAppCredentials((await appAuth()) as never, 5000), {
    maxAgeMs: CREDENTIALS_MAX_AGE_MS,
    describe: (error) => {
      const status = (error as { status?: number }).status;
      const message = error instanceof Error ? error.message : String(error);
      return status ? `GitHub refused the App's JWT on GET /app (${status}): ${message}` : message;
    },
  });

  let draining = false;
  // 1. Receive: turn the delivery into a job for the features that take it, and store it. A failed store throws,
  //    so the webhook answers 500 and GitHub records the delivery as failed (the redelivery sweep then resends it).
  app.onAny(async (context) => {
    const job = jobOf(context, features);
    if (!job) return;
    if (draining) {
      throw Object.assign(
        new Error("shutting down: not taking deliveries; GitHub will record this one as failed"),
        { status: 503 },
      );
    }
    await queue.add(job);
    metrics.received.inc({ event: job.name });
  });

  addRoutes(options.addHandler, async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET") return false;
    if (path === "/healthz") return answer(res, 200, "ok\n");
    if (path === "/readyz") {
      // Cheap: the queue's counts (one Redis round trip, when configured) and a cached credentials check.
      if (draining) return answer(res, 503, "shutting down\n");
      try {
        await queue.counts();
      } catch (error) {
        return answer(res, 503, `queue unavailable: ${error instanceof Error ? error.message : error}\n`);
      }
      const github = await credentials.status();
      if (!github.ok) return answer(res, 503, `GitHub credentials: ${github.reason}\n`);
      return answer(res, 200, "ready\n");
    }
    if (path === "/metrics") {
      if (settings.metricsToken && !bearerMatches(req, settings.metricsToken)) {
        res.setHeader("www-authenticate", 'Bearer realm="metrics"');
        return answer(res, 401, "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>\n");
      }
      try {
        return answer(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
      } catch (error) {
        return answer(res, 500, `metrics unavailable: ${error instanceof Error ? error.message : error}\n`);
      }
    }
    return false;
  });

  // Reconciliation (design item 8): sweeps heal what deliveries missed, through the same queue (reconcile.ts).
  const reconciliation = options.reconcile
    ? startReconciliation(app, {
        queue,
        features: Object.keys(features),
        intervalMs: settings.reconcileIntervalMs,
        redeliverMaxAgeMs: settings.redeliverMaxAgeMs,
        redisUrl: settings.redisUrl,
        queueIsLocal: !settings.redisUrl,
        registry: metrics.registry,
        auth: appAuth,
      })
    : null;

  // 2. Under `probot run`: refuse what GitHub never sends (oversized bodies, unknown events…) before reading it.
  const unguard = guardWebhooks(app, options.addHandler, env, metrics.refused);

  const shutdown = async () => {
    draining = true;
    await reconciliation?.stop();
    await queue.close(settings.shutdownDeadlineMs);
    unguard();
    await closeLocks();
    await pacing.close();
    await closeManifestParser();
  };
  if (options.handleSignals) {
    process.once("SIGTERM", () => {
      app.log.info({ deadlineMs: settings.shutdownDeadlineMs }, "SIGTERM: draining the queue, then exiting");
      shutdown()
        .then(() => process.exit(0))
        .catch((error) => {
          app.log.error({ err: error }, "shutdown failed");
          process.exit(1);
        });
    });
  }
  return { queue, settings, reconciler: reconciliation?.reconciler ?? null, shutdown };
}

/** Probot's `load` outside a server (tests) hands a handler adder that throws "No server instance". */
function addRoutes(
  addHandler: RuntimeOptions["addHandler"],
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>,
): void {
  try {
    addHandler?.(handler);
  } catch {
    // No HTTP server: nothing to route.
  }
}

function guardWebhooks(
  app: Probot,
  addHandler: RuntimeOptions["addHandler"],
  env: NodeJS.ProcessEnv,
  refused: Counter<"status">,
): () => void {
  if (!addHandler) return () => undefined;
  try {
    return guardWebhookRoute({
      path: env.WEBHOOK_PATH || "/api/github/webhooks",
      middleware: () => app.getNodeMiddleware(),
      verify: (payload, signature) => app.webhooks.verify(payload, signature),
      // Probot's own secret (without WEBHOOK_SECRET, development and test only, `verify` uses Probot's default).
      ...(env.WEBHOOK_SECRET ? { secret: env.WEBHOOK_SECRET } : {}),
      addHandler,
      onRefused: (status, reason) => {
        refused.inc({ status: String(status) });
        app.log.warn({ status, reason }, `webhook refused (${status}): ${reason}`);
      },
    });
  } catch {
    return () => undefined; // no HTTP server (tests): nothing to guard
  }
}

/** The job for a delivery, or null when no feature takes this event. */
export function jobOf(
  context: { id: string; name: string; payload: unknown },
  features: Record<string, Feature>,
): DeliveryJob | null {
  const payload = context.payload as Record<string, unknown>;
  const names = Object.entries(features)
    .filter(([, feature]) => handlersFor(feature, context.name, payload.action).length > 0)
    .map(([name]) => name);
  if (!names.length) return null;
  return { id: context.id, name: context.name, payload, features: names, receivedAt: Date.now() };
}

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim() ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function answer(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): true {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
  return true;
}

function createMetrics(queue: JobQueue) {
  const registry = new Registry();
  return {
    registry,
    github: createGitHubMetrics(registry),
    deliveries: new Counter({
      name: "grb_deliveries_total",
      help: "Delivery attempts by event and outcome: done, failed (a feature failed for good and reported it), retry (transient failure, retried later)",
      labelNames: ["event", "outcome"],
      registers: [registry],
    }),
    durations: new Histogram({
      name: "grb_feature_duration_seconds",
      help: "How long one feature's handlers ran on one delivery attempt, by feature and outcome",
      labelNames: ["feature", "outcome"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    received: new Counter({
      name: "grb_deliveries_received_total",
      help: "Webhook deliveries stored as jobs, by event",
      labelNames: ["event"],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: "grb_feature_runs_total",
      help: "Feature runs by outcome: done, retry (transient failure, retried later), failed (reported on GitHub)",
      labelNames: ["feature", "outcome"],
      registers: [registry],
    }),
    refused: new Counter({
      name: "grb_webhooks_refused_total",
      help: "Webhook requests refused before Probot handled them (413 too large; 400 bad signature, missing headers, unknown event, not a JSON object; 415 not JSON), by status",
      labelNames: ["status"],
      registers: [registry],
    }),
    queue: new Gauge({
      name: "grb_queue_jobs",
      help: "Jobs in the queue by state (waiting, active, delayed, failed); with Redis, across every replica",
      labelNames: ["state"],
      registers: [registry],
      async collect() {
        const counts = await queue.counts();
        for (const [state, value] of Object.entries(counts)) this.set({ state }, value);
      },
    }),
  };
}
