import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import { renderRolloutMarker } from "../../src/report/rollout-report.js";
import { API, mockGitHub, resetNock, type RecordedRequest } from "../helpers/mock-github.js";
import { createTestApp } from "../helpers/test-app.js";
import { examplePayload } from "../helpers/webhooks.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const base = `/repos/${OWNER}/${REPO}`;
const TAG = "v0.0.4";
const TAG_SHA = "4".repeat(40);
const MERGE_SHA = "m".repeat(0) + "9".repeat(40);
const PROVIDER = "0c9c2e41";

/** The production Kustomizations of the real repository's mgmt cluster that the promotion said change. */
const TRACKED = [
  { namespace: "prod-eu-west-1", name: "prod-eu-west-1", cluster: "prod-eu-west-1-kubeconfig" },
  { namespace: "prod-eu-west-1", name: "tenants-prod", cluster: "prod-eu-west-1-kubeconfig" },
  { namespace: "prod-eu-west-1", name: "feature-ingress-nginx", cluster: "prod-eu-west-1-kubeconfig" },
];
const OTHERS = [
  {
    namespace: "non-prod-eu-west-1",
    name: "feature-ingress-nginx",
    cluster: "non-prod-eu-west-1-kubeconfig",
  },
];
/** Exact ids for the name non-prod shares (Flux's default id does not say the namespace). */
const CONFIG = [
  "rollout:",
  "  timeoutMinutes: 30",
  "  statuses:",
  `    - context: kustomization/feature-ingress-nginx/${PROVIDER}`,
  "      kustomization: prod-eu-west-1/feature-ingress-nginx",
  "",
].join("\n");

interface Sim {
  statuses: Array<{ context: string; state: string; description: string; created_at: string }>;
  release: { id: number; body: string };
  runs: Array<Record<string, any>>;
  mergedAt: string;
}

/** GitHub as the rollout sees it: the state lives here, the mocks answer from it and apply the writes. */
function serve(
  gh: ReturnType<typeof mockGitHub>,
  sim: Sim,
  { tags = true, updates = true }: { tags?: boolean; updates?: boolean } = {},
) {
  const api = gh.api.persist();
  api
    .get(`${base}/contents/.github%2Fgitops-release-bot.yml`)
    .reply(200, CONFIG, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
  if (tags)
    api
      .get(`${base}/tags`)
      .query(true)
      .reply(200, [
        { name: TAG, commit: { sha: TAG_SHA, url: "" }, zipball_url: "", tarball_url: "", node_id: "" },
        {
          name: "v0.0.3",
          commit: { sha: "3".repeat(40), url: "" },
          zipball_url: "",
          tarball_url: "",
          node_id: "",
        },
      ]);
  api
    .get(`${base}/pulls`)
    .query({
      state: "closed",
      head: `${OWNER}:promote/release`,
      sort: "updated",
      direction: "desc",
      per_page: "30",
    })
    .reply(200, () => [
      {
        number: 15,
        html_url: `https://github.com/${OWNER}/${REPO}/pull/15`,
        head: { ref: "promote/release" },
        merged_at: sim.mergedAt,
        merge_commit_sha: MERGE_SHA,
        body: [
          "Moves production …",
          `<!-- gitops-release-bot:promotion tag=${TAG} -->`,
          renderRolloutMarker({ previous: "v0.0.3", tracked: TRACKED, others: OTHERS, complete: true }),
        ].join("\n"),
      },
    ]);
  api
    .get(`${base}/commits/${TAG}/status`)
    .query(true)
    .reply(200, () => {
      // GitHub's combined status: the newest status per context.
      const latest = new Map<string, Sim["statuses"][number]>();
      for (const s of sim.statuses) latest.set(s.context, s);
      const statuses = [...latest.values()];
      return { sha: TAG_SHA, state: "pending", total_count: statuses.length, statuses };
    });
  api.get(`${base}/releases/tags/${TAG}`).reply(200, () => ({
    id: sim.release.id,
    tag_name: TAG,
    draft: false,
    body: sim.release.body,
    html_url: "",
  }));
  api.patch(`${base}/releases/${sim.release.id}`).reply(200, (async (request: Request) => {
    sim.release.body = ((await request.json()) as { body: string }).body;
    return { id: sim.release.id };
  }) as never);
  api
    .get(`${base}/commits/${MERGE_SHA}/check-runs`)
    .query(true)
    .reply(200, () => ({ total_count: sim.runs.length, check_runs: sim.runs }));
  api.post(`${base}/check-runs`).reply(201, (async (request: Request) => {
    const body = (await request.json()) as Record<string, any>;
    const run = { ...body, id: sim.runs.length + 1, head_sha: MERGE_SHA };
    sim.runs.push(run);
    return run;
  }) as never);
  if (updates)
    api.patch(/\/check-runs\/\d+$/).reply(200, (async (request: Request) => {
      const id = Number(new URL(request.url).pathname.split("/").pop());
      const run = sim.runs.find((r) => r.id === id)!;
      Object.assign(run, await request.json());
      if (run.status === "completed") delete run.completed_at;
      return run;
    }) as never);
}

const writes = (requests: RecordedRequest[]) =>
  requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

function statusEvent(context: string, state: string, description: string): Record<string, any> {
  const payload = examplePayload("status");
  Object.assign(payload, { sha: TAG_SHA, context, state, description, target_url: null });
  payload.commit.sha = TAG_SHA;
  return payload;
}

/** Flux's notification-controller posts a status (GitHub records it), then GitHub delivers the event. */
function fluxReports(sim: Sim, name: string, state: "success" | "failure", minutesAfterMerge: number) {
  const description = state === "success" ? "reconciliation succeeded" : "health check failed";
  const context = `kustomization/${name}/${PROVIDER}`;
  sim.statuses.push({
    context,
    state,
    description,
    created_at: new Date(Date.parse(sim.mergedAt) + minutesAfterMerge * 60_000).toISOString(),
  });
  return statusEvent(context, state, description);
}

let delivery = 0;
const receive = (probot: Probot, payload: Record<string, any>) =>
  probot.receive({ name: "status", id: `status-${++delivery}`, payload } as never);

function newSim(minutesAgo = 5): Sim {
  return {
    statuses: [],
    release: { id: 7, body: "## What's changed\n\n- feat(tenants): dummy namespace (#16)" },
    runs: [],
    mergedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, "Z"),
  };
}

describe("rollout from Flux's commit statuses", () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["rollout"]);
  });
  afterEach(() => resetNock());

  test("a burst of 50 status events makes at most a few writes, and the rollout ends applied", async () => {
    const sim = newSim();
    const gh = mockGitHub();
    serve(gh, sim, { updates: false });
    // Flux reports every production Kustomization, plus non-prod ones and another CI on the same commit, 50 in all.
    const events: Array<Record<string, any>> = [];
    for (let i = 0; i < 15; i++) events.push(fluxReports(sim, `tenants-common-${i}`, "success", 1));
    for (const k of TRACKED) events.push(fluxReports(sim, k.name, "success", 2));
    for (let i = 0; i < 30; i++) {
      events.push(statusEvent(`ci/build-${i}`, "success", "build passed"));
    }
    for (let i = 0; i < 2; i++) events.push(fluxReports(sim, TRACKED[0]!.name, "success", 2));
    expect(events).toHaveLength(50);
    await Promise.all(events.map((payload) => receive(probot, payload)));
    gh.finish();
    expect(writes(gh.requests)).toEqual([`PATCH ${base}/releases/7`, `POST ${base}/check-runs`]);
    expect(sim.runs).toHaveLength(1);
    expect(sim.runs[0]).toMatchObject({ name: "Rollout", status: "completed", conclusion: "success" });
    expect(sim.release.body.match(/## Rollout/g)).toHaveLength(1);
    expect(sim.release.body.match(/✅ applied/g)).toHaveLength(3);
    // Other CI statuses cost no read beyond the configuration.
    const statusReads = gh.requests.filter((r) => r.path.startsWith(`${base}/commits/${TAG}/status`));
    expect(statusReads.length).toBeLessThanOrEqual(20);
  });

  test("Kustomizations report one by one: the section and the check follow; a failure carries the rollback, then recovers", async () => {
    const sim = newSim();
    const gh = mockGitHub();
    serve(gh, sim);
    await receive(probot, fluxReports(sim, "prod-eu-west-1", "success", 1));
    expect(sim.runs[0]).toMatchObject({ name: "Rollout", status: "in_progress" });
    expect(sim.runs[0]!.output.title).toBe("Waiting for Flux: 1 of 3 applied");
    expect(sim.release.body).toContain("⏳ waiting");

    await receive(probot, fluxReports(sim, "tenants-prod", "failure", 2));
    const failed = sim.runs[0]!;
    expect(failed).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(failed.output.title).toBe("prod-eu-west-1/tenants-prod failed: health check failed");
    expect(failed.output.summary).toContain("`prod-eu-west-1-kubeconfig`");
    expect(failed.output.summary).toContain("Roll back: comment `/promote v0.0.3`");
    expect(sim.release.body).toContain("❌ failed");
    expect(sim.release.body).toContain("/promote v0.0.3");

    // A redelivered status changes nothing.
    const before = writes(gh.requests).length;
    await receive(
      probot,
      statusEvent(`kustomization/tenants-prod/${PROVIDER}`, "failure", "health check failed"),
    );
    expect(writes(gh.requests).length).toBe(before);

    // The fix reconciles: the failure is replaced by the newest status of its context.
    await receive(probot, fluxReports(sim, "tenants-prod", "success", 4));
    await receive(probot, fluxReports(sim, "feature-ingress-nginx", "success", 5));
    gh.finish();
    expect(sim.runs).toHaveLength(1);
    expect(sim.runs[0]).toMatchObject({ status: "completed", conclusion: "success" });
    expect(sim.release.body).not.toContain("❌");
    expect(sim.release.body.match(/<!-- gitops-release-bot:rollout:start/g)).toHaveLength(1);
    expect(
      sim.release.body.startsWith("## What's changed\n\n- feat(tenants): dummy namespace (#16)\n\n"),
    ).toBe(true);
  });

  test("a name non-prod shares counts only through its configured id; other statuses read nothing", async () => {
    const sim = newSim();
    const gh = mockGitHub();
    serve(gh, sim, { updates: false });
    await receive(probot, statusEvent("continuous-integration/jenkins", "success", "ok"));
    expect(gh.requests.filter((r) => !r.path.includes("gitops-release-bot.yml"))).toEqual([]);
    await receive(probot, fluxReports(sim, "feature-ingress-nginx", "success", 1));
    expect(sim.release.body).toMatch(/feature-ingress-nginx`.*✅ applied/);
    gh.finish();
  });

  test("merged promotion PR: the Rollout check starts in progress; without reports it times out to neutral", async () => {
    const sim = newSim(45);
    const gh = mockGitHub();
    serve(gh, sim, { tags: false, updates: false });
    const payload = examplePayload("pull_request", "closed");
    Object.assign(payload.pull_request, {
      merged: true,
      body: `Moves production …\n<!-- gitops-release-bot:promotion tag=${TAG} -->`,
      merge_commit_sha: MERGE_SHA,
    });
    payload.pull_request.head.ref = "promote/release";
    await probot.receive({ name: "pull_request", id: "merged-1", payload } as never);
    gh.finish();
    expect(sim.runs[0]).toMatchObject({ name: "Rollout", status: "completed", conclusion: "neutral" });
    expect(sim.runs[0]!.output.title).toBe("No report from Flux for 30 minutes (0 of 3 applied)");
    expect(sim.runs[0]!.output.summary).toMatch(/Provider and an Alert/);
    expect(sim.release.body).toContain("**no report from Flux**");
  });
});

void API;
