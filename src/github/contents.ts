import { composeConfigGet } from "@probot/octokit-plugin-config";
import { configReadProblem, mergeConfigFiles } from "../config/load-config.js";
import { parseConfig, type ConfigProblem } from "../config/parse-config.js";
import { CONFIG_PATH, type Config } from "../config/schema.js";
import type { ConfigFileRead } from "../rules/activation.js";
import { MAX_CONFIG_BYTES } from "../util/input-limits.js";
import { LruCache } from "../util/lru-cache.js";
import { err, type Result } from "../util/result.js";
import { statusOf, type Octokit, type RepoRef } from "./types.js";
import type { ConditionalReader } from "./conditional-reads.js";

/** A file's text and blob SHA at `ref` (`GET /repos/{owner}/{repo}/contents/{path}`), or null when it does not exist. */
export async function readFile(
  octokit: Octokit,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<{ text: string; sha: string } | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
    // Buffer keeps a BOM (TextDecoder would drop it), so the file is written back byte for byte.
    return { text: Buffer.from(data.content, "base64").toString("utf8"), sha: data.sha };
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/**
 * Reads and validates the configuration file as it is at `ref` (a PR's head), following `_extends` like the app does
 * on the default branch.
 */
export async function readConfigAtRef(
  octokit: Octokit,
  repo: RepoRef,
  ref: string,
): Promise<Result<Config, ConfigProblem[]>> {
  return (await readConfigFilesAtRef(octokit, repo, ref)).config;
}

/**
 * `readConfigAtRef`, with the files it read (the repository's own first; null when the file could not be read or
 * parsed): whether the repository's own file exists decides opt-in (`decideActivation`). The whole `_extends` chain
 * is validated (a missing base, a loop).
 */
export async function readConfigFilesAtRef(
  octokit: Octokit,
  repo: RepoRef,
  ref: string,
): Promise<{ config: Result<Config, ConfigProblem[]>; files: ConfigFileRead[] | null }> {
  const reads: ConfigRead[] = [];
  try {
    const { config, files } = await composeConfigGet(
      { request: tracedConfigRequest(octokit.request, reads) } as unknown as Parameters<
        typeof composeConfigGet
      >[0],
      { ...repo, path: CONFIG_PATH, branch: ref, defaults: (configs) => mergeConfigFiles(configs) },
    );
    const read = files.map((file) => ({ owner: file.owner, repo: file.repo, config: file.config ?? null }));
    const chain = extendsChainProblems(repo, reads);
    return { config: chain.length ? err(chain) : parseConfig(config), files: read };
  } catch (error) {
    const problem = configFileProblem(error, reads);
    if (!problem) throw error;
    return { config: err([problem]), files: null };
  }
}

/** One file read while following `_extends` (the repository's, the organization's `.github`, then each base). */
interface ConfigRead {
  owner: string;
  repo: string;
  path: string;
  found: boolean;
}

class ConfigFileProblem extends Error {
  constructor(readonly problem: ConfigProblem) {
    super(problem.message);
  }
}

/** The config plugin's `request`, recording every file it reads and refusing files over MAX_CONFIG_BYTES. */
function tracedConfigRequest<
  R extends ((endpoint: never) => Promise<{ data: unknown }>) & { endpoint: unknown },
>(request: R, reads: ConfigRead[]): R {
  const traced = async (endpoint: ConfigEndpoint) => {
    const read = { owner: endpoint.owner, repo: endpoint.repo, path: endpoint.path };
    try {
      const response = await request(endpoint as never);
      const data = response.data;
      const bytes = typeof data === "string" ? Buffer.byteLength(data) : JSON.stringify(data ?? null).length;
      if (bytes > MAX_CONFIG_BYTES)
        throw new ConfigFileProblem({
          path: "(file)",
          value: undefined,
          message:
            `\`${read.owner}/${read.repo}:${read.path}\` is ${bytes} bytes; configuration files are limited to ` +
            `${MAX_CONFIG_BYTES} bytes. Remove what is not configuration (comments, unused sections).`,
        });
      reads.push({ ...read, found: true });
      return response;
    } catch (error) {
      if (statusOf(error) === 404) reads.push({ ...read, found: false });
      throw error;
    }
  };
  return Object.assign(traced, { endpoint: request.endpoint }) as unknown as R;
}

const fileName = (read: Pick<ConfigRead, "owner" | "repo" | "path">) =>
  `${read.owner}/${read.repo}:${read.path}`;

/**
 * What is wrong with the `_extends` chain the plugin followed: a base that does not exist (the plugin ignores it
 * silently), or a base that is the repository's own file (accepted on a PR's head, it loops once merged).
 */
function extendsChainProblems(repo: RepoRef, reads: ConfigRead[]): ConfigProblem[] {
  const first = reads[0];
  if (!first) return [];
  // The organization's `.github` is read when the repository has no file: a fallback, not an `_extends` base.
  const fallback = !first.found && repo.repo !== ".github" ? 1 : 0;
  const bases = reads.slice(1 + fallback);
  const problems: ConfigProblem[] = [];
  for (const base of bases) {
    if (!base.found)
      problems.push({
        path: "_extends",
        value: JSON.stringify(`${base.owner}/${base.repo}`),
        message:
          `the base \`${fileName(base)}\` does not exist or the app cannot read it (is the app installed on ` +
          `\`${base.owner}/${base.repo}\`?): create that file or remove \`_extends\`.`,
      });
    else if (base.owner === first.owner && base.repo === first.repo && base.path === first.path)
      problems.push({
        path: "_extends",
        value: JSON.stringify(base.repo),
        message:
          "`_extends` names this repository's own file: once merged, the file would extend itself and every check " +
          "would fail. Remove `_extends` or name another repository.",
      });
  }
  return problems;
}

/** The problem an exception of the config read stands for (size, `_extends` loop, YAML), or null for API failures. */
function configFileProblem(error: unknown, reads: ConfigRead[]): ConfigProblem | null {
  if (error instanceof ConfigFileProblem) return error.problem;
  if (error instanceof Error && error.message.includes("Recursion detected")) {
    // The plugin stops before reading the file that closes the loop; its message names that file's URL.
    const back = /\/repos\/([^/]+)\/([^/]+)\/contents\/\S+ was already loaded/.exec(error.message);
    const chain = [...reads.map(fileName), back ? `${back[1]}/${back[2]}:${CONFIG_PATH}` : "…"];
    return {
      path: "_extends",
      value: undefined,
      message:
        `the \`_extends\` chain loops: ${chain.join(" → ")}. ` + "Remove `_extends` from one of these files.",
    };
  }
  return configReadProblem(error);
}

/**
 * How long "the organization's `.github` repository has no configuration file" is believed without asking again.
 * A 404 carries no ETag, so it cannot be revalidated for free; without this memo, every event of a repository
 * without `_extends` would pay for that 404. Creating the organization's file takes effect within this time.
 */
export const ORG_CONFIG_MISS_TTL_MS = 5 * 60_000;
/** Total bytes of configuration files kept for conditional requests (least recently used forgotten first). */
export const CONFIG_CACHE_MAX_BYTES = 4 * 1024 * 1024;

type ConfigCacheEntry =
  | { kind: "file"; etag: string; data: unknown; headers: Record<string, unknown> }
  | { kind: "missing"; until: number };

/**
 * Configuration files as last read, per installation and URL: a repeated read sends `If-None-Match` with the stored
 * ETag, and GitHub answers `304 Not Modified`, which costs no rate limit. Per process: with `REDIS_URL`, each replica
 * keeps its own (a replica's first read of a file is a full read).
 */
const configCache = new LruCache<ConfigCacheEntry>(CONFIG_CACHE_MAX_BYTES);

/** The clock of the `.github` miss memo (tests move it). */
export const configCacheClock = { now: () => Date.now() };

/** Forgets every cached configuration file (tests; an installation's files are otherwise revalidated per read). */
export function clearConfigCache(): void {
  configCache.clear();
}

interface ConfigEndpoint {
  method: string;
  url: string;
  owner: string;
  repo: string;
  path: string;
  ref?: string;
  headers?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The configuration on the default branch, read like Probot's `context.config` (the repository's file, else the
 * organization's `.github` repository; `_extends` followed, lists replaced), with every file read conditionally
 * (see `configCache`). Returns the merged object (null when no file exists anywhere) and the files read, in order
 * (the repository's own first: whether it exists decides opt-in). Invalid YAML is thrown as the config plugin's
 * error (`configReadProblem` turns it into a problem).
 */
export async function readDefaultBranchConfig(
  octokit: Octokit,
  repo: RepoRef,
  installationId: number | null,
): Promise<{ config: Record<string, unknown> | null; files: ConfigFileRead[] }> {
  const request = installationId === null ? octokit.request : cachedRequest(octokit, installationId);
  const reads: ConfigRead[] = [];
  let result: Awaited<ReturnType<typeof composeConfigGet>>;
  try {
    result = await composeConfigGet(
      { request: tracedConfigRequest(request, reads) } as unknown as Parameters<typeof composeConfigGet>[0],
      { ...repo, path: CONFIG_PATH, defaults: (configs) => mergeConfigFiles(configs) },
    );
  } catch (error) {
    const problem = configFileProblem(error, reads);
    throw problem ? new ConfigFileProblem(problem) : error;
  }
  const chain = extendsChainProblems(repo, reads);
  if (chain[0]) throw new ConfigFileProblem(chain[0]);
  const { config, files } = result;
  return {
    config: files.some((file) => file.config !== null) ? (config as Record<string, unknown>) : null,
    files: files.map((file) => ({ owner: file.owner, repo: file.repo, config: file.config ?? null })),
  };
}

/** `octokit.request` for the config plugin's file reads, with ETags and the `.github` miss memo. */
function cachedRequest(octokit: Octokit, installationId: number) {
  const request = async (endpoint: ConfigEndpoint) => {
    const key = `${installationId} ${octokit.request.endpoint(endpoint as never).url}`;
    const cached = configCache.get(key);
    const now = configCacheClock.now();
    if (cached?.kind === "missing") {
      if (cached.until > now) throw Object.assign(new Error("Not Found (remembered)"), { status: 404 });
      configCache.delete(key);
    }
    const file = cached?.kind === "file" ? cached : null;
    try {
      const response = await octokit.request({
        ...endpoint,
        headers: { ...endpoint.headers, ...(file ? { "if-none-match": file.etag } : {}) },
      } as never);
      const etag = (response.headers as Record<string, unknown>).etag;
      if (typeof etag === "string") {
        const data = response.data as unknown;
        const size = key.length + (typeof data === "string" ? data.length : JSON.stringify(data).length);
        configCache.set(key, { kind: "file", etag, data, headers: response.headers }, size);
      } else configCache.delete(key);
      return response;
    } catch (error) {
      const status = statusOf(error);
      if (status === 304 && file) return { status: 200, data: file.data, headers: file.headers, url: key };
      if (status === 404 && endpoint.repo === ".github") {
        configCache.set(key, { kind: "missing", until: now + ORG_CONFIG_MISS_TTL_MS }, key.length);
      } else configCache.delete(key);
      throw error;
    }
  };
  return Object.assign(request, { endpoint: octokit.request.endpoint });
}

// Read conditionally (If-None-Match with the stored ETag; a 304 is free) for the reconciliation sweep, which keeps
// only the reduced view it compares.

/** A file's text at a commit, read conditionally, or null when it does not exist. */
export async function readFileTextAt(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<string | null> {
  try {
    return await reader.get(
      octokit,
      "GET /repos/{owner}/{repo}/contents/{path}",
      { ...repo, path, ref },
      (data) => {
        const file = data as { type?: string; content?: string };
        return file.type === "file" && typeof file.content === "string"
          ? Buffer.from(file.content, "base64").toString("utf8")
          : null;
      },
    );
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}
