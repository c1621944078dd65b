import { afterEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { readBlobs } from "../../src/github/git-data.js";
import { LruCache } from "../../src/util/lru-cache.js";

/**
 * A promotion reads dozens of blobs; a rate limit on one of them fails the attempt. With a cache, the blobs read before
 * the failure are not read again by the retry (a blob's SHA names its content, so a cached text is never stale).
 */
describe("readBlobs with a cache", () => {
  const octokit = () =>
    new ProbotOctokit({
      auth: { token: "test-token" },
      retry: { enabled: false },
      throttle: { enabled: false },
    });
  const repo = { owner: "o", repo: "r" };
  const sha = (c: string) => c.repeat(40);
  const blob = (text: string) => ({
    sha: "x",
    node_id: "x",
    url: "x",
    size: text.length,
    content: Buffer.from(text).toString("base64"),
    encoding: "base64",
  });
  afterEach(() => nock.cleanAll());

  test("a retry after a rate limit reads only the blobs the failed attempt did not get", async () => {
    const cache = new LruCache<string>(1024);
    const files = [
      { path: "a.yaml", sha: sha("a") },
      { path: "b.yaml", sha: sha("b") },
    ];
    const first = nock("https://api.github.com")
      .get(`/repos/o/r/git/blobs/${sha("a")}`)
      .reply(200, blob("kind: A\n"))
      .get(`/repos/o/r/git/blobs/${sha("b")}`)
      .reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0" });
    await expect(readBlobs(octokit(), repo, files, { concurrency: 1, cache })).rejects.toMatchObject({
      status: 403,
    });
    expect(first.pendingMocks()).toEqual([]);

    const retry = nock("https://api.github.com")
      .get(`/repos/o/r/git/blobs/${sha("b")}`)
      .reply(200, blob("kind: B\n"));
    await expect(readBlobs(octokit(), repo, files, { cache })).resolves.toEqual([
      { path: "a.yaml", text: "kind: A\n" },
      { path: "b.yaml", text: "kind: B\n" },
    ]);
    expect(retry.pendingMocks()).toEqual([]);
  });

  test("without a cache every call reads every blob", async () => {
    const files = [{ path: "a.yaml", sha: sha("a") }];
    const scope = nock("https://api.github.com")
      .get(`/repos/o/r/git/blobs/${sha("a")}`)
      .times(2)
      .reply(200, blob("kind: A\n"));
    await readBlobs(octokit(), repo, files);
    await readBlobs(octokit(), repo, files);
    expect(scope.pendingMocks()).toEqual([]);
  });
});
