// @ts-check
// Fault injection for the fake GitHub: the ways GitHub's REST API misbehaves (server errors, secondary and primary rate
// limits, connection resets, slow answers), chosen by a seeded PRNG so that a test is reproducible.

/**
 * @typedef {"5xx" | "secondary-rate-limit" | "429" | "primary-rate-limit" | "reset" | "slow"} FaultMode
 * @typedef {object} FaultOptions
 * @property {FaultMode | FaultMode[]} mode what goes wrong; with several, each fault picks one (seeded)
 * @property {number} [fraction] share (0..1) of the matching requests that fail (default 1: all of them)
 * @property {number} [seed] seed of the PRNG that draws which requests fail (default 1)
 * @property {"reads" | "writes" | "all"} [on] `reads` = GET/HEAD, `writes` = POST/PATCH/PUT/DELETE (default `all`)
 * @property {string | RegExp} [route] only requests of this route: a string is `METHOD /template` of the route table
 *   (e.g. `"POST /repos/:owner/:repo/check-runs"`) or just the template (any method); a RegExp is tested on the path
 *   (without `/api/v3` and query)
 * @property {number} [maxFaults] stop faulting after this many faults (default: no limit)
 * @property {number} [retryAfter] seconds for `retry-after` (secondary, 429) and `x-ratelimit-reset` (primary);
 *   default 1
 * @property {number} [delayMs] how late a `slow` answer is written (default 11_000: longer than octokit's and probot's
 *   usual patience)
 * @property {500 | 502 | 503} [status] the status of a `5xx` fault (default: drawn among 500, 502, 503)
 * @property {boolean} [after] `5xx` and `reset` only: the request is carried out first, then its answer is lost (a
 *   5xx instead of it, or no answer): what a client sees when GitHub did the write but the answer never arrived
 *   (GitHub's 502/504 on writes), so a blind retry of a POST makes a second artifact
 * @typedef {{ options: FaultOptions; random: () => number; count: number }} FaultRule
 * @typedef {{ method: string; pathname: string; template: string }} FaultTarget
 * @typedef {{ mode: FaultMode; rule: FaultRule }} FaultDecision
 */

/** @type {FaultMode[]} */
export const FAULT_MODES = ["5xx", "secondary-rate-limit", "429", "primary-rate-limit", "reset", "slow"];

/** The route of installation tokens: faulted only when a rule names it (see `ruleMatches`). */
export const TOKEN_ROUTE = "POST /app/installations/:installation_id/access_tokens";

const WRITES = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/**
 * mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)); the same seed gives the same sequence.
 * @param {number} seed
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @param {FaultOptions} options @returns {FaultRule} */
export function faultRule(options) {
  if (options.after && [options.mode].flat().some((m) => m !== "5xx" && m !== "reset")) {
    throw new Error(
      `fault option \`after\` applies to the modes 5xx and reset, not ${JSON.stringify(options.mode)}`,
    );
  }
  const modes = Array.isArray(options.mode) ? options.mode : [options.mode];
  if (!modes.length || modes.some((m) => !FAULT_MODES.includes(m))) {
    throw new Error(`unknown fault mode ${JSON.stringify(options.mode)} (one of ${FAULT_MODES.join(", ")})`);
  }
  const fraction = options.fraction ?? 1;
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`fault fraction ${fraction} is not in 0..1`);
  return { options, random: seededRandom(options.seed ?? 1), count: 0 };
}

/**
 * Whether a rule applies to a request. The installation-token endpoint is never faulted unless the rule's `route`
 * names it explicitly (the string `TOKEN_ROUTE` or its template, or a RegExp whose source mentions `access_tokens`):
 * probot fetches a token before every handler's first call and does not retry that request, so a fault there fails
 * the whole delivery instead of exercising the retries of the calls under test.
 * @param {FaultRule} rule @param {FaultTarget} target
 */
export function ruleMatches(rule, target) {
  const { on = "all", route } = rule.options;
  const method = target.method.toUpperCase();
  if (on === "reads" && WRITES.has(method)) return false;
  if (on === "writes" && !WRITES.has(method)) return false;
  const key = `${method} ${target.template}`;
  if (route instanceof RegExp) {
    if (!route.test(target.pathname)) return false;
    return key !== TOKEN_ROUTE || route.source.includes("access_tokens");
  }
  if (typeof route === "string") return route === key || route === target.template;
  return key !== TOKEN_ROUTE;
}

/**
 * Draws whether a request fails: the first matching rule that still has faults left decides (one draw of its PRNG
 * per matching request, so the sequence depends only on the matching requests).
 * @param {FaultRule[]} rules @param {FaultTarget} target @returns {FaultDecision | null}
 */
export function decideFault(rules, target) {
  for (const rule of rules) {
    if (!ruleMatches(rule, target)) continue;
    const { maxFaults, fraction = 1 } = rule.options;
    if (maxFaults !== undefined && rule.count >= maxFaults) continue;
    if (rule.random() >= fraction) return null;
    const modes = Array.isArray(rule.options.mode) ? rule.options.mode : [rule.options.mode];
    const mode = modes.length === 1 ? modes[0] : modes[Math.floor(rule.random() * modes.length)];
    rule.count++;
    return { mode: /** @type {FaultMode} */ (mode), rule };
  }
  return null;
}

const RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";

/**
 * The answer GitHub gives for a fault that answers at all (`5xx` and the rate limits; `reset` and `slow` are handled
 * by the server). Shapes follow GitHub's: a JSON `{ message, documentation_url }`, rate-limit headers, `retry-after`.
 * @param {FaultDecision} decision @param {{ installationId: number; requestId: string }} context
 * @returns {import("./fake-github.js").FakeResponse}
 */
export function faultResponse(decision, context) {
  const { mode, rule } = decision;
  const retryAfter = rule.options.retryAfter ?? 1;
  const secondary = `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${context.requestId}.`;
  switch (mode) {
    case "5xx": {
      const status =
        rule.options.status ?? /** @type {const} */ ([500, 502, 503])[Math.floor(rule.random() * 3)] ?? 500;
      const message = { 500: "Server Error", 502: "Server Error", 503: "Service Unavailable" }[status];
      return { status, body: { message, documentation_url: "https://docs.github.com/rest" } };
    }
    case "secondary-rate-limit":
      return {
        status: 403,
        headers: { "retry-after": String(retryAfter) },
        body: {
          message: secondary,
          documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
        },
      };
    case "429":
      return {
        status: 429,
        headers: { "retry-after": String(retryAfter) },
        body: {
          message: secondary,
          documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
        },
      };
    case "primary-rate-limit":
      return {
        status: 403,
        headers: {
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-used": "5000",
          "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + retryAfter),
          "x-ratelimit-resource": "core",
        },
        body: {
          message: `API rate limit exceeded for installation ID ${context.installationId}. If you reach out to GitHub Support for help, please include the request ID ${context.requestId} and timestamp ${new Date().toISOString().replace(/\.\d{3}Z$/, "Z")}.`,
          documentation_url: `${RATE_LIMIT_DOCS}#about-the-primary-rate-limit`,
        },
      };
    default:
      throw new Error(`fault ${mode} has no answer`);
  }
}
