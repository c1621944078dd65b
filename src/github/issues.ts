import { withKeyedLock } from "../util/keyed-lock.js";
import type { Octokit, RepoRef } from "./types.js";
import type { ConditionalReader } from "./conditional-reads.js";

/** A bot-owned issue, identified by a hidden marker in its body so that it is found again and never duplicated. */
export interface TrackingIssue {
  /** Stable identity, e.g. `squash-audit` or `promotion-blocked:release`. Never shown to users. */
  key: string;
  title: string;
  body: string;
  labels?: string[];
}

export interface FoundIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
}

const markerOf = (key: string) => `<!-- gitops-release-bot:${key} -->`;

/** The open issue carrying this key's marker, if any (lists open issues, 100 a page). */
export async function findTrackingIssue(
  octokit: Octokit,
  repo: RepoRef,
  key: string,
): Promise<FoundIssue | null> {
  const marker = markerOf(key);
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
    ...repo,
    state: "open",
    per_page: 100,
  })) {
    const issue = page.data.find((i) => !i.pull_request && (i.body ?? "").includes(marker));
    if (issue) {
      const labels = issue.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
      return { number: issue.number, title: issue.title, body: issue.body ?? "", state: "open", labels };
    }
  }
  return null;
}

/**
 * What a caller that already looked the issue up (under a lock of its own that covers every writer of this key)
 * passes, so the issue is not listed a second time: the issue found, or null when there is none.
 */
export interface KnownIssue {
  known?: FoundIssue | null;
}

/**
 * Creates the tracking issue, or updates the open one with the same key in place (title, body, labels).
 * Serialised per key so that concurrent deliveries end with one issue. Nothing is written when it is unchanged.
 */
export async function upsertTrackingIssue(
  octokit: Octokit,
  repo: RepoRef,
  issue: TrackingIssue,
  options: KnownIssue = {},
): Promise<{ number: number; action: "created" | "updated" | "unchanged" }> {
  return withKeyedLock(`${repo.owner}/${repo.repo}:issue:${issue.key}`, async (lease) => {
    const body = `${issue.body}\n\n${markerOf(issue.key)}`;
    const existing =
      options.known !== undefined ? options.known : await findTrackingIssue(octokit, repo, issue.key);
    if (!existing) {
      await lease.assertHeld();
      const { data } = await octokit.rest.issues.create({
        ...repo,
        title: issue.title,
        body,
        labels: issue.labels ?? [],
      });
      return { number: data.number, action: "created" as const };
    }
    if (existing.title === issue.title && existing.body === body) {
      return { number: existing.number, action: "unchanged" as const };
    }
    await lease.assertHeld();
    await octokit.rest.issues.update({ ...repo, issue_number: existing.number, title: issue.title, body });
    return { number: existing.number, action: "updated" as const };
  });
}

/** Closes the open tracking issue with this key, after a comment that says why. Returns its number, or null. */
export async function closeTrackingIssue(
  octokit: Octokit,
  repo: RepoRef,
  key: string,
  comment: string,
  options: KnownIssue = {},
): Promise<number | null> {
  return withKeyedLock(`${repo.owner}/${repo.repo}:issue:${key}`, async (lease) => {
    const existing =
      options.known !== undefined ? options.known : await findTrackingIssue(octokit, repo, key);
    if (!existing) return null;
    await lease.assertHeld();
    await octokit.rest.issues.createComment({ ...repo, issue_number: existing.number, body: comment });
    await octokit.rest.issues.update({
      ...repo,
      issue_number: existing.number,
      state: "closed",
      state_reason: "completed",
    });
    return existing.number;
  });
}

/** Answers on an issue or PR. */
export async function comment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  body: string,
): Promise<void> {
  await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
}

/** Adds labels to an issue or PR (GitHub creates labels that do not exist yet). */
export async function addLabels(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  labels: string[],
): Promise<void> {
  await octokit.rest.issues.addLabels({ ...repo, issue_number: issueNumber, labels });
}

// Read conditionally (If-None-Match with the stored ETag; a 304 is free) for the reconciliation sweep, which keeps
// only the reduced view it compares.

/** An open issue that carries one of the bot's markers, as the reconciliation sweep keeps it. */
export interface BotIssue {
  number: number;
  key: string;
  title: string;
  body: string;
  labels: string[];
}

/**
 * The open issues the bot tracks (every open issue is listed, 100 a page, conditionally; only the bot's kept). A
 * repository with issues turned off answers 410 (or 404): it has none.
 */
export async function listOpenBotIssues(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
): Promise<BotIssue[]> {
  return reader
    .all(octokit, "GET /repos/{owner}/{repo}/issues", { ...repo, state: "open", per_page: 100 }, (data) =>
      (
        data as Array<{
          number: number;
          title: string;
          body?: string | null;
          pull_request?: unknown;
          labels: Array<string | { name?: string }>;
        }>
      ).flatMap((issue) => {
        const key = /<!-- gitops-release-bot:(\S+) -->/.exec(issue.body ?? "")?.[1];
        if (issue.pull_request || !key) return [];
        const labels = issue.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
        return [{ number: issue.number, key, title: issue.title, body: issue.body ?? "", labels }];
      }),
    )
    .catch((error: unknown) => {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 410) return [];
      throw error;
    });
}

/** Every open issue that carries one of the bot's markers, by key (lists open issues, 100 a page, once). */
export async function listOpenTrackingIssues(
  octokit: Octokit,
  repo: RepoRef,
): Promise<Map<string, FoundIssue>> {
  const found = new Map<string, FoundIssue>();
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
    ...repo,
    state: "open",
    per_page: 100,
  })) {
    for (const issue of page.data) {
      const key = /<!-- gitops-release-bot:(\S+) -->/.exec(issue.body ?? "")?.[1];
      if (issue.pull_request || !key || found.has(key)) continue;
      const labels = issue.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
      found.set(key, {
        number: issue.number,
        title: issue.title,
        body: issue.body ?? "",
        state: "open",
        labels,
      });
    }
  }
  return found;
}
