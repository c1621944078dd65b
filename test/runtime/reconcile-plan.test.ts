import { describe, expect, test } from "@jest/globals";
import { planReconciliation, type Heal, type ReconcileInput } from "../../src/rules/plan-reconciliation.js";

const HEAD = "h".repeat(40);
const sha = (c: string) => c.repeat(40);
const ALL_CHECKS = ["PR title", "Folder layout", "Squash title"];

/** A repository with nothing to heal: every check present, v1.2.0 released and promoted, no audit issue. */
function idle(): ReconcileInput {
  return {
    repo: "acme/platform",
    defaultBranch: "main",
    headSha: HEAD,
    active: true,
    config: {
      valid: true,
      checks: ["prTitle", "folderLayout", "squashTitle"],
      release: { enabled: true, tagPrefix: "v" },
      promotion: { enabled: true, targets: [{ id: "release", prereleases: false }] },
      audit: { enabled: true, acknowledgeLabel: "audit-acknowledged" },
    },
    pulls: [{ number: 7, headSha: sha("a"), updatedAt: "2026-01-01T00:00:00Z", checks: ALL_CHECKS }],
    tags: ["v1.0.0", "v1.1.0", "v1.2.0"],
    releases: [
      { tag: "v1.2.0", draft: false, prerelease: false, publishedAt: "2026-01-01T00:00:00Z" },
      { tag: "v1.1.0", draft: false, prerelease: false, publishedAt: "2025-12-01T00:00:00Z" },
    ],
    promotion: { release: { pinned: "v1.2.0", openPullTag: null, blockedTag: null } },
    auditIssue: null,
    recentCommits: [],
    settledBefore: null,
  };
}

type Case = [string, (input: ReconcileInput) => void, Heal[]];

const cases: Case[] = [
  ["nothing to heal", () => undefined, []],
  [
    "an open PR's head lacks two of the bot's checks",
    (i) => {
      i.pulls.push({ number: 9, headSha: sha("b"), updatedAt: null, checks: ["PR title"] });
    },
    [
      {
        kind: "pull-checks",
        id: `reconcile:acme/platform:pull-9@${sha("b")}`,
        number: 9,
        headSha: sha("b"),
        features: ["folderLayout", "squashTitle"],
      },
    ],
  ],
  [
    "a missing check that the configuration disables is not expected",
    (i) => {
      i.config.checks = ["prTitle", "folderLayout"];
      i.pulls = [{ number: 9, headSha: sha("b"), updatedAt: null, checks: ["PR title", "Folder layout"] }];
    },
    [],
  ],
  [
    "a PR updated after the settle point is left to its delivery in flight",
    (i) => {
      i.settledBefore = "2026-02-01T00:00:00Z";
      i.pulls = [{ number: 9, headSha: sha("b"), updatedAt: "2026-02-01T00:00:05Z", checks: [] }];
    },
    [],
  ],
  [
    "the newest tag has no release and is newer than every release",
    (i) => {
      i.tags.push("v1.3.0");
    },
    [{ kind: "tag", id: "reconcile:acme/platform:tag@v1.3.0", tag: "v1.3.0" }],
  ],
  [
    "CalVer tags as the release drafts read them (`versionScheme: calver`): 24.04.1 is newer than 23.10.2",
    (i) => {
      i.config.release = { enabled: true, tagPrefix: "", versionScheme: "calver" };
      i.tags = ["23.10.2", "24.04.1"];
      i.releases = [{ tag: "23.10.2", draft: false, prerelease: false, publishedAt: "2026-01-01T00:00:00Z" }];
      i.promotion = {};
    },
    [{ kind: "tag", id: "reconcile:acme/platform:tag@24.04.1", tag: "24.04.1" }],
  ],
  [
    "a repository with 40 old tags and no release: only the newest tag, once",
    (i) => {
      i.tags = Array.from({ length: 40 }, (_, n) => `v0.${n}.0`);
      i.releases = [];
      i.promotion = {};
    },
    [{ kind: "tag", id: "reconcile:acme/platform:tag@v0.39.0", tag: "v0.39.0" }],
  ],
  [
    "40 old tags below the newest release: nothing (never backfill)",
    (i) => {
      i.tags = [...Array.from({ length: 40 }, (_, n) => `v0.${n}.0`), "v1.2.0"];
    },
    [],
  ],
  [
    "the newest tag is older than a release (a release made without a tag push): nothing",
    (i) => {
      i.tags = ["v1.0.0", "v1.1.5"];
    },
    [],
  ],
  [
    "the newest tag already has a draft: nothing",
    (i) => {
      i.tags.push("v1.3.0");
      i.releases.unshift({ tag: "v1.3.0", draft: true, prerelease: false, publishedAt: null });
    },
    [],
  ],
  [
    "tags that are not versions are ignored; release drafting off: nothing",
    (i) => {
      i.tags.push("v1.3.0", "latest");
      i.config.release.enabled = false;
    },
    [],
  ],
  [
    "the newest published release is newer than the pinned ref, not promoted, not blocked",
    (i) => {
      i.promotion.release!.pinned = "v1.1.0";
    },
    [{ kind: "release", id: "reconcile:acme/platform:release@v1.2.0", tag: "v1.2.0" }],
  ],
  [
    "promotion already open for it: nothing",
    (i) => {
      i.promotion.release = { pinned: "v1.1.0", openPullTag: "v1.2.0", blockedTag: null };
    },
    [],
  ],
  [
    "an open promotion PR of an older tag does not count as promoted",
    (i) => {
      i.promotion.release = { pinned: "v1.0.0", openPullTag: "v1.1.0", blockedTag: null };
    },
    [{ kind: "release", id: "reconcile:acme/platform:release@v1.2.0", tag: "v1.2.0" }],
  ],
  [
    "promotion reported blocked for it: nothing",
    (i) => {
      i.promotion.release = { pinned: "v1.1.0", openPullTag: null, blockedTag: "v1.2.0" };
    },
    [],
  ],
  [
    "a draft newer than the pin is not a published release: nothing",
    (i) => {
      i.tags.push("v1.3.0");
      i.releases.unshift({ tag: "v1.3.0", draft: true, prerelease: false, publishedAt: null });
      i.promotion.release!.pinned = "v1.2.0";
    },
    [],
  ],
  [
    "a published pre-release is promoted only to targets that take pre-releases",
    (i) => {
      i.tags.push("v1.3.0-rc.1");
      i.releases.unshift({ tag: "v1.3.0-rc.1", draft: false, prerelease: true, publishedAt: null });
    },
    [],
  ],
  [
    "an unreadable pin is left to the handler (it reports the block once)",
    (i) => {
      i.promotion.release!.pinned = null;
    },
    [],
  ],
  [
    "an invalid configuration plans no promotion (the features report it)",
    (i) => {
      i.config.valid = false;
      i.promotion.release!.pinned = "v1.1.0";
    },
    [],
  ],
  [
    "a release published after the settle point is left to its delivery",
    (i) => {
      i.settledBefore = "2025-12-31T00:00:00Z";
      i.promotion.release!.pinned = "v1.1.0";
    },
    [],
  ],
  [
    "an issue says an invalid configuration blocks promotion, and the configuration is valid again",
    (i) => {
      i.configBlockedIssue = true;
    },
    [{ kind: "release", id: "reconcile:acme/platform:release@v1.2.0", tag: "v1.2.0" }],
  ],
  [
    "that issue while the configuration is still invalid: nothing (it is up to date)",
    (i) => {
      i.configBlockedIssue = true;
      i.config.valid = false;
    },
    [],
  ],
  [
    "the audit issue lists a commit that a later commit reverted",
    (i) => {
      i.auditIssue = { openShas: [sha("c"), sha("d")], labels: [] };
      i.recentCommits = [
        { sha: HEAD, parentSha: sha("e"), message: "chore: unrelated (#20)" },
        {
          sha: sha("e"),
          parentSha: sha("f"),
          message: `Revert "fix stuff"\n\nThis reverts commit ${sha("c")}.`,
        },
        { sha: sha("f"), parentSha: sha("c"), message: "feat: x (#19)" },
      ];
    },
    [
      {
        kind: "audit",
        id: `reconcile:acme/platform:audit@${HEAD}`,
        before: sha("f"),
        after: HEAD,
        reason: "reverted",
      },
    ],
  ],
  [
    "the audit issue carries the acknowledge label",
    (i) => {
      i.auditIssue = { openShas: [sha("c")], labels: ["audit-acknowledged"] };
    },
    [
      {
        kind: "audit",
        id: `reconcile:acme/platform:audit@${HEAD}`,
        before: HEAD,
        after: HEAD,
        reason: "acknowledged",
      },
    ],
  ],
  [
    "the audit issue is up to date (open commits, none reverted)",
    (i) => {
      i.auditIssue = { openShas: [sha("c")], labels: [] };
      i.recentCommits = [{ sha: HEAD, parentSha: sha("c"), message: "feat: y (#21)" }];
    },
    [],
  ],
  [
    "an inactive repository: nothing, whatever its state",
    (i) => {
      i.active = false;
      i.tags.push("v9.0.0");
      i.pulls[0]!.checks = [];
    },
    [],
  ],
];

describe("planReconciliation", () => {
  test.each(cases)("%s", (_name, change, expected) => {
    const input = idle();
    change(input);
    expect(planReconciliation(input)).toEqual(expected);
  });

  test("everything at once, in a stable order (checks, tag, release, audit)", () => {
    const input = idle();
    input.pulls[0]!.checks = [];
    input.tags.push("v1.3.0");
    input.promotion.release!.pinned = "v1.1.0";
    input.auditIssue = { openShas: [], labels: [] };
    expect(planReconciliation(input).map((heal) => heal.kind)).toEqual([
      "pull-checks",
      "tag",
      "release",
      "audit",
    ]);
  });

  test("the same state plans the same job ids (two sweeps enqueue once)", () => {
    const input = idle();
    input.tags.push("v1.3.0");
    expect(planReconciliation(input)).toEqual(planReconciliation(structuredClone(input)));
  });
});

describe("the rollout timeout (enforced by the sweep, so it survives restarts)", () => {
  const NOW = Date.parse("2026-12-07T07:00:00Z");
  const withRollout = (status: string, startedMinutesAgo: number): ReconcileInput => ({
    ...idle(),
    rollouts: {
      timeoutMinutes: 30,
      now: NOW,
      pulls: [
        {
          targetId: "release",
          number: 15,
          mergeSha: sha("m"),
          status,
          startedAt: new Date(NOW - startedMinutesAgo * 60_000).toISOString(),
        },
      ],
    },
  });
  test("a Rollout check in progress past the timeout: its merged PR is evaluated again", () => {
    const period = Math.floor(NOW / (30 * 60_000));
    expect(planReconciliation(withRollout("in_progress", 31))).toEqual([
      {
        kind: "rollout",
        id: `reconcile:acme/platform:rollout-release@${sha("m")}:${period}`,
        number: 15,
        targetId: "release",
      },
    ]);
  });
  test("a younger one, or a completed one, is left alone", () => {
    expect(planReconciliation(withRollout("in_progress", 29))).toEqual([]);
    expect(planReconciliation(withRollout("completed", 120))).toEqual([]);
  });
  test("one period later the same rollout gets a new job id (still being reported, it is looked at again)", () => {
    const first = planReconciliation(withRollout("in_progress", 31))[0]!;
    const later = planReconciliation({
      ...withRollout("in_progress", 61),
      rollouts: { ...withRollout("in_progress", 61).rollouts!, now: NOW + 30 * 60_000 },
    })[0]!;
    expect(later.id).not.toBe(first.id);
  });
});
