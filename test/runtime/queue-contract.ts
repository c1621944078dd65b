import { afterEach, describe, expect, test } from "@jest/globals";
import { waitUntil } from "../../demo/lib/wait-until.js";
import type { AttemptOutcome, DeliveryJob, JobQueue, JobRunner } from "../../src/runtime/job-queue.js";

/** Builds a fresh, empty queue (its own name on Redis); `close` is called by the contract. */
export type QueueFactory = (options: { concurrency?: number }) => JobQueue;

export interface Run {
  id: string;
  features: string[];
  attempt: number;
  /** Features that failed for good in earlier attempts (carried by the queue from a retry outcome). */
  failed: string[];
}

export function deliveryJob(id: string, features = ["prTitle", "configCheck"]): DeliveryJob {
  return {
    id,
    name: "pull_request",
    payload: { action: "opened", number: 1 },
    features,
    receivedAt: Date.now(),
  };
}

/** A runner that records every attempt and answers with `decide` (default: done, no failures). */
export function recordingRunner(
  decide: (job: DeliveryJob, attempt: number) => Promise<AttemptOutcome> | AttemptOutcome = () => ({
    kind: "done",
    failed: [],
  }),
): { run: JobRunner; runs: Run[] } {
  const runs: Run[] = [];
  return {
    runs,
    run: async (job, attempt) => {
      runs.push({ id: job.id, features: [...job.features], attempt, failed: job.failed ?? [] });
      return decide(job, attempt);
    },
  };
}

/** A promise and its resolver: a job that runs until the test lets it finish. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const idle = (queue: JobQueue) =>
  waitUntil(
    "the queue to be idle",
    async () => {
      const c = await queue.counts();
      return c.waiting + c.active + c.delayed === 0;
    },
    { timeoutMs: 10_000 },
  );

/**
 * The contract of `JobQueue` (src/runtime/job-queue.ts), run against each backend so that the in-process queue and
 * BullMQ cannot drift apart.
 */
export function describeQueueContract(backend: string, make: QueueFactory): void {
  describe(`JobQueue contract: ${backend}`, () => {
    const open: JobQueue[] = [];
    const fresh = (options: { concurrency?: number } = {}) => {
      const queue = make(options);
      open.push(queue);
      return queue;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((queue) => queue.close(1000)));
    });

    test("the same delivery id added twice, and 10 times at once → one run", async () => {
      const queue = fresh();
      const { run, runs } = recordingRunner();
      await queue.add(deliveryJob("dup-1"));
      await queue.add(deliveryJob("dup-1"));
      await Promise.all(Array.from({ length: 10 }, () => queue.add(deliveryJob("dup-2"))));
      queue.start(run);
      await waitUntil("both deliveries to run", () => runs.length >= 2);
      await idle(queue);
      // A late duplicate of a delivery that is done (clean) is not run again either.
      await queue.add(deliveryJob("dup-2"));
      await idle(queue);
      expect(runs.map((r) => r.id).sort()).toEqual(["dup-1", "dup-2"]);
    });

    test("a delivery added while it runs is not run a second time", async () => {
      const queue = fresh();
      const running = gate();
      const { run, runs } = recordingRunner(async () => {
        await running.promise;
        return { kind: "done", failed: [] };
      });
      queue.start(run);
      await queue.add(deliveryJob("busy"));
      await waitUntil("the job to start", () => runs.length === 1);
      await queue.add(deliveryJob("busy"));
      running.open();
      await idle(queue);
      expect(runs).toHaveLength(1);
    });

    test("a retry outcome → runs again later with only the listed features, attempt + 1 and the earlier failures", async () => {
      const queue = fresh();
      const { run, runs } = recordingRunner((job, attempt) =>
        attempt < 3
          ? {
              kind: "retry",
              delayMs: 50,
              features: [job.features[0]!],
              reason: "GitHub answered 502",
              failed: ["folderLayout"],
            }
          : { kind: "done", failed: [] },
      );
      queue.start(run);
      const started = Date.now();
      await queue.add(deliveryJob("retry-1", ["prTitle", "configCheck", "folderLayout"]));
      await waitUntil("the third attempt", () => runs.length === 3);
      await idle(queue);
      expect(runs).toEqual([
        { id: "retry-1", features: ["prTitle", "configCheck", "folderLayout"], attempt: 1, failed: [] },
        { id: "retry-1", features: ["prTitle"], attempt: 2, failed: ["folderLayout"] },
        { id: "retry-1", features: ["prTitle"], attempt: 3, failed: ["folderLayout"] },
      ]);
      // Two delays of 50 ms each: the retry waited, it did not run at once.
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    });

    test("a redelivery while the retry waits does not start a second run", async () => {
      const queue = fresh();
      const { run, runs } = recordingRunner((job, attempt) =>
        attempt === 1
          ? { kind: "retry", delayMs: 300, features: job.features, reason: "503", failed: [] }
          : { kind: "done", failed: [] },
      );
      queue.start(run);
      await queue.add(deliveryJob("retry-wait"));
      await waitUntil("the retry to be delayed", async () => (await queue.counts()).delayed === 1);
      await queue.add(deliveryJob("retry-wait"));
      await idle(queue);
      expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
    });

    test("done with failures → the id is forgotten: a redelivery (after the fix) runs again", async () => {
      const queue = fresh();
      const { run, runs } = recordingRunner((_job, attempt) => ({
        kind: "done",
        failed: runs.length === 1 && attempt === 1 ? ["prTitle"] : [],
      }));
      queue.start(run);
      await queue.add(deliveryJob("failed-1"));
      await waitUntil("the first run", () => runs.length === 1);
      await idle(queue);
      await waitUntil("the redelivery to run", async () => {
        await queue.add(deliveryJob("failed-1"));
        return runs.length === 2;
      });
      await idle(queue);
      expect(runs.map((r) => r.attempt)).toEqual([1, 1]);
    });

    test("done clean → the id is remembered: a redelivery does not run", async () => {
      const queue = fresh();
      const { run, runs } = recordingRunner();
      queue.start(run);
      await queue.add(deliveryJob("clean-1"));
      await waitUntil("the first run", () => runs.length === 1);
      await idle(queue);
      await queue.add(deliveryJob("clean-1"));
      await queue.add(deliveryJob("clean-2")); // a different delivery still runs, after the redelivery
      await waitUntil("the other delivery", () => runs.length === 2);
      await idle(queue);
      expect(runs.map((r) => r.id)).toEqual(["clean-1", "clean-2"]);
    });

    test("a runner that throws (a bug) → counted as failed; a redelivery runs again", async () => {
      const queue = fresh();
      const { run, runs } = recordingRunner(() => {
        if (runs.length === 1) throw new Error("a bug in the runner");
        return { kind: "done", failed: [] };
      });
      queue.start(run);
      await queue.add(deliveryJob("throws-1"));
      await waitUntil("the failure to be counted", async () => (await queue.counts()).failed === 1);
      await waitUntil("the redelivery to run", async () => {
        await queue.add(deliveryJob("throws-1"));
        return runs.length === 2;
      });
      await idle(queue);
      expect(runs).toHaveLength(2);
    });

    test("counts show waiting and active jobs; concurrency bounds the active ones", async () => {
      const queue = fresh({ concurrency: 2 });
      const release = gate();
      const { run, runs } = recordingRunner(async () => {
        await release.promise;
        return { kind: "done", failed: [] };
      });
      for (const id of ["c-1", "c-2", "c-3", "c-4", "c-5"]) await queue.add(deliveryJob(id));
      expect(await queue.counts()).toMatchObject({ waiting: 5, active: 0 });
      queue.start(run);
      await waitUntil("two jobs to run", async () => (await queue.counts()).active === 2);
      expect(await queue.counts()).toMatchObject({ waiting: 3, active: 2 });
      expect(runs).toHaveLength(2);
      release.open();
      await idle(queue);
      expect(runs).toHaveLength(5);
    });

    test("close(deadline) waits for a running job that finishes in time", async () => {
      const queue = fresh();
      let finished = false;
      const { run, runs } = recordingRunner(async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
        return { kind: "done", failed: [] };
      });
      queue.start(run);
      await queue.add(deliveryJob("closing-1"));
      await waitUntil("the job to start", () => runs.length === 1);
      await queue.close(5000);
      expect(finished).toBe(true);
    });

    test("close(deadline) gives up on a longer job at the deadline, and adds are refused once closed", async () => {
      const queue = fresh();
      const never = gate();
      const { run, runs } = recordingRunner(async () => {
        await never.promise;
        return { kind: "done", failed: [] };
      });
      queue.start(run);
      await queue.add(deliveryJob("long-1"));
      await waitUntil("the job to start", () => runs.length === 1);
      const started = Date.now();
      await queue.close(400);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(350);
      expect(took).toBeLessThan(3000);
      await expect(queue.add(deliveryJob("after-close"))).rejects.toThrow();
      never.open();
    });
  });
}
