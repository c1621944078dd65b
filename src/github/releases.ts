import { withKeyedLock } from "../util/keyed-lock.js";
import { statusOf, type Octokit, type RepoRef } from "./types.js";
import type { ConditionalReader } from "./conditional-reads.js";

export interface ReleaseInfo {
  id: number;
  tagName: string;
  name: string | null;
  body: string;
  draft: boolean;
  prerelease: boolean;
}

export interface ReleaseDraft {
  tag: string;
  name: string;
  body: string;
  prerelease: boolean;
}

export type ReleaseAction = "created" | "updated" | "unchanged" | "published-untouched";

/**
 * The releases of `tag`, drafts included (the "release by tag" endpoint only sees published releases, so the list is
 * read, newest first, 100 a page, until the first page that has the tag). Oldest first.
 */
export async function findReleasesByTag(
  octokit: Octokit,
  repo: RepoRef,
  tag: string,
): Promise<ReleaseInfo[]> {
  for await (const page of octokit.paginate.iterator(octokit.rest.repos.listReleases, {
    ...repo,
    per_page: 100,
  })) {
    const found = page.data.filter((release) => release.tag_name === tag);
    if (found.length)
      return found
        .map((r) => ({
          id: r.id,
          tagName: r.tag_name,
          name: r.name,
          body: r.body ?? "",
          draft: r.draft,
          prerelease: r.prerelease,
        }))
        .sort((a, b) => a.id - b.id);
  }
  return [];
}

/**
 * Writes the draft release of a tag: creates it, or updates the existing draft in place; a published release of the
 * tag is never modified. Serialised per tag in this process, so a push and its redelivery arriving together end with
 * one draft. Across processes two drafts can still appear (GitHub does not make tag names of drafts unique): the
 * next run for the tag keeps the oldest and deletes the others.
 */
export async function upsertReleaseDraft(
  octokit: Octokit,
  repo: RepoRef,
  draft: ReleaseDraft,
): Promise<{ id: number | null; action: ReleaseAction }> {
  return withKeyedLock(`${repo.owner}/${repo.repo}:release:${draft.tag}`, async (lease) => {
    const releases = await findReleasesByTag(octokit, repo, draft.tag);
    const published = releases.find((release) => !release.draft);
    if (published) return { id: published.id, action: "published-untouched" as const };
    const [existing, ...duplicates] = releases;
    const unchanged =
      existing?.body === draft.body &&
      existing.name === draft.name &&
      existing.prerelease === draft.prerelease;
    if (duplicates.length || !unchanged) await lease.assertHeld();
    for (const duplicate of duplicates)
      await octokit.rest.repos.deleteRelease({ ...repo, release_id: duplicate.id });
    if (!existing) {
      const { data } = await octokit.rest.repos.createRelease({
        ...repo,
        tag_name: draft.tag,
        name: draft.name,
        body: draft.body,
        draft: true,
        prerelease: draft.prerelease,
      });
      return { id: data.id, action: "created" as const };
    }
    if (unchanged) return { id: existing.id, action: "unchanged" as const };
    await octokit.rest.repos.updateRelease({
      ...repo,
      release_id: existing.id,
      name: draft.name,
      body: draft.body,
      prerelease: draft.prerelease,
    });
    return { id: existing.id, action: "updated" as const };
  });
}

/** Deletes the draft releases of a deleted tag; published releases stay. Returns the ids deleted. */
export async function deleteReleaseDrafts(octokit: Octokit, repo: RepoRef, tag: string): Promise<number[]> {
  return withKeyedLock(`${repo.owner}/${repo.repo}:release:${tag}`, async (lease) => {
    const drafts = (await findReleasesByTag(octokit, repo, tag)).filter((release) => release.draft);
    if (drafts.length) await lease.assertHeld();
    for (const draft of drafts) await octokit.rest.repos.deleteRelease({ ...repo, release_id: draft.id });
    return drafts.map((draft) => draft.id);
  });
}

/** The release published for a tag: its notes and page, or null (drafts are invisible to this endpoint). */
export async function getReleaseByTag(
  octokit: Octokit,
  repo: RepoRef,
  tag: string,
): Promise<{ body: string | null; url: string } | null> {
  try {
    const { data } = await octokit.rest.repos.getReleaseByTag({ ...repo, tag });
    return { body: data.body ?? null, url: data.html_url };
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

// Read conditionally (If-None-Match with the stored ETag; a 304 is free) for the reconciliation sweep, which keeps
// only the reduced view it compares.

/** A release as the reconciliation sweep keeps it. */
export interface ReleaseSummary {
  tag: string;
  draft: boolean;
  prerelease: boolean;
  publishedAt: string | null;
}

/** Every release, drafts included (100 a page), read conditionally. */
export async function listReleaseSummaries(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
): Promise<ReleaseSummary[]> {
  return reader.all(octokit, "GET /repos/{owner}/{repo}/releases", { ...repo, per_page: 100 }, (data) =>
    (
      data as Array<{ tag_name: string; draft: boolean; prerelease: boolean; published_at: string | null }>
    ).map((r) => ({
      tag: r.tag_name,
      draft: r.draft,
      prerelease: r.prerelease,
      publishedAt: r.published_at,
    })),
  );
}

/** The published release of a tag as GitHub answers it now (the `release` of a `release.published`), or null. */
export async function getPublishedReleaseData(octokit: Octokit, repo: RepoRef, tag: string) {
  try {
    const { data } = await octokit.rest.repos.getReleaseByTag({ ...repo, tag });
    return data;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

/** Replaces a release's body (`PATCH /releases/{id}`); the caller has checked that it changed. */
export async function updateReleaseBody(
  octokit: Octokit,
  repo: RepoRef,
  releaseId: number,
  body: string,
): Promise<void> {
  await octokit.rest.repos.updateRelease({ ...repo, release_id: releaseId, body });
}

/** The draft releases among the newest 100 releases (drafts are listed first by GitHub), newest first. */
export async function listDraftReleases(
  octokit: Octokit,
  repo: RepoRef,
): Promise<Array<{ tag: string; name: string | null; url: string }>> {
  const { data } = await octokit.rest.repos.listReleases({ ...repo, per_page: 100 });
  return data.filter((r) => r.draft).map((r) => ({ tag: r.tag_name, name: r.name, url: r.html_url }));
}
