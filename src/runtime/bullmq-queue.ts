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
  // (Connection names show in Redis' CLIENT LIST.)
  const producer = new Redis(redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectionName: "grb-queue",
  });
  // BullMQ requires workers' blocking connections to retry without limit.
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: "grb-worker" });
  for (const [connection, source] of [
    [producer, "queue"],
    [workerConnection, "worker"],
  ] as const) {
    connection.on("error", (error: Error) => options.onError?.(error, `redis-${source}`));
  }
  const queue = new Queue<StoredJob>(name, { connection: producer, prefix });
  queue.on("error", (error) => options.onError?.(error, "queue"));
  const ready = new Promise<void>((resolve) => {
    if (producer.status === "ready") resolve();
    else producer.once("ready", () => resolve());
  });

  /** BullMQ waits for its connection without end; enableOfflineQueue: false rejects commands while connecting. This
   *  waits a moment for the first connection, then fails fast while Redis is away. */
  const connected = async () => {
    if (producer.status !== "ready") await Promise.race([ready, sleep(ADD_CONNECT_WAIT_MS)]);
    if (producer.status !== "ready") throw new Error(`Redis is unavailable (connection ${producer.status})`);
  };
  let worker: Worker<StoredJob, { failed: string[] }> | null = null;
  /** The jobs this replica is running (what `close` waits for). */
  const running = new Set<Promise<unknown>>();
  let closing = false;

  return {
    async add(job) {
      if (closing) throw new Error("the queue is shutting down; GitHub will record this delivery as failed");
      // With Redis away, answer now (the webhook then answers 5xx, so GitHub records the delivery as failed and it
      // can be redelivered) instead of hanging the request.
      await connected();
      const id = bullmqId(job.id);
      await withTimeout(forgetIfFailed(queue, id), ADD_TIMEOUT_MS, "Redis did not answer in time");
      await withTimeout(
        queue.add(
          job.name,
          { job, attempt: 1 },
          { jobId: id, removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED },
        ),
        ADD_TIMEOUT_MS,
        "Redis did not store the delivery in time",
      );
    },
    start(run: JobRunner) {
      worker = new Worker<StoredJob, { failed: string[] }>(
        name,
        async (stored: Job<StoredJob>, token?: string) => {
          const { job, attempt } = stored.data;
          const attemptDone = run(job, attempt);
          running.add(attemptDone);
          const outcome = await attemptDone.finally(() => running.delete(attemptDone));
          if (outcome.kind === "done") return { failed: outcome.failed };
          await stored.updateData({
            job: { ...job, features: outcome.features, failed: outcome.failed },
            attempt: attempt + 1,
          });
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
      // Fails fast while Redis is away: /readyz then answers 503 at once.
      await connected();
      const c = await withTimeout(
        queue.getJobCounts("waiting", "active", "delayed", "failed", "prioritized"),
        ADD_TIMEOUT_MS,
        "Redis did not answer in time",
      );
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
      };
    },
    async close(deadlineMs) {
      closing = true;
      const deadline = Date.now() + deadlineMs;
      if (worker) {
        // 1. Take no new job (a fetch already under way may still start one: it is waited for like the others).
        await worker.pause(true);
        // 2. Let running jobs finish, up to the deadline.
        while (running.size && Date.now() < deadline) {
          await Promise.race([Promise.allSettled([...running]), sleep(deadline - Date.now())]);
        }
        if (running.size) {
          // 3a. Past the deadline: close by force (BullMQ's graceful close would wait for the job without a limit,
          //     and a forced close after it only waits for that one). The job keeps its lock until it expires; then
          //     another replica, or this one restarted, takes it from the stalled set. Waiting jobs stay in Redis.
          await worker.close(true);
        } else {
          // 3b. Every job finished: a graceful close also waits for BullMQ to record them as completed (a forced one
          //     could leave a finished job "active", to be run again after its lock expires).
          const closed = worker.close().then(() => true);
          if (
            !(await Promise.race([closed, sleep(Math.max(deadline - Date.now(), 1000)).then(() => false)]))
          ) {
            options.onError?.(
              new Error("the worker did not close in time; closing its connections"),
              "worker",
            );
          }
        }
      }
      await queue.close();
      producer.disconnect();
      workerConnection.disconnect();
    },
  };
}

/** How long `add` waits for a first connection to Redis, and for Redis to store the job. */
const ADD_CONNECT_WAIT_MS = 2000;
const ADD_TIMEOUT_MS = 5000;

/**
 * A redelivery of a delivery whose job failed (the runner threw: a bug, or it crashed its workers too often) runs
 * again, like one whose features failed for good: a job id that exists makes BullMQ ignore the add.
 */
async function forgetIfFailed(queue: Queue<StoredJob>, id: string): Promise<void> {
  const state = await queue.getJobState(id);
  if (state === "failed") {
    await queue.remove(id);
  } else if (state === "completed") {
    // Completed with failures: normally removed at once by the worker ("completed" listener); this closes the race.
    const done = await queue.getJob(id);
    if ((done?.returnvalue as { failed?: string[] } | undefined)?.failed?.length) await done!.remove();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** BullMQ refuses ids that contain `:` or look like integers. */
function bullmqId(id: string): string {
  return `d|${id.replaceAll(":", "|")}`;
}
