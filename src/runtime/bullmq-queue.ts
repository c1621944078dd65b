import { DelayedError, Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { DeliveryJob, JobQueue, JobRunner, QueueCounts } from "./job-queue.js";

export interface BullmqQueueOptions {
  /** Jobs one replica runs at the same time (default 8). */
  concurrency?: number;
  /**
   * How long a running job's lock lives without renewal (default 30 s). A replica killed mid-job leaves the job
   * locked this long; then any replica's stalled-job check (every `stalledIntervalMs`) puts it back in the queue.
   */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Queue name; also the Redis key prefix's second part (`grb:<name>:…`). */
  name?: string;
  onError?: (error: unknown, source: string) => void;
}

interface StoredJob {
  job: DeliveryJob;
  attempt: number;
}

/** Finished jobs are kept a day: a redelivery of the same delivery GUID within that time is not run again. */
const KEEP_COMPLETED = { age: 24 * 3600, count: 50_000 };
/** Failed jobs (a bug in the runner, or a job that crashed its worker more than `maxStalledCount` times) stay a
 *  week, for inspection. */
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 10_000 };

/**
 * The queue on Redis (BullMQ), shared by every replica: a delivery is stored before GitHub gets its answer and
 * survives restarts; a replica that dies mid-job leaves it to another. Choices, deliberately:
 * - `jobId` = the delivery GUID: BullMQ ignores an add whose id exists, so a redelivery (same GUID) or a
 *   concurrent double delivery is one job. (BullMQ ids may not contain `:`, so it is escaped.)
 * - No BullMQ `attempts`/`backoff`: the runner decides per failure (transient or permanent, GitHub's
 *   `retry-after`), so a retry is `moveToDelayed` with the features still to do, not a blind re-run of the job.
 * - `maxStalledCount: 2`: a job whose worker died is put back twice; a third death marks it failed, so one poison
 *   delivery cannot crash every replica in turn forever.
 */
export function createBullmqQueue(redisUrl: string, options: BullmqQueueOptions = {}): JobQueue {
  const name = options.name ?? "deliveries";
  const prefix = "grb";
  // The producer fails fast while Redis is away, so the webhook answers 5xx at once (GitHub records a failed
  // delivery, and the redelivery sweep picks it up) instead of hanging the request.
  const producer = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // BullMQ requires workers' blocking connections to retry without limit.
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  for (const [connection, source] of [
    [producer, "queue"],
    [workerConnection, "worker"],
  ] as const) {
    connection.on("error", (error: Error) => options.onError?.(error, `redis-${source}`));
  }
  const queue = new Queue<StoredJob>(name, { connection: producer, prefix });
  queue.on("error", (error) => options.onError?.(error, "queue"));
  let worker: Worker<StoredJob, { failed: string[] }> | null = null;

  const ready = new Promise<void>((resolve) => {
    if (producer.status === "ready") resolve();
    else producer.once("ready", () => resolve());
  });

  return {
    async add(job) {
      if (producer.status !== "ready") {
        // enableOfflineQueue: false rejects commands while connecting; wait a moment for the first connection.
        await Promise.race([ready, new Promise((r) => setTimeout(r, 2000))]);
      }
      await queue.add(
        job.name,
        { job, attempt: 1 },
        { jobId: bullmqId(job.id), removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED },
      );
    },
    start(run: JobRunner) {
      worker = new Worker<StoredJob, { failed: string[] }>(
        name,
        async (stored: Job<StoredJob>, token?: string) => {
          const { job, attempt } = stored.data;
          const outcome = await run(job, attempt);
          if (outcome.kind === "done") return { failed: outcome.failed };
          await stored.updateData({ job: { ...job, features: outcome.features }, attempt: attempt + 1 });
          await stored.moveToDelayed(Date.now() + outcome.delayMs, token);
          // Tells BullMQ the job was moved on purpose: neither completed nor failed.
          throw new DelayedError();
        },
        {
          connection: workerConnection,
          prefix,
          concurrency: options.concurrency ?? 8,
          lockDuration: options.lockDurationMs ?? 30_000,
          stalledInterval: options.stalledIntervalMs ?? 30_000,
          maxStalledCount: 2,
        },
      );
      worker.on("error", (error) => options.onError?.(error, "worker"));
      // A delivery with a feature that failed for good is forgotten, so that redelivering it once the cause is fixed
      // runs it again (a completed job's id would make BullMQ ignore the redelivery for a day).
      worker.on("completed", (stored, result: { failed?: string[] } | undefined) => {
        if (result?.failed?.length) stored.remove().catch((error) => options.onError?.(error, "queue"));
      });
      worker.on("failed", (stored, error) => {
        if (!(error instanceof DelayedError)) options.onError?.(error, `job ${stored?.id ?? "?"}`);
      });
    },
    async counts(): Promise<QueueCounts> {
      const c = await queue.getJobCounts("waiting", "active", "delayed", "failed", "prioritized");
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
      };
    },
    async close(deadlineMs) {
      if (worker) {
        // A graceful close waits for running jobs; past the deadline, force it: those jobs keep their lock until
        // it expires, then another replica (or this one restarted) takes them from the stalled set.
        const graceful = worker.close().then(() => true);
        const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), deadlineMs).unref());
        if (!(await Promise.race([graceful, timedOut]))) await worker.close(true);
      }
      await queue.close();
      producer.disconnect();
      workerConnection.disconnect();
    },
  };
}

/** BullMQ refuses ids that contain `:` or look like integers. */
function bullmqId(id: string): string {
  return `d|${id.replaceAll(":", "|")}`;
}
