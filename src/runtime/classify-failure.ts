/**
 * Whether a failed attempt is worth repeating, and when. Transient failures (GitHub or the network having a bad
 * moment, a rate limit) are retried with backoff; permanent ones (GitHub refusing what was asked, a bug) are not,
 * and the feature then reports them where its users look.
 */
export type FailureClass =
  | {
      kind: "transient";
      reason: string;
      /** the earliest useful retry, from GitHub's own headers */ notBeforeMs: number;
    }
  | { kind: "permanent"; reason: string; fix: string };

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  status?: unknown;
  code?: unknown;
  cause?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

/** Network failures Node's fetch (undici) and ioredis report; each goes away on its own. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** Errors this product throws that mean "try again": a lost or busy lock, Redis away for a moment. */
const TRANSIENT_NAMES = new Set([
  "LockLostError",
  "LockTimeoutError",
  "MaxRetriesPerRequestError",
  "AbortError",
  "TimeoutError",
]);

/**
 * GitHub documents: on a secondary rate limit, wait `retry-after` seconds when present, otherwise at least one
 * minute (docs.github.com, "Rate limits for the REST API" → "Exceeding the rate limit"). On primary-limit exhaustion
 * (`x-ratelimit-remaining: 0`), wait until `x-ratelimit-reset` (epoch seconds).
 */
const SECONDARY_LIMIT_FALLBACK_MS = 60_000;

export function classifyFailure(error: unknown, nowMs: number): FailureClass {
  const e = (typeof error === "object" && error !== null ? error : { message: String(error) }) as ErrorLike;
  const message = typeof e.message === "string" ? e.message : String(error);
  const status = typeof e.status === "number" ? e.status : undefined;
  const headers = lowerCaseKeys(e.response?.headers);
  const retryAfterMs = secondsHeader(headers["retry-after"]);

  if (status === undefined) {
    const code = networkCode(e);
    if (code) return transient(`network error ${code}: ${message}`, nowMs);
    if (typeof e.name === "string" && TRANSIENT_NAMES.has(e.name)) return transient(message, nowMs);
    return {
      kind: "permanent",
      reason: `unexpected error: ${message}`,
      fix: "This is a bug in gitops-release-bot; the app's log has the stack trace. Please report it.",
    };
  }
  if (
    /secondary rate limit/i.test(message) ||
    ((status === 403 || status === 429) && retryAfterMs !== null)
  ) {
    return transient(
      `GitHub's secondary rate limit (${status})`,
      nowMs + (retryAfterMs ?? SECONDARY_LIMIT_FALLBACK_MS),
    );
  }
  if ((status === 403 || status === 429) && headers["x-ratelimit-remaining"] === "0") {
    const resetSeconds = Number(headers["x-ratelimit-reset"]);
    const notBefore = Number.isFinite(resetSeconds)
      ? resetSeconds * 1000
      : nowMs + SECONDARY_LIMIT_FALLBACK_MS;
    return transient(
      `GitHub's rate limit is exhausted until ${new Date(notBefore).toISOString()}`,
      notBefore,
    );
  }
  if (status === 429)
    return transient("GitHub answered 429 Too Many Requests", nowMs + SECONDARY_LIMIT_FALLBACK_MS);
  if (status >= 500 || status === 408) return transient(`GitHub answered ${status}: ${message}`, nowMs);
  // An installation token that expired between minting and use, or a clock skewed JWT: a fresh one usually works.
  if (status === 401) return transient(`GitHub answered 401: ${message}`, nowMs);
  // A ref moved between reading and writing (a concurrent push): reading again resolves it.
  if (status === 409) return transient(`GitHub answered 409 Conflict: ${message}`, nowMs);
  return permanentHttp(status, message, headers);
}

function permanentHttp(status: number, message: string, headers: Record<string, string>): FailureClass {
  const reason = `GitHub answered ${status}: ${message}`;
  if (status === 403) {
    // GitHub names the permission a GitHub App lacks in this header, e.g. `checks=write`.
    const needed = headers["x-accepted-github-permissions"];
    return {
      kind: "permanent",
      reason,
      fix: needed
        ? `The app lacks a permission: GitHub accepts this request with \`${needed}\`. Grant it in the App's settings ` +
          `(Permissions & events), accept the new permissions on the installation, then re-run.`
        : "The app is not allowed to do this here: check the App's permissions and the installation's repository " +
          "access, or branch protection rules that refuse the bot.",
    };
  }
  if (status === 404 || status === 410) {
    return {
      kind: "permanent",
      reason,
      fix:
        "The repository, ref or resource is gone or the installation no longer has access to it (or issues are " +
        "disabled). Restore access or ignore this if the repository was deleted.",
    };
  }
  if (status === 422) {
    return {
      kind: "permanent",
      reason,
      fix:
        "GitHub refused the request as invalid. If the repository's state explains it (a protected branch, a tag " +
        "that already exists), fix that and re-run; otherwise please report it as a bug.",
    };
  }
  return { kind: "permanent", reason, fix: "GitHub refused the request; re-run once the cause is fixed." };
}

function transient(reason: string, notBeforeMs: number): FailureClass {
  return { kind: "transient", reason, notBeforeMs };
}

function networkCode(e: ErrorLike): string | null {
  for (let current: unknown = e, depth = 0; current && depth < 4; depth++) {
    const code = (current as ErrorLike).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    current = (current as ErrorLike).cause;
  }
  if (typeof e.message === "string" && /fetch failed|socket hang up|other side closed/i.test(e.message)) {
    return "fetch failed";
  }
  return null;
}

function lowerCaseKeys(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) out[key.toLowerCase()] = String(value);
  return out;
}

function secondsHeader(value: string | undefined): number | null {
  if (value === undefined) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): attempt 1 waits up
 * to `baseMs`, each further attempt doubles the window, capped at `capMs`; never earlier than GitHub asked.
 */
export function retryDelayMs(
  attempt: number,
  failure: Extract<FailureClass, { kind: "transient" }>,
  nowMs: number,
  options: { baseMs?: number; capMs?: number; random?: () => number } = {},
): number {
  const base = options.baseMs ?? 1000;
  const cap = options.capMs ?? 5 * 60_000;
  const window = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round((options.random ?? Math.random)() * window);
  return Math.max(jittered, failure.notBeforeMs - nowMs, 0);
}
