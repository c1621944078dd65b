import semver from "semver";
import type { PromotionTarget } from "../config/sections/promotion.js";
import {
  setSourceRef,
  type EditRefusal,
  type RefEdit,
  type RefusalCode,
  type SourceTarget,
} from "../gitops/set-source-ref.js";
import { renderBlockedIssue } from "../report/promotion-body.js";
import { MAX_COMMENT_LENGTH } from "../util/input-limits.js";
import { inlineCode } from "../util/markdown.js";
import { err, ok, type Result } from "../util/result.js";

/** A `/promote vX.Y.Z [target]` command found in a comment. */
export interface PromoteCommand {
  tag: string;
  target: string | null;
}

/**
 * Reads a `/promote` command from the first line of a comment that starts with it. Returns null when the comment
 * has no command, or a message quoting the bad input when it has a malformed one.
 */
export function parsePromoteCommand(body: string): Result<PromoteCommand, string> | null {
  // GitHub caps comments at MAX_COMMENT_LENGTH; a longer body did not come from GitHub and is not read.
  if (body.length > MAX_COMMENT_LENGTH) return null;
  const line = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => /^\/promote(\s|$)/.test(l));
  if (line === undefined) return null;
  const words = line.split(/\s+/).slice(1);
  const [tag, target, ...extra] = words;
  if (!tag || extra.length || !/^[\w][\w.+/-]*$/.test(tag) || (target && !/^[\w.-]+$/.test(target))) {
    return err(
      `Cannot read ${inlineCode(line.length > 100 ? `${line.slice(0, 100)}…` : line)}: write \`/promote <tag> [target]\`, e.g. \`/promote v1.2.3\` or \`/promote v1.2.3 release\`.`,
    );
  }
  return ok({ tag, target: target ?? null });
}

/** The stable identity of a target: branch `promote/<id>`, issue key, `/promote … <id>`. */
export const targetId = (target: Pick<PromotionTarget, "id" | "name">): string => target.id ?? target.name;

export const targetDisplayName = (target: Pick<PromotionTarget, "id" | "name" | "displayName">): string =>
  target.displayName ?? targetId(target);

export const promotionBranch = (target: Pick<PromotionTarget, "id" | "name">): string =>
  `promote/${targetId(target)}`;

/** Fills the title template: `{tag}`, `{target}`, `{previous}`. */
export function promotionTitle(
  target: Pick<PromotionTarget, "id" | "name" | "displayName" | "title">,
  tag: string,
  previous: string,
): string {
  return target.title.replace(/\{(tag|target|previous)\}/g, (_match, key: string) =>
    key === "tag" ? tag : key === "target" ? targetDisplayName(target) : previous,
  );
}

/** The targets a published release is promoted to: all, except for a pre-release those that opt in. */
export function targetsForRelease<T extends Pick<PromotionTarget, "prereleases">>(
  targets: readonly T[],
  release: { prerelease: boolean },
): T[] {
  return targets.filter((target) => !release.prerelease || target.prereleases);
}

/** The targets a command or release applies to: all, or the one named (by id or name). */
export function selectTargets<T extends Pick<PromotionTarget, "id" | "name">>(
  targets: readonly T[],
  wanted: string | null,
): Result<T[], string> {
  if (wanted === null) return ok([...targets]);
  const found = targets.filter((t) => targetId(t) === wanted);
  if (found.length) return ok(found);
  return err(
    `No promotion target ${JSON.stringify(wanted)}; configured targets: ${targets.map((t) => `\`${targetId(t)}\``).join(", ")}.`,
  );
}

/** The object a target edits, as the YAML editor and discovery know it. */
export const promotionSource = (
  target: Pick<PromotionTarget, "kind" | "name" | "namespace" | "repoURL" | "field" | "valueFormat">,
): SourceTarget => ({
  kind: target.kind,
  name: target.name,
  namespace: target.namespace,
  repoURL: target.repoURL,
  field: target.field,
  valueFormat: target.valueFormat,
});

/** What the promotion of one target gathered from the default branch and the open PR. */
export interface GatheredPromotion {
  target: PromotionTarget;
  tag: string;
  /** A `/promote` command: may roll back and may replace a newer open PR; the automatic path never does. */
  explicit: boolean;
  /** The target's file on the default branch (configured `path`, or the one file discovery found), or why not. */
  located: Result<{ path: string; text: string }, EditRefusal>;
  /** The open PR of the target's branch, with the tag its hidden marker names. */
  openPull: { number: number; url: string; tag: string | null } | null;
  /** This repository's URL: Argo CD and FluxInstance sources of another repository are refused. */
  repository: string | null;
}

/** What to write for one target. */
export type PromotionPlan =
  | { action: "skip"; reason: string }
  | {
      action: "block";
      code: RefusalCode;
      reason: string;
      path: string | null;
      /** The blocked-promotion issue, found by `key` and updated in place. */
      issue: { key: string; title: string; body: string };
    }
  | {
      action: "write";
      path: string;
      edit: RefEdit;
      branch: string;
      /** PR title and the message of its one commit. */
      title: string;
      /** Move the open PR to the new commit, or open one. */
      pull: { update: { number: number; url: string } } | { open: true };
      /** The blocked-promotion issue this write resolves (closed if open). */
      unblocks: string;
    };

/**
 * The whole promotion decision, from what was gathered to what to write (pure): skip (the open PR is already at
 * the tag, production is, or a newer release is on the way), block (the file cannot be found or edited: the reason
 * goes to one issue per target), or write the edited file on the target's branch and open or move its PR.
 */
export function planPromotion(input: GatheredPromotion): PromotionPlan {
  const { target, tag, explicit, located, openPull } = input;
  const id = targetId(target);
  const issueKey = `promotion-blocked:${id}`;
  if (openPull && openPull.tag === tag) {
    return { action: "skip", reason: `PR #${openPull.number} already promotes ${inlineCode(tag)}` };
  }
  const block = (refusal: EditRefusal, path: string | null): PromotionPlan => ({
    action: "block",
    code: refusal.code,
    reason: refusal.message,
    path,
    issue: {
      key: issueKey,
      ...renderBlockedIssue({
        targetId: id,
        displayName: targetDisplayName(target),
        tag,
        path,
        reason: refusal.message,
      }),
    },
  });
  if (!located.ok) return block(located.error, target.path);
  const { path, text } = located.value;
  const edit = setSourceRef(text, promotionSource(target), tag, {
    allowDowngrade: explicit,
    repository: input.repository,
  });
  // A release older than what production runs (a redelivered or late `release.published` once a newer promotion
  // is merged) is not a blocked promotion: nothing to do. `/promote` still rolls back on purpose.
  if (!edit.ok && edit.error.code === "downgrade" && !explicit)
    return { action: "skip", reason: edit.error.message };
  if (!edit.ok) return block(edit.error, path);
  if (!edit.value.changed) return { action: "skip", reason: `production is already at ${inlineCode(tag)}` };
  if (openPull?.tag && !explicit) {
    const open = semver.valid(openPull.tag);
    const wanted = semver.valid(tag);
    if (open && wanted && semver.gt(open, wanted)) {
      return {
        action: "skip",
        reason: `the open promotion PR already promotes the newer ${inlineCode(openPull.tag)}`,
      };
    }
  }
  return {
    action: "write",
    path,
    edit: edit.value,
    branch: promotionBranch(target),
    title: promotionTitle(target, tag, edit.value.from.value),
    pull: openPull ? { update: { number: openPull.number, url: openPull.url } } : { open: true },
    unblocks: issueKey,
  };
}
