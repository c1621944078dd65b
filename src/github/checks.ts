import { createHash } from "node:crypto";
import type { CheckAnnotation, CheckResult } from "../report/check-result.js";
import { truncateUtf8 } from "../util/markdown.js";
import { withKeyedLock } from "../util/keyed-lock.js";
import type { Octokit, RepoRef } from "./types.js";

/** GitHub accepts at most 50 annotations per create/update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Check-run `summary` and `text` are each limited to 65,535 bytes. */
export const OUTPUT_LIMIT_BYTES = 65_535;

export interface CheckRunTarget extends RepoRef {
  name: string;
  headSha: string;
}

/**
 * Writes the one check run with this name on this SHA: updates it when it exists, creates it otherwise.
 * The result's fingerprint is kept in `external_id`; when a redelivered event computes the same result, nothing is
 * written at all (GitHub appends annotations on every update, so re-writing would duplicate them).
 * `asOf` is when the judged data last changed on GitHub (a PR's `updated_at`). It is kept beside the fingerprint, so
 * that an old delivery redelivered later (a PR's `opened` after its title was edited) does not overwrite the verdict
 * on newer data with a verdict on stale data.
 * Returns the check run id and what was done.
 */
export async function upsertCheckRun(
  octokit: Octokit,
  target: CheckRunTarget,
  result: CheckResult,
  options: { asOf?: string | null } = {},
): Promise<{ id: number; action: "created" | "updated" | "unchanged" | "stale" }> {
  const key = `${target.owner}/${target.repo}@${target.headSha}#${target.name}`;
  return withKeyedLock(key, async (lease) => {
    const asOf = options.asOf ? Math.floor(Date.parse(options.asOf) / 1000) : null;
    const externalId = `${fingerprintOf(result)}${asOf ? `@${asOf}` : ""}`;
    const existing = await findCheckRun(octokit, target);
    if (existing && existing.status === "completed") {
      const previous = parseExternalId(existing.external_id);
      if (previous.fingerprint === fingerprintOf(result))
        return { id: existing.id, action: "unchanged" as const };
      if (asOf !== null && previous.asOf !== null && asOf < previous.asOf) {
        return { id: existing.id, action: "stale" as const };
      }
    }
    const annotations = result.annotations ?? [];
    const batches = chunk(annotations, ANNOTATIONS_PER_REQUEST);
    const output = (batch: CheckAnnotation[] | undefined) => ({
      title: truncateUtf8(result.title, 1000, "…"),
      summary: truncateUtf8(result.summary, OUTPUT_LIMIT_BYTES),
      ...(result.text ? { text: truncateUtf8(result.text, OUTPUT_LIMIT_BYTES) } : {}),
      ...(batch?.length ? { annotations: batch } : {}),
    });
    const fields = {
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
    return { id, action };
  });
}

/** The newest check run with this name on the SHA, if any. */
export async function findCheckRun(octokit: Octokit, target: CheckRunTarget) {
  const { data } = await octokit.rest.checks.listForRef({
    owner: target.owner,
    repo: target.repo,
    ref: target.headSha,
    check_name: target.name,
    filter: "latest",
    per_page: 100,
  });
  return data.check_runs.find((run) => run.name === target.name && run.head_sha === target.headSha) ?? null;
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
