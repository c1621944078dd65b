import type { PromotionConfig, PromotionTarget } from "../config/sections/promotion.js";
import {
  consumersOfCopy,
  findSourceConsumers,
  productionChanges,
  rankConsumerCandidates,
} from "../gitops/find-source-consumers.js";
import { discoverPromotionTargets, promotionDiscoveryFiles } from "../gitops/discover-promotion-targets.js";
import { listKustomizations } from "../gitops/list-kustomizations.js";
import type { EditRefusal, RefEdit } from "../gitops/set-source-ref.js";
import { readFile } from "../github/contents.js";
import {
  commitFileOnBranch,
  getBranchSha,
  getTree,
  pathsWithin,
  readBlobs,
  sharedBlobTexts,
  type RepoTree,
} from "../github/git-data.js";
import { addLabels, closeTrackingIssue, upsertTrackingIssue } from "../github/issues.js";
import { createPull, findOpenPull, requestReviewers, updatePull } from "../github/pulls.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { readPromotionTag, renderPromotionBody } from "../report/promotion-body.js";
import {
  planPromotion,
  promotionBranch,
  promotionSource,
  targetDisplayName,
  targetId,
} from "../rules/plan-promotion.js";
import { type Lease, withKeyedLock } from "../util/keyed-lock.js";
import { MAX_MANIFEST_BYTES } from "../util/input-limits.js";
import { inlineCode } from "../util/markdown.js";
import { err, ok, type Result } from "../util/result.js";
import { changedPaths } from "./gather-changed-paths.js";

/** Everything one promotion needs besides the API client. */
export interface PromotionRequest {
  repo: RepoRef;
  defaultBranch: string;
  htmlUrl: string;
  tag: string;
  /** A `/promote` command: may roll back and may replace a newer open PR. */
  explicit: boolean;
  release: { body: string | null; url: string | null };
  config: Pick<PromotionConfig, "discoveryReads" | "consumerReads" | "releaseNotesMaxLength">;
}

export type PromotionOutcome =
  | { target: string; status: "opened" | "updated"; pull: { number: number; url: string } }
  | { target: string; status: "skipped"; reason: string }
  | { target: string; status: "blocked"; reason: string; issue: number };

/** Attempts before giving up when another writer keeps opening the PR first. */
const ATTEMPTS = 3;

/**
 * One target's promotion, serialised per repository and target (redeliveries and concurrent releases queue up and
 * see each other's PR). Opening a PR that another instance opened meanwhile starts again from fresh state.
 */
export function promoteTarget(
  octokit: Octokit,
  request: PromotionRequest,
  target: PromotionTarget,
): Promise<PromotionOutcome> {
  const { repo } = request;
  return withKeyedLock(`${repo.owner}/${repo.repo}:promotion:${targetId(target)}`, async (lease) => {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const outcome = await attemptPromotion(octokit, request, target, lease);
      if (outcome !== "conflict") return outcome;
    }
    throw new Error(
      `promotion of ${request.tag} to ${targetId(target)}: the PR kept changing under ${ATTEMPTS} attempts`,
    );
  });
}

async function attemptPromotion(
  octokit: Octokit,
  request: PromotionRequest,
  target: PromotionTarget,
  lease: Lease,
): Promise<PromotionOutcome | "conflict"> {
  const { repo, tag } = request;
  const id = targetId(target);
  // 1. Gather: the default branch's commit and, meanwhile, the open promotion PR; then the target's file (its
  //    configured `path`, or the one file discovery finds in the tree).
  const [baseSha, openPull] = await Promise.all([
    getBranchSha(octokit, repo, request.defaultBranch),
    findOpenPull(octokit, repo, promotionBranch(target)),
  ]);
  const needsTree = !target.path || request.config.consumerReads > 0;
  const tree = needsTree ? await getTree(octokit, repo, baseSha) : null;
  const texts: FileTexts = new Map();
  const located = await locateTarget(octokit, request, target, baseSha, tree, texts);
  // 2. Decide (pure): skip, block, or write.
  const plan = planPromotion({
    target,
    tag,
    explicit: request.explicit,
    located,
    openPull: openPull && { ...openPull, tag: readPromotionTag(openPull.body) },
    repository: request.htmlUrl,
  });
  if (plan.action === "skip") return { target: id, status: "skipped", reason: plan.reason };
  if (plan.action === "block") {
    const issue = await upsertTrackingIssue(octokit, repo, plan.issue);
    return { target: id, status: "blocked", reason: plan.reason, issue: issue.number };
  }
  // 3. Describe the change: release notes and the Kustomizations it changes.
  const { edit, path, title } = plan;
  const body = renderPromotionBody({
    tag,
    from: edit.from,
    target: { ...describedTarget(target, path), displayName: targetDisplayName(target) },
    path,
    release: { ...request.release, maxLength: request.config.releaseNotesMaxLength },
    compareUrl: `${request.htmlUrl}/compare/${edit.fromRevision}...${tag}`,
    consumers: await describeConsumers(octokit, request, target, { ...edit, path }, tree, texts),
  });
  // 4. Write: one commit on the default branch's head, then the branch moves to it in one step (an open PR must
  //    never be left without commits: GitHub would close it for good).
  await lease.assertHeld();
  await commitFileOnBranch(octokit, repo, {
    branch: plan.branch,
    baseSha,
    path,
    text: edit.text,
    message: title,
    branchExists: openPull !== null,
  });
  // 5. The PR: the open one is moved to the new tag, else one is opened.
  let outcome: PromotionOutcome;
  if ("update" in plan.pull) {
    const { number, url } = plan.pull.update;
    await updatePull(octokit, repo, number, { title, body });
    outcome = { target: id, status: "updated", pull: { number, url } };
  } else {
    // "conflict": another delivery opened the PR meanwhile; the caller starts again and updates that one instead.
    const created = await createPull(octokit, repo, {
      head: plan.branch,
      base: request.defaultBranch,
      title,
      body,
      draft: target.draft,
    });
    if (created === "conflict") return "conflict";
    if (target.labels.length) await addLabels(octokit, repo, created.number, target.labels);
    if (target.reviewers.length || target.teamReviewers.length) {
      await requestReviewers(octokit, repo, created.number, {
        users: target.reviewers,
        teams: target.teamReviewers,
      });
    }
    outcome = { target: id, status: "opened", pull: created };
  }
  // 6. A promotion that was blocked before is no longer.
  await closeTrackingIssue(
    octokit,
    repo,
    plan.unblocks,
    `Unblocked: PR #${outcome.pull.number} promotes ${inlineCode(tag)}.`,
  );
  return outcome;
}

/** How the PR body names what moves: the object, or for a `File` target the file and the YAML path. */
const describedTarget = (target: PromotionTarget, path: string) =>
  target.kind === "File"
    ? { kind: "File", namespace: path, name: target.field ?? "" }
    : { kind: target.kind, namespace: target.namespace, name: target.name };

/** The configured file, or the one file among the likeliest files that holds the target (bounded reads). */
async function locateTarget(
  octokit: Octokit,
  request: PromotionRequest,
  target: PromotionTarget,
  baseSha: string,
  tree: RepoTree | null,
  texts: FileTexts,
): Promise<Result<{ path: string; text: string }, EditRefusal>> {
  if (target.path) {
    const file = await readFile(octokit, request.repo, target.path, baseSha);
    if (!file) {
      return err({
        code: "not-found",
        message: `The configured file ${inlineCode(target.path)} does not exist on \`${request.defaultBranch}\`; fix \`path\` of the target.`,
      });
    }
    return ok({ path: target.path, text: file.text });
  }
  const source = promotionSource(target);
  const paths = pathsWithin(tree!, MAX_MANIFEST_BYTES);
  const read = promotionDiscoveryFiles(paths, source, request.config.discoveryReads);
  const files = await readTexts(octokit, request, tree!, read, texts);
  const unread = promotionDiscoveryFiles(paths, source, Infinity).length - read.length;
  const found = discoverPromotionTargets(files, source, { repository: request.htmlUrl, unread });
  return found.ok ? ok({ path: found.value.path, text: found.value.text }) : found;
}

/** Flux Kustomizations using the source, and which of them the files changed between the two revisions touch. */
async function describeConsumers(
  octokit: Octokit,
  request: PromotionRequest,
  target: PromotionTarget,
  edit: RefEdit & { path: string },
  tree: RepoTree | null,
  texts: FileTexts,
) {
  if ((target.kind !== "GitRepository" && target.kind !== "OCIRepository") || !tree) return null;
  const candidates = rankConsumerCandidates(pathsWithin(tree, MAX_MANIFEST_BYTES));
  const read = candidates.slice(0, request.config.consumerReads);
  const files = await readTexts(octokit, request, tree, read, texts);
  // Every file read in this attempt (discovery's too) tells where other clusters' copies of the source are.
  const everyRead = [...texts].map(([path, text]) => ({ path, text }));
  const consumers = consumersOfCopy(
    findSourceConsumers(files, promotionSource(target)),
    everyRead,
    promotionSource(target),
    edit.path,
  );
  const changed = consumers.length
    ? await changedPaths(octokit, request.repo, edit.fromRevision, request.tag)
    : { files: [], complete: true, via: "compare" as const };
  return {
    changes: productionChanges(consumers, changed),
    all: listKustomizations(files),
    unread: candidates.length - read.length,
    incompleteReason: changed.complete
      ? null
      : "GitHub listed only part of the changed files (tree truncated); Kustomizations not matched are marked “may change”.",
  };
}

/** Files of the default branch's tree read during one attempt, by path: discovery's reads serve the consumers too. */
type FileTexts = Map<string, string>;

/** The texts of `paths` (in order), reading only those not read yet in this attempt. */
async function readTexts(
  octokit: Octokit,
  request: PromotionRequest,
  tree: RepoTree,
  paths: readonly string[],
  texts: FileTexts,
): Promise<Array<{ path: string; text: string }>> {
  const missing = paths.filter((path) => !texts.has(path));
  const read = await readBlobs(
    octokit,
    request.repo,
    missing.map((path) => ({ path, sha: tree.files.get(path)!.sha })),
    { cache: sharedBlobTexts },
  );
  for (const file of read) texts.set(file.path, file.text);
  return paths.map((path) => ({ path, text: texts.get(path)! }));
}
