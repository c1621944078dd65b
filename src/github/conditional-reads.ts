import type { Octokit } from "./types.js";

/**
 * Conditional requests (docs.github.com, "Best practices for using the REST API" → "Use conditional requests if
 * appropriate"): a GET sent with `If-None-Match: <the ETag of the last answer>` is answered `304 Not Modified` when
 * nothing changed, and a 304 to an authorized request does not count against the primary rate limit. The
 * reconciliation sweep reads every repository every few minutes; with these, an idle sweep costs (almost) nothing.
 */

/** What is kept per URL: the answer's ETag and the caller's reduced view of it (never a whole tree or payload). */
export interface CachedRead {
  etag: string;
  value: unknown;
}

export interface EtagStore {
  get(url: string): CachedRead | undefined;
  set(url: string, entry: CachedRead): void;
}

/** Requests made and how many of them were 304 (free). */
export interface ReadCounts {
  calls: number;
  notModified: number;
}

/** A bounded in-process store (oldest entries dropped first). */
export function createEtagStore(maxEntries = 50_000): EtagStore & { size(): number } {
  const entries = new Map<string, CachedRead>();
  return {
    get(url) {
      return entries.get(url);
    },
    set(url, entry) {
      entries.delete(url);
      entries.set(url, entry);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    size: () => entries.size,
  };
}

type Params = Record<string, unknown>;

const statusOf = (error: unknown): number | undefined => (error as { status?: number }).status;

/**
 * Counts every request an Octokit makes, and the 304s among them. Only for a client of its own (the hook stays on
 * the instance): the sweep's installation clients are made per sweep.
 */
export function countRequests(octokit: Octokit, counts: ReadCounts): void {
  octokit.hook.wrap("request", async (request, options) => {
    counts.calls++;
    try {
      return await request(options);
    } catch (error) {
      if (statusOf(error) === 304) counts.notModified++;
      throw error;
    }
  });
}

export interface ConditionalReader {
  /** GET one URL conditionally; `reduce` turns a fresh answer into what is kept (and returned). */
  get<T>(
    octokit: Octokit,
    route: string,
    params: Params,
    reduce: (data: unknown) => T,
    /** Keeps another reduced view of the same URL apart (e.g. one per promotion target). */
    variant?: string,
  ): Promise<T>;
  /** Every page of a list (`Link: rel="next"`), each page read conditionally and reduced on its own. */
  all<T>(
    octokit: Octokit,
    route: string,
    params: Params,
    reduce: (data: unknown) => T[],
    /** Reads no further page once this says so about the page just read (newest-first logs). */
    stop?: (page: T[]) => boolean,
  ): Promise<T[]>;
}

/**
 * A reader over `store`. `scope` keeps apart what different credentials see at the same URL (every installation
 * reads `/installation/repositories`). `counts`, when given, counts the reader's own requests (for clients that are
 * shared, so that `countRequests` cannot be hooked on them).
 */
export function createConditionalReader(
  store: EtagStore,
  scope: string,
  counts?: ReadCounts,
): ConditionalReader {
  async function page<T>(
    octokit: Octokit,
    options: { url: string; params?: Params; route?: string; variant?: string },
    reduce: (data: unknown) => T,
  ): Promise<{ value: T; next: string | null }> {
    const endpoint = options.route
      ? octokit.request.endpoint(options.route, options.params ?? {})
      : octokit.request.endpoint({ method: "GET", url: options.url });
    const key = `${scope} ${endpoint.url}${options.variant ? `#${options.variant}` : ""}`;
    const cached = store.get(key);
    if (counts) counts.calls++;
    try {
      const response = await octokit.request({
        method: "GET",
        url: endpoint.url,
        headers: {
          ...(endpoint.headers as Record<string, string>),
          ...(cached ? { "if-none-match": cached.etag } : {}),
        },
      });
      const next = nextLink(response.headers.link);
      const value = { value: reduce(response.data), next };
      const etag = response.headers.etag;
      if (etag) store.set(key, { etag, value });
      return value;
    } catch (error) {
      if (statusOf(error) !== 304 || !cached) throw error;
      if (counts) counts.notModified++;
      return cached.value as { value: T; next: string | null };
    }
  }
  return {
    async get(octokit, route, params, reduce, variant) {
      return (await page(octokit, { url: "", route, params, ...(variant ? { variant } : {}) }, reduce)).value;
    },
    async all(octokit, route, params, reduce, stop) {
      const items = [];
      let current = await page(octokit, { url: "", route, params }, reduce);
      items.push(...current.value);
      // GitHub's lists are finite; the bound only guards against a server that links a page to itself.
      for (let pages = 1; current.next && pages < 1000 && !stop?.(current.value); pages++) {
        current = await page(octokit, { url: current.next }, reduce);
        items.push(...current.value);
      }
      return items;
    },
  };
}

/** The `rel="next"` URL of a `Link` header. */
function nextLink(link: string | undefined): string | null {
  return /<([^>]+)>;\s*rel="next"/.exec(link ?? "")?.[1] ?? null;
}
