import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startHarness, type Harness } from "../../demo/lib/harness.js";
import { BAD_TITLE, GOOD_TITLE, STORY_STEPS, type StepReport } from "../../demo/lib/story.js";
import { ensureBuilt } from "./support/ensure-built.js";

/**
 * Issue 7's story against the real app process (`probot run lib/index.js`) and the fake GitHub. Each test runs one
 * step of demo/lib/story.js (the same steps `npm run demo` narrates) and asserts what matters. Steps depend on the
 * previous ones, in order. To add a step: give it a `run` in story.js, then a test here (see docs/e2e.md).
 */
describe("end to end: the story against `probot run` and a fake GitHub", () => {
  let h: Harness;
  const memory: Record<string, any> = {};
  const asserted = new Set<string>();

  async function runStep(id: string): Promise<StepReport["facts"]> {
    const step = STORY_STEPS.find((s) => s.id === id);
    if (!step?.run) throw new Error(`story step "${id}" has no run`);
    asserted.add(id);
    return (await step.run(h, memory)).facts;
  }

  beforeAll(async () => {
    ensureBuilt();
    h = await startHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  test(`1. "${BAD_TITLE}" with a ClusterRole in a tenant folder → "PR title" fails on the head SHA`, async () => {
    const facts = await runStep("open-pr");
    expect(facts.delivered.map((d: any) => d.status)).toEqual([200, 200, 200]);
    const titleRuns = h.fake.findCheckRuns({ name: "PR title", headSha: facts.headSha });
    expect(titleRuns).toHaveLength(1);
    expect(titleRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(titleRuns[0]!.output.title).toContain("Conventional Commits header");
    expect(titleRuns[0]!.output.summary).toContain(`\`${BAD_TITLE}\``);
    // The PR does not touch the configuration file: no "Config" check.
    expect(h.fake.findCheckRuns({ name: "Config" })).toEqual([]);
  }, 60_000);

  test(`2. retitled "${GOOD_TITLE}" and fixed → "PR title" passes on the new head`, async () => {
    const facts = await runStep("retitle-and-fix");
    expect(facts.delivered.map((d: any) => d.cause)).toEqual([
      `pull_request.edited #${memory.pr}`,
      "push refs/heads/tenant-dummy",
      `pull_request.synchronize #${memory.pr}`,
    ]);
    expect(h.fake.pulls.get(memory.pr)).toMatchObject({ title: GOOD_TITLE, headSha: facts.headSha });
    const titleRuns = h.fake.findCheckRuns({ name: "PR title", headSha: facts.headSha });
    expect(titleRuns).toHaveLength(1);
    expect(titleRuns[0]).toMatchObject({ status: "completed", conclusion: "success" });
    // The `edited` event concerned the old head: its one run was updated in place, not duplicated.
    const oldRuns = h.fake.findCheckRuns({ name: "PR title", headSha: memory.firstHead });
    expect(oldRuns).toHaveLength(1);
    expect(oldRuns[0]!.conclusion).toBe("success");
    expect(facts.checks.every((run: any) => run.conclusion === "success")).toBe(true);
  }, 60_000);

  test("7. every webhook delivered a second time → no duplicate check run, release, issue or PR", async () => {
    const facts = await runStep("redeliver-everything");
    expect(facts.redelivered).toBe(h.sender.deliveries.length);
    expect(facts.redelivered).toBeGreaterThanOrEqual(6);
    expect(facts.statuses.every((s: number) => s >= 200 && s < 300)).toBe(true);
    expect(facts.duplicates).toEqual([]);
    expect(facts.after).toEqual(facts.before);
  }, 60_000);

  test("8. a bad signature → 400, no API call, nothing changes on the fake GitHub", async () => {
    const facts = await runStep("bad-signature");
    expect(facts.status).toBe(400);
    expect(facts.newRequests).toBe(0);
    expect(facts.unchanged).toBe(true);
  }, 60_000);

  test("the app called only the fake, through GHE_HOST's /api/v3, with schema-valid requests on known routes", () => {
    const requests = h.fake.requests;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.prefix !== "/api/v3")).toEqual([]);
    expect(requests.some((r) => r.route === "/app/installations/:installation_id/access_tokens")).toBe(true);
    expect(h.fake.problems()).toEqual([]);
    expect(h.fake.unhandled).toEqual([]);
    // Nothing failed inside the app except the one forged delivery of step 8, and no token reached its log.
    const errors = h.app.logRecords().filter((record) => Number(record.level) >= 50);
    const forged = errors.filter((record) => String(record.msg).includes("signature does not match"));
    expect(forged.length).toBeGreaterThan(0); // probot logs it twice (event and app loggers)
    expect(errors.filter((record) => !forged.includes(record))).toEqual([]);
    for (const token of h.fake.tokens.keys()) expect(h.app.logs()).not.toContain(token);
  });

  test("every runnable step of the story is asserted by this file", () => {
    expect(STORY_STEPS.filter((s) => s.run).map((s) => s.id)).toEqual([...asserted]);
  });
});
