import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startHarness, type Harness } from "../../demo/lib/harness.js";
import { storySeed } from "../../demo/lib/story.js";
import { FEATURES, handlersFor } from "../../src/features.js";
import { ensureBuilt } from "./support/ensure-built.js";
import { metricSum } from "./support/metrics.js";
import {
  expectNoDuplicates,
  expectSchemaClean,
  runCheckedStep,
  runnableSteps,
} from "./support/story-checks.js";

/**
 * Two `probot run` replicas sharing one real redis-server (BullMQ queue, identity locks, Probot's Bottleneck), and
 * every delivery of the story sent to BOTH at the same instant (same bytes, same GUID), as a proxy retry or a
 * double delivery would: the story's facts hold and every artifact exists exactly once.
 */
describe("end to end: the story on two replicas, every delivery sent to both at once", () => {
  let h: Harness;
  const memory: Record<string, any> = {};

  beforeAll(async () => {
    ensureBuilt();
    h = await startHarness({
      fake: storySeed(),
      replicas: 2,
      redis: true,
      deliverTo: "all",
      appEnv: { RETRY_BASE_SECONDS: "0.2", JOB_LOCK_SECONDS: "5" },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  for (const id of runnableSteps()) {
    test(`${id}: the step's facts hold, nothing duplicated`, async () => {
      await runCheckedStep(h, memory, id);
    }, 60_000);
  }

  test("one of each artifact: check runs per name+SHA, a draft per tag, one promotion PR, one tracking issue", () => {
    expectNoDuplicates(h);
    expect(
      h.fake.releases
        .filter((r) => ["v0.0.3", "v0.0.4"].includes(r.tagName))
        .map((r) => [r.tagName, r.draft]),
    ).toEqual([
      ["v0.0.3", false],
      ["v0.0.4", false],
    ]);
    expect([...h.fake.pulls.values()].filter((pr) => pr.head === "promote/release")).toHaveLength(1);
    expect([...h.fake.issues.values()].map((issue) => issue.title).sort()).toEqual([
      "Commits on main that break the naming convention",
      "Release dashboard",
    ]);
    expectSchemaClean(h);
  });

  test("both replicas took every delivery, each delivery ran once, and both did work", async () => {
    const metrics = await Promise.all(h.apps.map((app) => app!.metrics()));
    const distinct = h.sender.deliveries.length;
    // Every delivery (and its redelivery in step 7) reached both; the queue keeps one job per GUID.
    // (A story step restarts replica 0: its counters start again at 0, so only the others can show the whole run.)
    expect(h.neverRestarted.length).toBeGreaterThan(0);
    for (const i of h.neverRestarted) {
      expect(metricSum(metrics[i]!, "grb_deliveries_received_total")).toBeGreaterThanOrEqual(distinct);
    }
    // Each feature that takes a delivery ran it to the end exactly once, on one replica or the other: twice would
    // mean the copy sent to the other replica (same GUID) ran too.
    const expected = h.sender.deliveries
      .map((d) => Object.values(FEATURES).filter((f) => handlersFor(f, d.name, d.action).length > 0).length)
      .reduce((a, b) => a + b, 0);
    const runs = metrics.map((text) => metricSum(text, "grb_feature_runs_total", { outcome: "done" }));
    // (A story step that restarts a replica resets its counters: then only "at least" can be said.)
    if (h.restarts) {
      expect(runs[0]! + runs[1]!).toBeLessThanOrEqual(expected);
      // A replica that was never restarted counted all its runs: it did some of the work, and not all of it (every
      // feature run happened, the artifacts show it), so the other replica did the rest.
      for (const i of h.neverRestarted) {
        expect(runs[i]).toBeGreaterThan(0);
        expect(runs[i]).toBeLessThan(expected);
      }
    } else {
      expect(runs[0]! + runs[1]!).toBe(expected);
      expect(runs.every((n) => n > 0)).toBe(true);
    }
    expect(metrics.map((text) => metricSum(text, "grb_feature_runs_total", { outcome: "failed" }))).toEqual([
      0, 0,
    ]);
    // No error in either replica's log except the forged delivery of the last step.
    const errors = h.apps
      .flatMap((app) => app!.logRecords())
      .filter((r) => Number(r.level) >= 50 && !String(r.msg).includes("signature does not match"));
    expect(errors).toEqual([]);
  });
});
