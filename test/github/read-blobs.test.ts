import { afterEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { BLOB_BATCH, readBlobs, readBlobTexts } from "../../src/github/git-data.js";
import { LruCache } from "../../src/util/lru-cache.js";

/** A client that neither retries nor throttles: each nock answer is seen once, as sent. */
const octokit = () =>
  new ProbotOctokit({
    auth: { token: "test-token" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });
const repo = { owner: "o", repo: "r" };
afterEach(() => nock.cleanAll());

/**
 * A promotion reads dozens of blobs; a rate limit on one of them fails the attempt. With a cache, the blobs read before
 * the failure are not read again by the retry (a blob's SHA names its content, so a cached text is never stale).
 */
describe("readBlobs with a cache", () => {
  const sha = (c: string) => c.repeat(40);
  const blob = (text: string) => ({
    sha: "x",
    node_id: "x",
    url: "x",
    size: text.length,
    content: Buffer.from(text).toString("base64"),
    encoding: "base64",
  });

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

/**
 * The throttling plugin paces every GraphQL query like a write; a small PR's one or two manifests are read through
 * REST (reads are not paced), a larger set in one GraphQL query.
 */
describe("readBlobTexts", () => {
  const sha = (n: number) => n.toString(16).padStart(40, "0");

  test("a few blobs: one REST read each; a NUL byte makes a blob binary (text null), as GraphQL says", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]);
    const scope = nock("https://api.github.com")
      .get(`/repos/o/r/git/blobs/${sha(1)}`)
      .reply(200, { sha: sha(1), content: Buffer.from("kind: A\n").toString("base64"), encoding: "base64" })
      .get(`/repos/o/r/git/blobs/${sha(2)}`)
      .reply(200, { sha: sha(2), content: png.toString("base64"), encoding: "base64" });
    const texts = await readBlobTexts(octokit(), repo, [sha(1), sha(2)]);
    expect(texts.get(sha(1))).toEqual({ text: "kind: A\n", byteSize: 8 });
    expect(texts.get(sha(2))).toEqual({ text: null, byteSize: png.length });
    expect(scope.pendingMocks()).toEqual([]);
  });

  test(`more than ${BLOB_BATCH.restAtMost} blobs: one GraphQL query, no REST read`, async () => {
    const shas = Array.from({ length: BLOB_BATCH.restAtMost + 1 }, (_, i) => sha(i + 1));
    const asked: string[][] = [];
    const scope = nock("https://api.github.com")
      .post("/graphql")
      // nock 15 hands reply callbacks the Fetch Request.
      .reply(200, (async (request: Request) => {
        const body = (await request.json()) as { variables: Record<string, string> };
        const names = Object.keys(body.variables).filter((n) => /^b\d+$/.test(n));
        asked.push(names.map((n) => body.variables[n]!));
        return {
          data: {
            repository: Object.fromEntries(
              names.map((n) => [n, { text: `id: ${body.variables[n]}\n`, isTruncated: false, byteSize: 46 }]),
            ),
          },
        };
      }) as never);
    const texts = await readBlobTexts(octokit(), repo, shas);
    expect(asked).toEqual([shas]);
    expect([...texts.values()].map((t) => t.text)).toEqual(shas.map((s) => `id: ${s}\n`));
    expect(scope.pendingMocks()).toEqual([]);
  });
});
