import type nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { installationOctokit } from "../../src/runtime/installation-octokit.js";
import type { WritePacing } from "../../src/runtime/write-pacing.js";
import { TEST_APP_ID, testPrivateKey } from "../helpers/test-app.js";

/**
 * A Probot whose installation clients are throttled, as under `probot run` (Probot's default Octokit), with
 * octokit's own retries off so that a refused write reaches the caller at once.
 */
export function pacedProbot(): Probot {
  return new Probot({
    appId: TEST_APP_ID,
    privateKey: testPrivateKey(),
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((options: object) => ({ ...options, retry: { enabled: false } })),
  });
}

/** A logger that keeps what the pacing says (warnings about rate limits) for assertions. */
export function recordingLog(): Probot["log"] & { lines: string[] } {
  const lines: string[] = [];
  const say = (...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  };
  const log = { lines, warn: say, error: say, info: say, debug: say, trace: say, fatal: say };
  return Object.assign(log, { child: () => log }) as unknown as Probot["log"] & { lines: string[] };
}

/** When each write reached GitHub (ms since epoch), by installation. */
export type WriteLog = Array<{ installation: number; at: number }>;

/**
 * Installation N owns the repository `org-N/platform`. Each write is a valid "create a check run" request; GitHub
 * answers 201 and the time it arrived is logged.
 */
export function acceptWrites(api: nock.Scope, installation: number, count: number, log: WriteLog): void {
  api
    .post(`/repos/org-${installation}/platform/check-runs`)
    .times(count)
    .reply(201, (async () => {
      log.push({ installation, at: Date.now() });
      return { id: log.length };
    }) as never);
}

/**
 * The paced client of an installation after one read (as in steady use: its token minted and cached, octokit's
 * plugins set up). A first request would otherwise wait for the token after passing the bucket, and writes that left
 * the bucket a refill apart would reach GitHub together.
 */
export async function warmClient(api: nock.Scope, probot: Probot, pacing: WritePacing, installation: number) {
  const octokit = await installationOctokit(probot, installation, pacing);
  api.get(`/repos/org-${installation}/platform`).reply(200, { id: installation });
  await octokit.rest.repos.get({ owner: `org-${installation}`, repo: "platform" });
  return octokit;
}

/**
 * One write through an installation of its own (99), before a test measures: the first request of a kind pays for
 * one-time work in the test's own mock (compiling GitHub's schema for it) and would reach the mock late, so that
 * writes released a refill apart would seem to arrive together.
 */
export async function warmUp(api: nock.Scope, probot: Probot, pacing: WritePacing): Promise<void> {
  const client = await warmClient(api, probot, pacing, 99);
  acceptWrites(api, 99, 1, []);
  await burstOfWrites(client, 99, 1);
}

/** Sends `count` writes of one installation at once, through its paced client. */
export async function burstOfWrites(
  octokit: Awaited<ReturnType<typeof warmClient>>,
  installation: number,
  count: number,
): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      octokit.rest.checks.create({
        owner: `org-${installation}`,
        repo: "platform",
        name: `check ${i}`,
        head_sha: "a".repeat(40),
      }),
    ),
  );
}

/**
 * The token bucket's promise on a list of arrival times: between any two writes, no more than the burst plus the
 * tokens refilled in between (with `slackMs` for timer and clock jitter). Returns the violations.
 */
export function bucketViolations(
  times: number[],
  bucket: { burst: number; refillMs: number },
  slackMs = 40,
): string[] {
  const sorted = [...times].sort((a, b) => a - b);
  const violations: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i; j < sorted.length; j++) {
      const span = sorted[j]! - sorted[i]!;
      const allowed = bucket.burst + Math.floor((span + slackMs) / bucket.refillMs);
      if (j - i + 1 > allowed) violations.push(`${j - i + 1} writes within ${span} ms (allowed ${allowed})`);
    }
  }
  return violations;
}

/** GitHub's answer when a secondary rate limit is hit (403, its documented message, `retry-after` seconds). */
export function refuseWithSecondaryLimit(api: nock.Scope, installation: number, retryAfter: number): void {
  api.post(`/repos/org-${installation}/platform/check-runs`).reply(
    403,
    {
      message:
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 1.",
      documentation_url:
        "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
    },
    { "retry-after": String(retryAfter) },
  );
}
