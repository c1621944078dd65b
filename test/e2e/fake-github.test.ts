import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { FakeGitHub } from "../../demo/lib/fake-github.js";
import { responseProblems } from "../../demo/lib/github-rest-schema.js";

/**
 * The fake GitHub answers like GitHub for what the app uses: proved through a real Octokit (the app's client), with
 * git as the source of truth. Every request it received must be schema-valid and routed (checked at the end).
 */
describe("FakeGitHub", () => {
  let fake: FakeGitHub;
  let octokit: InstanceType<typeof ProbotOctokit>;
  const repo = { owner: "berndonline", repo: "k8s-gitops-at-scale" };
  const RELEASE_FILE = "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-release.yaml";

  beforeAll(async () => {
    fake = await FakeGitHub.start();
    octokit = new ProbotOctokit({
      auth: { token: fake.issueToken() },
      baseUrl: fake.urls.api,
      retry: { enabled: false },
      throttle: { enabled: false },
    });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
  });

  const status = (promise: Promise<unknown>) =>
    promise.then(
      () => 200,
      (error: { status?: number }) => error.status,
    );

  test("contents: raw and JSON answers match git; 404 when missing", async () => {
    const fromGit = await fake.git.run(["show", `main:${RELEASE_FILE}`]);
    const raw = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...repo,
      path: RELEASE_FILE,
      mediaType: { format: "raw" },
    });
    expect(raw.data).toBe(fromGit);
    const { data } = await octokit.rest.repos.getContent({ ...repo, path: RELEASE_FILE });
    expect(Buffer.from((data as any).content, "base64").toString("utf8")).toBe(fromGit);
    expect(await status(octokit.rest.repos.getContent({ ...repo, path: "nope.yaml" }))).toBe(404);
    const dir = await octokit.rest.repos.getContent({ ...repo, path: "tenants/aws" });
    expect((dir.data as any[]).map((e) => e.name).sort()).toEqual(["common", "non-prod", "prod"]);
  });

  test("contents PUT: the blob sha is an optimistic lock; success makes a real commit and queues a push", async () => {
    const { data: file } = await octokit.rest.repos.getContent({ ...repo, path: RELEASE_FILE });
    const sha = (file as any).sha as string;
    const content = Buffer.from("changed\n").toString("base64");
    const put = (extra: object) =>
      octokit.rest.repos.createOrUpdateFileContents({
        ...repo,
        path: RELEASE_FILE,
        message: "m",
        content,
        ...extra,
      });
    expect(await status(put({}))).toBe(422);
    expect(await status(put({ sha: "0".repeat(40) }))).toBe(409);
    const before = await fake.git.resolveCommit("refs/heads/main");
    fake.takeEvents();
    const { data } = await put({ sha, message: "chore(release): promote v0.0.3 to aws prod" });
    expect(data.commit.parents?.map((p) => p.sha)).toEqual([before]);
    expect(await fake.git.run(["show", `main:${RELEASE_FILE}`])).toBe("changed\n");
    const [push] = fake.takeEvents();
    expect(push).toMatchObject({
      name: "push",
      payload: { ref: "refs/heads/main", before, after: data.commit.sha },
    });
    expect(push!.payload.head_commit.modified).toEqual([RELEASE_FILE]);
    expect(await status(put({ sha }))).toBe(409); // the old blob sha is stale now
  });

  test("git refs and trees: create (422 when it exists), matching-refs, fast-forward rule, recursive tree", async () => {
    const main = (await fake.git.resolveCommit("refs/heads/main"))!;
    const create = (ref: string) => octokit.rest.git.createRef({ ...repo, ref, sha: main });
    expect((await create("refs/heads/promote/aws-prod")).status).toBe(201);
    expect(await status(create("refs/heads/promote/aws-prod"))).toBe(422);
    const { data: tags } = await octokit.rest.git.listMatchingRefs({ ...repo, ref: "tags/v" });
    expect(tags.map((t) => t.ref)).toEqual(["refs/tags/v0.0.1", "refs/tags/v0.0.2", "refs/tags/v0.0.3"]);
    const older = fake.shaOf(fake.history.refs["refs/tags/v0.0.1"]!);
    const update = (force: boolean) =>
      octokit.rest.git.updateRef({ ...repo, ref: "heads/promote/aws-prod", sha: older, force });
    expect(await status(update(false))).toBe(422);
    expect(await status(update(true))).toBe(200);
    const { data: tree } = await octokit.rest.git.getTree({ ...repo, tree_sha: main, recursive: "1" });
    expect(tree.tree.some((e) => e.path === RELEASE_FILE && e.type === "blob")).toBe(true);
  });

  test("compare: commits paginate like GitHub, status and files come from git", async () => {
    // octokit's paginate returns the pages of a compare (each with its slice of `commits`).
    const all = (await octokit.paginate(octokit.rest.repos.compareCommitsWithBasehead, {
      ...repo,
      basehead: "v0.0.1...v0.0.3",
      per_page: 2,
    })) as unknown as Array<{ commits?: Array<{ sha: string }> }>;
    const fromGit = (await fake.git.run(["rev-list", "--reverse", "v0.0.1..v0.0.3"])).trim().split("\n");
    expect(all.length).toBeGreaterThan(1);
    expect(all.flatMap((page) => page.commits ?? []).map((c) => c.sha)).toEqual(fromGit);
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: "v0.0.2...v0.0.3",
    });
    expect(data.status).toBe("diverged"); // v0.0.2 is not an ancestor of main in the fixture
    expect(data.files!.length).toBeGreaterThan(0);
  });

  test("pulls: create (422 for a second one), files, squash merge makes one `title (#N)` commit", async () => {
    await fake.commitFiles({
      branch: "feature-x",
      message: "add x",
      files: { "x.yaml": "x: 1\n" },
      actor: "dev",
    });
    await fake.commitFiles({
      branch: "feature-x",
      message: "more x",
      files: { "y.yaml": "y: 1\n" },
      actor: "dev",
    });
    const open = () =>
      octokit.rest.pulls.create({ ...repo, head: "feature-x", base: "main", title: "feat: add x" });
    const { data: pr } = await open();
    expect(pr.number).toBe(15); // after the fixture's 14 PRs
    expect(await status(open())).toBe(422);
    const { data: listed } = await octokit.rest.pulls.list({ ...repo, head: `${repo.owner}:feature-x` });
    expect(listed.map((p) => p.number)).toEqual([pr.number]);
    const { data: files } = await octokit.rest.pulls.listFiles({ ...repo, pull_number: pr.number });
    expect(files.map((f) => `${f.status} ${f.filename}`)).toEqual(["added x.yaml", "added y.yaml"]);
    const before = await fake.git.resolveCommit("refs/heads/main");
    const { data: merged } = await octokit.rest.pulls.merge({
      ...repo,
      pull_number: pr.number,
      merge_method: "squash",
    });
    const [commit] = await fake.git.log(["main"], ["-n1"]);
    expect(commit).toMatchObject({ sha: merged.sha, parents: [before] });
    expect(commit!.message.split("\n")[0]).toBe(`feat: add x (#${pr.number})`);
    const { data: associated } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repo,
      commit_sha: merged.sha,
    });
    expect(associated.map((p) => [p.number, p.state])).toEqual([[pr.number, "closed"]]);
    expect(await status(octokit.rest.pulls.merge({ ...repo, pull_number: pr.number }))).toBe(405);
  });

  test("pulls: a head reset to its base closes the PR (closed, not merged), never to be reopened", async () => {
    const head = await fake.commitFiles({
      branch: "feature-reset",
      message: "feat: z",
      files: { "z.yaml": "z: 1\n" },
      actor: "dev",
    });
    const { data: pr } = await octokit.rest.pulls.create({
      ...repo,
      head: "feature-reset",
      base: "main",
      title: "feat: z",
    });
    fake.takeEvents();
    const main = (await fake.git.resolveCommit("refs/heads/main"))!;
    await octokit.rest.git.updateRef({ ...repo, ref: "heads/feature-reset", sha: main, force: true });
    expect(fake.takeEvents().map((e) => e.cause)).toEqual([
      "push refs/heads/feature-reset",
      `pull_request.synchronize #${pr.number}`,
      `pull_request.closed #${pr.number}`,
    ]);
    const { data: closed } = await octokit.rest.pulls.get({ ...repo, pull_number: pr.number });
    expect(closed).toMatchObject({ state: "closed", merged: false });
    await octokit.rest.git.updateRef({ ...repo, ref: "heads/feature-reset", sha: head, force: true });
    // Even with its commit back on the head, GitHub refuses to reopen it.
    expect(await status(octokit.rest.pulls.update({ ...repo, pull_number: pr.number, state: "open" }))).toBe(
      422,
    );
  });

  test("the fixture's merged PRs are known: the squash commit of v0.0.3 belongs to PR #13", async () => {
    const sha = fake.shaOf(fake.history.refs["refs/tags/v0.0.3"]!);
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repo,
      commit_sha: sha,
    });
    expect(data.map((p) => [p.number, p.title, p.merged_at !== null])).toEqual([
      [13, "fix(aws): correct non-prod-eu-west-1 filenames", true],
    ]);
  });

  test("check runs: one per create, annotations appended on update, filters by name", async () => {
    const head_sha = (await fake.git.resolveCommit("refs/heads/main"))!;
    const annotation = (n: number) => ({
      path: "x.yaml",
      start_line: n,
      end_line: n,
      annotation_level: "failure" as const,
      message: `m${n}`,
    });
    const { data: run } = await octokit.rest.checks.create({
      ...repo,
      name: "Folder layout",
      head_sha,
      conclusion: "failure",
      output: {
        title: "t",
        summary: "s",
        annotations: Array.from({ length: 50 }, (_, i) => annotation(i + 1)),
      },
    });
    await octokit.rest.checks.update({
      ...repo,
      check_run_id: run.id,
      output: { title: "t", summary: "s", annotations: [annotation(51)] },
    });
    const annotations = await octokit.paginate(octokit.rest.checks.listAnnotations, {
      ...repo,
      check_run_id: run.id,
      per_page: 20,
    });
    expect(annotations.map((a) => a.message)).toEqual(Array.from({ length: 51 }, (_, i) => `m${i + 1}`));
    const { data } = await octokit.rest.checks.listForRef({
      ...repo,
      ref: "main",
      check_name: "Folder layout",
    });
    expect(data.check_runs.map((r) => [r.id, r.status, r.output.annotations_count])).toEqual([
      [run.id, "completed", 51],
    ]);
  });

  test("releases: a draft is invisible by tag until published; publishing queues release.published and .released", async () => {
    const { data: draft } = await octokit.rest.repos.createRelease({
      ...repo,
      tag_name: "v0.0.4",
      name: "v0.0.4",
      body: "notes",
      draft: true,
    });
    expect(await status(octokit.rest.repos.getReleaseByTag({ ...repo, tag: "v0.0.4" }))).toBe(404);
    fake.takeEvents();
    await octokit.rest.repos.updateRelease({ ...repo, release_id: draft.id, draft: false });
    const { data: published } = await octokit.rest.repos.getReleaseByTag({ ...repo, tag: "v0.0.4" });
    expect(published).toMatchObject({ id: draft.id, draft: false });
    expect(await fake.git.resolveCommit("refs/tags/v0.0.4")).toBe(
      await fake.git.resolveCommit("refs/heads/main"),
    );
    expect(fake.takeEvents().map((e) => `${e.name}.${e.payload.action ?? ""}`)).toEqual([
      "push.",
      "create.",
      "release.published",
      "release.released",
    ]);
  });

  test("publishRelease (a maintainer's button): a draft of an existing tag is published once", async () => {
    const { data: draft } = await octokit.rest.repos.createRelease({
      ...repo,
      tag_name: "v0.0.2",
      name: "v0.0.2",
      draft: true,
    });
    fake.takeEvents();
    const state = fake.releases.find((r) => r.id === draft.id)!;
    await fake.publishRelease(state, "berndonline");
    // The tag exists already: no push, just the release events, as GitHub sends them.
    expect(fake.takeEvents().map((e) => `${e.name}.${e.payload.action}`)).toEqual([
      "release.published",
      "release.released",
    ]);
    const { data } = await octokit.rest.repos.getReleaseByTag({ ...repo, tag: "v0.0.2" });
    expect(data).toMatchObject({ id: draft.id, draft: false });
    await expect(fake.publishRelease(state, "berndonline")).rejects.toThrow("already published");
  });

  test("issues: the list includes PRs (with `pull_request`), filters by state; comments and labels", async () => {
    const { data: issue } = await octokit.rest.issues.create({ ...repo, title: "audit", labels: ["bot"] });
    await octokit.rest.issues.createComment({ ...repo, issue_number: issue.number, body: "hello" });
    const { data: comments } = await octokit.rest.issues.listComments({
      ...repo,
      issue_number: issue.number,
    });
    expect(comments.map((c) => c.body)).toEqual(["hello"]);
    const open = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, state: "open" });
    expect(open.filter((i) => !i.pull_request).map((i) => i.number)).toEqual([issue.number]);
    await octokit.rest.issues.update({ ...repo, issue_number: issue.number, state: "closed" });
    const closed = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, state: "closed" });
    expect(closed.some((i) => i.number === issue.number)).toBe(true);
    expect(closed.filter((i) => i.pull_request).length).toBeGreaterThanOrEqual(14);
  });

  test("unknown routes, bad bodies and missing tokens are answered and recorded, never silently served", async () => {
    const before = fake.requests.length;
    expect(await status(octokit.request("GET /repos/{owner}/{repo}/actions/runs", repo))).toBe(404);
    expect(fake.unhandled.map((u) => u.path)).toEqual([`/repos/${repo.owner}/${repo.repo}/actions/runs`]);
    expect(await status(octokit.request("GET /repos/{owner}/{repo}", { owner: "other", repo: "x" }))).toBe(
      404,
    );
    expect(fake.unhandled).toHaveLength(1); // another repository is a plain 404, not a missing route
    await status(octokit.request("POST /repos/{owner}/{repo}/issues", { ...repo, titel: "typo" } as never));
    const anonymous = await fetch(`${fake.urls.api}/repos/${repo.owner}/${repo.repo}`);
    expect(anonymous.status).toBe(401);
    const problems = fake.requests.slice(before).flatMap((r) => r.problems);
    expect(problems.some((p) => p.includes("issues/create") && p.includes("title"))).toBe(true);
    expect(problems.some((p) => p.includes("no valid installation token"))).toBe(true);
    fake.unhandled.length = 0;
    for (const r of fake.requests.slice(before)) r.problems.length = 0;
  });

  test("answers are validated against GitHub's response schema of their operation and status", async () => {
    const issuePath = `/repos/${repo.owner}/${repo.repo}/issues`;
    const { data: issue } = await octokit.rest.issues.create({ ...repo, title: "schema" });
    expect(responseProblems("GET", `${issuePath}/${issue.number}`, 200, issue)).toEqual([]);
    // A wrong answer: a required field missing and a number that is a string.
    const { html_url: _htmlUrl, ...withoutHtmlUrl } = issue;
    const wrong = { ...withoutHtmlUrl, number: String(issue.number) };
    const problems = responseProblems("GET", `${issuePath}/${issue.number}`, 200, wrong);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/issues\/get\): response 200 must have required property 'html_url'/),
        expect.stringMatching(/issues\/get\): response 200\/number must be integer/),
      ]),
    );
    // Errors follow GitHub's error shape where the operation declares one; an undeclared status has no schema.
    const notFound = { message: "Not Found", documentation_url: "https://docs.github.com/rest" };
    expect(responseProblems("GET", `${issuePath}/999`, 404, notFound)).toEqual([]);
    expect(responseProblems("GET", `${issuePath}/999`, 404, { message: 404 })).toEqual([
      expect.stringContaining("response 404/message must be string"),
    ]);
    expect(responseProblems("GET", `${issuePath}/999`, 418, { teapot: true })).toEqual([]);
    expect(responseProblems("POST", issuePath, 422, { message: "Validation Failed" })).toEqual([
      expect.stringContaining("response 422 must have required property 'documentation_url'"),
    ]);
  });

  test("a route whose answer does not match the schema is recorded as a problem of that request", async () => {
    const labels = fake.routes.find((r) => r.method === "GET" && r.template.endsWith("/labels/:name"))!;
    const original = labels.handler;
    labels.handler = async () => ({ status: 200, body: { name: "bot", color: 7 } });
    const before = fake.requests.length;
    try {
      await octokit.rest.issues.getLabel({ ...repo, name: "bot" });
    } finally {
      labels.handler = original;
    }
    const [record] = fake.requests.slice(before);
    expect(record!.status).toBe(200);
    expect(record!.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("(issues/get-label): response 200 must have required property 'id'"),
        expect.stringContaining("(issues/get-label): response 200/color must be string"),
      ]),
    );
    expect(fake.problems()).toEqual(record!.problems);
    record!.problems.length = 0;
    // The real route answers like GitHub.
    await octokit.rest.issues.getLabel({ ...repo, name: "bot" });
    expect(fake.problems()).toEqual([]);
  });

  test("every other request and answer of these tests was schema-valid", () => {
    expect(fake.problems()).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  });
});
