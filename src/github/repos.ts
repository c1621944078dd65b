import type { MergeSettingName, MergeSettings } from "../rules/merge-settings-drift.js";
import { memoizeForEvent } from "../util/event-memo.js";
import { err, ok, type Result } from "../util/result.js";
import { statusOf, type Octokit, type RepoRef } from "./types.js";
import type { ConditionalReader } from "./conditional-reads.js";

const SETTINGS: MergeSettingName[] = [
  "allow_squash_merge",
  "allow_merge_commit",
  "allow_rebase_merge",
  "squash_merge_commit_title",
  "squash_merge_commit_message",
];

const GRAPHQL_QUERY = `query mergeSettings($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    squashMergeAllowed
    mergeCommitAllowed
    rebaseMergeAllowed
    squashMergeCommitTitle
    squashMergeCommitMessage
  }
}`;

interface GraphQlSettings {
  repository: {
    squashMergeAllowed: boolean | null;
    mergeCommitAllowed: boolean | null;
    rebaseMergeAllowed: boolean | null;
    squashMergeCommitTitle: MergeSettings["squash_merge_commit_title"] | null;
    squashMergeCommitMessage: MergeSettings["squash_merge_commit_message"] | null;
  } | null;
}

/**
 * The repository's merge settings. `GET /repos/{owner}/{repo}` includes them only for tokens with Contents: write
 * (GitHub's REST description: "To view merge-related settings, you must have the contents:read and contents:write
 * permissions"); when any is missing, the same fields are read from GraphQL's `Repository`, which documents no such
 * restriction. Settings neither returns are left out (the caller reports them as unreadable). Once per delivery.
 */
export function readMergeSettings(
  octokit: Octokit,
  repo: RepoRef,
  event: object,
): Promise<{ settings: MergeSettings; source: "rest" | "graphql" | "none" }> {
  return memoizeForEvent(event, `merge-settings:${repo.owner}/${repo.repo}`, async () => {
    const { data } = await octokit.rest.repos.get({ ...repo });
    const settings: MergeSettings = {};
    for (const name of SETTINGS) {
      const value = (data as Record<string, unknown>)[name];
      if (value !== undefined && value !== null) Object.assign(settings, { [name]: value });
    }
    if (SETTINGS.every((name) => name in settings)) return { settings, source: "rest" as const };
    try {
      const { repository } = await octokit.graphql<GraphQlSettings>(GRAPHQL_QUERY, {
        owner: repo.owner,
        name: repo.repo,
      });
      const fromGraphQl: MergeSettings = {
        ...(repository?.squashMergeAllowed != null
          ? { allow_squash_merge: repository.squashMergeAllowed }
          : {}),
        ...(repository?.mergeCommitAllowed != null
          ? { allow_merge_commit: repository.mergeCommitAllowed }
          : {}),
        ...(repository?.rebaseMergeAllowed != null
          ? { allow_rebase_merge: repository.rebaseMergeAllowed }
          : {}),
        ...(repository?.squashMergeCommitTitle
          ? { squash_merge_commit_title: repository.squashMergeCommitTitle }
          : {}),
        ...(repository?.squashMergeCommitMessage
          ? { squash_merge_commit_message: repository.squashMergeCommitMessage }
          : {}),
      };
      return { settings: { ...fromGraphQl, ...settings }, source: "graphql" as const };
    } catch {
      // Unreadable settings are reported as such by the check; they never fail the event.
      return { settings, source: Object.keys(settings).length ? ("rest" as const) : ("none" as const) };
    }
  });
}

/**
 * Changes the repository's merge settings (`PATCH /repos/{owner}/{repo}`, needs Administration: write). A 403/404
 * (the permission is missing) is returned as a plain message, not thrown.
 */
export async function updateMergeSettings(
  octokit: Octokit,
  repo: RepoRef,
  patch: MergeSettings,
): Promise<Result<MergeSettingName[], { forbidden: boolean; message: string }>> {
  try {
    await octokit.rest.repos.update({ ...repo, ...patch });
    return ok(Object.keys(patch) as MergeSettingName[]);
  } catch (error) {
    const status = statusOf(error);
    if (status === 403 || status === 404) {
      return err({
        forbidden: true,
        message:
          "the app lacks the **Administration: write** permission, so it cannot change merge settings. Grant it in " +
          "the app's settings (and accept it on the installation), or set `mergeSettings.enforce: false` and change " +
          "the settings by hand.",
      });
    }
    return err({ forbidden: false, message: `GitHub refused the change (HTTP ${status ?? "error"}).` });
  }
}

/** Whether a user may write to the repository (admin, maintain and write all answer `write` or `admin`). */
export async function canWrite(octokit: Octokit, repo: RepoRef, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    return data.permission === "admin" || data.permission === "write";
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/** Every tag name of the repository (`GET /repos/{owner}/{repo}/tags`), 100 a page. */
export async function listTagNames(octokit: Octokit, repo: RepoRef): Promise<string[]> {
  const tags = await octokit.paginate(octokit.rest.repos.listTags, { ...repo, per_page: 100 });
  return tags.map((tag) => tag.name);
}

/** The names of the tags that point at `sha` (`GET /repos/{owner}/{repo}/tags`, 100 a page, read once per delivery). */
export async function listTagsAt(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  event: object,
): Promise<string[]> {
  const tags = await memoizeForEvent(event, `tags:${repo.owner}/${repo.repo}`, () =>
    octokit.paginate(octokit.rest.repos.listTags, { ...repo, per_page: 100 }),
  );
  return tags.filter((tag) => tag.commit.sha === sha).map((tag) => tag.name);
}

// Read conditionally (If-None-Match with the stored ETag; a 304 is free) for the reconciliation sweep, which keeps
// only the reduced view it compares.

/** Every tag of the repository with its commit (100 a page), read conditionally. */
export async function listTagsConditional(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
): Promise<Array<{ name: string; sha: string }>> {
  return reader.all(octokit, "GET /repos/{owner}/{repo}/tags", { ...repo, per_page: 100 }, (data) =>
    (data as Array<{ name: string; commit: { sha: string } }>).map((t) => ({
      name: t.name,
      sha: t.commit.sha,
    })),
  );
}

/** The repository's default branch (`GET /repos/{owner}/{repo}`), or null when the repository is gone (404). */
export async function getDefaultBranch(octokit: Octokit, repo: RepoRef): Promise<string | null> {
  try {
    const { data } = await octokit.rest.repos.get({ ...repo });
    return data.default_branch;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}
