import { WRITE_PACING_MODES, type WritePacingMode } from "./write-pacing.js";

/** The runtime's environment variables, read once at start (documented in docs/configuration.md, "Runtime"). */
export interface RuntimeSettings {
  /** BullMQ and Redis locks when set; the in-process queue otherwise. */
  redisUrl: string | null;
  /** Jobs one replica runs at the same time. */
  concurrency: number;
  /** Transient failures are retried until a delivery is this old. */
  retryDeadlineMs: number;
  /** First retry's backoff window (doubles per attempt, full jitter, capped at 5 minutes). */
  retryBaseMs: number;
  /** On SIGTERM, running jobs get this long to finish; the rest stay queued. */
  shutdownDeadlineMs: number;
  /** BullMQ job lock life; a job whose replica died is taken over after at most about twice this. */
  jobLockMs: number;
  /** Time between reconciliation sweeps (0: only the start-up sweep). */
  reconcileIntervalMs: number;
  /** Failed deliveries older than this are not redelivered (0: no redelivery). */
  redeliverMaxAgeMs: number;
  /** How writes to GitHub are paced (see write-pacing.ts). */
  writePacing: WritePacingMode;
  /** DRY_RUN=true: reads as usual, every write is logged and not sent. */
  dryRun: boolean;
  /** When set, GET /metrics answers only requests with `Authorization: Bearer <token>`. */
  metricsToken: string | null;
}

/**
 * Every numeric runtime variable: its default, range, unit (the value is multiplied by it) and what it does. The
 * descriptions are the documentation: `npm run schema` writes them into docs/configuration.md ("Runtime").
 */
export const RUNTIME_VARIABLES = {
  QUEUE_CONCURRENCY: {
    default: 8,
    min: 1,
    max: 256,
    unit: 1,
    description: "Deliveries one replica works on at the same time.",
  },
  RETRY_DEADLINE_MINUTES: {
    default: 360,
    min: 0,
    max: 7 * 24 * 60,
    unit: 60_000,
    description:
      "Transient failures (5xx, resets, rate limits) are retried with backoff until a delivery is this old; then the feature reports the failure on its check run or tracking issue.",
  },
  RETRY_BASE_SECONDS: {
    default: 2,
    min: 0.01,
    max: 600,
    unit: 1000,
    description:
      "Backoff window of the first retry; it doubles per attempt (full jitter, capped at 5 minutes) and never undercuts GitHub's `retry-after` or rate-limit reset.",
  },
  SHUTDOWN_DEADLINE_SECONDS: {
    default: 25,
    min: 0,
    max: 3600,
    unit: 1000,
    description:
      "On SIGTERM, running jobs get this long to finish; the rest stay queued (with Redis) for another replica. Keep the pod's termination grace period longer.",
  },
  JOB_LOCK_SECONDS: {
    default: 30,
    min: 1,
    max: 600,
    unit: 1000,
    description:
      "BullMQ job lock life (with `REDIS_URL`): a job whose replica died is taken over by another replica after at most about twice this.",
  },
  RECONCILE_INTERVAL_MINUTES: {
    default: 15,
    min: 0,
    max: 24 * 60,
    unit: 60_000,
    description:
      "Reconciliation: every this many minutes (and once at start), every installed repository is read with conditional requests (an idle one costs only `304 Not Modified` answers, which GitHub does not count) and what deliveries missed is healed: a missing check on an open PR's head, the newest tag without a release, the newest release not promoted, an out-of-date audit issue. One replica sweeps per interval (a slot in Redis with `REDIS_URL`). `0`: only the start-up sweep.",
  },
  REDELIVER_MAX_AGE_HOURS: {
    default: 24,
    min: 0,
    max: 72,
    unit: 3_600_000,
    description:
      "Each sweep also asks GitHub to redeliver the App's failed webhook deliveries (no answer, 5xx or 429; never a GUID that later succeeded), once each, when they are at most this old. GitHub keeps the delivery log 3 days. `0`: no redelivery.",
  },
  DASHBOARD_DELAY_MS: {
    default: 2000,
    min: 0,
    max: 60_000,
    unit: 1,
    description:
      "The release dashboard waits this long after the first event of a burst before it refreshes; the repository's other events that arrive meanwhile are covered by that one refresh (one write per burst).",
  },
} as const;

/** The runtime variables that take one of a few words: default, the words, what they do (documented like the above). */
export const RUNTIME_CHOICES = {
  WRITE_PACING: {
    default: "installation",
    choices: WRITE_PACING_MODES,
    description:
      "How writes to GitHub are paced. `installation`: a bucket per installation token shaped like GitHub's secondary limits (a burst of 10 writes, then one per second; issues, comments, PRs and releases at most 500 an hour), shared by every replica through Redis when `REDIS_URL` is set, paused for `retry-after` on the first secondary-limit answer. `probot`: Probot's default for installation clients, one write per second per installation. `process`: one write per second for the whole process (or every replica, with Redis), as Probot's webhook contexts have it; for comparisons only.",
  },
  DRY_RUN: {
    default: "false",
    choices: ["false", "true"],
    description:
      "`true`: the App reads GitHub as usual and runs every feature, but sends no write (no check run, draft, issue, comment, branch or PR, no redelivery): each write it would make is logged at info level (`DRY_RUN: would …`, with method, route and a summary) and counted in `grb_dry_run_writes_total`. For trying it on an organisation before letting it act.",
  },
} as const;

/** Runtime variables that hold free text (a secret: never logged). */
export const RUNTIME_SECRETS = {
  METRICS_TOKEN: {
    description:
      "When set, `GET /metrics` answers 401 unless the request carries `Authorization: Bearer <token>` (Prometheus: `authorization: { credentials: … }`). `/healthz` and `/readyz` stay open for the kubelet.",
  },
} as const;

/** Reads and checks the settings; a bad value stops the start with a message that quotes it. */
export function readRuntimeSettings(env: NodeJS.ProcessEnv): RuntimeSettings {
  const number = (name: keyof typeof RUNTIME_VARIABLES): number => {
    const spec = RUNTIME_VARIABLES[name];
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return spec.default * spec.unit;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < spec.min || value > spec.max) {
      throw new Error(
        `${name}=${JSON.stringify(raw)} is not a number from ${spec.min} to ${spec.max}; ` +
          `unset it for the default (${spec.default}).`,
      );
    }
    return value * spec.unit;
  };
  const choice = <K extends keyof typeof RUNTIME_CHOICES>(
    name: K,
  ): (typeof RUNTIME_CHOICES)[K]["choices"][number] => {
    const spec = RUNTIME_CHOICES[name];
    const raw = env[name]?.trim();
    if (!raw) return spec.default;
    const found = spec.choices.find((c) => c === raw);
    if (!found) {
      throw new Error(
        `${name}=${JSON.stringify(env[name])} is not one of ${spec.choices.join(", ")}; ` +
          `unset it for the default (${spec.default}).`,
      );
    }
    return found;
  };
  return {
    redisUrl: env.REDIS_URL?.trim() || null,
    concurrency: number("QUEUE_CONCURRENCY"),
    retryDeadlineMs: number("RETRY_DEADLINE_MINUTES"),
    retryBaseMs: number("RETRY_BASE_SECONDS"),
    shutdownDeadlineMs: number("SHUTDOWN_DEADLINE_SECONDS"),
    jobLockMs: number("JOB_LOCK_SECONDS"),
    reconcileIntervalMs: number("RECONCILE_INTERVAL_MINUTES"),
    redeliverMaxAgeMs: number("REDELIVER_MAX_AGE_HOURS"),
    writePacing: choice("WRITE_PACING"),
    dryRun: choice("DRY_RUN") === "true",
    metricsToken: env.METRICS_TOKEN?.trim() || null,
  };
}
