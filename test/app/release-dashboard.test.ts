import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import { createTestApp } from "../helpers/test-app.js";
import { mockGitHub, resetNock } from "../helpers/mock-github.js";
import { examplePayload } from "../helpers/webhooks.js";
import { loadHistory } from "../helpers/history-repo.js";
import { FakeGitHubRepo, filesAt } from "../helpers/fake-github-repo.js";
import type nock from "nock";

const history = loadHistory();
const mainSha = history.refs["refs/heads/main"]!;
const squash14 = history.commits.find((c) => c.sha === mainSha)!;
/** The real repository just before PR #14: production pinned to v0.0.2, v0.0.3 tagged. */
const BEFORE_14 = filesAt(history, squash14.parents[0]!);
const MARKER = "<!-- gitops-release-bot:release-dashboard -->";

const compareCommit = (sha: string, message: string) => ({
  sha,
  commit: { message, author: { name: "Dev" } },
  author: { login: "dev" },
  parents: [{ sha: "0".repeat(40) }],
});

/**
 * The fake repository of the promotion tests, plus what the dashboard reads that it does not serve: the tag list,
 * the release list (drafts), check runs, tag creation, and a comparison that has one unreleased PR after v0.0.3.
 * These interceptors are registered before the fake's catch-all, so they answer first.
 */
function fakeRepo(api: nock.Scope, payload: Record<string, any>) {
  const fake = new FakeGitHubRepo(payload.repository.owner.login, payload.repository.name, BEFORE_14);
  for (const [ref, sha] of Object.entries(history.refs)) {
    if (ref.startsWith("refs/tags/")) fake.tags.set(ref.slice(10), filesAt(history, sha));
  }
  const base = `/repos/${fake.owner}/${fake.repo}`;
  const drafts: Array<{ id: number; tag_name: string; body: string }> = [];
  const createdTags: string[] = [];
  const tagNames = () => [...fake.tags.keys()];
  api.persist();
  api
    .get(`${base}/tags`)
    .query(true)
    .optionally()
    .reply(() => [200, tagNames().map((name) => ({ name, commit: { sha: "c".repeat(40) } }))]);
  api
    .get(`${base}/releases`)
    .query(true)
    .optionally()
    .reply(() => [
      200,
      drafts.map((d) => ({
        id: d.id,
        tag_name: d.tag_name,
        name: d.tag_name,
        body: d.body,
        draft: true,
        prerelease: false,
        html_url: `https://github.com/${fake.owner}/${fake.repo}/releases/tag/${d.tag_name}`,
      })),
    ]);
  api
    .post(`${base}/releases`)
    .optionally()
    .reply(async (request: Request) => {
      const body: any = await request.json();
      drafts.push({ id: drafts.length + 1, tag_name: body.tag_name, body: body.body });
      return [201, { id: drafts.length, tag_name: body.tag_name }];
    });
  api
    .post(`${base}/git/refs`, (body: any) => String(body.ref).startsWith("refs/tags/"))
    .optionally()
    .reply(async (request: Request) => {
      const body: any = await request.json();
      const tag = String(body.ref).slice("refs/tags/".length);
      if (fake.tags.has(tag)) return [422, { message: "Reference already exists" }];
      fake.tags.set(tag, new Map(fake.main));
      createdTags.push(tag);
      return [201, { ref: body.ref, object: { sha: body.sha } }];
    });
  // The waiting PRs' files (for the grouping by platform impact): #15 is known, #12 and #13 are not (404).
  api
    .get(new RegExp(`^${base}/pulls/\\d+/files`))
    .query(true)
    .optionally()
    .reply((request: Request) =>
      /\/pulls\/15\/files/.test(request.url)
        ? [
            200,
            [{ filename: "tenants/aws/prod/team-a/namespace.yaml", status: "added", sha: "f".repeat(40) }],
          ]
        : [404, { message: "Not Found" }],
    );
  // The draft's first-contribution look-up (`dev` has commits before v0.0.3).
  api
    .get(`${base}/commits`)
    .query(true)
    .optionally()
    .reply(200, [{ sha: "9".repeat(40) }]);
  api
    .get(new RegExp(`^${base}/compare/`))
    .query(true)
    .optionally()
    .reply((request: Request) => {
      const [from] = decodeURIComponent(new URL(request.url).pathname.split("/compare/")[1]!).split("...");
      const commits =
        from === "v0.0.2"
          ? [
              compareCommit(
                "1".repeat(40),
                "providers(aws): apply access-control feature to mgmt cluster (#12)",
              ),
              compareCommit("2".repeat(40), "fix(aws): correct non-prod-eu-west-1 filenames (#13)"),
              compareCommit("3".repeat(40), "feat(tenants): onboard team-a (#15)"),
            ]
          : from === "v0.0.3"
            ? [compareCommit("3".repeat(40), "feat(tenants): onboard team-a (#15)")]
            : [];
      return [
        200,
        {
          status: "ahead",
          ahead_by: commits.length,
          behind_by: 0,
          total_commits: commits.length,
          commits,
          files: [{ filename: "tenants/aws/prod/team-a/namespace.yaml", status: "added" }],
        },
      ];
    });
  fake.serve(api);
  return { fake, drafts, createdTags };
}

function pushPayload(): Record<string, any> {
  const payload = examplePayload("push");
  payload.ref = "refs/heads/main";
  payload.repository.default_branch = "main";
  return payload;
}

const dashboardWrites = (requests: Array<{ method: string; path: string }>, base: string) =>
  requests.filter(
    (r) =>
      (r.method === "POST" && r.path === `${base}/issues`) ||
      (r.method === "PATCH" && r.path.startsWith(`${base}/issues/`)),
  );

describe("release dashboard", () => {
  let probot: Probot;
  const previousDelay = process.env.DASHBOARD_DELAY_MS;
  beforeAll(() => {
    process.env.DASHBOARD_DELAY_MS = "50";
  });
  afterAll(() => {
    if (previousDelay === undefined) delete process.env.DASHBOARD_DELAY_MS;
    else process.env.DASHBOARD_DELAY_MS = previousDelay;
  });
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["releaseDashboard"]);
  });
  afterEach(() => resetNock());

  test("a burst of 50 pushes to main makes one dashboard write, with the environments, the waiting PRs and the diagram", async () => {
    const payload = pushPayload();
    const gh = mockGitHub();
    const { fake } = fakeRepo(gh.api, payload);
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        probot.receive({ name: "push", id: `burst-${i}`, payload: structuredClone(payload) } as never),
      ),
    );
    const elapsed = Date.now() - started;
    gh.finish();
    const base = `/repos/${fake.owner}/${fake.repo}`;
    const gathers = gh.requests.filter(
      (r) => r.method === "GET" && r.path.startsWith(`${base}/git/trees/`),
    ).length;
    // Measured for the report: how many refreshes ran for the 50 events, and how long the burst took.
    process.stdout.write(
      `dashboard burst: 50 events → ${gathers} refresh(es), ${gh.requests.length} requests, ${elapsed} ms\n`,
    );
    expect(dashboardWrites(gh.requests, base)).toHaveLength(1);
    expect(gathers).toBeLessThanOrEqual(2);
    expect(fake.issues).toHaveLength(1);
    const [issue] = fake.issues;
    expect(issue!.title).toBe("Release dashboard");
    expect(issue!.body).toContain(MARKER);
    expect(issue!.body).toContain("| main | non-production | branch `main` |");
    expect(issue!.body).toContain("| release | production | tag `v0.0.2` |");
    expect(issue!.body).toContain(
      "- #12 `providers(aws): apply access-control feature to mgmt cluster` (in `v0.0.3`)",
    );
    expect(issue!.body).toContain("- #15 `feat(tenants): onboard team-a`\n");
    expect(issue!.body).toContain("**Tenants**: aws prod: team-a (#15)");
    expect(issue!.body).toContain("Suggested next version: `v0.1.0` (latest tag `v0.0.3`).");
    expect(issue!.body).toContain("```mermaid\nflowchart LR");
    expect(issue!.body).toContain(
      "- [ ] <!-- grb-action:tag-and-draft:v0.1.0 --> Tag and draft `v0.1.0` from `main`",
    );
    expect(issue!.body).toContain("No promotion merged since the production tag.");
  });

  test("redelivered and repeated events never make a second dashboard, and an unchanged one is not written", async () => {
    const payload = pushPayload();
    const gh = mockGitHub();
    const { fake } = fakeRepo(gh.api, payload);
    await probot.receive({ name: "push", id: "1", payload } as never);
    const before = gh.requests.length;
    await probot.receive({ name: "push", id: "2", payload: structuredClone(payload) } as never);
    await probot.receive({
      name: "release",
      id: "3",
      payload: { ...examplePayload("release", "published"), repository: payload.repository },
    } as never);
    gh.finish();
    const base = `/repos/${fake.owner}/${fake.repo}`;
    expect(dashboardWrites(gh.requests.slice(before), base)).toEqual([]);
    expect(fake.issues).toHaveLength(1);
  });

  test("a box ticked by a user without write permission does nothing but say so", async () => {
    const payload = pushPayload();
    const gh = mockGitHub();
    const { fake, createdTags } = fakeRepo(gh.api, payload);
    await probot.receive({ name: "push", id: "1", payload } as never);
    const issue = fake.issues[0]!;
    fake.permissions.set("visitor", "read");
    await probot.receive({
      name: "issues",
      id: "2",
      payload: tickPayload(payload, issue, "visitor"),
    } as never);
    gh.finish();
    expect(createdTags).toEqual([]);
    expect(gh.requests.some((r) => r.path.endsWith("/collaborators/visitor/permission"))).toBe(true);
    expect(fake.issues).toHaveLength(1);
    expect(fake.issues[0]!.body).toContain(
      "- <!-- grb-answer:tag-and-draft:v0.1.0 --> @visitor: this action needs write permission on the repository. Nothing was done.",
    );
    // The box is offered again, unticked.
    expect(fake.issues[0]!.body).toContain("- [ ] <!-- grb-action:tag-and-draft:v0.1.0 -->");
  });

  test("tag and draft: creates the tag and its draft once; the same tick again changes nothing", async () => {
    const payload = pushPayload();
    const gh = mockGitHub();
    const { fake, createdTags, drafts } = fakeRepo(gh.api, payload);
    await probot.receive({ name: "push", id: "1", payload } as never);
    const issue = structuredClone(fake.issues[0]!);
    fake.permissions.set("maintainer", "write");
    const tick = tickPayload(payload, issue, "maintainer");
    await probot.receive({ name: "issues", id: "2", payload: tick } as never);
    expect(createdTags).toEqual(["v0.1.0"]);
    expect(drafts.map((d) => d.tag_name)).toEqual(["v0.1.0"]);
    const answer = "@maintainer: tagged `v0.1.0` at aaaaaaa and drafted its release.";
    expect(fake.issues[0]!.body).toContain(answer);
    // The same edit delivered again (another delivery id): the tag exists, nothing is created, one answer remains.
    await probot.receive({ name: "issues", id: "3", payload: structuredClone(tick) } as never);
    gh.finish();
    expect(createdTags).toEqual(["v0.1.0"]);
    expect(drafts).toHaveLength(1);
    const body = fake.issues[0]!.body;
    expect(body).toContain("@maintainer: `v0.1.0` already exists; nothing new was done.");
    expect(body).not.toContain(answer);
    expect(fake.issues).toHaveLength(1);
  });
});

/** `issues.edited` as GitHub sends it when `login` ticks the tag-and-draft box of the dashboard. */
function tickPayload(
  push: Record<string, any>,
  issue: { number: number; title: string; body: string },
  login: string,
) {
  const payload = examplePayload("issues", "edited");
  payload.repository = push.repository;
  const ticked = issue.body.replace(
    "- [ ] <!-- grb-action:tag-and-draft:",
    "- [x] <!-- grb-action:tag-and-draft:",
  );
  Object.assign(payload.issue, { number: issue.number, title: issue.title, body: ticked });
  payload.changes = { body: { from: issue.body } };
  Object.assign(payload.sender, { login, type: "User" });
  return payload;
}
