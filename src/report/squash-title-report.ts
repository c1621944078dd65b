import type { MergeSettingsConfig } from "../config/sections/squash-title.js";
import type { CommitAudit } from "../rules/audit-main-commit.js";
import type { MergeSettingName, SettingDrift } from "../rules/merge-settings-drift.js";
import type { SquashPrediction } from "../rules/predict-squash-title.js";
import type { TitleVerdict } from "../rules/validate-pr-title.js";
import { inlineCode } from "../util/markdown.js";
import type { CheckResult } from "./check-result.js";

/** What happened when `mergeSettings.enforce` tried to fix drift. */
export type Enforcement =
  | { status: "applied"; settings: MergeSettingName[] }
  | { status: "forbidden"; message: string }
  | { status: "failed"; message: string };

export interface SquashTitleFindings {
  prTitle: string;
  prediction: SquashPrediction;
  verdict: TitleVerdict;
  drift: SettingDrift[];
  unreadable: MergeSettingName[];
  driftMode: MergeSettingsConfig["drift"];
  enforcement: Enforcement | null;
}

/** The "Squash title" check on a PR: the predicted squash title, whether it is valid, and merge-settings drift. */
export function reportSquashTitle(findings: SquashTitleFindings): CheckResult {
  const { prediction, verdict, prTitle } = findings;
  const lines: string[] = [
    `**Predicted squash commit title:** ${inlineCode(prediction.fullTitle)}`,
    "",
    prediction.reason,
  ];
  let conclusion: CheckResult["conclusion"] = "success";
  let title = "The squash commit title will follow the naming convention";

  if (prediction.unsquashedMethod) {
    conclusion = "failure";
    title = `Auto-merge will use the ${prediction.unsquashedMethod} method, not squash`;
    lines.push(
      "",
      `Auto-merge is set to **${prediction.unsquashedMethod}**: every commit of this PR would land on the default ` +
        "branch unsquashed. Disable auto-merge and enable it again choosing **Squash and merge**.",
    );
  }
  if (!verdict.valid) {
    conclusion = "failure";
    title =
      prediction.source === "pr-title"
        ? "The squash commit title (the PR title) breaks the naming convention"
        : `The squash commit title (from the ${prediction.source === "commit" ? "single commit" : "auto-merge setting"}) breaks the naming convention`;
    lines.push("", "What is wrong with it:", ...verdict.problems.map((p) => `- ${p.message} _(${p.rule})_`));
    if (verdict.suggestion) lines.push("", `Suggested title: ${inlineCode(verdict.suggestion)}`);
  }
  if (prediction.title !== prTitle) {
    lines.push("", ...howToUsePrTitle(prediction, prTitle));
  }
  if (findings.driftMode !== "ignore") {
    const settings = reportDrift(findings);
    if (settings.length) lines.push("", "### Merge settings", "", ...settings);
    // `neutral` still passes a required check; `failure` blocks the merge until the settings are fixed.
    const drifted = findings.drift.length > 0 && findings.enforcement?.status !== "applied";
    if (drifted && conclusion === "success") {
      conclusion = findings.driftMode;
      title = `${title}; the repository's merge settings differ from the policy`;
    }
  }
  return { conclusion, title, summary: lines.join("\n") };
}

function howToUsePrTitle(prediction: SquashPrediction, prTitle: string): string[] {
  if (prediction.source === "auto-merge") {
    return [
      `This is not the PR title (${inlineCode(prTitle)}): auto-merge stored its own commit title when it was enabled. ` +
        "Disable auto-merge and enable it again to take the current PR title.",
    ];
  }
  return [
    `This is **not** the PR title (${inlineCode(prTitle)}), which is what the "PR title" check validates. To land the ` +
      "PR title instead, either:",
    "- amend the commit so its subject is the PR title (`git commit --amend`, then `git push --force-with-lease`), or " +
      "add a second commit;",
    "- or set the repository's squash commit title to the PR title (Settings → General → Pull Requests → Allow squash " +
      "merging → **Default to pull request title**, API value `PR_TITLE`), so every PR lands with its checked title.",
  ];
}

function reportDrift(findings: SquashTitleFindings): string[] {
  const lines: string[] = [];
  for (const d of findings.drift) {
    lines.push(
      `- \`${d.setting}\` is \`${String(d.actual)}\`; the policy wants \`${String(d.expected)}\`. ${d.fix}`,
    );
  }
  if (findings.unreadable.length) {
    lines.push(
      `- Could not read ${findings.unreadable.map((s) => `\`${s}\``).join(", ")} with the app's token (GitHub ` +
        "returns merge settings over REST only to tokens with **Contents: write**, and the GraphQL fallback failed).",
    );
  }
  const enforcement = findings.enforcement;
  if (enforcement?.status === "applied") {
    lines.push(
      `- Enforced: changed ${enforcement.settings.map((s) => `\`${s}\``).join(", ")} to the policy.`,
    );
  } else if (enforcement) {
    lines.push(`- Could not enforce the policy: ${enforcement.message}`);
  }
  return lines;
}

/** The failing "Squash title" check on a commit of the default branch that breaks the convention. */
export function reportCommitViolation(
  audit: CommitAudit,
  pusher: string,
  issueNumber: number | null,
): CheckResult {
  const first = audit.problems[0]?.message ?? "This commit breaks the naming convention.";
  return {
    conclusion: "failure",
    title: oneLine(audit.problems.length > 1 ? `${first} (+${audit.problems.length - 1} more)` : first),
    summary: [
      `**Commit subject:** ${inlineCode(audit.subject)} (pushed by ${inlineCode(pusher)})`,
      "",
      "What is wrong:",
      ...audit.problems.map((p) => `- ${p.message} _(${p.rule})_`),
      "",
      `**Repair:** ${audit.repair ?? ""}`,
      issueNumber ? `\nTracked in #${issueNumber}.` : "",
    ].join("\n"),
  };
}

/** The "Squash title" check on a merge group's head: the titles of its PRs and the commits it will land. */
export function reportMergeGroup(
  pulls: Array<{ number: number; title: string; verdict: TitleVerdict }>,
  commits: CommitAudit[],
): CheckResult {
  const badPulls = pulls.filter((p) => !p.verdict.valid);
  const badCommits = commits.filter((c) => c.problems.length);
  const lines = [
    `Checked ${pulls.length} PR title${pulls.length === 1 ? "" : "s"} and ${commits.length} commit${commits.length === 1 ? "" : "s"} of this merge group.`,
  ];
  for (const pull of badPulls) {
    lines.push(
      "",
      `**#${pull.number}** ${inlineCode(pull.title)}:`,
      ...pull.verdict.problems.map((p) => `- ${p.message}`),
    );
    if (pull.verdict.suggestion) lines.push(`- Suggested title: ${inlineCode(pull.verdict.suggestion)}`);
  }
  for (const commit of badCommits) {
    lines.push(
      "",
      `**Commit ${commit.sha}** ${inlineCode(commit.subject)}:`,
      ...commit.problems.map((p) => `- ${p.message}`),
    );
  }
  if (!badPulls.length && !badCommits.length) {
    return {
      conclusion: "success",
      title: "Every PR title and squash commit in the merge group follows the convention",
      summary: lines.join("\n"),
    };
  }
  lines.push("", "Remove the PR from the merge queue, fix its title, and queue it again.");
  const names = badPulls.map((p) => `#${p.number}`);
  return {
    conclusion: "failure",
    title: badPulls.length
      ? `${names.join(", ")} ${badPulls.length === 1 ? "has a title that breaks" : "have titles that break"} the naming convention`
      : `${badCommits.length} commit${badCommits.length === 1 ? "" : "s"} of the merge group break the naming convention`,
    summary: lines.join("\n"),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ");
}
