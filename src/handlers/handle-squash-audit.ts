import type { Context } from "probot";
import { loadConfig } from "../config/load-config.js";
import { upsertCheckRun } from "../github/checks.js";
import { compareCommits, listPullRequestsForCommits } from "../github/commits.js";
import { closeTrackingIssue, findTrackingIssue, upsertTrackingIssue } from "../github/issues.js";
import {
  AUDIT_ISSUE_KEY,
  AUDIT_ISSUE_TITLE,
  findRevertedShas,
  isAuditResolved,
  readAuditState,
  renderAuditClosingComment,
  renderAuditIssue,
  updateAuditState,
} from "../report/squash-audit-issue.js";
import { reportConfigProblems } from "../report/config-report.js";
import { reportCommitViolation } from "../report/squash-title-report.js";
import { auditMainCommit } from "../rules/audit-main-commit.js";
import { withKeyedLock } from "../util/keyed-lock.js";
import { CONFIG_CHECK } from "./handle-config-check.js";
import { SQUASH_TITLE_CHECK } from "./handle-squash-title.js";

const NO_COMMIT = /^0{40}$/;

/**
 * The audit of the default branch: after a push, every new commit must be one squash commit per merged PR with the
 * PR's title. Violations get a failing "Squash title" check on their SHA and are listed in one tracking issue, which
 * closes itself once every listed commit is reverted or acknowledged. The bot's own pushes are audited like any other.
 */
export async function handleSquashAudit(context: Context<"push">): Promise<void> {
  const { payload } = context;
  const defaultBranch = payload.repository.default_branch;
  // 1. Only pushes that add commits to the default branch.
  if (payload.ref !== `refs/heads/${defaultBranch}` || payload.deleted) return;
  if (NO_COMMIT.test(payload.before)) {
    context.log.info(`squash audit: ${payload.ref} was created by this push; nothing to compare it with`);
    return;
  }
  // 2. The configuration. Invalid on the default branch (a direct push got past the PR's "Config" check): the audit
  //    cannot judge, so a failing "Config" check on the pushed commit says why and what to fix.
  const config = await loadConfig(context);
  if (!config.ok) {
    const target = { ...context.repo(), name: CONFIG_CHECK, headSha: payload.after };
    await upsertCheckRun(context.octokit, target, reportConfigProblems(config.error), {
      event: payload,
    });
    return;
  }
  if (!config.value.audit.enabled) return;
  const repo = context.repo();
  const pusher = payload.pusher.name ?? payload.sender?.login ?? "unknown";
  // 3. Every new commit (the payload lists at most 20 and no parents: read the comparison).
  const commits = await compareCommits(context.octokit, repo, payload.before, payload.after);
  // 4. Audit each commit against the PRs GitHub associates with it (one GraphQL query per 100 commits).
  const pullsOf = await listPullRequestsForCommits(
    context.octokit,
    repo,
    commits.map((commit) => commit.sha),
    payload,
  );
  const audits = commits.map((commit) =>
    auditMainCommit(commit, config.value.prTitle, { defaultBranch, pulls: pullsOf.get(commit.sha) ?? [] }),
  );
  const violations = audits.filter((audit) => audit.problems.length).map((audit) => ({ ...audit, pusher }));
  const revertedAt = findRevertedShas(commits.map((commit) => commit.message));
  const reverted = new Map([...revertedAt].map(([sha, index]) => [sha, commits[index]?.sha ?? ""]));
  // 5. The one tracking issue: read its state, add the new violations, mark repairs; update in place or close.
  const audit = config.value.audit;
  const issueNumber = await withKeyedLock(`${repo.owner}/${repo.repo}:squash-audit-state`, async () => {
    const existing = await findTrackingIssue(context.octokit, repo, AUDIT_ISSUE_KEY);
    const entries = updateAuditState(readAuditState(existing?.body), {
      violations,
      reverted,
      acknowledged: existing?.labels.includes(audit.acknowledgeLabel) ?? false,
    });
    if (!entries.length) return null;
    if (isAuditResolved(entries)) {
      if (existing)
        await closeTrackingIssue(context.octokit, repo, AUDIT_ISSUE_KEY, renderAuditClosingComment(entries), {
          known: existing,
        });
      return null;
    }
    const body = renderAuditIssue(entries, { defaultBranch, acknowledgeLabel: audit.acknowledgeLabel });
    // Found above under this lock (the audit is the only writer of this issue): no second lookup.
    const issue = await upsertTrackingIssue(
      context.octokit,
      repo,
      { key: AUDIT_ISSUE_KEY, title: AUDIT_ISSUE_TITLE, body, labels: audit.issueLabels },
      { known: existing },
    );
    return issue.number;
  });
  // 6. A failing "Squash title" check on each violating commit.
  for (const violation of violations) {
    await upsertCheckRun(
      context.octokit,
      { ...repo, name: SQUASH_TITLE_CHECK, headSha: violation.sha },
      reportCommitViolation(violation, pusher, issueNumber),
      { event: payload },
    );
  }
}
