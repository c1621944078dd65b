import { expect } from "@jest/globals";
import type { Harness } from "../../../demo/lib/harness.js";
import {
  AUDIT_ISSUE_TITLE,
  BAD_TITLE,
  DEVELOPER,
  FLEET_REPO,
  GOOD_TITLE,
  MAINTAINER,
  ONBOARDING_TITLE,
  PROMOTION_BRANCH,
  RELEASE_FILE,
  STORY_STEPS,
  type StepReport,
} from "../../../demo/lib/story.js";

/**
 * The facts of each story step (demo/lib/story.js) that must hold however the app runs: on two replicas, under
 * GitHub's faults. The same facts test/e2e/story.test.ts asserts step by step, gathered so that other runs of the
 * story check them too. A step without checks here (a step added later) still gets `expectNoDuplicates`.
 */

/** The checks every PR gets, by name. */
export const PR_CHECKS = ["PR title", "Squash title", "Folder layout"];

/** The one `+`/`-` pair of a unified diff, and the files it touches. */
export const changedLines = (diff: string) => ({
  files: [...diff.matchAll(/^diff --git a\/(\S+) b\//gm)].map((m) => m[1]),
  lines: diff.split("\n").filter((l) => /^[+-](?![+-]{2} )/.test(l)),
});

const verdicts = (runs: Array<{ name: string; conclusion: string | null }>) =>
  runs.map((run) => [run.name, run.conclusion]).sort();

type Facts = StepReport["facts"];
type Memory = Record<string, any>;

const STEP_CHECKS: Record<string, (facts: Facts, h: Harness, memory: Memory) => void> = {
  "onboard-fleet"(facts, h) {
    // ONE onboarding PR on the second repository, across two installation events, with the inferred file.
    expect(facts.pulls).toEqual([expect.objectContaining({ title: ONBOARDING_TITLE, state: "open" })]);
    expect(facts.pulls[0].body).toContain("## What each check would report on `main` today");
    expect(facts.pulls[0].body).toContain("Close this pull request without merging");
    expect(facts.file).toContain("clusters-2: clusters/{cluster}/{cluster_2}/{file}");
    // Before opt-in, the only check anywhere in that repository is the onboarding PR's Config check.
    expect(facts.config).toEqual({ name: "Config", conclusion: "success" });
    expect(facts.fleetChecks).toEqual([{ name: "Config", headSha: facts.headSha }]);
    // The first repository (opted in by the organization's file) got no onboarding PR.
    expect([...h.fake.pulls.values()].filter((pr) => pr.title === ONBOARDING_TITLE)).toEqual([]);
    expect(h.fake.siblings.has(FLEET_REPO)).toBe(true);
  },
  "open-pr"(facts, h) {
    expect(facts.delivered.every((d: any) => d.status >= 200 && d.status < 300)).toBe(true);
    const title = h.fake.findCheckRuns({ name: "PR title", headSha: facts.headSha });
    expect(title).toHaveLength(1);
    expect(title[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(title[0]!.output.summary).toContain(`\`${BAD_TITLE}\``);
    const layout = h.fake.findCheckRuns({ name: "Folder layout", headSha: facts.headSha });
    expect(layout).toHaveLength(1);
    expect(layout[0]).toMatchObject({ status: "completed", conclusion: "failure" });
  },
  "retitle-and-fix"(facts, h, memory) {
    expect(h.fake.pulls.get(memory.pr)).toMatchObject({ title: GOOD_TITLE, headSha: facts.headSha });
    expect(verdicts(facts.checks)).toEqual(
      verdicts(PR_CHECKS.map((name) => ({ name, conclusion: "success" }))),
    );
    const oldRuns = h.fake.findCheckRuns({ name: "PR title", headSha: memory.firstHead });
    expect(oldRuns).toHaveLength(1);
    expect(oldRuns[0]!.conclusion).toBe("success");
  },
  "squash-merge-and-audit"(facts, h, memory) {
    expect(facts.mergeSubject).toBe(`${GOOD_TITLE} (#${memory.pr})`);
    expect(facts.afterMerge).toEqual({ checks: [], issue: null });
    expect(h.fake.findCheckRuns({ headSha: facts.mergeSha })).toEqual([]);
    const fixRuns = h.fake.findCheckRuns({ name: "Squash title", headSha: facts.fixSha });
    expect(fixRuns).toHaveLength(1);
    expect(fixRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(facts.issues).toHaveLength(1);
    expect(facts.issue).toMatchObject({ title: AUDIT_ISSUE_TITLE, state: "open" });
    expect(facts.issue.body).toContain(facts.fixSha.slice(0, 7));
  },
  "tag-draft-release"(facts, _h, memory) {
    expect(facts.drafts).toHaveLength(1);
    expect(facts.release).toMatchObject({ tagName: "v0.0.3", name: "v0.0.3", draft: true });
    expect([...facts.listed].sort((a: number, b: number) => a - b)).toEqual([12, 13, memory.pr]);
    expect(facts.release.body).toContain("### Platform impact");
  },
  "publish-promotion-pr"(facts) {
    expect(facts.pr).toMatchObject({
      state: "open",
      head: PROMOTION_BRANCH,
      base: "main",
      title: "chore(release): promote v0.0.3 to release",
    });
    expect(facts.open).toHaveLength(1);
    expect(changedLines(facts.diff)).toEqual({
      files: [RELEASE_FILE],
      lines: ["-    tag: v0.0.2", "+    tag: v0.0.3"],
    });
    expect(facts.pr.body).toContain("## What changes in production");
    expect(verdicts(facts.checks)).toEqual(
      verdicts(PR_CHECKS.map((name) => ({ name, conclusion: "success" }))),
    );
  },
  "newer-release-same-pr"(facts, _h, memory) {
    expect(facts.listed).toEqual([facts.next]);
    expect(facts.pr).toMatchObject({
      number: memory.promotion.number,
      state: "open",
      head: PROMOTION_BRANCH,
      title: "chore(release): promote v0.0.4 to release",
    });
    expect(facts.open.map((pr: any) => pr.number)).toEqual([memory.promotion.number]);
    expect(changedLines(facts.diff)).toEqual({
      files: [RELEASE_FILE],
      lines: ["-    tag: v0.0.2", "+    tag: v0.0.4"],
    });
    expect(facts.botEvents.map((d: any) => d.cause)).not.toContain(
      `pull_request.closed #${memory.promotion.number}`,
    );
    expect(verdicts(facts.checks)).toEqual(
      verdicts(PR_CHECKS.map((name) => ({ name, conclusion: "success" }))),
    );
  },
  "release-dashboard"(facts, _h, memory) {
    expect(facts.dashboards).toBe(1);
    const body: string = facts.dashboard.body;
    expect(facts.dashboard.title).toBe("Release dashboard");
    expect(body).toContain("```mermaid\nflowchart LR");
    expect(body).toContain("| main | non-production | branch `main` |");
    expect(body).toContain("| release | production | tag `v0.0.2` |");
    expect(body).toContain(`- #${memory.pr} \`${GOOD_TITLE}\``);
    expect(body).toContain(`(release → \`v0.0.5\`)`);
    // The latest promotion on main is v0.0.2's (#11): the rollout feature has not reported on it.
    expect(body).toContain("No rollout reports yet.");
    expect(body).toContain("- [ ] <!-- grb-action:repromote:v0.0.5 --> Re-run the promotion of `v0.0.5`");
    expect(facts.afterDeveloper).toContain(
      `@${DEVELOPER}: this action needs write permission on the repository. Nothing was done.`,
    );
    expect(facts.answers).toHaveLength(1);
    expect(facts.answers[0]).toMatch(
      new RegExp(`^@${MAINTAINER}: re-ran the promotion of \`v0.0.5\`: \`release\` nothing to do`),
    );
    expect(facts.after).toContain("- [ ] <!-- grb-action:repromote:v0.0.5 -->");
    expect(facts.open).toHaveLength(1);
  },
  "promotion-merged-rollout"(facts) {
    // Merged: in progress until Flux reports; a non-prod Kustomization with a production name changes nothing.
    expect(facts.tracked.length).toBeGreaterThanOrEqual(2);
    expect(facts.timeline[0]).toMatchObject({ check: "in_progress", section: "in_progress" });
    expect(facts.timeline[1]).toMatchObject({ check: "in_progress", section: "in_progress" });
    expect(facts.timeline[1].title).toBe(`Waiting for Flux: 0 of ${facts.tracked.length} applied`);
    // One Kustomization fails: the check fails with its name, cluster, Flux's message and the rollback command.
    const failed = facts.timeline.find((t: any) => t.check === "failure");
    expect(failed).toBeDefined();
    expect(failed.section).toBe("failure");
    expect(failed.title).toMatch(/^\S+\/\S+ failed: health check failed$/);
    expect(failed.summary).toContain("Roll back: comment `/promote v0.0.2`");
    expect(failed.summary).toContain("kubeconfig");
    // It recovers, and every production Kustomization that changes applied the release.
    expect(facts.timeline.at(-1)).toMatchObject({ check: "success", section: "success" });
    expect(facts.rollout).toMatchObject({ name: "Rollout", status: "completed", conclusion: "success" });
    expect(facts.releaseBody.match(/## Rollout/g)).toHaveLength(1);
    expect(facts.releaseBody.match(/✅ applied/g)).toHaveLength(facts.tracked.length);
    expect(facts.releaseBody).not.toContain("❌");
  },
  "redeliver-everything"(facts, h) {
    // Every delivery before the step, once; follow-ups (events its redeliveries made the fake send) are new.
    expect(facts.redelivered).toBe(h.sender.deliveries.length - facts.followUps.length);
    expect(facts.redelivered).toBeGreaterThanOrEqual(30);
    expect(facts.statuses.every((s: number) => s >= 200 && s < 300)).toBe(true);
    expect(facts.duplicates).toEqual([]);
    expect(facts.after).toEqual(facts.before);
    expect(facts.verdictsAfter).toEqual(facts.verdictsBefore);
    expect(facts.followUps).toEqual([]);
    expect(
      facts.writes.filter((w: string) => !/^PATCH \/repos\/[^ ]+\/check-runs\/\d+ \(200\)$/.test(w)),
    ).toEqual([]);
  },
  "bad-signature"(facts) {
    expect(facts.status).toBe(400);
    expect(facts.newRequests).toBe(0);
    expect(facts.unchanged).toBe(true);
  },
};

/** Runs one step of the story and checks its facts and that nothing the bot owns is duplicated. */
export async function runCheckedStep(h: Harness, memory: Memory, id: string): Promise<Facts> {
  const step = STORY_STEPS.find((s) => s.id === id);
  if (!step?.run) throw new Error(`story step "${id}" has no run`);
  const facts = (await step.run(h, memory)).facts;
  STEP_CHECKS[id]?.(facts, h, memory);
  expectNoDuplicates(h);
  return facts;
}

/** The ids of the story's runnable steps, in order. */
export const runnableSteps = () => STORY_STEPS.filter((s) => s.run).map((s) => s.id);

/**
 * Nothing the bot owns exists twice: one check run per name and head SHA, one release per tag, one open PR per
 * head branch (and one promotion PR ever), one issue per title.
 */
export function expectNoDuplicates(h: Harness): void {
  const twice = (keys: string[]) => keys.filter((key, i) => keys.indexOf(key) !== i);
  expect(twice(h.fake.checkRuns.map((run) => `${run.name}@${run.headSha}`))).toEqual([]);
  expect(twice(h.fake.releases.map((release) => release.tagName))).toEqual([]);
  const pulls = [...h.fake.pulls.values()];
  expect(twice(pulls.filter((pr) => pr.state === "open").map((pr) => pr.head))).toEqual([]);
  expect(pulls.filter((pr) => pr.head === PROMOTION_BRANCH).length).toBeLessThanOrEqual(1);
  expect(twice([...h.fake.issues.values()].map((issue) => issue.title))).toEqual([]);
}

/** Every request the bot made was valid against GitHub's schema and had a route; answers too. */
export function expectSchemaClean(h: Harness): void {
  expect(h.fake.problems()).toEqual([]);
  expect(h.fake.unhandled).toEqual([]);
}
