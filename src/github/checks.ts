import { createHash } from "node:crypto";
import type { CheckAnnotation, CheckResult } from "../report/check-result.js";
import { truncateUtf8, utf8Length } from "../util/markdown.js";
import { memoizeForEvent } from "../util/event-memo.js";
import { withKeyedLock, type Lease } from "../util/keyed-lock.js";
import type { Octokit, RepoRef } from "./types.js";
import type { ConditionalReader } from "./conditional-reads.js";

/** GitHub accepts at most 50 annotations per create/update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/**
 * Most annotations one check run gets (5 requests): every 50 more is one more sequential write, and 10,000 findings
 * made 200 updates (206 s) that held the installation's write queue. Failures first; the summary counts the rest.
 */
export const MAX_ANNOTATIONS = 250;

const LEVEL_ORDER = { failure: 0, warning: 1, notice: 2 } as const;

/** The annotations to write (failures first, at most MAX_ANNOTATIONS) and a summary line for the rest. */
export function capAnnotations(all: CheckAnnotation[]): {
  annotations: CheckAnnotation[];
  note: string | null;
} {
  if (all.length <= MAX_ANNOTATIONS) return { annotations: all, note: null };
  const annotations = [...all]
    .sort((a, b) => LEVEL_ORDER[a.annotation_level] - LEVEL_ORDER[b.annotation_level])
    .slice(0, MAX_ANNOTATIONS);
  return {
    annotations,
    note:
      `**${all.length - MAX_ANNOTATIONS} of ${all.length} findings have no annotation**: the app writes at most ` +
      `${MAX_ANNOTATIONS} per check run (failures first), so that one PR cannot hold the installation's writes. ` +
      "Fix these and push: the next run annotates the rest.",
  };
}

/** Check-run `summary` and `text` are each limited to 65,535 bytes. */
export const OUTPUT_LIMIT_BYTES = 65_535;

export interface CheckRunTarget extends RepoRef {
  name: string;
  headSha: string;
}

/** What the upsert reads of a listed check run. */
export interface ListedCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  externalId: string | null;
}

/**
 * The check runs of one SHA as this delivery last saw them, and the lock generation at which it saw them. Valid while
 * nobody else took the SHA's lock since: then every write to the SHA's runs since the list was this delivery's own,
 * and those are recorded here as they are made.
 */
interface SeenRuns {
  runs: Map<string, ListedCheckRun> | null;
  generation: number;
}

/** Acquisitions of the in-process lock, counted over every key (the Redis lock's fencing token plays this part). */
let acquisitions = 0;
/** The generation of each key's latest acquisition in this process; the oldest keys are forgotten. */
const latestGeneration = new Map<string, number>();
/** Keys remembered in `latestGeneration` (a forgotten key only costs one more list). */
const LATEST_GENERATIONS_MAX = 10_000;

/**
 * This acquisition's generation and the one of the acquisition before it on the same key (undefined: unknown). With
 * Redis the fencing token is strictly increasing per key across replicas, so the previous holder had `fence - 1`.
 */
function generationOf(key: string, fence: number): { generation: number; previous: number | undefined } {
  if (fence > 0) return { generation: fence, previous: fence - 1 };
  const previous = latestGeneration.get(key);
  const generation = ++acquisitions;
  latestGeneration.delete(key);
  latestGeneration.set(key, generation);
  if (latestGeneration.size > LATEST_GENERATIONS_MAX) {
    latestGeneration.delete(latestGeneration.keys().next().value!);
  }
  return { generation, previous };
}

/**
 * Writes the one check run with this name on this SHA: updates it when it exists, creates it otherwise.
 * The result's fingerprint is kept in `external_id`; when a redelivered event computes the same result, nothing is
 * written at all (GitHub appends annotations on every update, so re-writing would duplicate them).
 * `asOf` is when the judged data last changed on GitHub (a PR's `updated_at`). It is kept beside the fingerprint, so
 * that an old delivery redelivered later (a PR's `opened` after its title was edited) does not overwrite the verdict
 * on newer data with a verdict on stale data.
 * `event` (the delivery's payload) lets every check of the delivery share ONE list of the SHA's check runs instead of
 * one look-up per check name. The SHA's runs are written under one lock per SHA; the list stays valid while this
 * delivery was the lock's only holder since it listed (the lock's previous acquisition was its own), else it is read
 * again, so a concurrent or redelivered delivery still finds the run the other created.
 * Returns the check run id and what was done.
 */
export async function upsertCheckRun(
  octokit: Octokit,
  target: CheckRunTarget,
  result: CheckResult,
  options: { asOf?: string | null; event?: object } = {},
): Promise<{ id: number; action: "created" | "updated" | "unchanged" | "stale" }> {
  const repoSha = `${target.owner}/${target.repo}@${target.headSha}`;
  const key = `${repoSha}:check-runs`;
  const seen = options.event
    ? await memoizeForEvent(
        options.event,
        `check-runs:${repoSha}`,
        async (): Promise<SeenRuns> => ({
          runs: null,
          generation: -1,
        }),
      )
    : { runs: null, generation: -1 };
  return withKeyedLock(key, async (lease) => {
    const { generation, previous } = generationOf(key, lease.fence);
    // Valid when the lock's previous holder was this delivery itself (so every write since the list is recorded).
    const valid = seen.runs !== null && previous !== undefined && seen.generation === previous;
    seen.generation = Number.NEGATIVE_INFINITY; // until this write is known to have completed
    const runs = valid ? seen.runs! : await listCheckRuns(octokit, target);
    seen.runs = runs;
    const written = await writeCheckRun(
      octokit,
      target,
      result,
      runs.get(target.name) ?? null,
      lease,
      options,
    );
    runs.set(target.name, written.run);
    seen.generation = generation;
    return { id: written.run.id, action: written.action };
  });
}

async function writeCheckRun(
  octokit: Octokit,
  target: CheckRunTarget,
  result: CheckResult,
  existing: ListedCheckRun | null,
  lease: Lease,
  options: { asOf?: string | null },
): Promise<{ run: ListedCheckRun; action: "created" | "updated" | "unchanged" | "stale" }> {
  const asOf = options.asOf ? Math.floor(Date.parse(options.asOf) / 1000) : null;
  const externalId = `${fingerprintOf(result)}${asOf ? `@${asOf}` : ""}`;
  // An in-progress run is only ever written by a result that waits (Rollout): the same fingerprint is the same output.
  if (
    existing &&
    (existing.status === "completed" || (existing.status === "in_progress" && result.inProgress))
  ) {
    const previous = parseExternalId(existing.externalId);
    if (previous.fingerprint === fingerprintOf(result)) return { run: existing, action: "unchanged" };
    if (asOf !== null && previous.asOf !== null && asOf < previous.asOf) {
      return { run: existing, action: "stale" };
    }
  }
  const { annotations, note } = capAnnotations(result.annotations ?? []);
  const batches = chunk(annotations, ANNOTATIONS_PER_REQUEST);
  const output = (batch: CheckAnnotation[] | undefined) => ({
    title: truncateUtf8(result.title, 1000, "…"),
    summary: note
      ? `${truncateUtf8(result.summary, OUTPUT_LIMIT_BYTES - utf8Length(note) - 2)}\n\n${note}`
      : truncateUtf8(result.summary, OUTPUT_LIMIT_BYTES),
    ...(result.text ? { text: truncateUtf8(result.text, OUTPUT_LIMIT_BYTES) } : {}),
    ...(batch?.length ? { annotations: batch } : {}),
  });
  // GitHub does not move a completed run back to in progress: a waiting result on a completed run (a rollout that
  // timed out, then heard from Flux again) is written completed with its conclusion (neutral) and the new output.
  const waiting = result.inProgress === true && existing?.status !== "completed";
  const fields = waiting
    ? { status: "in_progress" as const, external_id: externalId, output: output(batches[0]) }
    : {
        status: "completed" as const,
        conclusion: result.conclusion,
        completed_at: new Date().toISOString(),
        external_id: externalId,
        output: output(batches[0]),
      };
  let id: number;
  let action: "created" | "updated";
  await lease.assertHeld();
  if (existing) {
    await octokit.rest.checks.update({
      owner: target.owner,
      repo: target.repo,
      check_run_id: existing.id,
      ...fields,
    });
    id = existing.id;
    action = "updated";
  } else {
    const created = await octokit.rest.checks.create({
      owner: target.owner,
      repo: target.repo,
      name: target.name,
      head_sha: target.headSha,
      ...fields,
    });
    id = created.data.id;
    action = "created";
  }
  for (const batch of batches.slice(1)) {
    await octokit.rest.checks.update({
      owner: target.owner,
      repo: target.repo,
      check_run_id: id,
      output: output(batch),
    });
  }
  const status = waiting ? "in_progress" : "completed";
  const run = { id, name: target.name, headSha: target.headSha, status, externalId };
  return { run, action };
}

/**
 * Every check run on the SHA, the newest per name (`GET /commits/{ref}/check-runs?filter=latest`, 100 a page),
 * by name. Runs of other apps with the same name are GitHub's to order; the newest is the one a re-run updates.
 */
export async function listCheckRuns(
  octokit: Octokit,
  target: Omit<CheckRunTarget, "name">,
): Promise<Map<string, ListedCheckRun>> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    owner: target.owner,
    repo: target.repo,
    ref: target.headSha,
    filter: "latest",
    per_page: 100,
  });
  const byName = new Map<string, ListedCheckRun>();
  for (const run of runs) {
    if (run.head_sha !== target.headSha || byName.has(run.name)) continue;
    byName.set(run.name, {
      id: run.id,
      name: run.name,
      headSha: run.head_sha,
      status: run.status,
      externalId: run.external_id ?? null,
    });
  }
  return byName;
}

function fingerprintOf(result: CheckResult): string {
  return `grb:${createHash("sha256").update(JSON.stringify(result)).digest("hex").slice(0, 24)}`;
}

/** `grb:<fingerprint>@<asOf epoch seconds>`, as written by upsertCheckRun; anything else reads as unknown. */
function parseExternalId(externalId: string | null | undefined): {
  fingerprint: string | null;
  asOf: number | null;
} {
  const match = /^(grb:[0-9a-f]+)(?:@(\d+))?$/.exec(externalId ?? "");
  return { fingerprint: match?.[1] ?? null, asOf: match?.[2] ? Number(match[2]) : null };
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// Read conditionally (If-None-Match with the stored ETag; a 304 is free) for the reconciliation sweep, which keeps
// only the reduced view it compares.

/**
 * The names of the App's check runs on a commit (100 a page), read conditionally: the reconciliation sweep compares
 * them with the checks the bot writes on an open PR's head. Runs of other apps (a CI job that happens to be called
 * "PR title") do not count.
 */
export async function listCheckRunNames(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  appId: number,
): Promise<string[]> {
  return reader.all(
    octokit,
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    { ...repo, ref: sha, per_page: 100 },
    (data) =>
      (data as { check_runs: Array<{ name: string; app?: { id?: number } | null }> }).check_runs
        .filter((run) => run.app?.id === appId)
        .map((run) => run.name),
  );
}

/** The App's check run named `name` on a commit (status and start), read conditionally; null when there is none. */
export async function readCheckRunState(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  name: string,
  appId: number,
): Promise<{ status: string; startedAt: string | null } | null> {
  return reader.get(
    octokit,
    "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    { ...repo, ref: sha, check_name: name, per_page: 10 },
    (data) => {
      const run = (
        data as {
          check_runs: Array<{ status: string; started_at: string | null; app?: { id?: number } | null }>;
        }
      ).check_runs.find((r) => r.app?.id === appId);
      return run ? { status: run.status, startedAt: run.started_at } : null;
    },
  );
}

/** The newest check run of that name on a commit (any app's), as the dashboard shows it, or null. */
export async function findCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  name: string,
): Promise<{ status: string; conclusion: string | null; title: string | null; url: string | null } | null> {
  const { data } = await octokit.rest.checks.listForRef({
    ...repo,
    ref: sha,
    check_name: name,
    filter: "latest",
    per_page: 10,
  });
  const run = data.check_runs[0];
  return run
    ? {
        status: run.status,
        conclusion: run.conclusion ?? null,
        title: run.output?.title ?? null,
        url: run.html_url ?? null,
      }
    : null;
}
