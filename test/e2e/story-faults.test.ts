import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import type { FaultMode, FaultOptions } from "../../demo/lib/fake-faults.js";
import { startHarness, type Harness } from "../../demo/lib/harness.js";
import { storySeed } from "../../demo/lib/story.js";
import { ensureBuilt } from "./support/ensure-built.js";
import { metricSum } from "./support/metrics.js";
import { expectNoDuplicates, expectSchemaClean, runCheckedStep } from "./support/story-checks.js";

/**
 * The story against `probot run` while the GitHub stand-in misbehaves the ways GitHub does: every step's facts
 * hold, nothing is duplicated, every request stays valid. Each scenario has its own fake GitHub and app process;
 * they run side by side (most of a story is the app's own pacing of writes, idle time), each test awaits its own.
 *
 * One more way GitHub fails, beyond the stand-in's defaults: a write carried out whose answer is lost (`after: true`:
 * a 502 or a dropped connection after the work). Octokit used to send such a POST again and the story ended with two
 * "PR title" check runs on one commit; POST and DELETE are now left to the queue's retry (src/github/retry-policy.ts).
 *
 * Which steps: 1–5, under every mode, with the faults on from the first request. They create every kind of artifact
 * the bot owns and update some (check runs, updated in place when the PR changes; the audit's tracking issue; a draft
 * release; the promotion branch, its commit and its PR), i.e. every write path. Left out: step 6 (the same kinds of
 * writes again, as updates, for v0.0.4: about 35 s more per scenario on a loaded 2-core machine), step 7 (redeliver
 * everything: the same jobs, which the queue does not run again, so no GitHub call for a fault to act on) and step 8
 * (a forged delivery, refused before any work). Steps 6–8 run in story.test.ts and replicas-story.test.ts.
 */
const CORE_STEPS = [
  "open-pr",
  "retitle-and-fix",
  "squash-merge-and-audit",
  "tag-draft-release",
  "publish-promotion-pr",
];

interface Scenario {
  name: string;
  faults: FaultOptions[];
  /** The modes that must have struck (so the test cannot pass without faults). */
  modes: FaultMode[];
  /** Which requests may be faulted: every faulted request matches. */
  only: (request: { method: string; route: string | null; fault: string | null }) => boolean;
  /** At least one faulted request is `METHOD route` like this. */
  mustHit?: RegExp;
  /** The queue must have retried a job (a failure octokit does not retry, or one that outlasted its retries). */
  retried?: boolean;
  /** Run on BullMQ (a private redis-server) instead of the in-process queue. */
  redis?: boolean;
}

const WRITE = /^(POST|PATCH|PUT|DELETE)$/;
const SCENARIOS: Scenario[] = [
  {
    // A POST is not repeated by octokit (src/github/retry-policy.ts): two 5xx in a row on opening the promotion PR
    // make the queue retry the job twice (on BullMQ: moved to delayed) after its branch and commit were written.
    name: "5xx (500/502/503) on 5 % of all requests and on 2 attempts in a row to open the promotion PR, on the Redis queue",
    faults: [
      { mode: "5xx", route: "POST /repos/:owner/:repo/pulls", maxFaults: 2 },
      { mode: "5xx", fraction: 0.05, seed: 7 },
    ],
    modes: ["5xx"],
    only: () => true,
    mustHit: /^POST \/repos\/:owner\/:repo\/pulls$/,
    retried: true,
    redis: true,
  },
  {
    name: "rate limits: secondary (403 + retry-after) and 429 on 25 % of writes, primary (reset in 2 s) on 5 % of reads",
    faults: [
      { mode: ["secondary-rate-limit", "429"], on: "writes", fraction: 0.25, seed: 3, retryAfter: 1 },
      { mode: "primary-rate-limit", on: "reads", fraction: 0.05, seed: 5, retryAfter: 2 },
    ],
    modes: ["secondary-rate-limit", "429", "primary-rate-limit"],
    only: (r) => (r.fault === "primary-rate-limit" ? !WRITE.test(r.method) : WRITE.test(r.method)),
    retried: true,
  },
  {
    // A write whose answer is lost after GitHub carried it out: octokit must not send the POST again (a second check
    // run), the queue's retry looks up first (src/github/retry-policy.ts).
    name: "answers lost after GitHub did the write (reset or 5xx) on 25 % of writes; resets on 5 % of reads",
    faults: [
      { mode: ["reset", "5xx"], on: "writes", fraction: 0.25, seed: 13, after: true },
      { mode: "reset", on: "reads", fraction: 0.05, seed: 11 },
    ],
    modes: ["reset", "5xx"],
    only: () => true,
    mustHit: /^POST \/repos\/:owner\/:repo\/check-runs$/,
    retried: true,
  },
  {
    name: "answers 11 s late (past 10 s) on three writes",
    faults: [{ mode: "slow", on: "writes", fraction: 0.3, seed: 2, maxFaults: 3, delayMs: 11_000 }],
    modes: ["slow"],
    only: (r) => WRITE.test(r.method),
  },
];

interface Outcome {
  faults: Record<FaultMode, number>;
  faulted: Array<{ method: string; route: string | null; fault: string | null }>;
  permanentFailures: number;
  jobRetries: number;
  errors: string[];
}

async function runScenario(scenario: Scenario): Promise<Outcome> {
  const started = Date.now();
  const h: Harness = await startHarness({
    fake: { ...storySeed(), faults: scenario.faults },
    redis: scenario.redis ?? false,
    appEnv: { RETRY_BASE_SECONDS: "0.2" },
  });
  try {
    const memory: Record<string, any> = {};
    for (const id of CORE_STEPS) {
      try {
        await runCheckedStep(h, memory, id);
        if (process.env.E2E_TIMINGS)
          process.stdout.write(`${scenario.name.slice(0, 30)} ${id} at ${Date.now() - started} ms\n`);
      } catch (error) {
        throw new Error(
          `${scenario.name}, step ${id}: ${error instanceof Error ? error.message : error}\n` +
            `faults so far: ${JSON.stringify(h.fake.faults)}\n${h.logs().slice(-6000)}`,
        );
      }
    }
    await h.waitIdle(60_000);
    expectNoDuplicates(h);
    expectSchemaClean(h);
    const metrics = await h.app.metrics();
    return {
      faults: { ...h.fake.faults },
      faulted: h.fake.requests
        .filter((r) => r.fault)
        .map((r) => ({ method: r.method, route: r.route, fault: r.fault })),
      permanentFailures: metricSum(metrics, "grb_feature_runs_total", { outcome: "failed" }),
      jobRetries: metricSum(metrics, "grb_feature_runs_total", { outcome: "retry" }),
      errors: h.app
        .logRecords()
        .filter((r) => Number(r.level) >= 50)
        .map((r) => String(r.msg)),
    };
  } finally {
    await h.stop();
  }
}

describe("end to end: the story while GitHub fails (5xx, rate limits, resets, slow answers)", () => {
  const outcomes = new Map<string, Promise<Outcome>>();

  beforeAll(() => {
    ensureBuilt();
    for (const scenario of SCENARIOS) {
      const outcome = runScenario(scenario);
      outcome.catch(() => undefined); // awaited by its test; never an unhandled rejection meanwhile
      outcomes.set(scenario.name, outcome);
    }
  });
  afterAll(async () => {
    await Promise.allSettled(outcomes.values());
  }, 120_000);

  for (const scenario of SCENARIOS) {
    test(`${scenario.name}: every step's facts hold, nothing duplicated, valid requests`, async () => {
      const outcome = await outcomes.get(scenario.name)!;
      // The faults did strike, where the scenario says, and the work went through anyway.
      for (const mode of scenario.modes) expect(outcome.faults[mode]).toBeGreaterThan(0);
      expect(outcome.faulted.length).toBeGreaterThan(0);
      expect(outcome.faulted.filter((r) => !scenario.only(r))).toEqual([]);
      // Nothing was given up on: every failure was retried until it went through.
      expect(outcome.permanentFailures).toBe(0);
      if (scenario.retried) expect(outcome.jobRetries).toBeGreaterThan(0);
      if (scenario.mustHit) {
        expect(outcome.faulted.map((r) => `${r.method} ${r.route}`)).toContainEqual(
          expect.stringMatching(scenario.mustHit),
        );
      }
      expect(outcome.errors).toEqual([]);
    }, 180_000);
  }
});
