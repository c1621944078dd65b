// @ts-check
// Commit statuses in the fake GitHub: what Flux's notification-controller (a `github` Provider) posts per
// Kustomization with `POST /repos/{owner}/{repo}/statuses/{sha}` (fluxcd/notification-controller
// internal/notifier/github.go: state success|failure, context = the commit status id, description = the event's
// reason), read back as GitHub's combined status, and the `status` webhook GitHub sends for each.
import { idOf, nodeId, repositoryJson, userJson } from "./github-shapes.js";

/**
 * @typedef {{ id: number; sha: string; state: "success" | "failure" | "error" | "pending"; context: string;
 *   description: string | null; targetUrl: string | null; creator: string; createdAt: string }} CommitStatusState
 * @typedef {{ api: string; web: string }} Urls
 * @typedef {import("./github-shapes.js").RepoSettings} RepoName
 */

/** `status` (REST answer of the create endpoint). @param {Urls} urls @param {RepoName} repo @param {CommitStatusState} s */
export function statusJson(urls, repo, s) {
  return {
    ...simpleStatusJson(urls, repo, s),
    creator: userJson(urls, s.creator),
  };
}

/** `simple-commit-status` (an entry of the combined status). @param {Urls} urls @param {RepoName} repo @param {CommitStatusState} s */
function simpleStatusJson(urls, repo, s) {
  return {
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/statuses/${s.sha}`,
    avatar_url: `${urls.web}/avatars/u/${idOf(s.creator)}?v=4`,
    id: s.id,
    node_id: nodeId(`StatusContext${s.id}`),
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.createdAt,
  };
}

/**
 * GitHub's combined status of a commit: the newest status per context (newest first), and the overall state (failure
 * when any failed or errored, pending when any is pending or there is none, success otherwise).
 * @param {Urls} urls @param {RepoName} repo @param {string} sha @param {CommitStatusState[]} all
 * @param {{ page: number; perPage: number }} paging
 */
export function combinedStatusJson(urls, repo, sha, all, paging) {
  const latest = new Map();
  for (const s of [...all].filter((x) => x.sha === sha).sort((a, b) => b.id - a.id)) {
    if (!latest.has(s.context)) latest.set(s.context, s);
  }
  const statuses = [...latest.values()];
  const state = statuses.some((s) => s.state === "failure" || s.state === "error")
    ? "failure"
    : !statuses.length || statuses.some((s) => s.state === "pending")
      ? "pending"
      : "success";
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const start = (paging.page - 1) * paging.perPage;
  return {
    state,
    statuses: statuses.slice(start, start + paging.perPage).map((s) => simpleStatusJson(urls, repo, s)),
    sha,
    total_count: statuses.length,
    repository: repositoryJson(urls, repo),
    commit_url: `${api}/commits/${sha}`,
    url: `${api}/commits/${sha}/status`,
  };
}

/**
 * The `status` webhook's fields for a new status (the example payload supplies the rest).
 * @param {Urls} urls @param {RepoName} repo @param {CommitStatusState} s @param {Record<string, unknown>} commit
 * @param {string[]} branches
 */
export function statusEventFields(urls, repo, s, commit, branches) {
  return {
    id: s.id,
    sha: s.sha,
    name: `${repo.owner}/${repo.name}`,
    target_url: s.targetUrl,
    avatar_url: `${urls.web}/avatars/u/${idOf(s.creator)}?v=4`,
    context: s.context,
    description: s.description,
    state: s.state,
    commit,
    branches: branches.map((name) => ({
      name,
      commit: { sha: s.sha, url: `${urls.api}/repos/${repo.owner}/${repo.name}/commits/${s.sha}` },
      protected: false,
    })),
    created_at: s.createdAt,
    updated_at: s.createdAt,
    repository: repositoryJson(urls, repo),
    sender: userJson(urls, s.creator),
  };
}
