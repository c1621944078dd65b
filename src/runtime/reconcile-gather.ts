import { parseConfig } from "../config/parse-config.js";
import type { Config } from "../config/schema.js";
import type { PromotionTarget } from "../config/sections/promotion.js";
import {
  chooseCandidate,
  promotionDiscoveryFiles,
  readCandidate,
} from "../gitops/discover-promotion-targets.js";
import { readSourceRef } from "../gitops/set-source-ref.js";
import type { InstallationRepository } from "../github/apps.js";
import type { ConditionalReader } from "../github/conditional-reads.js";
import { readConfigFilesAtRef, readFileTextAt } from "../github/contents.js";
import { decideActivation } from "../rules/activation.js";
import { listCheckRunNames, readCheckRunState } from "../github/checks.js";
import { listRecentCommits } from "../github/commits.js";
import { pickTreeFiles, readBlobReduced, readBranchHead } from "../github/git-data.js";
import { listOpenBotIssues } from "../github/issues.js";
import { getPullRequestData, listOpenPulls, readLatestMergedPull } from "../github/pulls.js";
import { getPublishedReleaseData, listReleaseSummaries } from "../github/releases.js";
import { listTagsConditional } from "../github/repos.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { readPromotionTag } from "../report/promotion-body.js";
import { ROLLOUT_CHECK } from "../report/rollout-report.js";
import { AUDIT_ISSUE_KEY, readAuditState } from "../report/squash-audit-issue.js";
import { promotionSource, targetId } from "../rules/plan-promotion.js";
import type { Heal, PullCheckFeature, ReconcileInput } from "../rules/plan-reconciliation.js";
import { mapConcurrent } from "../util/map-concurrent.js";
import type { DeliveryJob } from "./job-queue.js";

/** The configuration's parts the sweep needs, per repository and default-branch commit (read again when it moves). */
export interface ConfigView {
  /** Opt-in (`decideActivation`): false when neither the repository nor the organization's list turns it on. */
  active: boolean;
  input: ReconcileInput["config"];
  rollout: { enabled: boolean; timeoutMinutes: number };
  targets: Array<PromotionTarget & { id: string }>;
  discoveryReads: number;
}

export type ConfigCache = Map<string, { headSha: string; view: ConfigView }>;

/** Reads per repository that run at the same time (well inside GitHub's concurrency limit of 100). */
const READ_CONCURRENCY = 4;

/**
 * Everything the plan needs about one repository, read with conditional requests, or null for an empty repository.
 * An idle repository costs one 304 per read; the configuration is read only when the default branch moved since the
 * last sweep.
 */
export async function gatherRepository(
  reader: ConditionalReader,
  octokit: Octokit,
  repository: InstallationRepository,
  options: {
    active: boolean;
    settledBefore: string | null;
    configs: ConfigCache;
    appId: number;
    /** The sweep's clock (ms since epoch), for the rollout timeout. */
    now?: number;
  },
): Promise<ReconcileInput | null> {
  const repo: RepoRef = { owner: repository.owner.login, repo: repository.name };
  const fullName = `${repo.owner}/${repo.repo}`;
  const headSha = await readBranchHead(reader, octokit, repo, repository.default_branch);
  // An empty repository (or one whose default branch is gone) has nothing a delivery could have been about.
  if (headSha === null) return null;
  const config = await configOf(octokit, repo, headSha, options.configs, fullName);
  // Opt-in: a repository without a configuration file (nor the organization's list) is not read any further.
  if (!options.active || !config.active)
    return inactiveInput(fullName, repository.default_branch, headSha, config);
  const [pulls, tags, releases, issues] = await Promise.all([
    listOpenPulls(reader, octokit, repo),
    listTagsConditional(reader, octokit, repo),
    listReleaseSummaries(reader, octokit, repo),
    listOpenBotIssues(reader, octokit, repo),
  ]);
  const checked = await mapConcurrent(pulls, READ_CONCURRENCY, async (pull) => ({
    number: pull.number,
    headSha: pull.headSha,
    updatedAt: pull.updatedAt,
    checks: await listCheckRunNames(reader, octokit, repo, pull.headSha, options.appId),
  }));
  const auditIssue = issues.find((issue) => issue.key === AUDIT_ISSUE_KEY) ?? null;
  const openShas = auditIssue
    ? readAuditState(auditIssue.body)
        .filter((entry) => entry.status === "open")
        .map((entry) => entry.sha)
    : [];
  const recentCommits = openShas.length
    ? await listRecentCommits(reader, octokit, repo, repository.default_branch)
    : [];
  const promotion: ReconcileInput["promotion"] = {};
  const anyPublished = releases.some((release) => !release.draft);
  if (config.input.valid && config.input.promotion.enabled && anyPublished) {
    for (const target of config.targets) {
      const branch = `promote/${target.id}`;
      const openPull = pulls.find((pull) => pull.headRef === branch);
      const blocked = issues.find((issue) => issue.key === `promotion-blocked:${target.id}`);
      promotion[target.id] = {
        pinned: await pinnedRef(reader, octokit, repo, headSha, target, config.discoveryReads),
        openPullTag: openPull ? readPromotionTag(openPull.promotionBody) : null,
        blockedTag: blocked ? (/^Promotion of (\S+) /.exec(blocked.title)?.[1] ?? null) : null,
      };
    }
  }
  const rollouts = await gatherRollouts(
    reader,
    octokit,
    repo,
    config,
    anyPublished,
    options.appId,
    options.now,
  );
  return {
    ...(rollouts ? { rollouts } : {}),
    repo: fullName,
    defaultBranch: repository.default_branch,
    headSha,
    active: options.active,
    config: config.input,
    pulls: checked,
    tags: tags.map((tag) => tag.name),
    releases,
    promotion,
    configBlockedIssue: issues.some((issue) => issue.key === "promotion-blocked:configuration"),
    auditIssue: auditIssue ? { openShas, labels: auditIssue.labels } : null,
    recentCommits,
    settledBefore: options.settledBefore,
  };
}

/**
 * Per promotion target, the newest merged promotion PR and the App's Rollout check on its merge commit (two
 * conditional reads: 304s while nothing changes); only when rollout tracking is enabled and a release was published.
 */
async function gatherRollouts(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  config: ConfigView,
  anyPublished: boolean,
  appId: number,
  now = Date.now(),
): Promise<ReconcileInput["rollouts"] | null> {
  if (!config.input.valid || !config.rollout.enabled || !anyPublished) return null;
  const pulls: NonNullable<ReconcileInput["rollouts"]>["pulls"] = [];
  for (const target of config.targets) {
    const pull = await readLatestMergedPull(reader, octokit, repo, `promote/${target.id}`, readPromotionTag);
    if (!pull?.tag) continue;
    const run = await readCheckRunState(reader, octokit, repo, pull.mergeCommitSha, ROLLOUT_CHECK, appId);
    if (!run) continue;
    pulls.push({
      targetId: target.id,
      number: pull.number,
      mergeSha: pull.mergeCommitSha,
      status: run.status,
      startedAt: run.startedAt,
    });
  }
  return { timeoutMinutes: config.rollout.timeoutMinutes, now, pulls };
}

async function configOf(
  octokit: Octokit,
  repo: RepoRef,
  headSha: string,
  cache: ConfigCache,
  fullName: string,
): Promise<ConfigView> {
  const cached = cache.get(fullName);
  if (cached?.headSha === headSha) return cached.view;
  const { config: read, files } = await readConfigFilesAtRef(octokit, repo, headSha);
  const view = configView(read.ok ? read.value : defaults(), read.ok);
  // A file that cannot be parsed exists: the repository opted in.
  view.active = files === null || decideActivation(repo, files).active;
  cache.set(fullName, { headSha, view });
  return view;
}

function configView(config: Config, valid: boolean): ConfigView {
  const checks: PullCheckFeature[] = [];
  if (config.prTitle.enabled) checks.push("prTitle");
  if (config.layout.enabled) checks.push("folderLayout");
  if (config.squashTitle.enabled) checks.push("squashTitle");
  const targets = config.promotion.targets.map((target) => ({ ...target, id: targetId(target) }));
  return {
    active: true,
    input: {
      valid,
      checks,
      release: {
        enabled: config.release.enabled,
        tagPrefix: config.release.tagPrefix,
        versionScheme: config.release.versionScheme,
      },
      promotion: {
        enabled: config.promotion.enabled,
        targets: targets.map((t) => ({ id: t.id, prereleases: t.prereleases })),
      },
      audit: { enabled: config.audit.enabled, acknowledgeLabel: config.audit.acknowledgeLabel },
    },
    targets,
    discoveryReads: config.promotion.discoveryReads,
    rollout: { enabled: config.rollout.enabled, timeoutMinutes: config.rollout.timeoutMinutes },
  };
}

/** What the plan gets for an inactive repository: nothing to heal (`planReconciliation` returns no heal). */
function inactiveInput(
  repo: string,
  defaultBranch: string,
  headSha: string,
  config: ConfigView,
): ReconcileInput {
  return {
    repo,
    defaultBranch,
    headSha,
    active: false,
    config: config.input,
    pulls: [],
    tags: [],
    releases: [],
    promotion: {},
    auditIssue: null,
    recentCommits: [],
    settledBefore: null,
  };
}

function defaults(): Config {
  const parsed = parseConfig({});
  if (!parsed.ok) throw new Error("the default configuration is invalid");
  return parsed.value;
}

/** What the default branch pins the target to: its configured file, or the likeliest files of the tree. */
async function pinnedRef(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  headSha: string,
  target: PromotionTarget & { id: string },
  discoveryReads: number,
): Promise<string | null> {
  const source = promotionSource(target);
  const pinnedIn = (text: string | null) => {
    if (text === null) return null;
    const read = readSourceRef(text, source);
    return read.ok ? read.value.value : null;
  };
  if (target.path) return pinnedIn(await readFileTextAt(reader, octokit, repo, target.path, headSha));
  const variant = `target:${target.id}:${target.kind}/${target.namespace}/${target.name}`;
  const candidates = await pickTreeFiles(
    reader,
    octokit,
    repo,
    headSha,
    (paths) => promotionDiscoveryFiles(paths, source, discoveryReads),
    variant,
  );
  // The same discovery as the promotion itself: one file holds the target, or nothing is known (the promotion
  // reports why in its blocked issue).
  const read = await mapConcurrent(candidates, 6, async (candidate) => ({
    path: candidate.path,
    // null: the file does not hold the target; else its pinned value (null when the object cannot be read).
    holds: await readBlobReduced(
      reader,
      octokit,
      repo,
      candidate.sha,
      (text) => {
        const found = readCandidate(text, source);
        return found && { pinned: found.ok ? found.value.value : null };
      },
      variant,
    ),
  }));
  const chosen = chooseCandidate(
    read.filter((file) => file.holds !== null),
    read.length,
    source,
  );
  return chosen.ok ? chosen.value.holds!.pinned : null;
}

/** Who the sweep's deliveries say acted (handlers only log it; the audit names it as the pusher of new findings). */
const SWEEP_ACTOR = "gitops-release-bot (reconciliation)";

/**
 * The delivery a heal stands for, shaped like the webhook GitHub would have sent, with fresh data where the handler
 * reads the payload (a PR, a release). Null when the state moved on meanwhile (a new head, a release deleted): the
 * delivery of that change is on its way, and the next sweep looks again.
 */
export async function jobForHeal(
  octokit: Octokit,
  repository: InstallationRepository,
  installationId: number,
  heal: Heal,
  now: number,
): Promise<DeliveryJob | null> {
  const repo: RepoRef = { owner: repository.owner.login, repo: repository.name };
  const common = {
    repository,
    installation: { id: installationId, node_id: "" },
    sender: { login: SWEEP_ACTOR, type: "Bot" },
  };
  const job = (name: string, payload: Record<string, unknown>, features: string[]): DeliveryJob => ({
    id: heal.id,
    name,
    payload: { ...payload, ...common },
    features,
    receivedAt: now,
  });
  switch (heal.kind) {
    case "pull-checks": {
      const pull = await getPullRequestData(octokit, repo, heal.number);
      if (pull.state !== "open" || pull.head.sha !== heal.headSha) return null;
      return job(
        "pull_request",
        {
          action: "synchronize",
          number: heal.number,
          before: heal.headSha,
          after: heal.headSha,
          pull_request: pull,
        },
        heal.features,
      );
    }
    case "tag":
      return job(
        "push",
        {
          ref: `refs/tags/${heal.tag}`,
          before: "0".repeat(40),
          after: "0".repeat(40),
          created: true,
          deleted: false,
          forced: false,
          base_ref: null,
          compare: `${repository.html_url}/compare/${encodeURIComponent(heal.tag)}`,
          commits: [],
          head_commit: null,
          pusher: { name: SWEEP_ACTOR, email: null },
        },
        ["releaseDraft"],
      );
    case "release": {
      const release = await getPublishedReleaseData(octokit, repo, heal.tag);
      if (!release || release.draft) return null;
      return job("release", { action: "published", release }, ["promotion"]);
    }
    case "rollout": {
      // The merged promotion PR's `closed` delivery: the rollout feature evaluates it again (and times it out).
      const pull = await getPullRequestData(octokit, repo, heal.number);
      if (!pull.merged) return null;
      return job("pull_request", { action: "closed", number: heal.number, pull_request: pull }, ["rollout"]);
    }
    case "audit":
      return job(
        "push",
        {
          ref: `refs/heads/${repository.default_branch}`,
          before: heal.before,
          after: heal.after,
          created: false,
          deleted: false,
          forced: false,
          base_ref: null,
          compare: `${repository.html_url}/compare/${heal.before}...${heal.after}`,
          commits: [],
          head_commit: null,
          pusher: { name: SWEEP_ACTOR, email: null },
        },
        ["mainAudit"],
      );
  }
}
