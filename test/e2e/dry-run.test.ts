import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startHarness, type Harness } from "../../demo/lib/harness.js";
import {
  BAD_FILES,
  BAD_TITLE,
  BRANCH,
  DEVELOPER,
  FIX_STUFF_FILES,
  FIXED_FILES,
  GOOD_TITLE,
  MAINTAINER,
  storySeed,
} from "../../demo/lib/story.js";
import { ensureBuilt } from "./support/ensure-built.js";

/** A request that changes something on GitHub (token minting and GraphQL queries only read). */
function isWrite(r: { method: string; route: string | null; path: string; body: unknown }): boolean {
  if (r.method === "GET" || r.method === "HEAD") return false;
  if (/access_tokens$/.test(r.route ?? r.path)) return false;
  if (r.path === "/graphql")
    return /^\s*mutation\b/.test(String((r.body as { query?: string })?.query ?? ""));
  return true;
}

/**
 * DRY_RUN=true through the real process: the demo story's GitHub side (a PR opened with a bad title and misplaced
 * files, fixed, squash-merged, a `fix stuff` push to main, tag v0.0.3, its release published), each delivered like
 * GitHub would. Every step that normally writes (check runs, the audit issue, the draft release, the promotion
 * branch and PR) is only logged: the stand-in records zero writes. (The story's own steps wait for those writes, so
 * this test drives the same GitHub actions itself.)
 */
describe("DRY_RUN=true: the story's events read GitHub and write nothing", () => {
  let h: Harness;

  beforeAll(async () => {
    ensureBuilt();
    h = await startHarness({ fake: storySeed(), appLogLevel: "info", appEnv: { DRY_RUN: "true" } });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  const deliverAndSettle = async () => {
    const delivered = await h.deliverPending();
    await h.waitIdle(30_000);
    return delivered;
  };

  test("the whole story: zero writes on the stand-in, every would-be write logged", async () => {
    await h.waitIdle(30_000); // the start-up sweep
    // 1. A PR with a bad title and misplaced files; 2. retitled and fixed.
    await h.fake.commitFiles({
      branch: BRANCH,
      from: "main",
      message: BAD_TITLE,
      files: BAD_FILES,
      actor: DEVELOPER,
    });
    const pr = await h.fake.openPullRequest({
      head: BRANCH,
      title: BAD_TITLE,
      body: "Onboards.",
      actor: DEVELOPER,
    });
    await deliverAndSettle();
    await h.fake.updatePullRequest(pr, { title: GOOD_TITLE }, DEVELOPER);
    await h.fake.commitFiles({ branch: BRANCH, message: "fix", files: FIXED_FILES, actor: DEVELOPER });
    await deliverAndSettle();
    // 3. Squash-merged; `fix stuff` pushed straight to main (the audit would open an issue).
    await h.fake.mergePullRequest(pr, { method: "squash", actor: MAINTAINER });
    await deliverAndSettle();
    await h.fake.commitFiles({
      branch: "main",
      message: "fix stuff",
      files: FIX_STUFF_FILES,
      actor: MAINTAINER,
    });
    await deliverAndSettle();
    // 4. Tag v0.0.3 (the draft release); 5. a maintainer publishes a release for it (the promotion PR).
    const main = await h.fake.git.resolveCommit("refs/heads/main");
    await h.fake.moveRef("refs/tags/v0.0.3", main!, { expected: null, actor: MAINTAINER });
    await deliverAndSettle();
    const release = {
      id: h.fake.newId(),
      tagName: "v0.0.3",
      target: "main",
      name: "v0.0.3",
      body: null,
      draft: true,
      prerelease: false,
      author: MAINTAINER,
      createdAt: h.fake.now(),
      publishedAt: null,
    };
    h.fake.releases.push(release as never);
    await h.fake.publishRelease(release as never, MAINTAINER);
    await deliverAndSettle();

    // Nothing was written: no request but reads reached the stand-in…
    const writes = h.fake.requests.filter(isWrite).map((r) => `${r.method} ${r.path}`);
    expect(writes).toEqual([]);
    expect(h.fake.requests.filter((r) => r.method === "GET").length).toBeGreaterThan(20);
    expect(h.fake.checkRuns).toEqual([]);
    expect(h.fake.issues.size).toBe(0);
    expect(h.fake.releases.filter((r) => r.draft)).toEqual([]);
    // …and each write the App would have made is in its log, with method, route and a summary.
    const wouldWrite = h.app.logRecords().filter((r) => r.dryRun === true);
    const routes = new Set(wouldWrite.map((r) => `${r.method} ${r.route}`));
    for (const expected of [
      "POST /repos/{owner}/{repo}/check-runs", // PR title, Folder layout, Squash title
      "POST /repos/{owner}/{repo}/issues", // the audit's tracking issue
      "POST /repos/{owner}/{repo}/releases", // the draft for v0.0.3
      "POST /repos/{owner}/{repo}/pulls", // the promotion PR
    ]) {
      expect([expected, routes.has(expected)]).toEqual([expected, true]);
    }
    // Reads answered as usual: no feature failed on a blocked read.
    expect(h.app.logRecords().filter((r) => /failed for good/.test(r.msg ?? ""))).toEqual([]);
    const titled = wouldWrite.find(
      (r) => r.route === "/repos/{owner}/{repo}/check-runs" && r.method === "POST",
    );
    expect(titled?.summary).toMatchObject({ name: expect.any(String) });
    expect(await h.app.metrics()).toMatch(/^grb_dry_run_writes_total\{kind="check_run"\} [1-9]/m);
  }, 90_000);
});
