import semver from "semver";
import type { PromotionTarget } from "../config/sections/promotion.js";
import type { EditRefusal, RefEdit } from "../gitops/set-source-ref.js";
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
  const line = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => /^\/promote(\s|$)/.test(l));
  if (line === undefined) return null;
  const words = line.split(/\s+/).slice(1);
  const [tag, target, ...extra] = words;
  if (!tag || extra.length || !/^[\w][\w.+/-]*$/.test(tag) || (target && !/^[\w.-]+$/.test(target))) {
    return err(
      `Cannot read ${JSON.stringify(line)}: write \`/promote <tag> [target]\`, e.g. \`/promote v1.2.3\` or \`/promote v1.2.3 release\`.`,
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

export type PromotionDecision =
  | { action: "blocked"; refusal: EditRefusal }
  | { action: "skip"; reason: string }
  | { action: "write"; edit: RefEdit };

/**
 * What to do for one target, from the edit of the default branch's file and the open promotion PR (if any).
 * `explicit` is a `/promote` command: it may replace a newer open PR (a rollback); the automatic path never does.
 */
export function decidePromotion(input: {
  edit: Result<RefEdit, EditRefusal>;
  tag: string;
  openPullTag: string | null;
  explicit: boolean;
}): PromotionDecision {
  const { edit, tag, openPullTag, explicit } = input;
  // A release older than what production runs (a redelivered or late `release.published` once a newer promotion
  // is merged) is not a blocked promotion: nothing to do. `/promote` still rolls back on purpose.
  if (!edit.ok && edit.error.code === "downgrade" && !explicit) {
    return { action: "skip", reason: edit.error.message };
  }
  if (!edit.ok) return { action: "blocked", refusal: edit.error };
  if (!edit.value.changed) return { action: "skip", reason: `production is already at \`${tag}\`` };
  if (openPullTag && !explicit) {
    const open = semver.valid(openPullTag);
    const wanted = semver.valid(tag);
    if (open && wanted && semver.gt(open, wanted)) {
      return {
        action: "skip",
        reason: `the open promotion PR already promotes the newer \`${openPullTag}\``,
      };
    }
  }
  return { action: "write", edit: edit.value };
}
