import { afterEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { retryOnlyRepeatableRequests } from "../../src/github/retry-policy.js";

/**
 * A POST whose answer was lost (GitHub did the write, then answered 502 or dropped the connection) must not be sent
 * again by octokit: the second copy would be a second check run. Reads and PATCH keep octokit's retries.
 */
describe("retryOnlyRepeatableRequests", () => {
  const client = () => {
    const octokit = new ProbotOctokit({
      auth: { token: "test-token" },
      retry: { retryAfterBaseValue: 1 }, // octokit waits 1, 4, 9 ms instead of seconds
      throttle: { enabled: false },
    });
    retryOnlyRepeatableRequests(octokit);
    return octokit;
  };
  const repo = { owner: "o", repo: "r" };
  afterEach(() => nock.cleanAll());

  test("a POST answered 502 is tried once; the error reaches the caller (the queue retries the job)", async () => {
    const scope = nock("https://api.github.com")
      .post("/repos/o/r/check-runs")
      .reply(502, { message: "Server Error" });
    await expect(
      client().rest.checks.create({ ...repo, name: "PR title", head_sha: "a".repeat(40) }),
    ).rejects.toMatchObject({ status: 502 });
    expect(scope.pendingMocks()).toEqual([]);
  });

  test("a DELETE is tried once too", async () => {
    const scope = nock("https://api.github.com").delete("/repos/o/r/releases/7").reply(503, {});
    await expect(client().rest.repos.deleteRelease({ ...repo, release_id: 7 })).rejects.toMatchObject({
      status: 503,
    });
    expect(scope.pendingMocks()).toEqual([]);
  });

  test("GET and PATCH keep octokit's retries; POST /graphql (queries) too", async () => {
    const scope = nock("https://api.github.com")
      .get("/repos/o/r/releases")
      .reply(502, {})
      .get("/repos/o/r/releases")
      .reply(200, [])
      .patch("/repos/o/r/check-runs/5")
      .reply(500, {})
      .patch("/repos/o/r/check-runs/5")
      .reply(200, { id: 5 })
      .post("/graphql")
      .reply(502, {})
      .post("/graphql")
      .reply(200, { data: { viewer: { login: "bot" } } });
    const octokit = client();
    expect((await octokit.rest.repos.listReleases(repo)).data).toEqual([]);
    expect(
      (await octokit.rest.checks.update({ ...repo, check_run_id: 5, status: "completed" })).data,
    ).toEqual({
      id: 5,
    });
    expect(await octokit.graphql("{ viewer { login } }")).toEqual({ viewer: { login: "bot" } });
    expect(scope.pendingMocks()).toEqual([]);
  });
});
