import type { Octokit } from "./types.js";

/** Methods whose repetition can create a second artifact, or fail because the first attempt did its work. */
const NOT_REPEATABLE = new Set(["POST", "DELETE"]);

/**
 * Octokit's retry plugin repeats a request that failed with a 5xx or a network error (after 1, 4 and 9 s), whatever
 * its method. For a POST or a DELETE that is wrong: GitHub may have carried the write out before its answer was lost
 * (a 502/504 from its front end, a connection reset), and repeating it creates a second check run, draft release,
 * issue or PR, or fails (422 "already exists", 404 "already deleted") although the work was done. So those requests
 * are not repeated by octokit: the failure goes to the queue, whose retry runs the feature again from its look-up
 * under the identity lock, which finds what the lost request created and writes nothing twice.
 *
 * Reads keep octokit's retries, and so do PATCH and PUT: they set a state, so repeating them lands on the same
 * state (a PUT of contents with a stale `sha` fails with 409, which the queue retries after reading again), and so
 * does POST /graphql, which only queries.
 */
export function retryOnlyRepeatableRequests(octokit: Octokit): void {
  octokit.hook.before("request", (options) => {
    const method = String(options.method ?? "GET").toUpperCase();
    if (!NOT_REPEATABLE.has(method) || /\/graphql$/.test(String(options.url))) return;
    // plugin-retry reads `request.retries` per request before its own default.
    options.request = { ...options.request, retries: 0 } as typeof options.request;
  });
}
