import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startHarness, type Harness } from "../../demo/lib/harness.js";
import {
  AUDIT_ISSUE_TITLE,
  BAD_FILES,
  BAD_TITLE,
  GOOD_TITLE,
  NEXT_TITLE,
  PROMOTION_BRANCH,
  RELEASE_FILE,
  STORY_STEPS,
  storySeed,
  type StepReport,
} from "../../demo/lib/story.js";
import { ensureBuilt } from "./support/ensure-built.js";
import { changedLines, PR_CHECKS, runCheckedStep } from "./support/story-checks.js";

/**
 * Issue 7's story against the real app process (`probot run lib/index.js`) and the fake GitHub. Each test runs one
 * step of demo/lib/story.js (the same steps `npm run demo` narrates) and asserts what matters. Steps depend on the
 * previous ones, in order. To add a step: give it a `run` in story.js, then a test here (see docs/e2e.md).
 */
describe("end to end: the story against `probot run` and a fake GitHub", () => {
  let h: Harness;
  /** How many deliveries step 9 sent again (every one before it). */
  let redelivered = 0;
  const memory: Record<string, any> = {};
  const asserted = new Set<string>();

  // Each step also passes the checks the replica and fault tests share (support/story-checks.ts); the tests below
  // add what only the single-replica story shows.
  async function runStep(id: string): Promise<StepReport["facts"]> {
    asserted.add(id);
    return runCheckedStep(h, memory, id);
  }

  beforeAll(async () => {
    ensureBuilt();
    h = await startHarness({ fake: storySeed() });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  test(`1. "${BAD_TITLE}" with misplaced manifests → "PR title" and "Folder layout" fail on the head SHA`, async () => {
    const facts = await runStep("open-pr");
    expect(facts.delivered.map((d: any) => d.status)).toEqual([200, 200, 200]);
    const titleRuns = h.fake.findCheckRuns({ name: "PR title", headSha: facts.headSha });
    expect(titleRuns).toHaveLength(1);
    expect(titleRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(titleRuns[0]!.output.title).toContain("Conventional Commits header");
    expect(titleRuns[0]!.output.summary).toContain(`\`${BAD_TITLE}\``);
    // "Folder layout" fails, with an annotation on each misplaced file.
    const layoutRuns = h.fake.findCheckRuns({ name: "Folder layout", headSha: facts.headSha });
    expect(layoutRuns).toHaveLength(1);
    expect(layoutRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    const annotated = [
      ...new Set(layoutRuns[0]!.annotations.map((a: any) => `${a.path}:${a.annotation_level}`)),
    ].sort();
    expect(annotated).toEqual(
      Object.keys(BAD_FILES)
        .map((path) => `${path}:failure`)
        .sort(),
    );
    // The PR does not touch the configuration file: no "Config" check.
    expect(h.fake.findCheckRuns({ name: "Config" })).toEqual([]);
  }, 60_000);

  test(`2. retitled "${GOOD_TITLE}" and fixed → every check passes on the new head`, async () => {
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
    // The repository follows the bot's merge policy (squash only, squash title = PR title): no drift to report.
    expect(facts.checks.map((run: any) => [run.name, run.conclusion]).sort()).toEqual(
      PR_CHECKS.map((name) => [name, "success"]).sort(),
    );
  }, 60_000);

  test("3. squash-merged → main's audit passes; a direct push of `fix stuff` → a failing check and one issue", async () => {
    const facts = await runStep("squash-merge-and-audit");
    expect(facts.mergeSubject).toBe(`${GOOD_TITLE} (#${memory.pr})`);
    expect(facts.merged.map((d: any) => [d.cause, d.status])).toEqual([
      ["push refs/heads/main", 200],
      [`pull_request.closed #${memory.pr}`, 200],
    ]);
    // Answered 200 (not 202): the handlers had finished, and wrote nothing about the merge commit.
    expect(facts.afterMerge).toEqual({ checks: [], issue: null });
    expect(h.fake.findCheckRuns({ headSha: facts.mergeSha })).toEqual([]);
    const fixRuns = h.fake.findCheckRuns({ name: "Squash title", headSha: facts.fixSha });
    expect(fixRuns).toHaveLength(1);
    expect(fixRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(fixRuns[0]!.output.summary).toContain("fix stuff");
    expect(facts.issues).toHaveLength(1);
    expect(facts.issue).toMatchObject({ title: AUDIT_ISSUE_TITLE, state: "open" });
    expect(facts.issue.body).toContain(facts.fixSha.slice(0, 7));
    expect(facts.issue.body).not.toContain(facts.mergeSha.slice(0, 7));
  }, 60_000);

  test("4. tag v0.0.3 pushed → one draft whose notes list exactly #12, #13 and the story's PR, with the platform impact", async () => {
    const facts = await runStep("tag-draft-release");
    // (The release dashboard's own rewrite, after the tag, comes back as `issues.edited`: not part of this flow.)
    const delivered = facts.delivered.filter((d: any) => !String(d.cause).startsWith("issues."));
    expect(delivered.map((d: any) => [d.cause, d.status])).toEqual([
      ["push refs/tags/v0.0.3", 200],
      ["create refs/tags/v0.0.3", 200],
      ["release.created", 200],
    ]);
    expect(facts.drafts).toHaveLength(1);
    expect(facts.release).toMatchObject({ tagName: "v0.0.3", name: "v0.0.3", draft: true });
    // v0.0.2 is off main in the real history: its PRs (#9, #10) and the promotion PR #11 are not listed again.
    expect([...facts.listed].sort((a: number, b: number) => a - b)).toEqual([12, 13, memory.pr]);
    expect(facts.release.body).toContain("### Platform impact");
    expect(facts.release.body).toContain("**Tenants:** aws common: `dummy`");
    expect(facts.release.body).toContain("compare/v0.0.2...v0.0.3");
  }, 60_000);

  test("5. v0.0.3 published → the promotion PR: a one-line diff of the release file, production changes listed", async () => {
    const facts = await runStep("publish-promotion-pr");
    // (The release dashboard's own issue edits are deliveries too; they change nothing here.)
    expect(
      facts.published.map((d: any) => d.cause).filter((cause: string) => !cause.startsWith("issues.")),
    ).toEqual(["release.published", "release.released"]);
    // (PR state, title, one-line diff and its checks: the shared check of this step.)
    // The Kustomizations of production that the release changes: the tenants of the story's PR and `fix stuff`.
    expect(facts.pr.body).toMatch(/`tenants-common` \(`\.\/tenants\/aws\/common`\): \*\*changes\*\*/);
    expect(facts.pr.body).toContain("`feature-ingress-nginx` (`./features/ingress-nginx`): unchanged");
    // The bot's own writes made GitHub send events; they were delivered, and its PR passes its own checks.
    expect(facts.botEvents.map((d: any) => d.cause)).toContain(`pull_request.opened #${facts.pr.number}`);
    expect(facts.checks.map((run: any) => [run.name, run.conclusion]).sort()).toEqual(
      PR_CHECKS.map((name) => [name, "success"]).sort(),
    );
  }, 60_000);

  test("6. v0.0.4 tagged and published while that PR is open → the same PR now promotes v0.0.4", async () => {
    const facts = await runStep("newer-release-same-pr");
    expect(facts.nextChecks.map((run: any) => [run.name, run.conclusion]).sort()).toEqual(
      PR_CHECKS.map((name) => [name, "success"]).sort(),
    );
    expect(facts.listed).toEqual([facts.next]);
    expect(facts.release.body).toContain(NEXT_TITLE.replace(/^feat\(ingress-nginx\): /, ""));
    expect(facts.pr).toMatchObject({
      number: memory.promotion.number,
      state: "open",
      head: PROMOTION_BRANCH,
      title: "chore(release): promote v0.0.4 to release",
    });
    expect(facts.pr.body).toContain("from tag `v0.0.2` to tag `v0.0.4`");
    expect(facts.pr.body).toContain("`feature-ingress-nginx` (`./features/ingress-nginx`): **changes**");
    expect(facts.open.map((pr: any) => pr.number)).toEqual([memory.promotion.number]);
    expect(changedLines(facts.diff)).toEqual({
      files: [RELEASE_FILE],
      lines: ["-    tag: v0.0.2", "+    tag: v0.0.4"],
    });
    // GitHub never saw the PR without commits (it would have closed it for good).
    expect(facts.botEvents.map((d: any) => d.cause)).not.toContain(
      `pull_request.closed #${memory.promotion.number}`,
    );
    expect(facts.checks.map((run: any) => [run.name, run.conclusion]).sort()).toEqual(
      PR_CHECKS.map((name) => [name, "success"]).sort(),
    );
  }, 60_000);

  test("7. v0.0.5 published, the app killed (kill -9) mid-promotion and started again → the same PR promotes v0.0.5, once", async () => {
    const facts = await runStep("kill-during-publish");
    // Killed mid-job: the PR still promoted v0.0.4; the restarted app's start-up sweep found v0.0.5 unpromoted.
    expect(facts.before).toEqual([
      { number: memory.promotion.number, title: "chore(release): promote v0.0.4 to release" },
    ]);
    expect(facts.sweep).toMatchObject({
      reason: "start",
      enqueued: 1,
      heals: ["reconcile:berndonline/k8s-gitops-at-scale:release@v0.0.5"],
      errors: 0,
    });
    expect(facts.pr).toMatchObject({
      number: memory.promotion.number,
      state: "open",
      title: "chore(release): promote v0.0.5 to release",
    });
    expect(facts.promotionPulls).toEqual([{ number: memory.promotion.number, state: "open" }]);
    expect(changedLines(facts.diff)).toEqual({
      files: [RELEASE_FILE],
      lines: ["-    tag: v0.0.2", "+    tag: v0.0.5"],
    });
  }, 90_000);

  test("7b. the release dashboard shows the environments, the waiting PRs and the open promotion; ticking a box needs write permission", async () => {
    const facts = await runStep("release-dashboard");
    // One dashboard, updated in place: every answer and refresh went to the same issue.
    expect(facts.dashboards).toBe(1);
    expect(facts.dashboard.body).toContain("## Rollout of the latest promotion");
  }, 120_000);

  test("8. the promotion PR is merged; Flux reports one by one → the Rollout check and the release's Rollout section follow, one failure recovers", async () => {
    const facts = await runStep("promotion-merged-rollout");
    expect(facts.tag).toBe("v0.0.5");
    // Flux's statuses landed on the tag's commit (the revision production applies), not on the merge commit.
    expect(facts.tagSha).not.toBe(facts.mergeSha);
    // One report per tracked Kustomization, one failure, one non-prod report.
    expect(facts.statusRequests).toBe(facts.tracked.length + 2);
  }, 120_000);

  test("9. every webhook delivered a second time → no duplicate check run, release, issue or PR", async () => {
    const facts = await runStep("redeliver-everything");
    redelivered = facts.redelivered;
    // Every step's deliveries: steps 1–8 (the bot's own writes included).
    expect(facts.redelivered).toBeGreaterThanOrEqual(30);
    expect(facts.statuses.every((s: number) => s >= 200 && s < 300)).toBe(true);
    expect(facts.duplicates).toEqual([]);
    expect(facts.after).toEqual(facts.before);
    // Answering the same events again ends where it started: every check run says what it said before, and GitHub
    // had nothing new to send. On the way, a redelivered event that is older than the PR's last title change (the
    // `opened` of #14, the `synchronize` of the promotion PR) re-judges the title it carries, and the redelivered
    // `edited` that follows sets the run back: only updates of existing runs, never a new run or anything else.
    expect(facts.verdictsAfter).toEqual(facts.verdictsBefore);
    expect(facts.followUps).toEqual([]);
    expect(
      facts.writes.filter((w: string) => !/^PATCH \/repos\/[^ ]+\/check-runs\/\d+ \(200\)$/.test(w)),
    ).toEqual([]);
    expect(h.fake.releases.map((r) => [r.tagName, r.draft])).toEqual([
      ["v0.0.1", false],
      ["v0.0.2", false],
      ["v0.0.3", false],
      ["v0.0.4", false],
      ["v0.0.5", false],
    ]);
    expect([...h.fake.issues.values()].map((i) => i.title).sort()).toEqual(
      [AUDIT_ISSUE_TITLE, "Release dashboard"].sort(),
    );
    // Step 8 merged it.
    expect(
      [...h.fake.pulls.values()].filter((pr) => pr.head === PROMOTION_BRANCH).map((pr) => pr.state),
    ).toEqual(["closed"]);
  }, 60_000);

  test("10. a bad signature → 400, no API call, nothing changes on the fake GitHub", async () => {
    const facts = await runStep("bad-signature");
    expect(facts.status).toBe(400);
    expect(facts.newRequests).toBe(0);
    expect(facts.unchanged).toBe(true);
  }, 60_000);

  test("the app called only the fake, through GHE_HOST's /api/v3 (GraphQL: /api/graphql), with schema-valid requests on known routes", () => {
    const requests = h.fake.requests;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.prefix !== (r.path === "/graphql" ? "/api" : "/api/v3"))).toEqual([]);
    // The PRs of commits (audit, release notes) are read in batched GraphQL queries, never one REST call per commit.
    expect(requests.some((r) => r.path === "/graphql")).toBe(true);
    expect(requests.filter((r) => /\/commits\/[0-9a-f]{40}\/pulls/.test(r.path))).toEqual([]);
    expect(requests.some((r) => r.route === "/app/installations/:installation_id/access_tokens")).toBe(true);
    expect(h.fake.problems()).toEqual([]);
    expect(h.fake.unhandled).toEqual([]);
    // Nothing failed inside the (restarted) app; the forged delivery of step 10 was refused at the webhook edge (a
    // warning, before Probot, which would log its whole payload as an error); no token reached the log.
    expect(h.app.logRecords().filter((record) => Number(record.level) >= 50)).toEqual([]);
    const forged = h.app
      .logRecords()
      .filter((record) => String(record.msg).startsWith("webhook refused (400): signature does not match"));
    expect(forged).toHaveLength(1);
    for (const token of h.fake.tokens.keys()) expect(h.app.logs()).not.toContain(token);
  });

  test("the fake's App delivery log holds every delivery once and, after step 9, its redelivery (same GUID)", () => {
    const log = h.fake.deliveryLog.map((e) => e.item);
    const guids = h.sender.deliveries.map((d) => d.id);
    expect(log.filter((item) => !item.redelivery).map((item) => item.guid)).toEqual(guids);
    // Step 9 redelivered every delivery before it; what its redeliveries caused (the dashboard's own issue edits) came
    // after, once.
    expect(redelivered).toBeGreaterThanOrEqual(30);
    expect(log.filter((item) => item.redelivery).map((item) => item.guid)).toEqual(
      guids.slice(0, redelivered),
    );
    expect(log.every((item) => item.status === "OK" && item.installation_id !== null)).toBe(true);
  });

  // After the delivery-log test: step 8 redelivered everything before it, not this step's deliveries.
  test("11. a second repository (a Flux fleet without configuration) joins the installation → ONE onboarding PR", async () => {
    const facts = await runStep("onboard-fleet");
    expect(facts.delivered.map((d: { status: number }) => d.status)).toEqual([200]);
    // Its requests went to known routes, valid against GitHub's REST schema, like the rest of the story's.
    expect(h.fake.problems()).toEqual([]);
    expect(h.fake.unhandled).toEqual([]);
    expect(h.app.logRecords().filter((record) => Number(record.level) >= 50)).toEqual([]);
  }, 60_000);

  test("every runnable step of the story is asserted by this file", () => {
    expect(STORY_STEPS.filter((s) => s.run).map((s) => s.id)).toEqual([...asserted]);
  });
});
