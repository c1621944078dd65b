import type { DeliveryJob, JobQueue, JobRunner, QueueCounts } from "./job-queue.js";

export interface MemoryQueueOptions {
  /** Jobs run at the same time (default 8). */
  concurrency?: number;
  /** How long a finished job's id is remembered, so a redelivery of it is not run again (default 24 h). */
  rememberMs?: number;
  /** At most this many finished ids are remembered (oldest forgotten first). */
  rememberCount?: number;
  onError?: (error: unknown, job: DeliveryJob) => void;
}

/**
 * The in-process queue: the default for one replica without Redis. Same contract as the BullMQ queue, but jobs live
 * in memory: a crash loses what was queued, and the reconciliation sweep on the next start heals it.
 */
export function createMemoryQueue(options: MemoryQueueOptions = {}): JobQueue & { idle(): Promise<void> } {
  const concurrency = options.concurrency ?? 8;
  const rememberMs = options.rememberMs ?? 24 * 3600_000;
  const rememberCount = options.rememberCount ?? 10_000;
  const waiting: Array<{ job: DeliveryJob; attempt: number }> = [];
  const delayed = new Map<string, NodeJS.Timeout>();
  const known = new Map<string, "waiting" | "active" | "delayed">();
  const finished = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let failed = 0;
  let runner: JobRunner | null = null;
  let closing = false;
  let idleWaiters: Array<() => void> = [];

  const forgetOld = (now: number) => {
    for (const [id, at] of finished) {
      if (finished.size <= rememberCount && now - at < rememberMs) break;
      finished.delete(id);
    }
  };

  const settleIdle = () => {
    if (waiting.length || delayed.size || running.size) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const pump = () => {
    while (runner && !closing && running.size < concurrency && waiting.length) {
      const next = waiting.shift()!;
      known.set(next.job.id, "active");
      const run = runner;
      const task: Promise<void> = (async () => {
        try {
          const outcome = await run(next.job, next.attempt);
          if (outcome.kind === "retry" && !closing) {
            const job = { ...next.job, features: outcome.features, failed: outcome.failed };
            known.set(job.id, "delayed");
            delayed.set(
              job.id,
              setTimeout(() => {
                delayed.delete(job.id);
                known.set(job.id, "waiting");
                waiting.push({ job, attempt: next.attempt + 1 });
                pump();
              }, outcome.delayMs),
            );
            return;
          }
          known.delete(next.job.id);
          if (outcome.kind === "done" && !outcome.failed.length) {
            finished.set(next.job.id, Date.now());
            forgetOld(Date.now());
          }
        } catch (error) {
          // The runner reports its own failures; an exception here is a bug in the runner itself.
          failed++;
          known.delete(next.job.id);
          options.onError?.(error, next.job);
        }
      })().finally(() => {
        running.delete(task);
        pump();
        settleIdle();
      });
      running.add(task);
    }
  };

  return {
    async add(job) {
      if (closing) throw new Error("the queue is shutting down; GitHub will record this delivery as failed");
      if (known.has(job.id)) return;
      const doneAt = finished.get(job.id);
      if (doneAt !== undefined && Date.now() - doneAt < rememberMs) return;
      known.set(job.id, "waiting");
      waiting.push({ job, attempt: 1 });
      pump();
    },
    start(run) {
      runner = run;
      pump();
    },
    async counts(): Promise<QueueCounts> {
      return { waiting: waiting.length, active: running.size, delayed: delayed.size, failed };
    },
    async close(deadlineMs) {
      closing = true;
      // Delayed retries cannot outlive the process: say so through the counts, the sweep heals them on restart.
      for (const timer of delayed.values()) clearTimeout(timer);
      delayed.clear();
      const drained = Promise.all([...running]).then(() => true);
      const timedOut = new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(false), deadlineMs).unref(),
      );
      await Promise.race([drained, timedOut]);
      settleIdle();
    },
    /** Resolves when nothing is waiting, delayed or running (tests and the demo wait for this). */
    idle() {
      if (!waiting.length && !delayed.size && !running.size) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
