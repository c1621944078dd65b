import type { Context } from "probot";
import { loadConfig } from "../config/load-config.js";
import type { Config } from "../config/schema.js";
import { findCheckRun } from "../github/checks.js";
import { compareRefs } from "../github/commits.js";
import {
  createTag,
  getBranchSha,
  getTagCommitSha,
  getTree,
  pathsWithin,
  readBlobs,
  sharedBlobTexts,
} from "../github/git-data.js";
import { listOpenTrackingIssues, upsertTrackingIssue, type FoundIssue } from "../github/issues.js";
import { findOpenPull, listPullRequestFiles } from "../github/pulls.js";
import { getReleaseByTag, listDraftReleases } from "../github/releases.js";
import { canWrite, listTagNames } from "../github/repos.js";
import type { Octokit, RepoRef } from "../github/types.js";
import {
  deriveEnvironments,
  environmentFilesToRead,
  locatePromotionTargets,
} from "../gitops/derive-environments.js";
import { pullRequestOfCommit, type ReleaseCommit } from "../notes/collect-release-entries.js";
import { composeRepositoryStatus, productionBase, statusRules } from "../notes/environment-status.js";
import { latestVersionTag } from "../notes/waiting-changes.js";
import { parseVersionTag } from "../notes/version-tags.js";
import { readPromotionTag } from "../report/promotion-body.js";
import {
  addAnswer,
  DASHBOARD_KEY,
  newlyCheckedActions,
  readAnswers,
  renderDashboard,
  rolloutSection,
  type DashboardAction,
  type DashboardView,
} from "../report/release-dashboard.js";
import { promotionBranch, selectTargets, targetId } from "../rules/plan-promotion.js";
import { coalesce } from "../util/coalesce.js";
import { withKeyedLock } from "../util/keyed-lock.js";
import { LruCache } from "../util/lru-cache.js";
import { MAX_MANIFEST_BYTES } from "../util/input-limits.js";
import { mapConcurrent } from "../util/map-concurrent.js";
import { inlineCode } from "../util/markdown.js";
import { handleTagPush } from "./handle-tag-push.js";
import { promoteTarget } from "./promote-target.js";

/** The name of the check run the rollout feature writes on the merged promotion commit. */
export const ROLLOUT_CHECK = "Rollout";

/**
 * Events after which the dashboard is refreshed (the promotion PR and the Rollout check included). A promotion PR
 * moved to a newer tag is `edited`. `status` is not subscribed: the rollout feature turns Flux's statuses into the
 * Rollout check, whose `check_run.completed` refreshes the dashboard.
 */
export const DASHBOARD_EVENTS = [
  "push",
  "release.created",
  "release.edited",
  "release.published",
  "release.unpublished",
  "release.deleted",
  "pull_request.opened",
  "pull_request.edited",
  "pull_request.closed",
  "pull_request.reopened",
  "check_run.completed",
];

/** How long a refresh waits for the rest of a burst (`DASHBOARD_DELAY_MS`, default 2 s). */
const delayMs = () => {
  const value = Number(process.env.DASHBOARD_DELAY_MS ?? 2000);
  return Number.isFinite(value) && value >= 0 ? value : 2000;
};

type Payload = {
  repository: { default_branch: string; html_url: string; owner: { login: string }; name: string };
  ref?: string;
  check_run?: { name: string };
  pull_request?: { head: { ref: string } };
  installation?: { id: number };
};

/** Push to the default branch, a tag, a release, a promotion PR, the Rollout check: refresh the dashboard. */
export async function handleDashboardEvent(context: Context): Promise<void> {
  const payload = context.payload as unknown as Payload;
  // 1. Only events that change what the dashboard shows.
  const name = context.name as string;
  if (
    name === "push" &&
    payload.ref !== `refs/heads/${payload.repository.default_branch}` &&
    !payload.ref?.startsWith("refs/tags/")
  )
    return;
  if (name === "check_run" && payload.check_run?.name !== ROLLOUT_CHECK) return;
  if (name === "pull_request" && !payload.pull_request?.head.ref.startsWith("promote/")) return;
  // 2. Coalesce a burst: every event of the repository that arrives while a refresh waits joins it.
  await refreshDashboard(context);
}

/** A box ticked on the dashboard: check the editor's permission, act once, answer in the dashboard. */
export async function handleDashboardEdit(context: Context<"issues.edited">): Promise<void> {
  const { issue, sender, changes } = context.payload;
  // 1. Only people's edits of the dashboard (the bot's own rewrites are not actions).
  if (sender.type === "Bot" || !(issue.body ?? "").includes(`<!-- gitops-release-bot:${DASHBOARD_KEY} -->`))
    return;
  const actions = newlyCheckedActions(issue.body ?? "", changes.body?.from);
  if (!actions.length) return;
  const repo = context.repo();
  const config = await loadConfig(context);
  const answered: Array<{ action: DashboardAction; text: string }> = [];
  // 2. Permission, as GitHub reports it for this repository (collaborator permission endpoint).
  const allowed =
    config.ok && config.value.dashboard.actions && (await canWrite(context.octokit, repo, sender.login));
  for (const action of actions) {
    const text = !config.ok
      ? "the configuration is invalid; fix it first. Nothing was done."
      : !config.value.dashboard.actions
        ? "checkbox actions are off (`dashboard.actions: false`). Nothing was done."
        : !allowed
          ? "this action needs write permission on the repository. Nothing was done."
          : await runAction(context, config.value, action);
    answered.push({ action, text: `@${sender.login}: ${text}` });
  }
  // 3. The dashboard again, with the answers and the boxes cleared.
  //    The answers are added to those of the dashboard as it is when rewritten (under its lock), not as this edit saw it.
  await refreshDashboard(context, (current) =>
    answered.reduce((list, a) => addAnswer(list, a.action, a.text), current),
  );
}

async function runAction(
  context: Context<"issues.edited">,
  config: Config,
  action: DashboardAction,
): Promise<string> {
  const repo = context.repo();
  const { repository } = context.payload;
  if (action.kind === "tag-and-draft") {
    // The box's text is the user's to edit: only a version tag (`release.tagPrefix` + semver) is ever created.
    if (!parseVersionTag(action.tag, config.release.tagPrefix)) {
      return `${inlineCode(action.tag)} is not a version tag (\`${config.release.tagPrefix}<semver>\`); nothing was done.`;
    }
    // Idempotent: an existing tag is left as it is (a redelivered edit or a second tick does nothing).
    const sha = await getBranchSha(context.octokit, repo, repository.default_branch);
    const created = await createTag(context.octokit, repo, action.tag, sha);
    // GitHub sends no `push` for a ref created with the installation's token, so the tag-push flow would not run:
    // draft the release here, the same way. It runs for an existing tag too (a retry after the tag was made): the
    // draft is found by tag and updated in place, never duplicated, and an unchanged one is not written.
    await draftRelease(context, action.tag);
    if (created === "exists") return `${inlineCode(action.tag)} already exists; nothing new was done.`;
    return `tagged ${inlineCode(action.tag)} at ${sha.slice(0, 7)} and drafted its release.`;
  }
  const release = await getReleaseByTag(context.octokit, repo, action.tag);
  if (!release) return `${inlineCode(action.tag)} has no published release; nothing was done.`;
  const targets = selectTargets(config.promotion.targets, null);
  const outcomes: string[] = [];
  for (const target of targets.ok ? targets.value : []) {
    const outcome = await promoteTarget(
      context.octokit,
      {
        repo,
        defaultBranch: repository.default_branch,
        htmlUrl: repository.html_url,
        tag: action.tag,
        explicit: true,
        release: { body: release.body, url: release.url },
        config: config.promotion,
      },
      target,
    );
    outcomes.push(
      `${inlineCode(outcome.target)} ${
        outcome.status === "skipped"
          ? `nothing to do (${outcome.reason})`
          : outcome.status === "blocked"
            ? `blocked (#${outcome.issue})`
            : `${outcome.status} #${outcome.pull.number}`
      }`,
    );
  }
  return `re-ran the promotion of ${inlineCode(action.tag)}: ${outcomes.join(", ")}.`;
}

/** Runs the tag-push flow for a tag the bot created (no `push` webhook comes for it). */
async function draftRelease(context: Context<"issues.edited">, tag: string): Promise<void> {
  const payload = {
    ref: `refs/tags/${tag}`,
    created: true,
    deleted: false,
    repository: context.payload.repository,
    installation: context.payload.installation,
  };
  await handleTagPush({
    name: "push",
    payload,
    octokit: context.octokit,
    log: context.log,
    repo: <T>(o?: T) => ({ ...context.repo(), ...o }),
  } as unknown as Context<"push">);
}

/**
 * One refresh per burst and repository: callers that arrive while a refresh waits its delay join it, one that
 * arrives while it runs queues the next. Answers to actions are written by their own (uncoalesced) refresh.
 */
type AddAnswers = (current: DashboardView["answers"]) => DashboardView["answers"];

function refreshDashboard(context: Context, answers?: AddAnswers): Promise<void> {
  const repo = context.repo();
  const key = `${repo.owner}/${repo.repo}`;
  const run = () =>
    withKeyedLock(`${key}:dashboard`, () => writeDashboard(context.octokit, repo, context as never, answers));
  return answers ? run() : coalesce(key, delayMs(), run);
}

const mergedPullFiles = new LruCache<string[]>(2 * 1024 * 1024);

/** Gather → render → write (unchanged body: no write). */
async function writeDashboard(
  octokit: Octokit,
  repo: RepoRef,
  context: Context,
  addAnswers?: AddAnswers,
): Promise<void> {
  const payload = context.payload as unknown as Payload;
  // 1. Configuration: off, or invalid (the config check reports it), means no dashboard write.
  const config = await loadConfig(context);
  if (!config.ok || !config.value.dashboard.enabled) return;
  const { promotion, release, dashboard } = config.value;
  const branch = payload.repository.default_branch;
  // 2. The tree of the default branch: targets, sources, Kustomizations (blobs by SHA are immutable: cached).
  const head = await getBranchSha(octokit, repo, branch);
  const tree = await getTree(octokit, repo, head);
  const paths = pathsWithin(tree, MAX_MANIFEST_BYTES);
  const wanted = environmentFilesToRead(paths, promotion.targets, promotion);
  const read = await readBlobs(
    octokit,
    repo,
    wanted.map((path) => ({ path, sha: tree.files.get(path)!.sha })),
    { cache: sharedBlobTexts },
  );
  const files = new Map(read.map((file) => [file.path, file.text]));

  const located = locatePromotionTargets(paths, files, promotion.targets, promotion.discoveryReads);
  const environments = deriveEnvironments(files, located);
  // 3. Refs, ranges, and everything else the dashboard shows.
  const commits = await Promise.all(
    environments.map((env) =>
      env.ref.type === "tag"
        ? getTagCommitSha(octokit, repo, env.ref.name)
        : env.ref.name === branch
          ? head
          : getBranchSha(octokit, repo, env.ref.name).catch(() => null),
    ),
  );
  const tags = await listTagNames(octokit, repo);
  const base = productionBase(environments, release.tagPrefix);
  const latest = latestVersionTag(tags, release.tagPrefix);
  // The commits the branch has and the ref has not, and (a ref off the branch) those only the ref has: its PRs'
  // rewritten twins are not waiting. Two compares at most; no tree diff (the dashboard needs no changed-path list).
  const rangeTo = async (ref: string | null) => {
    if (!ref || ref === branch) return { commits: [] as ReleaseCommit[], baseOnly: [] as ReleaseCommit[] };
    const forward = await compareRefs(octokit, repo, ref, head);
    const backward = forward.behindBy > 0 ? await compareRefs(octokit, repo, head, ref) : null;
    return { commits: forward.commits, baseOnly: backward?.commits ?? [] };
  };
  const toProduction = await rangeTo(base?.name ?? null);
  const toLatest = latest === base?.name ? toProduction : await rangeTo(latest);
  const [drafts, issues, pulls] = await Promise.all([
    listDraftReleases(octokit, repo),
    listOpenTrackingIssues(octokit, repo),
    Promise.all(promotion.targets.map((t) => findOpenPull(octokit, repo, promotionBranch(t)))),
  ]);
  const pathsOf = await waitingPullPaths(octokit, repo, toProduction.commits, payload);
  const rules = statusRules(config.value);
  const status = composeRepositoryStatus(rules, {
    head,
    environments: environments.map((env, i) => ({ ...env, commit: commits[i] ?? null })),
    located,
    toProduction,
    toLatest,
    latestTag: latest,
    tags,
    pathsOf: (sha) => pathsOf.get(sha) ?? null,
  });
  // The latest promotion: the newest promotion commit since the production tag; its Rollout check and the release's
  // Rollout section are written by the rollout feature (read here, never computed).
  const promotionCommit = [...toProduction.commits]
    .reverse()
    .find((c) => rules.excludeTitles.some((p) => p.test(pullRequestOfCommit(c).title)));
  const rollout = promotionCommit
    ? {
        sha: promotionCommit.sha,
        title: pullRequestOfCommit(promotionCommit).title,
        check: await findCheckRun(octokit, repo, promotionCommit.sha, ROLLOUT_CHECK),
        section:
          base?.type === "tag"
            ? rolloutSection((await getReleaseByTag(octokit, repo, base.name))?.body)
            : null,
      }
    : null;
  const existing: FoundIssue | null = issues.get(DASHBOARD_KEY) ?? null;
  const audit = [...issues].find(([key]) => key.includes("audit"))?.[1] ?? null;
  const view: DashboardView = {
    status,
    defaultBranch: branch,
    htmlUrl: payload.repository.html_url,
    drafts: drafts.map((d) => ({ tag: d.tag, url: d.url })),
    promotionPulls: pulls.flatMap((pull, i) =>
      pull
        ? [
            {
              target: targetId(promotion.targets[i]!),
              number: pull.number,
              url: pull.url,
              tag: readPromotionTag(pull.body),
            },
          ]
        : [],
    ),
    blockedIssues: [...issues]
      .filter(([key]) => key.startsWith("promotion-blocked:"))
      .map(([, i]) => ({ number: i.number, title: i.title })),
    rollout,
    auditIssue: audit ? { number: audit.number, title: audit.title } : null,
    actions: dashboard.actions
      ? [
          ...(status.nextVersion && !tags.includes(status.nextVersion)
            ? [{ kind: "tag-and-draft" as const, tag: status.nextVersion }]
            : []),
          ...(latest ? [{ kind: "repromote" as const, tag: latest }] : []),
        ]
      : [],
    answers: (addAnswers ?? ((current) => current))(readAnswers(existing?.body ?? "")),
  };
  // 4. Write: created once, then updated in place (the lock covers every writer of this key); unchanged: nothing.
  const result = await upsertTrackingIssue(
    octokit,
    repo,
    { key: DASHBOARD_KEY, title: dashboard.title, body: renderDashboard(view) },
    { known: existing },
  );
  context.log.info(`dashboard: #${result.number} ${result.action}`);
}

/** Most waiting PRs whose files are read for the grouping by platform impact (one request each). */
const IMPACT_PULLS = 20;

/**
 * The changed paths of the newest waiting PRs (by the `(#N)` of their commits), for the grouping by platform impact;
 * a PR GitHub does not know (a number from another repository's history) is left ungrouped.
 */
async function waitingPullPaths(
  octokit: Octokit,
  repo: RepoRef,
  commits: readonly ReleaseCommit[],
  event: object,
): Promise<Map<string, string[]>> {
  const numbered = commits
    .map((commit) => ({ sha: commit.sha, number: pullRequestOfCommit(commit).number }))
    .filter((c): c is { sha: string; number: number } => c.number !== null)
    .slice(-IMPACT_PULLS);
  const files = await mapConcurrent(numbered, 4, async (c) => {
    // A PR merged into the branch's history no longer changes: its files are remembered (per process, bounded).
    const key = `${repo.owner}/${repo.repo}#${c.number}`;
    const known = mergedPullFiles.get(key);
    if (known) return known;
    const paths = await listPullRequestFiles(octokit, repo, c.number, event).then(
      (listed) =>
        listed.files.flatMap((f) => [f.filename, ...(f.previousFilename ? [f.previousFilename] : [])]),
      (error: unknown) => {
        if ((error as { status?: number }).status === 404) return null;
        throw error;
      },
    );
    if (paths)
      mergedPullFiles.set(
        key,
        paths,
        paths.reduce((n, p) => n + p.length, 64),
      );
    return paths;
  });
  return new Map(numbered.flatMap((c, i) => (files[i] ? [[c.sha, files[i]!] as [string, string[]]] : [])));
}
