import type { Context, Probot } from "probot";
import { handlersFor, type Feature } from "../features.js";
import type { PermanentFailure } from "../report/failure-report.js";
import { classifyFailure, retryDelayMs, type FailureClass } from "./classify-failure.js";
import type { AttemptOutcome, DeliveryJob, JobRunner } from "./job-queue.js";

type Logger = Probot["log"];

export interface RunnerOptions {
  features: Record<string, Feature>;
  /** Builds the context handlers get: an installation client for the job's installation, a logger bound to it. */
  contextFor: (job: DeliveryJob) => Promise<Context>;
  log: Logger;
  /** Transient failures are retried until the delivery is this old; then they are reported like permanent ones. */
  retryDeadlineMs: number;
  /** Backoff window of the first retry (doubles per attempt, with jitter). */
  retryBaseMs?: number;
  now?: () => number;
  /** Counts outcomes, for /metrics (`seconds`: how long the feature's handlers ran in this attempt). */
  onOutcome?: (outcome: "done" | "retry" | "failed", feature: string, seconds?: number) => void;
  /** The context one feature's handlers get (its own logger and client), from the delivery's; default: the same. */
  forFeature?: (context: Context, feature: string) => Promise<Context>;
  /**
   * Opt-in: whether the bot works on the repository of a delivery that has one (the configuration look-up, memoised
   * for the delivery). In an inactive repository only the features whose `whenInactive` accepts the payload run.
   */
  isActive?: (context: Context) => Promise<boolean>;
}

/**
 * Runs one attempt of a delivery: every pending feature's handlers, side by side. Features that fail transiently are
 * handed back for a retry (until the deadline); the others are done, and a permanent failure is reported by the
 * feature itself (its check run or tracking issue), so nothing ends only in a log line.
 */
export function createDeliveryRunner(options: RunnerOptions): JobRunner {
  const now = options.now ?? Date.now;
  return async (job: DeliveryJob, attempt: number): Promise<AttemptOutcome> => {
    const log = options.log.child({ id: job.id, name: job.name, attempt });
    // 1. The installation client (minting its token can itself fail transiently).
    let context: Context;
    try {
      context = await options.contextFor(job);
    } catch (error) {
      const failure = classifyFailure(error, now());
      return decide(job, attempt, log, [{ feature: "*", failure, error }], job.features);
    }
    // 2. Opt-in, the one gate: a repository that has not opted in gets nothing (see features.ts `whenInactive`).
    let pending = job.features;
    if (options.isActive && isRecord(job.payload.repository)) {
      let active: boolean;
      try {
        // Its reads are logged (and counted) as the gate's own work, like a feature's.
        const gate = options.forFeature ? await options.forFeature(context, "opt-in") : context;
        active = await options.isActive(gate);
      } catch (error) {
        const failure = classifyFailure(error, now());
        return decide(job, attempt, log, [{ feature: "*", failure, error }], job.features);
      }
      if (!active) {
        pending = pending.filter((name) => options.features[name]?.whenInactive?.(job.payload) ?? false);
        log.debug(
          { skipped: job.features.filter((name) => !pending.includes(name)) },
          "repository not opted in",
        );
      }
    }
    // 3. Every pending feature, each on its own.
    const failures: Array<{ feature: string; failure: FailureClass; error: unknown }> = [];
    const durations = new Map<string, number>();
    await Promise.all(
      pending.map(async (name) => {
        const feature = options.features[name];
        if (!feature) return;
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        try {
          const own = options.forFeature ? await options.forFeature(context, name) : context;
          for (const handle of handlersFor(feature, job.name, job.payload.action)) await handle(own);
          options.onOutcome?.("done", name, seconds());
        } catch (error) {
          durations.set(name, seconds());
          failures.push({ feature: name, failure: classifyFailure(error, now()), error });
        }
      }),
    );
    // 4. Retry the transient ones, report the rest where users look.
    const outcome = decide(job, attempt, log, failures, job.features, durations);
    const retried = outcome.kind === "retry" ? outcome.features : [];
    for (const { feature: name, failure, error } of failures) {
      if (retried.includes(name)) continue;
      await reportPermanent(context, name, failure, error, job, attempt, log, durations.get(name));
    }
    return outcome;
  };

  function decide(
    job: DeliveryJob,
    attempt: number,
    log: Logger,
    failures: Array<{ feature: string; failure: FailureClass; error: unknown }>,
    pending: string[],
    durations?: Map<string, number>,
  ): AttemptOutcome {
    const at = now();
    // Features that failed for good in earlier attempts keep the delivery "done with failures" to the end.
    const failedBefore = job.failed ?? [];
    const transient = failures.filter(
      (f): f is { feature: string; failure: Extract<FailureClass, { kind: "transient" }>; error: unknown } =>
        f.failure.kind === "transient",
    );
    if (!transient.length) {
      if (failures.some((f) => f.feature === "*")) {
        // No client at all and a permanent reason (the installation is gone): nothing can be written anywhere.
        log.error({ reason: failures[0]!.failure.reason }, "delivery dropped: no installation client");
      }
      return { kind: "done", failed: [...failedBefore, ...failures.map((f) => f.feature)] };
    }
    let delayMs = Math.max(
      ...transient.map((f) => retryDelayMs(attempt, f.failure, at, { baseMs: options.retryBaseMs })),
    );
    const deadlineAt = job.receivedAt + options.retryDeadlineMs;
    if (at + delayMs > deadlineAt) {
      // A jittered backoff that overshoots the deadline becomes one last try at the deadline; only when GitHub
      // itself forbids retrying before then (retry-after, a rate-limit reset) is the failure final now.
      const earliestAt = Math.max(...transient.map((f) => f.failure.notBeforeMs));
      if (at >= deadlineAt || earliestAt > deadlineAt) {
        return { kind: "done", failed: [...failedBefore, ...failures.map((f) => f.feature)] };
      }
      delayMs = deadlineAt - at;
    }
    const features = transient.some((f) => f.feature === "*") ? pending : transient.map((f) => f.feature);
    for (const f of transient) options.onOutcome?.("retry", f.feature, durations?.get(f.feature));
    log.warn(
      { features, delayMs, reasons: transient.map((f) => f.failure.reason) },
      `retrying ${features.join(", ")} in ${Math.round(delayMs / 1000)} s`,
    );
    const failedNow = failures.filter((f) => f.failure.kind === "permanent").map((f) => f.feature);
    return {
      kind: "retry",
      delayMs,
      features,
      reason: transient.map((f) => f.failure.reason).join("; "),
      failed: [...failedBefore, ...failedNow],
    };
  }

  async function reportPermanent(
    context: Context,
    name: string,
    failure: FailureClass,
    error: unknown,
    job: DeliveryJob,
    attempt: number,
    log: Logger,
    seconds?: number,
  ): Promise<void> {
    options.onOutcome?.("failed", name, seconds);
    const report: PermanentFailure = {
      reason:
        failure.kind === "permanent" ? failure.reason : `${failure.reason}, until the retry deadline passed`,
      fix:
        failure.kind === "permanent"
          ? failure.fix
          : "GitHub or the network kept failing for longer than the retry deadline (RETRY_DEADLINE_MINUTES).",
      attempts: attempt,
      deliveryId: job.id,
      event: typeof job.payload.action === "string" ? `${job.name}.${job.payload.action}` : job.name,
    };
    log.error({ err: error, feature: name, reason: report.reason }, `${name} failed for good`);
    const feature = options.features[name];
    if (!feature || !("repository" in job.payload)) return;
    try {
      await feature.reportFailure(context, report);
    } catch (reportError) {
      // The report itself failed (often the same missing permission): the log is all that is left.
      log.error(
        { err: reportError, feature: name },
        `${name}: could not report the failure on GitHub either`,
      );
    }
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;
