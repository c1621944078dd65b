import type { Context } from "probot";
import { loadConfig } from "../config/load-config.js";
import { upsertCheckRun } from "../github/checks.js";
import { compareCommits } from "../github/commits.js";
import { getPullRequest } from "../github/pulls.js";
import { reportConfigProblems } from "../report/config-report.js";
import { reportMergeGroup } from "../report/squash-title-report.js";
import { auditMainCommit } from "../rules/audit-main-commit.js";
import { splitPullRequestSuffix } from "../rules/parse-conventional-commit.js";
import { validatePrTitle } from "../rules/validate-pr-title.js";
import { SQUASH_TITLE_CHECK } from "./handle-squash-title.js";

/**
 * "Squash title" on a merge queue's group: validates the titles of the PRs in the group and the commits the group
 * will land, and reports on the group's head SHA, so a required check neither blocks the queue nor passes it blindly.
 */
export async function handleMergeGroup(context: Context<"merge_group.checks_requested">): Promise<void> {
  const group = context.payload.merge_group;
  const repo = context.repo();
  const target = { ...repo, name: SQUASH_TITLE_CHECK, headSha: group.head_sha };
  // 1. The repository's configuration (a required check must still report when it is broken).
  const config = await loadConfig(context);
  if (!config.ok) {
    await upsertCheckRun(context.octokit, target, reportConfigProblems(config.error), {
      event: context.payload,
    });
    return;
  }
  if (!config.value.squashTitle.enabled) return;
  // 2. The commits the group adds to its base.
  const commits = await compareCommits(context.octokit, repo, group.base_sha, group.head_sha);
  // 3. The PRs in the group: the one its branch names, and each `(#N)` its commits name.
  const numbers = new Set<number>();
  const fromRef = /\/pr-(\d+)-[0-9a-f]+$/.exec(group.head_ref)?.[1];
  if (fromRef) numbers.add(Number(fromRef));
  for (const commit of commits) {
    const { number } = splitPullRequestSuffix(commit.subject);
    if (number !== null) numbers.add(number);
  }
  const pulls = await Promise.all(
    [...numbers].sort((a, b) => a - b).map((n) => getPullRequest(context.octokit, repo, n, context.payload)),
  );
  // 4. Judge the titles and the commits.
  const rules = config.value.prTitle;
  const base = group.base_ref.replace(/^refs\/heads\//, "");
  const titles = pulls.map((pr) => ({
    number: pr.number,
    title: pr.title,
    verdict: validatePrTitle(pr, rules),
  }));
  const audits = commits.map((commit) => {
    const number = splitPullRequestSuffix(commit.subject).number;
    const pull = pulls.find((pr) => pr.number === number);
    const associated = pull
      ? [{ number: pull.number, title: pull.title, baseRef: base, merged: true }]
      : null;
    return auditMainCommit(commit, rules, { defaultBranch: base, pulls: associated });
  });
  // 5. Write the check run on the group's head.
  await upsertCheckRun(context.octokit, target, reportMergeGroup(titles, audits), {
    event: context.payload,
  });
}
