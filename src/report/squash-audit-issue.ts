import type { CommitAudit } from "../rules/audit-main-commit.js";
import { inlineCode, truncateUtf8 } from "../util/markdown.js";

/** Identity of the one tracking issue (hidden marker, see `upsertTrackingIssue`). */
export const AUDIT_ISSUE_KEY = "squash-audit";
export const AUDIT_ISSUE_TITLE = "Commits on main that break the naming convention";

/** One commit the tracking issue lists. */
export interface AuditEntry {
  sha: string;
  subject: string;
  /** Login (or name) of whoever pushed it to the default branch. */
  pusher: string;
  problems: string[];
  repair: string;
  status: "open" | "repaired" | "acknowledged";
  /** The commit that reverted it, when repaired. */
  repairedBy?: string;
}

const STATE = /<!-- gitops-release-bot:squash-audit-state ([A-Za-z0-9+/=]*) -->/;
// GitHub limits an issue body to 65,536 characters; the state and marker need a little room.
const BODY_LIMIT = 60_000;

/** The entries stored in the issue's body by an earlier audit (none when there is no issue or no readable state). */
export function readAuditState(body: string | null | undefined): AuditEntry[] {
  const match = body ? STATE.exec(body) : null;
  if (!match?.[1]) return [];
  try {
    const parsed = JSON.parse(Buffer.from(match[1], "base64").toString("utf8")) as unknown;
    return Array.isArray(parsed) ? (parsed as AuditEntry[]) : [];
  } catch {
    return [];
  }
}

/** SHAs named by `This reverts commit <sha>.` in commit messages (what `git revert` and GitHub's Revert button write). */
export function findRevertedShas(messages: string[]): Map<string, number> {
  const reverted = new Map<string, number>();
  messages.forEach((message, index) => {
    for (const match of message.matchAll(/This reverts commit ([0-9a-f]{40})/g)) {
      if (match[1]) reverted.set(match[1], index);
    }
  });
  return reverted;
}

/**
 * The issue's new entries: earlier ones kept (in order), new violations appended once per SHA (a redelivered push adds
 * nothing), reverted ones marked repaired, and every open one marked acknowledged when the issue has the label.
 */
export function updateAuditState(
  entries: AuditEntry[],
  update: {
    violations: Array<CommitAudit & { pusher: string }>;
    /** Reverted SHA → the reverting commit's SHA. */
    reverted: Map<string, string>;
    acknowledged: boolean;
  },
): AuditEntry[] {
  const known = new Set(entries.map((entry) => entry.sha));
  const next = entries.map((entry) => ({ ...entry }));
  for (const violation of update.violations) {
    if (known.has(violation.sha)) continue;
    known.add(violation.sha);
    next.push({
      sha: violation.sha,
      subject: violation.subject,
      pusher: violation.pusher,
      problems: violation.problems.map((p) => p.message),
      repair: violation.repair ?? "",
      status: "open",
    });
  }
  for (const entry of next) {
    const by = update.reverted.get(entry.sha);
    if (entry.status === "open" && by) Object.assign(entry, { status: "repaired", repairedBy: by });
    if (entry.status === "open" && update.acknowledged) entry.status = "acknowledged";
  }
  return next;
}

/** Every listed commit is repaired or acknowledged. */
export function isAuditResolved(entries: AuditEntry[]): boolean {
  return entries.length > 0 && entries.every((entry) => entry.status !== "open");
}

/** The tracking issue's body: one section per commit, then the hidden state the next audit reads. */
export function renderAuditIssue(
  entries: AuditEntry[],
  options: { defaultBranch: string; acknowledgeLabel: string },
): string {
  const open = entries.filter((entry) => entry.status === "open").length;
  const intro = [
    `The audit of \`${options.defaultBranch}\` expects one squash commit per PR, \`type(scope): subject (#N)\`, whose ` +
      "header is the merged PR's title. These commits break that rule, so release notes and the audit trail cannot " +
      "rely on them.",
    "",
    `**${open} of ${entries.length}** still need attention. A commit counts as repaired once a later commit on ` +
      `\`${options.defaultBranch}\` reverts it (\`This reverts commit <sha>.\`). To accept them as they are, add the ` +
      `label ${inlineCode(options.acknowledgeLabel)} to this issue. The issue closes itself once nothing is open.`,
    "",
  ];
  const sections = entries.map((entry) => {
    const status =
      entry.status === "repaired"
        ? `repaired (reverted by ${entry.repairedBy})`
        : entry.status === "acknowledged"
          ? "acknowledged"
          : "**open**";
    return [
      `### ${entry.status === "open" ? "" : "~~"}${entry.sha}${entry.status === "open" ? "" : "~~"}`,
      "",
      `- Subject: ${inlineCode(entry.subject)}`,
      `- Pushed by: ${inlineCode(entry.pusher)}`,
      `- Status: ${status}`,
      "- Problems:",
      ...entry.problems.map((problem) => `  - ${problem}`),
      `- Repair: ${entry.repair}`,
      "",
    ].join("\n");
  });
  const state = `<!-- gitops-release-bot:squash-audit-state ${Buffer.from(
    JSON.stringify(entries),
    "utf8",
  ).toString("base64")} -->`;
  return `${truncateUtf8([...intro, ...sections].join("\n"), BODY_LIMIT - state.length - 200)}\n\n${state}`;
}

/** The comment left when the issue is closed. */
export function renderAuditClosingComment(entries: AuditEntry[]): string {
  const repaired = entries.filter((entry) => entry.status === "repaired").length;
  const acknowledged = entries.filter((entry) => entry.status === "acknowledged").length;
  return (
    `Every listed commit is now repaired (${repaired}) or acknowledged (${acknowledged}); closing. ` +
    "A new issue opens if a later push breaks the convention again."
  );
}
