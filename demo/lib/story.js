// @ts-check
// The end-to-end story of issue 7, as data: each step acts on the fake GitHub like a person would, delivers the
// webhooks GitHub would send, waits for the bot's answer and returns what happened — `lines` for `npm run demo`,
// `facts` for test/e2e/story.test.ts. Steps whose feature is not on this branch yet have `needs` and no `run`:
// add `run` when the feature lands (see docs/e2e.md).

import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadHistory, rewindHistory } from "./history-repo.js";
import { waitUntil } from "./wait-until.js";
import { examplePayload } from "./webhook-examples.js";

export const DEVELOPER = "tenant-dev";
export const MAINTAINER = "berndonline";
export const BRANCH = "tenant-dummy";
export const BAD_TITLE = "Tenant dummy onboarding";
export const GOOD_TITLE = "tenants(dummy): onboard team namespace";

export const AUDIT_ISSUE_TITLE = "Commits on main that break the naming convention";
export const RELEASE_FILE = "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-release.yaml";
export const PROMOTION_BRANCH = "promote/release";
/** The second repository of the installation: a Flux fleet without a configuration file (onboarding). */
export const FLEET_REPO = "flux-fleet";
export const ONBOARDING_BRANCH = "gitops-release-bot/configure";
export const ONBOARDING_TITLE = "chore: configure gitops-release-bot";

/** The commit of PR #13 in the fixture's history, where the real v0.0.3 was tagged (production still at v0.0.2). */
const PR_13_SQUASH = "29bea00647e4f52500004749a70df50e91b214c2";

/**
 * How the story's repository starts: the fixture's history as it stood when v0.0.2 was the promoted release — main at
 * #13 (its `gitrepository-release.yaml` pins `tag: v0.0.2`), tags and published releases up to v0.0.2, and neither the v0.0.3 tag nor the real
 * promotion PR #14 (the story makes its own). The merge settings are the team's policy that the "Squash title" check
 * compares with (squash only, squash title = PR title), so that a compliant PR passes every check.
 * @returns {Omit<import("./fake-github.js").FakeGitHubOptions, "appId" | "appPublicKey">}
 */
export function storySeed() {
  return {
    history: rewindHistory(loadHistory(), {
      "refs/heads/main": PR_13_SQUASH,
      "refs/tags/v0.0.3": null,
      "refs/pull/14/head": null,
    }),
    // Released and promoted before the story starts: the app's start-up sweep finds nothing to heal.
    releases: [{ tag: "v0.0.1" }, { tag: "v0.0.2" }],
    settings: {
      allow_squash_merge: true,
      allow_merge_commit: false,
      allow_rebase_merge: false,
      squash_merge_commit_title: "PR_TITLE",
      squash_merge_commit_message: "PR_BODY",
    },
  };
}

/** The direct push of step 3: a quota bump committed straight to main, with a message that names nothing. */
export const FIX_STUFF_FILES = {
  "tenants/aws/common/dummy/resourcequota-compute.yaml": [
    "apiVersion: v1",
    "kind: ResourceQuota",
    "metadata:",
    "  name: compute",
    "  namespace: dummy",
    "spec:",
    "  hard:",
    "    requests.memory: 5Gi",
    "    limits.memory: 10Gi",
    "    requests.cpu: 2000m",
    "    limits.cpu: 6000m",
    "",
  ].join("\n"),
};

/** The change that makes v0.0.4 (step 6), merged through a PR like the team's other work. */
export const NEXT_TITLE = "feat(ingress-nginx): disable snippet annotations";
/** Flux's side of the rollout step: its App's bot, the first block of its Provider's UID, and the bot's config. */
export const FLUX_BOT = "flux-notifications[bot]";
export const FLUX_PROVIDER_ID = "0c9c2e41";
export const ROLLOUT_CONFIG_BRANCH = "rollout-status-ids";
export const ROLLOUT_CONFIG_TITLE = "chore(config): read flux commit statuses with their namespace";
export const ROLLOUT_CONFIG = [
  "# Flux's Provider sets commitStatusExpr to kind/namespace/name/provider (see the README).",
  "rollout:",
  '  statusFormat: "kustomization/{namespace}/{name}/{provider}"',
  "",
].join("\n");
export const NEXT_BRANCH = "ingress-no-snippets";
export const NEXT_FILES = {
  "features/ingress-nginx/namespaced/configmap-ingress-nginx-controller.yaml": [
    "apiVersion: v1",
    "data:",
    '  allow-snippet-annotations: "false"',
    "kind: ConfigMap",
    "metadata:",
    "  labels:",
    "    app.kubernetes.io/component: controller",
    "    app.kubernetes.io/instance: ingress-nginx",
    "    app.kubernetes.io/name: ingress-nginx",
    "    app.kubernetes.io/part-of: ingress-nginx",
    "    app.kubernetes.io/version: 1.2.0",
    "  name: ingress-nginx-controller",
    "  namespace: ingress-nginx",
    "",
  ].join("\n"),
};

/**
 * The files of the first push: a ClusterRole in the dummy tenant's namespace folder of the non-prod clusters (under
 * namespaced/, where cluster-scoped kinds do not belong) and a Deployment under non-namespaced/.
 */
export const BAD_FILES = {
  "providers/aws/v1/clusters/non-prod/common/namespaced/dummy/clusterrole-dummy-admin.yaml": [
    "apiVersion: rbac.authorization.k8s.io/v1",
    "kind: ClusterRole",
    "metadata:",
    "  name: dummy-admin",
    "rules:",
    '  - apiGroups: [""]',
    '    resources: ["pods"]',
    '    verbs: ["get", "list", "watch"]',
    "",
  ].join("\n"),
  "features/dummy-app/non-namespaced/deployment.yaml": [
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: dummy-app",
    "  namespace: dummy",
    "spec:",
    "  replicas: 1",
    "  selector:",
    "    matchLabels: { app: dummy-app }",
    "  template:",
    "    metadata:",
    "      labels: { app: dummy-app }",
    "    spec:",
    "      containers:",
    "        - name: app",
    "          image: nginx:1.25",
    "",
  ].join("\n"),
};

/** The fix: the ClusterRole becomes a namespaced Role, the Deployment moves to namespaced/. */
export const FIXED_FILES = {
  "providers/aws/v1/clusters/non-prod/common/namespaced/dummy/clusterrole-dummy-admin.yaml": null,
  "providers/aws/v1/clusters/non-prod/common/namespaced/dummy/role-dummy-admin.yaml": (
    BAD_FILES["providers/aws/v1/clusters/non-prod/common/namespaced/dummy/clusterrole-dummy-admin.yaml"] ?? ""
  )
    .replace("kind: ClusterRole", "kind: Role")
    .replace("  name: dummy-admin", "  name: dummy-admin\n  namespace: dummy"),
  "features/dummy-app/non-namespaced/deployment.yaml": null,
  "features/dummy-app/namespaced/deployment.yaml":
    BAD_FILES["features/dummy-app/non-namespaced/deployment.yaml"] ?? "",
};

/**
 * What the story remembers between steps (PR number, head SHAs…). Steps add to it.
 * @typedef {Record<string, any>} StoryMemory
 * @typedef {{ lines: string[]; facts: Record<string, any> }} StepReport
 * @typedef {{ id: string; title: string; needs?: string;
 *   run?: (h: import("./harness.js").Harness, memory: StoryMemory) => Promise<StepReport> }} StoryStep
 */

/** @param {string} sha */
const short = (sha) => sha.slice(0, 7);

/** @param {import("./harness.js").Delivered[]} delivered */
function deliveredLine(delivered) {
  return `GitHub → bot: ${delivered.map((d) => `${d.cause} (${d.status})`).join(", ")}`;
}

/** @param {import("./github-shapes.js").CheckRunState[]} runs */
function checkLines(runs) {
  if (!runs.length) return ["Bot: no check run"];
  return runs.map(
    (run) =>
      `Bot: ${run.conclusion === "success" ? "✓" : run.conclusion === "failure" ? "✗" : "•"} ${run.name} — ${run.conclusion}: ${run.output.title}` +
      (run.annotations.length ? ` (${run.annotations.length} annotations)` : ""),
  );
}

/** @param {Record<string, string | null>} files */
function fileLines(files) {
  return Object.entries(files).map(([file, content]) => `    ${content === null ? "-" : "+"} ${file}`);
}

/** @type {StoryStep[]} */
export const STORY_STEPS = [
  {
    id: "open-pr",
    title: `A developer opens "${BAD_TITLE}" on branch ${BRANCH}`,
    async run(h, memory) {
      const headSha = await h.fake.commitFiles({
        branch: BRANCH,
        from: "main",
        message: "Tenant dummy onboarding",
        files: BAD_FILES,
        actor: DEVELOPER,
      });
      const pr = await h.fake.openPullRequest({
        head: BRANCH,
        title: BAD_TITLE,
        body: "Onboards the dummy team.",
        actor: DEVELOPER,
      });
      const delivered = await h.deliverPending();
      await h.waitForCheckRun("PR title", headSha);
      const checks = h.checksOn(headSha);
      Object.assign(memory, { pr: pr.number, firstHead: headSha });
      return {
        lines: [
          `GitHub: ${DEVELOPER} pushed ${BRANCH} (${short(headSha)}):`,
          ...fileLines(BAD_FILES),
          `GitHub: ${DEVELOPER} opened PR #${pr.number} "${BAD_TITLE}"`,
          deliveredLine(delivered),
          ...checkLines(checks),
        ],
        facts: { number: pr.number, headSha, delivered, checks },
      };
    },
  },
  {
    id: "retitle-and-fix",
    title: `They retitle it "${GOOD_TITLE}" and fix the files`,
    async run(h, memory) {
      const pr = h.fake.pulls.get(memory.pr);
      if (!pr) throw new Error("step open-pr must run first");
      await h.fake.updatePullRequest(pr, { title: GOOD_TITLE }, DEVELOPER);
      const headSha = await h.fake.commitFiles({
        branch: BRANCH,
        message: "Use a namespaced Role; move the Deployment to namespaced/",
        files: FIXED_FILES,
        actor: DEVELOPER,
      });
      const delivered = await h.deliverPending();
      await h.waitForCheckRun("PR title", headSha);
      const checks = h.checksOn(headSha);
      memory.head = headSha;
      return {
        lines: [
          `GitHub: ${DEVELOPER} renamed PR #${pr.number} to "${GOOD_TITLE}"`,
          `GitHub: ${DEVELOPER} pushed ${BRANCH} (${short(headSha)}):`,
          ...fileLines(FIXED_FILES),
          deliveredLine(delivered),
          ...checkLines(checks),
        ],
        facts: { headSha, delivered, checks, firstHeadChecks: h.checksOn(memory.firstHead) },
      };
    },
  },
  {
    id: "squash-merge-and-audit",
    title: "It is squash-merged; a direct push of `fix stuff` to main is audited",
    async run(h, memory) {
      const pr = h.fake.pulls.get(memory.pr);
      if (!pr) throw new Error("step open-pr must run first");
      const mergeSha = await h.fake.mergePullRequest(pr, { method: "squash", actor: MAINTAINER });
      const mergeSubject = (await h.fake.git.commit(mergeSha))?.message.split("\n")[0] ?? "";
      // The bot answers a delivery before GitHub gets its 200 (probot waits for the handlers), so a passing audit
      // shows as nothing written once the deliveries are answered.
      const merged = await h.deliverPending();
      const afterMerge = { checks: h.checksOn(mergeSha), issue: auditIssue(h) ?? null };
      const fixSha = await h.fake.commitFiles({
        branch: "main",
        message: "fix stuff",
        files: FIX_STUFF_FILES,
        actor: MAINTAINER,
      });
      const pushed = await h.deliverPending();
      const fixCheck = await h.waitForCheckRun("Squash title", fixSha);
      const issue = await waitUntil(`the issue "${AUDIT_ISSUE_TITLE}"`, () => auditIssue(h), {
        timeoutMs: 15_000,
      });
      const followUps = await h.deliverPending(); // issues.opened: GitHub sends it; the bot does not listen
      Object.assign(memory, { mergeSha, fixSha, auditIssue: issue.number });
      return {
        lines: [
          `GitHub: ${MAINTAINER} squash-merged PR #${pr.number} → ${short(mergeSha)} "${mergeSubject}" on main`,
          deliveredLine(merged),
          afterMerge.checks.length || afterMerge.issue
            ? `Bot: audit of main FAILED: ${checkLines(afterMerge.checks).join("; ")}`
            : `Bot: audit of main passed (no failing check on ${short(mergeSha)}, no tracking issue)`,
          `GitHub: ${MAINTAINER} pushed ${short(fixSha)} "fix stuff" straight to main:`,
          ...fileLines(FIX_STUFF_FILES),
          deliveredLine(pushed),
          ...checkLines([fixCheck]),
          `Bot: opened issue #${issue.number} "${issue.title}"`,
          ...(followUps.length ? [deliveredLine(followUps)] : []),
        ],
        facts: { mergeSha, mergeSubject, merged, afterMerge, fixSha, pushed, issue, issues: auditIssues(h) },
      };
    },
  },
  {
    id: "tag-draft-release",
    title: "A maintainer pushes tag v0.0.3 → a draft release listing the PRs since v0.0.2",
    async run(h, memory) {
      const { sha, delivered, release } = await tagAndDraft(h, "v0.0.3");
      memory.v003 = { sha, release: release.id };
      return {
        lines: [
          `GitHub: ${MAINTAINER} pushed tag v0.0.3 at main (${short(sha)})`,
          deliveredLine(delivered),
          `Bot: draft release "${release.name}" (${listedPulls(release.body)
            .map((n) => `#${n}`)
            .join(", ")}):`,
          ...indent(release.body ?? ""),
        ],
        facts: {
          sha,
          delivered,
          release,
          listed: listedPulls(release.body),
          drafts: releasesOf(h, "v0.0.3"),
        },
      };
    },
  },
  {
    id: "publish-promotion-pr",
    title: "The release is published → the promotion PR",
    async run(h, memory) {
      const { published, promotion, botEvents, diff } = await publishAndPromote(
        h,
        memory.v003.release,
        "v0.0.3",
      );
      memory.promotion = { number: promotion.number, headSha: promotion.headSha };
      await h.waitForCheckRun("PR title", promotion.headSha);
      const checks = h.checksOn(promotion.headSha);
      return {
        lines: [
          `GitHub: ${MAINTAINER} published release v0.0.3`,
          deliveredLine(published),
          `Bot: opened PR #${promotion.number} "${promotion.title}" from ${promotion.head}`,
          deliveredLine(botEvents),
          ...checkLines(checks),
          "Bot: the PR's diff against main:",
          ...indent(diff),
          "Bot: the PR's body:",
          ...indent(promotion.body ?? ""),
        ],
        facts: { published, pr: { ...promotion }, botEvents, diff, checks, open: openPromotions(h) },
      };
    },
  },
  {
    id: "newer-release-same-pr",
    title: "v0.0.4 is tagged and published while that PR is open → the same PR promotes v0.0.4",
    async run(h, memory) {
      // The next change lands like the team's others: a PR with passing checks, squash-merged.
      const headSha = await h.fake.commitFiles({
        branch: NEXT_BRANCH,
        from: "main",
        message: NEXT_TITLE,
        files: NEXT_FILES,
        actor: DEVELOPER,
      });
      const next = await h.fake.openPullRequest({ head: NEXT_BRANCH, title: NEXT_TITLE, actor: DEVELOPER });
      const opened = await h.deliverPending();
      await h.waitForCheckRun("Squash title", headSha);
      const nextChecks = h.checksOn(headSha);
      const mergeSha = await h.fake.mergePullRequest(next, { method: "squash", actor: MAINTAINER });
      const merged = await h.deliverPending();
      const { sha, delivered, release } = await tagAndDraft(h, "v0.0.4");
      const { published, promotion, botEvents, diff } = await publishAndPromote(h, release.id, "v0.0.4");
      await h.waitForCheckRun("PR title", promotion.headSha);
      const checks = h.checksOn(promotion.headSha);
      memory.finalPromotion = { number: promotion.number, title: promotion.title, diff };
      return {
        lines: [
          `GitHub: ${DEVELOPER} opened PR #${next.number} "${NEXT_TITLE}"`,
          deliveredLine(opened),
          ...checkLines(nextChecks),
          `GitHub: ${MAINTAINER} squash-merged it (${short(mergeSha)}); pushed tag v0.0.4 at ${short(sha)}`,
          deliveredLine([...merged, ...delivered]),
          `Bot: draft release "${release.name}" (${listedPulls(release.body)
            .map((n) => `#${n}`)
            .join(", ")})`,
          `GitHub: ${MAINTAINER} published release v0.0.4`,
          deliveredLine(published),
          `Bot: PR #${promotion.number} is now "${promotion.title}" (${promotion.head}, ${promotion.state})`,
          deliveredLine(botEvents),
          ...checkLines(checks),
          `Bot: PR #${promotion.number}'s diff against main is still one line (shown at the end)`,
        ],
        facts: {
          next: next.number,
          nextChecks,
          mergeSha,
          sha,
          release,
          listed: listedPulls(release.body),
          published,
          pr: { ...promotion },
          botEvents,
          diff,
          checks,
          open: openPromotions(h),
        },
      };
    },
  },
  {
    id: "kill-during-publish",
    title:
      "v0.0.5 is published and the app is killed (kill -9) while it moves the promotion PR, then started again",
    async run(h, memory) {
      const { sha, delivered, release } = await tagAndDraft(h, "v0.0.5");
      // The promotion job gets slow on its first git write (the stand-in answers 30 s late) and the app is killed
      // while it waits: the job dies with it (a lone replica's queue lives in memory).
      h.fake.injectFaults({ mode: "slow", route: "POST /repos/:owner/:repo/git/trees", delayMs: 30_000 });
      await h.fake.publishRelease(release, MAINTAINER);
      const published = await h.send(h.fake.takeEvents());
      await waitUntil("the promotion job to wait on GitHub", () => h.fake.faults.slow > 0, {
        timeoutMs: 30_000,
      });
      await h.killApp(0);
      h.fake.clearFaults();
      const before = openPromotions(h).map((pr) => ({ number: pr.number, title: pr.title }));
      // Started again: its start-up sweep reads the state (events are hints, state is the truth) and finds the newest
      // release neither promoted nor reported blocked.
      await h.restartApp(0);
      const promotion = await waitUntil(
        "the promotion PR for v0.0.5",
        () => openPromotions(h).find((pr) => (pr.body ?? "").includes("tag=v0.0.5 -->")),
        { timeoutMs: 60_000 },
      );
      await h.waitIdle(60_000);
      const botEvents = await h.deliverPending();
      await h.waitForCheckRun("PR title", promotion.headSha);
      const sweep = h.app.logRecords().find((record) => record.reconcile)?.reconcile ?? null;
      const diff = String(await h.fake.git.run(["diff", `refs/heads/main...refs/heads/${PROMOTION_BRANCH}`]));
      memory.finalPromotion = { number: promotion.number, title: promotion.title, diff };
      const promotionPulls = [...h.fake.pulls.values()].filter((pr) => pr.head === PROMOTION_BRANCH);
      return {
        lines: [
          `GitHub: ${MAINTAINER} pushed tag v0.0.5 at ${short(sha)}`,
          deliveredLine(delivered),
          `Bot: draft release "${release.name}"`,
          `GitHub: ${MAINTAINER} published release v0.0.5 (GitHub answers the bot's git writes 30 s late)`,
          deliveredLine(published),
          "Operator: kill -9 of the app while it moves the promotion PR; its in-memory queue is gone",
          `Still open: ${before.map((pr) => `PR #${pr.number} "${pr.title}"`).join(", ")}`,
          "Operator: the app is started again",
          sweep
            ? `Bot (start-up sweep): ${sweep.repositories} repository read, ${sweep.enqueued} job enqueued: ${sweep.heals.join(", ")}`
            : "Bot: the job was taken over",
          `Bot: PR #${promotion.number} is now "${promotion.title}" (${promotion.state}), the only promotion PR`,
          deliveredLine(botEvents),
        ],
        facts: {
          release,
          before,
          pr: { ...promotion },
          sweep,
          promotionPulls: promotionPulls.map((pr) => ({ number: pr.number, state: pr.state })),
          open: openPromotions(h),
          diff,
        },
      };
    },
  },
  {
    id: "release-dashboard",
    title: "The release dashboard shows what runs where; a box ticked without, then with, write permission",
    async run(h) {
      // The dashboard is refreshed once per burst of the repository's events (a short delay, then one write).
      await h.waitIdle(60_000);
      await h.deliverPending(); // the bot's own issue events: not actions
      const dashboard = await waitUntil(
        "the release dashboard to show the open promotion PR for v0.0.5",
        () => {
          const issue = dashboardIssue(h);
          return issue && (issue.body ?? "").includes("→ `v0.0.5`") ? issue : null;
        },
        { timeoutMs: 60_000 },
      );
      const shown = String(dashboard.body);
      /** Ticks the "re-run the promotion" box in the web UI, as `actor`. @param {string} actor */
      const tick = async (actor) => {
        const body = String(dashboardIssue(h)?.body ?? "");
        h.fake.editIssue(
          dashboard.number,
          body.replace("- [ ] <!-- grb-action:repromote:", "- [x] <!-- grb-action:repromote:"),
          actor,
        );
        const delivered = await h.deliverPending();
        await h.waitIdle(60_000);
        await h.deliverPending(); // the bot's rewrite of the dashboard: not an action
        return delivered;
      };
      const byDeveloper = await tick(DEVELOPER);
      const afterDeveloper = String(dashboardIssue(h)?.body ?? "");
      const byMaintainer = await tick(MAINTAINER);
      const after = String(dashboardIssue(h)?.body ?? "");
      const answers = [...after.matchAll(/^- <!-- grb-answer:\S+ --> (.*)$/gm)].map((m) => m[1]);
      return {
        lines: [
          `Bot: issue #${dashboard.number} "${dashboard.title}", updated in place:`,
          ...indent(shown.replace(/\n\n<!-- gitops-release-bot:release-dashboard -->$/, "")),
          `GitHub: ${DEVELOPER} (read permission) ticks "Re-run the promotion of v0.0.5"`,
          deliveredLine(byDeveloper),
          `GitHub: ${MAINTAINER} (admin) ticks it`,
          deliveredLine(byMaintainer),
          "Bot: the dashboard answers:",
          ...answers.map((a) => `  │ ${a}`),
        ],
        facts: {
          dashboard: { number: dashboard.number, title: dashboard.title, body: shown },
          dashboards: dashboardIssues(h).length,
          afterDeveloper,
          after,
          answers,
          open: openPromotions(h),
        },
      };
    },
  },
  {
    id: "promotion-merged-rollout",
    title:
      "The promotion PR is merged; Flux reports the production Kustomizations one by one → the release's Rollout section and the Rollout check follow (one fails, then recovers)",
    async run(h) {
      // 1. The team gives Flux's Provider a commitStatusExpr with the namespace (prod and non-prod share Kustomization
      //    names in this repository) and says so in the bot's configuration: a PR like any other.
      const configSha = await h.fake.commitFiles({
        branch: ROLLOUT_CONFIG_BRANCH,
        from: "main",
        message: ROLLOUT_CONFIG_TITLE,
        files: { ".github/gitops-release-bot.yml": ROLLOUT_CONFIG },
        actor: MAINTAINER,
      });
      const configPr = await h.fake.openPullRequest({
        head: ROLLOUT_CONFIG_BRANCH,
        title: ROLLOUT_CONFIG_TITLE,
        actor: MAINTAINER,
      });
      const configEvents = await h.deliverPending();
      await h.waitForCheckRun("Squash title", configSha);
      await h.fake.mergePullRequest(configPr, { method: "squash", actor: MAINTAINER });
      configEvents.push(...(await h.deliverPending()));
      // 2. The promotion PR is merged: the Rollout check starts on its merge commit.
      const promotion = openPromotions(h)[0];
      if (!promotion) throw new Error("no open promotion PR to merge");
      const tag = /<!-- gitops-release-bot:promotion tag=(\S+) -->/.exec(promotion.body ?? "")?.[1] ?? "";
      const tracked = rolloutTargets(promotion.body);
      const mergeSha = await h.fake.mergePullRequest(promotion, { method: "squash", actor: MAINTAINER });
      const merged = await h.deliverPending();
      const rollout = () => h.checksOn(mergeSha).find((run) => run.name === "Rollout");
      await waitUntil("the Rollout check on the merge commit", rollout, { timeoutMs: 15_000 });
      /** @type {Array<{ report: string; check: string; title: string; section: string | null; summary?: string }>} */
      const timeline = [];
      const observe = (/** @type {string} */ report) => {
        const run = /** @type {import("./github-shapes.js").CheckRunState} */ (rollout());
        timeline.push({
          report,
          check: run.status === "completed" ? String(run.conclusion) : run.status,
          title: String(run.output.title),
          section: rolloutState(h.fake.releases.find((r) => r.tagName === tag)?.body ?? null),
          ...(run.conclusion === "failure" ? { summary: String(run.output.summary) } : {}),
        });
      };
      observe("(merged, nothing reported yet)");
      // 3. Flux (its notification-controller, authenticated as its own GitHub App) posts one status per
      //    Kustomization on the tag's commit, the revision production applies. A non-prod Kustomization with a
      //    production name reports on the same commit: it is not production's.
      const tagSha = String(await h.fake.git.resolveRef(`refs/tags/${tag}`));
      const token = h.fake.issueToken(FLUX_BOT);
      const report = async (
        /** @type {string} */ namespace,
        /** @type {string} */ name,
        /** @type {"success" | "failure"} */ state,
      ) => {
        const response = await fetch(
          `${h.fake.urls.api}/repos/${h.fake.repo.owner}/${h.fake.repo.name}/statuses/${tagSha}`,
          {
            method: "POST",
            headers: { authorization: `token ${token}`, "content-type": "application/json" },
            body: JSON.stringify({
              state,
              context: `kustomization/${namespace}/${name}/${FLUX_PROVIDER_ID}`,
              description: state === "success" ? "reconciliation succeeded" : "health check failed",
            }),
          },
        );
        if (response.status !== 201) throw new Error(`POST /statuses answered ${response.status}`);
        await h.deliverPending();
        observe(`${namespace}/${name}: ${state}`);
      };
      await report("non-prod-eu-west-1", tracked[0]?.name ?? "common", "success");
      for (const [i, k] of tracked.entries()) {
        if (i === Math.min(1, tracked.length - 1)) await report(k.namespace, k.name, "failure");
        await report(k.namespace, k.name, "success");
      }
      // The bot's own writes (the release's section) make GitHub send `release.edited`: delivered too, ignored.
      const botEvents = await h.deliverPending();
      const release = h.fake.releases.find((r) => r.tagName === tag);
      const failed = timeline.find((t) => t.check === "failure");
      return {
        lines: [
          `GitHub: ${MAINTAINER} merged PR #${configPr.number} "${ROLLOUT_CONFIG_TITLE}" (rollout.statusFormat with the namespace)`,
          deliveredLine(configEvents),
          `GitHub: ${MAINTAINER} merged the promotion PR #${promotion.number} (${short(mergeSha)}): production moves to ${tag}`,
          deliveredLine(merged),
          `Flux: ${tracked.length} production Kustomizations change; each reports on ${tag}'s commit ${short(tagSha)}`,
          ...timeline.map(
            (t) =>
              `  ${t.report} → Rollout check ${t.check} ("${t.title}"), release section ${t.section ?? "none"}`,
          ),
          ...(failed ? [`Bot: the failed check said "${failed.title}" and how to roll back`] : []),
          deliveredLine(botEvents),
        ],
        facts: {
          tag,
          tagSha,
          mergeSha,
          tracked,
          timeline,
          rollout: rollout(),
          releaseBody: release?.body ?? null,
          statusRequests: h.fake.requests.filter((r) => r.path.includes("/statuses/")).length,
        },
      };
    },
  },
  {
    id: "redeliver-everything",
    title: "Every webhook of the story is delivered a second time",
    async run(h) {
      // 1. Settle first: a delayed job of the step before (the dashboard's refresh, DASHBOARD_DELAY_MS after the last
      //    event) may still write, and GitHub's event for that write belongs to the deliveries redelivered below.
      await h.waitIdle(60_000);
      await h.deliverPending();
      await h.waitIdle(60_000);
      const before = identities(h);
      const verdictsBefore = verdicts(h);
      const requestsBefore = h.fake.requests.length;
      const deliveries = [...h.sender.deliveries];
      const statuses = [];
      for (const delivery of deliveries) statuses.push((await h.sender.redeliver(delivery)).status);
      // The app answers once a delivery is queued: wait until it has handled them all before reading the state.
      await h.waitIdle(60_000);
      // Redeliveries can also make the fake queue events (e.g. an update by the bot); GitHub would send them too.
      const followUps = await h.deliverPending();
      const after = identities(h);
      const duplicates = after.checkRuns.filter((key, i, all) => all.indexOf(key) !== i);
      // What the bot wrote while answering the same deliveries again (token requests are not writes to the repo).
      const writes = h.fake.requests
        .slice(requestsBefore)
        // GraphQL queries are POSTs that read (the PRs of commits); the bot sends no mutation.
        .filter((r) => r.method !== "GET" && !r.path.startsWith("/app/") && !/graphql$/.test(r.path))
        .map((r) => `${r.method} ${r.path} (${r.status})`);
      return {
        lines: [
          `GitHub → bot: ${deliveries.length} deliveries again, same bytes and delivery ids (${summarise(statuses)})`,
          ...(followUps.length ? [deliveredLine(followUps)] : []),
          `Bot: check runs ${before.checkRuns.length} → ${after.checkRuns.length}, releases ${before.releases} → ${after.releases}, ` +
            `PRs ${before.pulls} → ${after.pulls}, issues ${before.issues} → ${after.issues}` +
            (duplicates.length ? ` — DUPLICATES: ${duplicates.join(", ")}` : " (no duplicates)"),
          `Bot: while answering them again: ${writes.filter((w) => /\/check-runs\/\d+ /.test(w)).length} updates of existing check runs ` +
            `(older events re-judge the title they carry; later ones set it back), ` +
            `${writes.filter((w) => !/\/check-runs\/\d+ /.test(w)).length} other writes; ` +
            (JSON.stringify(verdicts(h)) === JSON.stringify(verdictsBefore)
              ? "every check run ends as it was"
              : "SOME CHECK RUNS CHANGED"),
        ],
        facts: {
          redelivered: deliveries.length,
          statuses,
          followUps,
          before,
          after,
          duplicates,
          writes,
          verdictsBefore,
          verdictsAfter: verdicts(h),
        },
      };
    },
  },
  {
    id: "bad-signature",
    title: "A webhook with a bad signature",
    async run(h) {
      const before = await h.fake.snapshot();
      const requestsBefore = h.fake.requests.length;
      const sample = h.sender.deliveries[0];
      const payload = sample ? JSON.parse(sample.body) : { action: "opened" };
      const result = await h.sender.sendWithBadSignature(sample?.name ?? "pull_request", payload);
      const after = await h.fake.snapshot();
      const newRequests = h.fake.requests.length - requestsBefore;
      return {
        lines: [
          `Someone else (not GitHub): a ${sample?.name ?? "pull_request"} webhook signed with the wrong secret`,
          `Bot: HTTP ${result.status}; ${newRequests} API calls; state ${before === after ? "unchanged" : "CHANGED"}`,
        ],
        facts: { status: result.status, unchanged: before === after, newRequests },
      };
    },
  },
  {
    id: "onboard-fleet",
    title: `The App is installed on ${FLEET_REPO} too (no configuration file): one onboarding PR, never two`,
    async run(h) {
      // 1. The repository is added to the installation: the bot infers a configuration and opens ONE PR.
      const { fleet, delivered } = await addFleetRepository(h);
      const onboarding = () => [...fleet.pulls.values()].filter((pr) => pr.head === ONBOARDING_BRANCH);
      const pr = await waitUntil("the onboarding PR", () => onboarding()[0], { timeoutMs: 15_000 });
      // 2. GitHub sends the PR's own event: the repository is not active yet, but the onboarding PR gets its Config check.
      const prEvents = await h.deliver(fleet.takeEvents());
      const config = await waitUntil(
        "the onboarding PR's Config check",
        () =>
          fleet
            .findCheckRuns({ name: "Config", headSha: pr.headSha })
            .find((run) => run.status === "completed"),
        { timeoutMs: 15_000 },
      );
      // 3. The same repository added again (a second installation event): nothing new.
      const again = await addFleetRepository(h);
      const file = await fleet.git.readBlob(
        /** @type {{ entry: { sha: string } }} */ (
          await fleet.git.pathAt(pr.headSha, ".github/gitops-release-bot.yml")
        ).entry.sha,
      );
      return {
        lines: [
          `GitHub: the App's installation now includes ${FLEET_REPO} (a Flux fleet, no .github/gitops-release-bot.yml)`,
          deliveredLine(delivered),
          `Bot: opened PR #${pr.number} "${pr.title}" from ${pr.head}, adding .github/gitops-release-bot.yml:`,
          ...indent(file.toString("utf8").trimEnd()),
          deliveredLine(prEvents),
          ...checkLines([config]),
          `GitHub: ${FLEET_REPO} added to the installation again → ${deliveredLine(again.delivered)}`,
          `Bot: still ${onboarding().length} onboarding PR; checks on the fleet's other commits: none`,
        ],
        facts: {
          delivered,
          pulls: onboarding().map((p) => ({
            number: p.number,
            title: p.title,
            state: p.state,
            body: p.body,
          })),
          config: { name: config.name, conclusion: config.conclusion },
          file: file.toString("utf8"),
          fleetChecks: fleet.findCheckRuns({}).map((run) => ({ name: run.name, headSha: run.headSha })),
          headSha: pr.headSha,
        },
      };
    },
  },
];

const FLEET_FIXTURE = fileURLToPath(
  new URL("../../test/fixtures/flux2-kustomize-helm-example", import.meta.url),
);

/** The fleet repository's files: the Flux fleet fixture (shape of fluxcd/flux2-kustomize-helm-example). */
function fleetFiles() {
  /** @type {Record<string, string>} */
  const files = {};
  /** @param {string} relative */
  const walk = (relative) => {
    for (const name of readdirSync(path.join(FLEET_FIXTURE, relative))) {
      const child = relative ? `${relative}/${name}` : name;
      if (statSync(path.join(FLEET_FIXTURE, child)).isDirectory()) walk(child);
      else files[child] = readFileSync(path.join(FLEET_FIXTURE, child), "utf8");
    }
  };
  walk("");
  return files;
}

/**
 * The App's installation gains the fleet repository (`installation_repositories.added`, GitHub's real payload with
 * the repository named): the bot opens its onboarding PR there; the PR's own event gets it a Config check.
 * @param {import("./harness.js").Harness} h
 */
async function addFleetRepository(h) {
  const fleet = h.fake.siblings.get(FLEET_REPO) ?? h.fake.addRepository(FLEET_REPO, fleetFiles());
  const payload = examplePayload("installation_repositories", "added", {
    installationId: h.fake.installationId,
  });
  payload.repositories_added = [
    {
      id: 4242,
      node_id: "R_fleet",
      name: FLEET_REPO,
      full_name: `${h.fake.repo.owner}/${FLEET_REPO}`,
      private: false,
    },
  ];
  const delivered = await h.deliver([
    { name: "installation_repositories", payload, cause: "installation_repositories.added" },
  ]);
  return { fleet, delivered };
}

/** What every check run says now (conclusion, title, summary), by id. @param {import("./harness.js").Harness} h */
function verdicts(h) {
  return h.fake.checkRuns.map((r) => ({
    id: r.id,
    conclusion: r.conclusion,
    title: r.output.title,
    summary: r.output.summary,
  }));
}

/** Identities of everything the bot owns, to spot duplicates. @param {import("./harness.js").Harness} h */
function identities(h) {
  return {
    checkRuns: h.fake.checkRuns.map((r) => `${r.name}@${r.headSha}`),
    releases: h.fake.releases.length,
    pulls: h.fake.pulls.size,
    issues: h.fake.issues.size,
  };
}

/** @param {number[]} statuses */
function summarise(statuses) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return Object.entries(counts)
    .map(([status, n]) => `${n}× ${status}`)
    .join(", ");
}

/** @param {import("./harness.js").Harness} h */
function auditIssues(h) {
  return [...h.fake.issues.values()].filter((issue) => issue.title === AUDIT_ISSUE_TITLE);
}

/** @param {import("./harness.js").Harness} h */
function auditIssue(h) {
  return auditIssues(h).find((issue) => issue.state === "open");
}

/** @param {import("./harness.js").Harness} h @param {string} tag */
function releasesOf(h, tag) {
  return h.fake.releases.filter((release) => release.tagName === tag);
}

/** The Kustomizations the rollout waits for, from the promotion PR's hidden marker. @param {string | null} body */
function rolloutTargets(body) {
  const json = /<!-- gitops-release-bot:rollout-targets (\{.*?\}) -->/.exec(body ?? "")?.[1];
  /** @type {Array<[string, string, string | null]>} */
  const tracked = json ? JSON.parse(json).tracked : [];
  return tracked.map(([namespace, name, cluster]) => ({ namespace, name, cluster }));
}

/** The state the release's Rollout section records, or null. @param {string | null} body */
export function rolloutState(body) {
  return /<!-- gitops-release-bot:rollout state=(\S+) /.exec(body ?? "")?.[1] ?? null;
}

/** The release dashboard issues (found by the bot's hidden marker). @param {import("./harness.js").Harness} h */
function dashboardIssues(h) {
  return [...h.fake.issues.values()].filter((issue) =>
    (issue.body ?? "").includes("<!-- gitops-release-bot:release-dashboard -->"),
  );
}

/** @param {import("./harness.js").Harness} h */
function dashboardIssue(h) {
  return dashboardIssues(h).find((issue) => issue.state === "open") ?? null;
}

/** @param {import("./harness.js").Harness} h */
function openPromotions(h) {
  return [...h.fake.pulls.values()].filter((pr) => pr.state === "open" && pr.head === PROMOTION_BRANCH);
}

/** The PR numbers a release body links to, in order. @param {string | null} body */
export function listedPulls(body) {
  return [...(body ?? "").matchAll(/\[#(\d+)\]\([^)]*\/pull\/\d+\)/g)].map((m) => Number(m[1]));
}

/** @param {string} text */
function indent(text) {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => `  │ ${line}`);
}

/**
 * A maintainer tags main's head; the bot drafts the release.
 * @param {import("./harness.js").Harness} h @param {string} tag
 */
async function tagAndDraft(h, tag) {
  const sha = await h.fake.git.resolveCommit("refs/heads/main");
  if (!sha) throw new Error("main is missing");
  await h.fake.moveRef(`refs/tags/${tag}`, sha, { expected: null, actor: MAINTAINER });
  const delivered = await h.deliverPending(); // push (created) and create
  const release = await waitUntil(`a draft release for ${tag}`, () =>
    h.fake.releases.find((r) => r.tagName === tag && r.draft),
  );
  delivered.push(...(await h.deliverPending())); // release.created
  return { sha, delivered, release };
}

/**
 * A maintainer publishes the draft; the bot opens or moves the promotion PR, whose own events are delivered too.
 * @param {import("./harness.js").Harness} h @param {number} releaseId @param {string} tag
 */
async function publishAndPromote(h, releaseId, tag) {
  const release = h.fake.releases.find((r) => r.id === releaseId);
  if (!release) throw new Error(`no release ${releaseId}`);
  await h.fake.publishRelease(release, MAINTAINER);
  const published = await h.deliverPending();
  const promotion = await waitUntil(`the promotion PR for ${tag}`, () =>
    openPromotions(h).find((pr) => (pr.body ?? "").includes(`tag=${tag} -->`)),
  );
  const botEvents = await h.deliverPending(); // the bot's branch push and PR events
  // Three dots: what the PR would bring to main (from the merge base), as GitHub's "Files changed" shows it.
  const diff = String(await h.fake.git.run(["diff", `refs/heads/main...refs/heads/${PROMOTION_BRANCH}`]));
  return { published, promotion, botEvents, diff };
}
