import { describe, expect, test } from "@jest/globals";
import { waitUntil } from "../../demo/lib/wait-until.js";
import { createMemoryQueue } from "../../src/runtime/memory-queue.js";
import { deliveryJob, describeQueueContract, gate, recordingRunner } from "./queue-contract.js";

describeQueueContract("in-process (memory)", (options) => createMemoryQueue(options));

describe("in-process queue specifics", () => {
  test("close leaves waiting jobs in the queue (not run, still counted) while the running one finishes", async () => {
    const queue = createMemoryQueue({ concurrency: 1 });
    const first = gate();
    const { run, runs } = recordingRunner(async () => {
      await first.promise;
      return { kind: "done", failed: [] };
    });
    queue.start(run);
    for (const id of ["m-1", "m-2", "m-3"]) await queue.add(deliveryJob(id));
    await waitUntil("the first job to start", () => runs.length === 1);
    const closed = queue.close(5000);
    first.open();
    await closed;
    expect(runs.map((r) => r.id)).toEqual(["m-1"]);
    expect(await queue.counts()).toMatchObject({ waiting: 2, active: 0 });
  });

  test("remembered ids expire after rememberMs and beyond rememberCount", async () => {
    const queue = createMemoryQueue({ rememberMs: 100, rememberCount: 2 });
    const { run, runs } = recordingRunner();
    queue.start(run);
    for (const id of ["r-1", "r-2", "r-3"]) await queue.add(deliveryJob(id));
    await queue.idle();
    // r-1 is the oldest of three with room for two: forgotten, so a redelivery runs it again; r-3 is remembered.
    await queue.add(deliveryJob("r-1"));
    await queue.add(deliveryJob("r-3"));
    await queue.idle();
    expect(runs.map((r) => r.id)).toEqual(["r-1", "r-2", "r-3", "r-1"]);
    await waitUntil("r-3 to be forgotten", async () => {
      await queue.add(deliveryJob("r-3"));
      await queue.idle();
      return runs.length === 5;
    });
    await queue.close(100);
  });
});
