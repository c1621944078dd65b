// @ts-check
// The end-to-end story of issue 7, as data: each step acts on the fake GitHub like a person would, delivers the
// webhooks GitHub would send, waits for the bot's answer and returns what happened — `lines` for `npm run demo`,
// `facts` for test/e2e/story.test.ts. Steps whose feature is not on this branch yet have `needs` and no `run`:
// add `run` when the feature lands (see docs/e2e.md).

export const DEVELOPER = "tenant-dev";
export const MAINTAINER = "berndonline";
export const BRANCH = "tenant-dummy";
export const BAD_TITLE = "Tenant dummy onboarding";
export const GOOD_TITLE = "tenants(dummy): onboard team namespace";

/** The files of the first push: a ClusterRole in a tenant's namespace folder, a Deployment under non-namespaced/. */
export const BAD_FILES = {
  "tenants/aws/common/dummy/clusterrole-dummy-admin.yaml": [
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
  "tenants/aws/common/dummy/clusterrole-dummy-admin.yaml": null,
  "tenants/aws/common/dummy/role-dummy-admin.yaml": (
    BAD_FILES["tenants/aws/common/dummy/clusterrole-dummy-admin.yaml"] ?? ""
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
    needs: "the squash-title check and the main-branch audit (feat/squash)",
  },
  {
    id: "tag-draft-release",
    title: "A maintainer pushes tag v0.0.3 → a draft release listing the PRs since v0.0.2",
    needs: "release drafts (feat/release)",
  },
  {
    id: "publish-promotion-pr",
    title: "The release is published → the promotion PR",
    needs: "promotion PRs (feat/promotion)",
  },
  {
    id: "newer-release-same-pr",
    title: "v0.0.4 is tagged and published while that PR is open → the same PR promotes v0.0.4",
    needs: "promotion PRs (feat/promotion)",
  },
  {
    id: "redeliver-everything",
    title: "Every webhook of the story is delivered a second time",
    async run(h) {
      const before = identities(h);
      const deliveries = [...h.sender.deliveries];
      const statuses = [];
      for (const delivery of deliveries) statuses.push((await h.sender.redeliver(delivery)).status);
      // Redeliveries can also make the fake queue events (e.g. an update by the bot); GitHub would send them too.
      const followUps = await h.deliverPending();
      const after = identities(h);
      const duplicates = after.checkRuns.filter((key, i, all) => all.indexOf(key) !== i);
      return {
        lines: [
          `GitHub → bot: ${deliveries.length} deliveries again, same bytes and delivery ids (${summarise(statuses)})`,
          ...(followUps.length ? [deliveredLine(followUps)] : []),
          `Bot: check runs ${before.checkRuns.length} → ${after.checkRuns.length}, releases ${before.releases} → ${after.releases}, ` +
            `PRs ${before.pulls} → ${after.pulls}, issues ${before.issues} → ${after.issues}` +
            (duplicates.length ? ` — DUPLICATES: ${duplicates.join(", ")}` : " (no duplicates)"),
        ],
        facts: { redelivered: deliveries.length, statuses, before, after, duplicates },
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
];

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
