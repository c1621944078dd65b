import { describe, expect, test } from "@jest/globals";
import { RequestError } from "@octokit/request-error";
import { classifyFailure, retryDelayMs, type FailureClass } from "../../src/runtime/classify-failure.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");

/** An error shaped exactly like the one Octokit throws for a GitHub answer (status, response headers, message). */
function githubAnswer(status: number, message: string, headers: Record<string, string> = {}): RequestError {
  return new RequestError(message, status, {
    request: { method: "POST", url: "https://api.github.com/repos/o/r/check-runs", headers: {} },
    response: { status, url: "https://api.github.com/repos/o/r/check-runs", headers, data: { message } },
  });
}

/** Node's fetch (undici) wraps socket errors: `TypeError: fetch failed` with the code on `cause`. */
function fetchFailed(code: string): Error {
  return Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(code), { code }) });
}

type Row = [string, unknown, "transient" | "permanent", number | null];
const resetAt = Math.floor(NOW / 1000) + 600;

// [what GitHub (or the network) did, the error, class, earliest retry in ms after NOW (transient only)]
const TABLE: Row[] = [
  ["500 Internal Server Error", githubAnswer(500, "Server Error"), "transient", 0],
  ["502 Bad Gateway", githubAnswer(502, "Bad Gateway"), "transient", 0],
  ["503 Service Unavailable", githubAnswer(503, "Service Unavailable"), "transient", 0],
  ["connection reset (fetch failed, ECONNRESET)", fetchFailed("ECONNRESET"), "transient", 0],
  ["socket closed by the other side (undici)", fetchFailed("UND_ERR_SOCKET"), "transient", 0],
  [
    "connection refused",
    Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    "transient",
    0,
  ],
  ["DNS failed for a moment", fetchFailed("EAI_AGAIN"), "transient", 0],
  [
    "429 with retry-after: 7",
    githubAnswer(429, "Too Many Requests", { "retry-after": "7" }),
    "transient",
    7_000,
  ],
  [
    "429 without retry-after (GitHub: wait at least a minute)",
    githubAnswer(429, "Too Many Requests"),
    "transient",
    60_000,
  ],
  [
    "403 secondary rate limit with retry-after: 30",
    githubAnswer(
      403,
      "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      {
        "retry-after": "30",
      },
    ),
    "transient",
    30_000,
  ],
  [
    "403 secondary rate limit without retry-after",
    githubAnswer(403, "You have exceeded a secondary rate limit and have been temporarily blocked."),
    "transient",
    60_000,
  ],
  [
    "403 primary limit exhausted (x-ratelimit-remaining: 0, reset in 10 min)",
    githubAnswer(403, "API rate limit exceeded for installation ID 2.", {
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(resetAt),
    }),
    "transient",
    600_000,
  ],
  [
    "429 primary limit exhausted (header names in any case)",
    githubAnswer(429, "API rate limit exceeded", {
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": String(resetAt),
    }),
    "transient",
    600_000,
  ],
  ["401 (token expired between minting and use)", githubAnswer(401, "Bad credentials"), "transient", 0],
  ["409 (a ref moved under us)", githubAnswer(409, "Reference update failed"), "transient", 0],
  ["422 validation failed", githubAnswer(422, "Validation Failed"), "permanent", null],
  ["404 of a deleted repository", githubAnswer(404, "Not Found"), "permanent", null],
  ["410 gone (issues disabled)", githubAnswer(410, "Issues are disabled for this repo"), "permanent", null],
  [
    "403 missing permission",
    githubAnswer(403, "Resource not accessible by integration", {
      "x-accepted-github-permissions": "checks=write",
    }),
    "permanent",
    null,
  ],
  [
    "403 with x-ratelimit-remaining left (not a rate limit)",
    githubAnswer(403, "Resource not accessible by integration", { "x-ratelimit-remaining": "4999" }),
    "permanent",
    null,
  ],
  [
    "a bug in our code (TypeError)",
    new TypeError("Cannot read properties of undefined (reading 'sha')"),
    "permanent",
    null,
  ],
  [
    "a lost identity lock",
    Object.assign(new Error("Lost the lock"), { name: "LockLostError" }),
    "transient",
    0,
  ],
];

describe("classifyFailure: GitHub's answers → transient (retry) or permanent (report)", () => {
  test.each(TABLE.map(([what, error, kind, notBefore]) => [what, kind, notBefore, error] as const))(
    "%s → %s (earliest retry: +%s ms)",
    (_what, kind, notBeforeAfterNow, error) => {
      const failure = classifyFailure(error, NOW);
      expect(failure.kind).toBe(kind);
      if (failure.kind === "transient") expect(failure.notBeforeMs - NOW).toBe(notBeforeAfterNow);
      expect(failure.reason.length).toBeGreaterThan(0);
    },
  );

  test("permanent failures say how to fix them; a missing permission names it", () => {
    const missing = classifyFailure(
      githubAnswer(403, "Resource not accessible by integration", {
        "x-accepted-github-permissions": "checks=write",
      }),
      NOW,
    );
    expect(missing).toMatchObject({
      kind: "permanent",
      reason: "GitHub answered 403: Resource not accessible by integration",
    });
    expect((missing as Extract<FailureClass, { kind: "permanent" }>).fix).toContain("`checks=write`");
    const invalid = classifyFailure(githubAnswer(422, "Validation Failed"), NOW);
    expect((invalid as Extract<FailureClass, { kind: "permanent" }>).fix).toContain("invalid");
    const gone = classifyFailure(githubAnswer(404, "Not Found"), NOW);
    expect((gone as Extract<FailureClass, { kind: "permanent" }>).fix).toContain("no longer has access");
  });
});

describe("retryDelayMs: exponential backoff with full jitter, never before GitHub allows, capped", () => {
  const now = transient(NOW);
  function transient(notBeforeMs: number): Extract<FailureClass, { kind: "transient" }> {
    return { kind: "transient", reason: "test", notBeforeMs };
  }

  test("the window doubles per attempt; full jitter spans [0, window]", () => {
    const base = 1000;
    for (const [attempt, window] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [6, 32_000],
    ] as const) {
      expect(retryDelayMs(attempt, now, NOW, { baseMs: base, random: () => 0 })).toBe(0);
      expect(retryDelayMs(attempt, now, NOW, { baseMs: base, random: () => 0.999999 })).toBe(window);
      expect(retryDelayMs(attempt, now, NOW, { baseMs: base, random: () => 0.5 })).toBe(window / 2);
    }
  });

  test("with Math.random, 1000 draws stay within [0, window] and spread over it", () => {
    const draws = Array.from({ length: 1000 }, () => retryDelayMs(4, now, NOW, { baseMs: 100 }));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(800);
    // Jitter: not all equal, and both halves of the window are used.
    expect(draws.filter((d) => d < 400).length).toBeGreaterThan(300);
    expect(draws.filter((d) => d >= 400).length).toBeGreaterThan(300);
  });

  test("never before retry-after or the rate-limit reset, whatever the jitter", () => {
    const in30s = transient(NOW + 30_000);
    expect(retryDelayMs(1, in30s, NOW, { baseMs: 1000, random: () => 0 })).toBe(30_000);
    expect(retryDelayMs(1, in30s, NOW, { baseMs: 1000, random: () => 1 })).toBe(30_000);
    // A later attempt whose window is longer than the wait GitHub asked for keeps the longer one.
    expect(retryDelayMs(8, in30s, NOW, { baseMs: 1000, random: () => 1 })).toBe(128_000);
    // A reset already in the past does not make the delay negative.
    expect(retryDelayMs(1, transient(NOW - 5000), NOW, { baseMs: 1000, random: () => 0 })).toBe(0);
  });

  test("the window is capped (default 5 minutes), also for very high attempts", () => {
    expect(retryDelayMs(30, now, NOW, { baseMs: 1000, random: () => 1 })).toBe(5 * 60_000);
    expect(retryDelayMs(1000, now, NOW, { baseMs: 1000, random: () => 1 })).toBe(5 * 60_000);
    expect(retryDelayMs(10, now, NOW, { baseMs: 1000, capMs: 10_000, random: () => 1 })).toBe(10_000);
    // GitHub's own reset is honoured even beyond the cap: retrying before it only fails again.
    expect(retryDelayMs(30, transient(NOW + 3_600_000), NOW, { random: () => 1 })).toBe(3_600_000);
  });
});
