import type { Probot, ProbotOctokit } from "probot";
import { Counter, Gauge, type Registry } from "prom-client";

type Logger = Probot["log"];

interface RequestOptions {
  method?: string;
  url?: string;
  [key: string]: unknown;
}
interface HookedResponse {
  status: number;
  headers: Record<string, string | number | undefined>;
  data: unknown;
  url: string;
}

export interface GitHubMetrics {
  requests: Counter<"method" | "route" | "status">;
  rateLimitRemaining: Gauge<"installation">;
  artifacts: Counter<"kind">;
  dryRunWrites: Counter<"kind">;
}

export function createGitHubMetrics(registry: Registry): GitHubMetrics {
  return {
    requests: new Counter({
      name: "grb_github_requests_total",
      help: "Requests to GitHub's API by method, route template and final status (after the client's own retries; `error`: no answer)",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    rateLimitRemaining: new Gauge({
      name: "grb_github_rate_limit_remaining",
      help: "x-ratelimit-remaining of the last answer, per installation (`app` for the App's own JWT requests)",
      labelNames: ["installation"],
      registers: [registry],
    }),
    artifacts: new Counter({
      name: "grb_artifacts_written_total",
      help: "Writes GitHub accepted, by kind of artifact (check_run, issue, comment, label, pull_request, review_request, release, git, repository, redelivery, other)",
      labelNames: ["kind"],
      registers: [registry],
    }),
    dryRunWrites: new Counter({
      name: "grb_dry_run_writes_total",
      help: "Writes not sent because DRY_RUN=true, by kind of artifact",
      labelNames: ["kind"],
      registers: [registry],
    }),
  };
}

/** Not writes although they are POSTs: minting an installation token, GraphQL queries (not mutations). */
export function isWrite(method: string, route: string, body: unknown): boolean {
  if (method === "GET" || method === "HEAD") return false;
  if (route === "/app/installations/{installation_id}/access_tokens") return false;
  if (route === "/graphql") {
    const query =
      typeof (body as { query?: unknown })?.query === "string" ? (body as { query: string }).query : "";
    return /^\s*mutation\b/.test(query);
  }
  return true;
}

/** What a write makes, from its route template (the metric's label: a few words, never a value). */
export function artifactKind(route: string): string {
  if (route === "/graphql") return "graphql_mutation";
  if (route.startsWith("/app/hook/deliveries")) return "redelivery";
  const rest = route.replace(/^\/repos\/\{owner\}\/\{repo\}/, "");
  if (rest === route) return "other";
  if (rest.startsWith("/check-runs")) return "check_run";
  if (/^\/issues\/\{[a-z_]+\}\/comments/.test(rest) || rest.startsWith("/issues/comments")) return "comment";
  if (/^\/issues(\/\{[a-z_]+\}\/labels)/.test(rest)) return "label";
  if (rest.startsWith("/issues")) return "issue";
  if (/^\/pulls\/\{[a-z_]+\}\/requested_reviewers/.test(rest)) return "review_request";
  if (rest.startsWith("/pulls")) return "pull_request";
  if (rest.startsWith("/releases")) return "release";
  if (rest.startsWith("/git/")) return "git";
  if (rest === "") return "repository";
  return "other";
}

/** The fields of a write worth a log line: titles, names, refs, states; never bodies or contents. */
function summary(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== "object") return {};
  const out: Record<string, unknown> = {};
  for (const key of [
    "name",
    "title",
    "tag_name",
    "ref",
    "head",
    "base",
    "status",
    "conclusion",
    "state",
    "draft",
  ]) {
    const value = (body as Record<string, unknown>)[key];
    if (value !== undefined && (typeof value !== "string" || value.length <= 200)) out[key] = value;
  }
  const labels = (body as { labels?: unknown }).labels;
  if (Array.isArray(labels)) out.labels = labels;
  const reviewers = (body as { reviewers?: unknown }).reviewers;
  if (Array.isArray(reviewers)) out.reviewers = reviewers;
  return out;
}

/** The answer a dry-run write gets: what GitHub would echo, with placeholder ids (a later write to them is skipped too). */
function pretendAnswer(method: string, route: string, body: unknown): HookedResponse {
  const data = {
    ...(body && typeof body === "object" ? (body as Record<string, unknown>) : {}),
    id: 0,
    number: 0,
    node_id: "DRY_RUN",
    sha: "0".repeat(40),
    html_url: "",
    url: "",
    object: { sha: "0".repeat(40), type: "commit" },
    tree: { sha: "0".repeat(40) },
  };
  return {
    status: method === "POST" ? 201 : 200,
    headers: {},
    data: route === "/graphql" ? { data: {} } : data,
    url: "",
  };
}

/** Installs the metrics hook (and the dry run) on a client once; `installation` labels its rate-limit gauge. */
export function instrumentOctokit(
  octokit: ProbotOctokit,
  options: { metrics: GitHubMetrics; dryRun: boolean; log: Logger; installation: string },
): ProbotOctokit {
  const marked = octokit as ProbotOctokit & { __grbInstrumented?: boolean };
  if (marked.__grbInstrumented) return octokit;
  marked.__grbInstrumented = true;
  const { metrics, dryRun, log, installation } = options;
  octokit.hook.wrap("request", async (request, requestOptions) => {
    const opts = requestOptions as unknown as RequestOptions;
    const method = (opts.method ?? "GET").toUpperCase();
    // GraphQL's URL is absolute on GitHub Enterprise Server (`https://host/api/graphql`): one route for all.
    const route = /\/graphql$/.test(String(opts.url ?? "")) ? "/graphql" : String(opts.url ?? "");
    const body = (opts as { data?: unknown }).data ?? bodyOf(opts);
    const write = isWrite(method, route, body);
    if (write && dryRun) {
      const kind = artifactKind(route);
      metrics.dryRunWrites.inc({ kind });
      log.info(
        { dryRun: true, method, route, kind, summary: summary(body) },
        `DRY_RUN: would ${method} ${route} (${kind}); not sent`,
      );
      return pretendAnswer(method, route, body) as never;
    }
    const started = performance.now();
    try {
      const response = (await request(requestOptions)) as unknown as HookedResponse;
      record(method, route, String(response.status), response.headers, started);
      if (write) metrics.artifacts.inc({ kind: artifactKind(route) });
      return response as never;
    } catch (error) {
      const failed = error as { status?: number; response?: { headers?: HookedResponse["headers"] } };
      record(
        method,
        route,
        failed.status ? String(failed.status) : "error",
        failed.response?.headers,
        started,
      );
      throw error;
    }
  });
  return octokit;

  function record(
    method: string,
    route: string,
    status: string,
    headers: HookedResponse["headers"] | undefined,
    started: number,
  ) {
    metrics.requests.inc({ method, route, status });
    // One debug line per request, with the fields of the work it is for (the client's logger is the delivery's).
    const ms = Math.round(performance.now() - started);
    log.debug({ method, route, status, ms }, `${method} ${route} → ${status} in ${ms} ms`);
    const remaining = Number(headers?.["x-ratelimit-remaining"]);
    if (headers?.["x-ratelimit-remaining"] !== undefined && Number.isFinite(remaining)) {
      metrics.rateLimitRemaining.set({ installation }, remaining);
    }
  }
}

/** Octokit's endpoint options keep the body's fields at the top level (besides method, url, headers, request…). */
function bodyOf(opts: RequestOptions): Record<string, unknown> {
  const { method: _m, url: _u, headers: _h, request: _r, baseUrl: _b, mediaType: _t, ...rest } = opts;
  return rest;
}
