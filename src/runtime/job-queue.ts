/**
 * The queue every feature runs on. The webhook route only verifies, enqueues and answers; a worker runs the job.
 * Two backends implement it: BullMQ on Redis when `REDIS_URL` is set (durable, shared by every replica), an
 * in-process queue otherwise (one replica). Handlers never know which one runs them.
 */

/** One webhook delivery (or a reconciliation hint shaped like one) and the features that still have to handle it. */
export interface DeliveryJob {
  /**
   * Deterministic identity: the delivery GUID (`X-GitHub-Delivery`), which GitHub keeps on redelivery, or
   * `reconcile:<owner>/<repo>:<what>` for the sweep. A job whose id is already queued or running is not added again.
   */
  id: string;
  /** Event name (`pull_request`, `push`…). */
  name: string;
  payload: Record<string, unknown>;
  /** Features that have not yet finished this delivery; a retry runs only these. */
  features: string[];
  /** When the delivery was first received (ms since epoch): retries stop at `receivedAt + retry deadline`. */
  receivedAt: number;
  /** Features that failed for good (and reported it) in an earlier attempt of this delivery: when the last retry
   *  succeeds, the delivery still counts as done with failures, so that its id is forgotten. */
  failed?: string[];
}

/** What the worker tells the queue after one attempt. */
export type AttemptOutcome =
  /** Finished. `failed` lists features that failed for good (and reported it): the delivery id is then forgotten, so
   *  that redelivering it after fixing the cause runs it again. */
  | { kind: "done"; failed: string[] }
  /** Some features failed transiently: run the job again after `delayMs` with only `features`; `failed` (the
   *  features that failed for good so far) is kept on the job for its last attempt's outcome. */
  | { kind: "retry"; delayMs: number; features: string[]; reason: string; failed: string[] };

export type JobRunner = (job: DeliveryJob, attempt: number) => Promise<AttemptOutcome>;

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface JobQueue {
  /** Stores the job, or resolves without change when a job with that id is queued, running or recently done without
   *  failures. Rejects
   *  when the job could not be stored (the webhook then answers 5xx so GitHub records the delivery as failed). */
  add(job: DeliveryJob): Promise<void>;
  /** Starts running jobs with `run`. */
  start(run: JobRunner): void;
  counts(): Promise<QueueCounts>;
  /** Stops taking jobs, waits up to `deadlineMs` for running ones, leaves the rest queued, releases connections. */
  close(deadlineMs: number): Promise<void>;
}
