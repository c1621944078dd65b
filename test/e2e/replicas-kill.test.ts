import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startHarness, type Harness } from "../../demo/lib/harness.js";
import { MAINTAINER, storySeed } from "../../demo/lib/story.js";
import { waitUntil } from "../../demo/lib/wait-until.js";
import { ensureBuilt } from "./support/ensure-built.js";
import { expectNoDuplicates, expectSchemaClean } from "./support/story-checks.js";

/** Seconds a BullMQ job lock lives: a job whose replica was killed is taken over after about twice this. */
const JOB_LOCK_SECONDS = 2;

/**
 * Two `probot run` replicas on one real redis-server; `kill -9` of the replica that is in the middle of a tag-push
 * job. Its job stays in Redis, locked; once the lock expires the other replica's stalled-job check takes it over, and
 * the draft release appears, once. The killed replica then comes back with the same environment.
 */
describe("end to end: kill -9 of the replica running a job", () => {
  let h: Harness;

  beforeAll(async () => {
    ensureBuilt();
    h = await startHarness({
      fake: storySeed(),
      replicas: 2,
      redis: true,
      appEnv: { RETRY_BASE_SECONDS: "0.2", JOB_LOCK_SECONDS: String(JOB_LOCK_SECONDS) },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  test("the other replica takes the tag-push job over once its lock expires; one draft", async () => {
    const main = await h.fake.git.resolveCommit("refs/heads/main");
    // The job's first read is answered 20 s late: the replica that runs the job is stuck in it when it dies.
    h.fake.injectFaults({ mode: "slow", on: "reads", maxFaults: 1, delayMs: 20_000 });
    await h.fake.moveRef("refs/tags/v0.0.3", main!, { expected: null, actor: MAINTAINER });
    const push = h.fake.takeEvents().filter((event) => event.name === "push");
    expect(push.map((event) => event.cause)).toEqual(["push refs/tags/v0.0.3"]);
    await h.send(push, { to: "one" });
    // Which replica took the job from the shared queue: the one whose connection waits for the late answer.
    const holder = await waitUntil("a replica waiting for the slow answer", () => {
      const i = h.replicaAwaitingSlowAnswer();
      return i >= 0 ? i : undefined;
    });
    expect(h.fake.faults.slow).toBe(1);
    const killedAt = Date.now();
    await h.killApp(holder);
    expect(h.apps[holder]).toBeNull();
    expect(h.fake.releases.filter((r) => r.tagName === "v0.0.3")).toEqual([]);

    const draft = await waitUntil(
      "the draft of v0.0.3 written by the surviving replica",
      () => h.fake.releases.find((r) => r.tagName === "v0.0.3"),
      { timeoutMs: 40_000 },
    );
    expect(draft.draft).toBe(true);
    expect(draft.body).toContain("compare/v0.0.2...v0.0.3");
    expect(Date.now() - killedAt).toBeLessThan(40_000);
    await h.waitIdle(30_000);
    expect(h.fake.releases.filter((r) => r.tagName === "v0.0.3")).toHaveLength(1);
    // No job was given up: the survivor counts no failed feature run.
    expect(await h.apps[1 - holder]!.metrics()).not.toMatch(
      /^grb_feature_runs_total\{[^}]*outcome="failed"[^}]*\} [1-9]/m,
    );

    // The killed replica comes back with the same environment and port; nothing is done twice.
    await h.restartApp(holder);
    expect(h.apps.every(Boolean)).toBe(true);
    await h.deliver(h.fake.takeEvents(), { to: holder }); // release.created
    await h.waitIdle();
    expect(h.fake.releases.filter((r) => r.tagName === "v0.0.3")).toHaveLength(1);
    expectNoDuplicates(h);
    expectSchemaClean(h);
  }, 90_000);
});
