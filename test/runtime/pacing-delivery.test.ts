import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { createGitopsReleaseBot } from "../../src/index.js";
import { createMemoryQueue } from "../../src/runtime/memory-queue.js";
import { API, mockCheckRunList, mockGitHub, mockNoConfig, resetNock } from "../helpers/mock-github.js";
import { mockSquashTitleCheck } from "../helpers/squash-mocks.js";
import { examplePayload } from "../helpers/webhooks.js";
import { pacedProbot } from "./pacing-helpers.js";

describe("a delivery that meets GitHub's secondary rate limit (the runtime, paced per installation)", () => {
  beforeEach(() => resetNock());
  afterEach(() => resetNock());

  test("the refused write waits for retry-after, the queue runner retries it, every check is written once", async () => {
    const probot = pacedProbot();
    const queue = createMemoryQueue();
    await probot.load(
      createGitopsReleaseBot({
        features: ["prTitle", "squashTitle"],
        queue,
        keepLocks: true,
        // The queue's own backoff is tiny here: only GitHub's retry-after holds the retry back.
        env: { WRITE_PACING: "installation", RETRY_BASE_SECONDS: "0.01", RETRY_DEADLINE_MINUTES: "5" },
      }),
    );
    const payload = examplePayload("pull_request", "opened");
    payload.pull_request.title = "feat: add x";
    const owner = payload.repository.owner.login as string;
    const repo = payload.repository.name as string;
    const sha = payload.pull_request.head.sha as string;
    const gh = mockGitHub();
    const titleWrites: Array<{ at: number; status: number; body: Record<string, unknown> }> = [];
    const squashRuns: Array<Record<string, unknown>> = [];
    // No configuration file, however often it is read (once per delivery today; caching may change that).
    mockNoConfig(nock(API).persist(), owner, repo);
    // The SHA's check runs, listed once per attempt (the retry lists them again: another attempt may have written).
    mockCheckRunList(nock(API).persist(), owner, repo, sha);
    mockSquashTitleCheck(gh.api, owner, repo, sha, squashRuns);
    const titleWrite = (status: number) =>
      gh.api
        .post(`/repos/${owner}/${repo}/check-runs`, (body) => body.name === "PR title")
        .reply((async (request: Request) => {
          titleWrites.push({
            at: Date.now(),
            status,
            body: (await request.json()) as Record<string, unknown>,
          });
          return status === 403
            ? [
                403,
                {
                  message:
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 2.",
                  documentation_url:
                    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                },
                { "retry-after": "1" },
              ]
            : [201, { id: 7 }];
        }) as never);
    titleWrite(403);
    titleWrite(201);

    await probot.receive({ name: "pull_request", id: "delivery-1", payload } as never);
    await queue.idle();
    gh.finish();

    expect(titleWrites.map((w) => w.status)).toEqual([403, 201]);
    // The retry honoured retry-after (1 s): the runner's backoff is 10 ms here.
    expect(titleWrites[1]!.at - titleWrites[0]!.at).toBeGreaterThanOrEqual(1000 - 40);
    expect(titleWrites[1]!.body).toMatchObject({ name: "PR title", head_sha: sha, conclusion: "success" });
    // The other feature of the delivery wrote its check once and was not run again.
    expect(squashRuns).toHaveLength(1);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });
});
