import semver, { type SemVer } from "semver";
import { parseVersionTag, type VersionScheme } from "../notes/version-tags.js";

/**
 * Level-triggered reconciliation, the decision: from what one repository looks like now, the deliveries whose
 * handling was missed ("events are hints, state is the truth"). Each heal is shaped like the webhook that would have
 * produced the missing artifact, so the features run unchanged. Never backfill: only the newest tag and the newest
 * published release are ever considered, and a check only on the current head of an open PR.
 */

/** The checks a pull request's head should carry, by the feature that writes each. */
export const PULL_CHECKS = {
  prTitle: "PR title",
  folderLayout: "Folder layout",
  squashTitle: "Squash title",
} as const;

export type PullCheckFeature = keyof typeof PULL_CHECKS;

/** What the sweep gathered about one repository (narrow, already reduced from GitHub's answers). */
export interface ReconcileInput {
  /** `owner/name`, for the job ids. */
  repo: string;
  defaultBranch: string;
  /** The default branch's head commit. */
  headSha: string;
  /** Whether the repository takes part: opt-in, its own configuration file or the organization's list (`decideActivation`). */
  active: boolean;
  /** The configuration's parts that decide what is expected (the defaults when the file is invalid). */
  config: {
    /** False when the file is invalid: the features then report the problems, promotion is not planned. */
    valid: boolean;
    /** Pull-request checks that are enabled. */
    checks: PullCheckFeature[];
    /** `versionScheme` as configured (`auto` when left out): which tags are versions, as the release drafts read them. */
    release: { enabled: boolean; tagPrefix: string; versionScheme?: VersionScheme };
    promotion: { enabled: boolean; targets: Array<{ id: string; prereleases: boolean }> };
    audit: { enabled: boolean; acknowledgeLabel: string };
  };
  /** Open pull requests with the names of the bot's check runs on their head. */
  pulls: Array<{ number: number; headSha: string; updatedAt: string | null; checks: string[] }>;
  tags: string[];
  releases: Array<{ tag: string; draft: boolean; prerelease: boolean; publishedAt: string | null }>;
  /** Per promotion target: the ref the default branch pins now (null: unreadable), the tag of its open PR. */
  promotion: Record<string, { pinned: string | null; openPullTag: string | null; blockedTag: string | null }>;
  /**
   * An open issue says promotion is blocked by an invalid configuration. Once the configuration is valid again it
   * is out of date: the newest release's promotion closes it (and promotes where needed).
   */
  configBlockedIssue?: boolean;
  /** The open main-audit tracking issue, if any. */
  auditIssue: {
    /** SHAs the issue still lists as open. */
    openShas: string[];
    labels: string[];
  } | null;
  /** Recent commits of the default branch (newest first), read only when the audit issue lists open commits. */
  recentCommits: Array<{ sha: string; parentSha: string | null; message: string }>;
  /**
   * Deliveries may still be in flight for changes after this instant (ISO time): PRs updated and releases published
   * later are left to them. Null: nothing can be in flight (a fresh in-process queue at start-up).
   */
  settledBefore: string | null;
  /**
   * Rollout checks still in progress on merged promotion PRs (read only when rollout tracking is enabled), and the
   * configured timeout: a check older than it gets its rollout evaluated again, which ends it neutral when Flux has
   * been silent that long. The sweep is what enforces the timeout (it survives restarts; a timer would not).
   */
  rollouts?: {
    timeoutMinutes: number;
    /** The sweep's time (ms since epoch). */
    now: number;
    pulls: Array<{
      targetId: string;
      number: number;
      mergeSha: string;
      status: string;
      startedAt: string | null;
    }>;
  };
}

export type Heal =
  | { kind: "pull-checks"; id: string; number: number; headSha: string; features: PullCheckFeature[] }
  | { kind: "tag"; id: string; tag: string }
  | { kind: "release"; id: string; tag: string }
  | { kind: "audit"; id: string; before: string; after: string; reason: string }
  | { kind: "rollout"; id: string; number: number; targetId: string };

/** The deterministic job id: a sweep and the next sweep (or another replica's) enqueue one job per heal. */
export const healId = (repo: string, what: string, at: string): string => `reconcile:${repo}:${what}@${at}`;

/** Everything to heal in one repository (in the order: pull checks, tag, release, audit). */
export function planReconciliation(input: ReconcileInput): Heal[] {
  if (!input.active) return [];
  return [
    ...planPullChecks(input),
    ...planTag(input),
    ...planPromotion(input),
    ...planAudit(input),
    ...planRolloutTimeouts(input),
  ];
}

/**
 * A Rollout check in progress for longer than the timeout: evaluate it again (the handler ends it neutral when no
 * report came for that long). The id carries the timeout period, so a rollout that is still being reported is looked
 * at again one period later, not never.
 */
function planRolloutTimeouts(input: ReconcileInput): Heal[] {
  const rollouts = input.rollouts;
  if (!rollouts || !input.config.valid) return [];
  const timeoutMs = rollouts.timeoutMinutes * 60_000;
  const period = Math.floor(rollouts.now / timeoutMs);
  return rollouts.pulls
    .filter(
      (p) => p.status === "in_progress" && p.startedAt && rollouts.now - Date.parse(p.startedAt) >= timeoutMs,
    )
    .map((p) => ({
      kind: "rollout" as const,
      id: healId(input.repo, `rollout-${p.targetId}`, `${p.mergeSha}:${period}`),
      number: p.number,
      targetId: p.targetId,
    }));
}

const settled = (input: ReconcileInput, at: string | null): boolean =>
  input.settledBefore === null || at === null || Date.parse(at) <= Date.parse(input.settledBefore);

/** An open PR whose head lacks one of the bot's enabled checks: the features that write the missing ones. */
function planPullChecks(input: ReconcileInput): Heal[] {
  const heals: Heal[] = [];
  for (const pull of input.pulls) {
    if (!settled(input, pull.updatedAt)) continue;
    const missing = input.config.checks.filter((feature) => !pull.checks.includes(PULL_CHECKS[feature]));
    if (!missing.length) continue;
    heals.push({
      kind: "pull-checks",
      id: healId(input.repo, `pull-${pull.number}`, pull.headSha),
      number: pull.number,
      headSha: pull.headSha,
      features: missing,
    });
  }
  return heals;
}

/** The newest version tag, when it has no release at all and is newer than every release (never older tags). */
function planTag(input: ReconcileInput): Heal[] {
  const { enabled, tagPrefix, versionScheme } = input.config.release;
  if (!enabled) return [];
  const newest = newestVersion(input.tags, tagPrefix, versionScheme);
  if (!newest) return [];
  if (input.releases.some((release) => release.tag === newest.tag)) return [];
  const releases = input.releases.map((r) => parseVersionTag(r.tag, tagPrefix, versionScheme));
  if (releases.some((version) => version && semver.compare(version, newest.version) >= 0)) return [];
  return [{ kind: "tag", id: healId(input.repo, "tag", newest.tag), tag: newest.tag }];
}

/**
 * The newest published release, when a target that takes it pins an older ref, has no open PR for it (or a newer
 * one) and no blocked-promotion issue naming it.
 */
function planPromotion(input: ReconcileInput): Heal[] {
  const { config } = input;
  if (!config.valid || !config.promotion.enabled) return [];
  const published = input.releases.filter((r) => !r.draft);
  const newest = newestVersion(
    published.map((r) => r.tag),
    config.release.tagPrefix,
    config.release.versionScheme,
  );
  if (!newest) return [];
  const release = published.find((r) => r.tag === newest.tag)!;
  if (!settled(input, release.publishedAt)) return [];
  const prefix = config.release.tagPrefix;
  const scheme = config.release.versionScheme;
  const stale = Boolean(input.configBlockedIssue);
  const needed = config.promotion.targets.some((target) => {
    if (release.prerelease && !target.prereleases) return false;
    const state = input.promotion[target.id];
    if (!state) return false;
    const pinned = state.pinned === null ? null : parseVersionTag(state.pinned, prefix, scheme);
    // An unreadable or non-version pin: the promotion would only be blocked again; the handler reports that once.
    if (!pinned || semver.compare(pinned, newest.version) >= 0) return false;
    const open = state.openPullTag === null ? null : parseVersionTag(state.openPullTag, prefix, scheme);
    if (open && semver.compare(open, newest.version) >= 0) return false;
    return state.blockedTag !== newest.tag;
  });
  return needed || stale
    ? [{ kind: "release", id: healId(input.repo, "release", newest.tag), tag: newest.tag }]
    : [];
}

/**
 * The main-audit issue is out of date when it lists open commits that a later commit on the default branch reverted,
 * or that its acknowledge label accepts: the audit of a push from just before the revert (or of no commits at all,
 * for the label) refreshes it.
 */
function planAudit(input: ReconcileInput): Heal[] {
  const { audit } = input.config;
  const issue = input.auditIssue;
  if (!input.config.valid || !audit.enabled || !issue) return [];
  const id = healId(input.repo, "audit", input.headSha);
  if (!issue.openShas.length || issue.labels.includes(audit.acknowledgeLabel)) {
    const reason = issue.openShas.length ? "acknowledged" : "nothing open";
    return [{ kind: "audit", id, before: input.headSha, after: input.headSha, reason }];
  }
  const open = new Set(issue.openShas);
  // Newest first: the last match is the oldest reverting commit; the audit starts just before it.
  let oldest: { parentSha: string | null } | null = null;
  for (const commit of input.recentCommits) {
    for (const match of commit.message.matchAll(/This reverts commit ([0-9a-f]{40})/g)) {
      if (match[1] && open.has(match[1])) oldest = commit;
    }
  }
  if (!oldest?.parentSha) return [];
  return [{ kind: "audit", id, before: oldest.parentSha, after: input.headSha, reason: "reverted" }];
}

function newestVersion(
  tags: readonly string[],
  prefix: string,
  scheme?: VersionScheme,
): { tag: string; version: SemVer } | null {
  let best: { tag: string; version: SemVer } | null = null;
  for (const tag of tags) {
    const version = parseVersionTag(tag, prefix, scheme);
    if (version && (!best || semver.compareBuild(version, best.version) > 0)) best = { tag, version };
  }
  return best;
}
