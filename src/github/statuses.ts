import type { FluxStatus } from "../rules/map-flux-statuses.js";
import type { Octokit, RepoRef } from "./types.js";

/** Contexts read per combined-status request (GitHub's maximum page). */
export const STATUSES_PER_PAGE = 100;

/**
 * The latest status per context of a commit or ref, one request (`GET /commits/{ref}/status`, GitHub's combined
 * status: already reduced to the newest status of each context, so a burst of reports is read once, whole). A commit
 * with more than 100 contexts is read page by page.
 */
export async function getCombinedStatuses(
  octokit: Octokit,
  repo: RepoRef,
  ref: string,
): Promise<{ sha: string; statuses: FluxStatus[] }> {
  const statuses: FluxStatus[] = [];
  let sha = "";
  for (let page = 1; ; page++) {
    const { data } = await octokit.rest.repos.getCombinedStatusForRef({
      ...repo,
      ref,
      per_page: STATUSES_PER_PAGE,
      page,
    });
    sha = data.sha;
    for (const status of data.statuses) {
      statuses.push({
        context: status.context,
        state: status.state as FluxStatus["state"],
        description: status.description ?? null,
        createdAt: status.created_at,
      });
    }
    if (data.statuses.length < STATUSES_PER_PAGE || statuses.length >= data.total_count) break;
  }
  return { sha, statuses };
}
