import type { MergePolicy } from "../config/sections/squash-title.js";

/** The repository's merge settings as GitHub names them; a missing key could not be read with the app's token. */
export interface MergeSettings {
  allow_squash_merge?: boolean;
  allow_merge_commit?: boolean;
  allow_rebase_merge?: boolean;
  squash_merge_commit_title?: "PR_TITLE" | "COMMIT_OR_PR_TITLE";
  squash_merge_commit_message?: "PR_BODY" | "COMMIT_MESSAGES" | "BLANK";
}

export type MergeSettingName = keyof MergeSettings;

export interface SettingDrift {
  setting: MergeSettingName;
  actual: MergeSettings[MergeSettingName];
  expected: NonNullable<MergeSettings[MergeSettingName]>;
  /** Where to change it in GitHub's UI. */
  fix: string;
}

const POLICY_KEYS: Array<[MergeSettingName, keyof MergePolicy, string]> = [
  ["allow_squash_merge", "allowSquashMerge", "tick **Allow squash merging**"],
  ["allow_merge_commit", "allowMergeCommit", "untick or tick **Allow merge commits**"],
  ["allow_rebase_merge", "allowRebaseMerge", "untick or tick **Allow rebase merging**"],
  [
    "squash_merge_commit_title",
    "squashMergeCommitTitle",
    "under **Allow squash merging**, choose **Default to pull request title**",
  ],
  [
    "squash_merge_commit_message",
    "squashMergeCommitMessage",
    "under **Allow squash merging**, pick the message",
  ],
];

/**
 * Compares the repository's merge settings with the policy. Settings the token could not read are returned in
 * `unreadable` rather than guessed; a `null` in the policy means "any value".
 */
export function findMergeSettingsDrift(
  settings: MergeSettings,
  policy: MergePolicy,
): { drift: SettingDrift[]; unreadable: MergeSettingName[] } {
  const drift: SettingDrift[] = [];
  const unreadable: MergeSettingName[] = [];
  for (const [setting, key, where] of POLICY_KEYS) {
    const expected = policy[key];
    if (expected === null) continue;
    const actual = settings[setting];
    if (actual === undefined) unreadable.push(setting);
    else if (actual !== expected) {
      drift.push({ setting, actual, expected, fix: `Settings → General → Pull Requests: ${where}.` });
    }
  }
  return { drift, unreadable };
}

/** The PATCH body that brings the settings to the policy (only drifted keys). */
export function mergeSettingsPatch(drift: SettingDrift[]): MergeSettings {
  return Object.fromEntries(drift.map((d) => [d.setting, d.expected])) as MergeSettings;
}
