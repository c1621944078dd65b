import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import type { GitHubEvent } from "../../demo/lib/fake-github.js";
import { startHarness, type Harness } from "../../demo/lib/harness.js";
import {
  BRANCH,
  DEVELOPER,
  FIXED_FILES,
  GOOD_TITLE,
  MAINTAINER,
  PROMOTION_BRANCH,
  storySeed,
} from "../../demo/lib/story.js";
import { ensureBuilt } from "./support/ensure-built.js";
import { expectNoDuplicates, expectSchemaClean, PR_CHECKS } from "./support/story-checks.js";

const BURST = 20;

/**
 * Two `probot run` replicas on one real redis-server. Bursts: the same event sent 20 times at once (20 distinct
 * delivery GUIDs, so the queue's one-job-per-GUID does not help: only the identity locks in Redis stand between the
 * replicas and a duplicate), spread over both replicas. (`kill -9` of a replica mid-job: replicas-kill.test.ts.)
 */
describe("end to end: two replicas on one Redis, bursts of the same event", () => {
  let h: Harness;
  let prHead = "";

  beforeAll(async () => {
    ensureBuilt();
    h = await startHarness({
      fake: storySeed(),
      replicas: 2,
      redis: true,
      appEnv: { RETRY_BASE_SECONDS: "0.2" },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  /** The events the fake queued, those of `name` kept apart (to be burst). */
  const takeEvents = (name: string, action?: string) => {
    const events = h.fake.takeEvents();
    const matches = (e: GitHubEvent) =>
      e.name === name && (action === undefined || e.payload.action === action);
    return { burst: events.filter(matches), rest: events.filter((e) => !matches(e)) };
  };
  /** Sends each event BURST times at once, alternating between the replicas; every answer is 2xx (else throws). */
  const burst = async (events: GitHubEvent[]) => {
    const copies = events.flatMap((event) => Array.from({ length: BURST }, () => event));
    const results = await h.send(copies, { to: "spread", concurrently: true });
    expect(new Set(results.map((r) => r.replica))).toEqual(new Set([0, 1]));
    expect(new Set(results.map((r) => r.delivery.id)).size).toBe(copies.length);
    await h.waitIdle(60_000);
  };

  test(`pull_request.opened ${BURST}× at once over both replicas → one check run per name on the head`, async () => {
    prHead = await h.fake.commitFiles({
      branch: BRANCH,
      from: "main",
      message: GOOD_TITLE,
      files: FIXED_FILES,
      actor: DEVELOPER,
    });
    await h.fake.openPullRequest({ head: BRANCH, title: GOOD_TITLE, actor: DEVELOPER });
    const { burst: opened, rest } = takeEvents("pull_request", "opened");
    expect(opened).toHaveLength(1);
    await h.deliver(rest);
    await burst(opened);
    const runs = h.fake.findCheckRuns({ headSha: prHead });
    expect(runs.map((run) => run.name).sort()).toEqual([...PR_CHECKS].sort());
    expect(runs.every((run) => run.status === "completed" && run.conclusion === "success")).toBe(true);
    expectNoDuplicates(h);
  }, 90_000);

  test(`a tag push ${BURST}× at once → one draft release`, async () => {
    const main = await h.fake.git.resolveCommit("refs/heads/main");
    await h.fake.moveRef("refs/tags/v0.0.3", main!, { expected: null, actor: MAINTAINER });
    const { burst: pushed, rest } = takeEvents("push");
    await burst(pushed);
    await h.deliver([...rest, ...h.fake.takeEvents()]); // create, release.created
    expect(h.fake.releases.filter((r) => r.tagName === "v0.0.3").map((r) => r.draft)).toEqual([true]);
    expectNoDuplicates(h);
  }, 90_000);

  test(`release.published ${BURST}× at once → one promotion PR, one commit on its branch`, async () => {
    const release = h.fake.releases.find((r) => r.tagName === "v0.0.3")!;
    await h.fake.publishRelease(release, MAINTAINER);
    const { burst: published, rest } = takeEvents("release");
    expect(rest).toEqual([]);
    await burst(published); // release.published and release.released, 20 of each
    const promotions = [...h.fake.pulls.values()].filter((pr) => pr.head === PROMOTION_BRANCH);
    expect(promotions.map((pr) => [pr.state, pr.title])).toEqual([
      ["open", "chore(release): promote v0.0.3 to release"],
    ]);
    // One commit on top of main: a second replica writing again would have stacked another one.
    const log = String(
      await h.fake.git.run(["rev-list", "--count", `refs/heads/main..refs/heads/${PROMOTION_BRANCH}`]),
    );
    expect(log.trim()).toBe("1");
    await h.deliverPending(); // the bot's own push and pull_request.opened
    await h.waitForCheckRun("PR title", promotions[0]!.headSha);
    expectNoDuplicates(h);
    expectSchemaClean(h);
  }, 90_000);
});
