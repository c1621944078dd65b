import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { freePort } from "../../demo/lib/app-process.js";
import { waitUntil } from "../../demo/lib/wait-until.js";
import { createBullmqQueue, type BullmqQueueOptions } from "../../src/runtime/bullmq-queue.js";
import type { JobQueue } from "../../src/runtime/job-queue.js";
import { startTestRedis, type TestRedis } from "../helpers/redis-server.js";
import { deliveryJob, describeQueueContract, gate, recordingRunner } from "./queue-contract.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.stop();
});

let names = 0;
/** Every test gets its own queue name, so tests (and test files running side by side) never share jobs. */
const uniqueName = () => `test-${process.pid}-${Date.now().toString(36)}-${names++}`;
/** Short job locks, so that taking over a dead worker's job happens within a test. */
const FAST: BullmqQueueOptions = { lockDurationMs: 1000, stalledIntervalMs: 500 };

describeQueueContract("BullMQ on Redis", (options) =>
  createBullmqQueue(redis.url, { ...FAST, ...options, name: uniqueName() }),
);

describe("BullMQ queue specifics (one Redis, several replicas)", () => {
  const replica = (name: string, options: BullmqQueueOptions = {}): JobQueue =>
    createBullmqQueue(redis.url, { ...FAST, ...options, name });

  test("close leaves waiting jobs in Redis; a second instance (another replica, or this one restarted) runs them", async () => {
    const name = uniqueName();
    const a = replica(name, { concurrency: 1 });
    const first = gate();
    const onA = recordingRunner(async () => {
      await first.promise;
      return { kind: "done", failed: [] };
    });
    a.start(onA.run);
    for (const id of ["w-1", "w-2", "w-3"]) await a.add(deliveryJob(id));
    await waitUntil("the first job to start on A", () => onA.runs.length === 1);
    const closed = a.close(5000);
    first.open();
    await closed;
    expect(onA.runs.map((r) => r.id)).toEqual(["w-1"]);

    const b = replica(name);
    try {
      expect(await b.counts()).toMatchObject({ waiting: 2, active: 0 });
      const onB = recordingRunner();
      b.start(onB.run);
      await waitUntil("B to run the two waiting jobs", () => onB.runs.length === 2);
      expect(onB.runs.map((r) => r.id).sort()).toEqual(["w-2", "w-3"]);
      // w-1 finished on A before it closed: done, and remembered.
      await b.add(deliveryJob("w-1"));
      await waitUntil("the queue to be idle", async () => {
        const c = await b.counts();
        return c.waiting + c.active + c.delayed === 0;
      });
      expect(onB.runs).toHaveLength(2);
    } finally {
      await b.close(1000);
    }
  });

  test("a worker that dies mid-job (force-closed, lock not released) → another replica takes the job over after the lock expires", async () => {
    const name = uniqueName();
    const a = replica(name);
    const stuck = gate();
    const onA = recordingRunner(async () => {
      await stuck.promise;
      return { kind: "done", failed: [] };
    });
    a.start(onA.run);
    await a.add(deliveryJob("stalled-1"));
    await waitUntil("the job to start on A", () => onA.runs.length === 1);
    // Deadline 0: the worker is closed by force, as when the process is killed: the job stays "active" in Redis.
    await a.close(0);
    const b = replica(name);
    try {
      expect(await b.counts()).toMatchObject({ active: 1 });
      const onB = recordingRunner();
      const started = Date.now();
      b.start(onB.run);
      await waitUntil("B to take the stalled job over", () => onB.runs.length === 1, { timeoutMs: 10_000 });
      expect(onB.runs[0]).toMatchObject({ id: "stalled-1", features: ["prTitle", "configCheck"] });
      // Not before A's lock (1 s) expired.
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      await waitUntil("the job to be done", async () => (await b.counts()).active === 0);
      expect(await b.counts()).toMatchObject({ waiting: 0, active: 0, failed: 0 });
    } finally {
      stuck.open();
      await b.close(1000);
    }
  });

  test("two replicas on one queue: each delivery runs once, ids with ':' (reconciliation hints) too", async () => {
    const name = uniqueName();
    const a = replica(name);
    const b = replica(name);
    try {
      const runs = recordingRunner();
      a.start(runs.run);
      b.start(runs.run);
      const ids = Array.from({ length: 20 }, (_, i) => `reconcile:o/r:check:${i}`);
      // Every id added through both replicas, at once.
      await Promise.all(ids.flatMap((id) => [a.add(deliveryJob(id)), b.add(deliveryJob(id))]));
      await waitUntil("every delivery to run", () => runs.runs.length >= 20);
      await waitUntil("the queue to be idle", async () => {
        const c = await a.counts();
        return c.waiting + c.active + c.delayed === 0;
      });
      expect(runs.runs.map((r) => r.id).sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all([a.close(1000), b.close(1000)]);
    }
  });

  test("with Redis down, add rejects (the webhook then answers 5xx) within a few seconds", async () => {
    const port = (await freePort()) as number;
    const errors: string[] = [];
    const queue = createBullmqQueue(`redis://127.0.0.1:${port}`, {
      name: uniqueName(),
      onError: (_error, source) => errors.push(source),
    });
    try {
      const started = Date.now();
      await expect(queue.add(deliveryJob("nowhere"))).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(errors).toContain("redis-queue");
    } finally {
      await queue.close(100);
    }
  });
});
