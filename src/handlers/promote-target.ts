import type { PromotionConfig, PromotionTarget } from "../config/sections/promotion.js";
import {
  findSourceConsumers,
  productionChanges,
  rankConsumerCandidates,
} from "../gitops/find-source-consumers.js";
import { listKustomizations } from "../gitops/list-kustomizations.js";
import { rankTargetCandidates } from "../gitops/rank-target-candidates.js";
import { setSourceRef, type EditRefusal, type RefEdit, type SourceTarget } from "../gitops/set-source-ref.js";
import { readFile } from "../github/contents.js";
import { commitFileOnBranch, getBranchSha, getTree, readBlobs, type RepoTree } from "../github/git-data.js";
import { addLabels, closeTrackingIssue, upsertTrackingIssue } from "../github/issues.js";
import { createPull, findOpenPull, requestReviewers, updatePull } from "../github/pulls.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { readPromotionTag, renderBlockedIssue, renderPromotionBody } from "../report/promotion-body.js";
import {
  decidePromotion,
  promotionBranch,
  promotionTitle,
  targetDisplayName,
  targetId,
} from "../rules/plan-promotion.js";
import { type Lease, withKeyedLock } from "../util/keyed-lock.js";
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
  const branch = promotionBranch(target);
  // 1. The default branch's state (its commit, the tree when needed, the target's file) and, read meanwhile since it
  //    does not depend on it, the open promotion PR.
  const [baseSha, openPull] = await Promise.all([
    getBranchSha(octokit, repo, request.defaultBranch),
    findOpenPull(octokit, repo, branch),
  ]);
  const needsTree = !target.path || request.config.consumerReads > 0;
  const tree = needsTree ? await getTree(octokit, repo, baseSha) : null;
  const found = await locateTarget(octokit, request, target, baseSha, tree);
  // 2. Decide: blocked, nothing to do, or write.
  const openPullTag = readPromotionTag(openPull?.body);
  if (openPull && openPullTag === tag) {
    return { target: id, status: "skipped", reason: `PR #${openPull.number} already promotes \`${tag}\`` };
  }
  const decision = found.ok
    ? decidePromotion({ edit: found.value.edit, tag, openPullTag, explicit: request.explicit })
    : ({ action: "blocked", refusal: found.error } as const);
  if (decision.action === "skip") return { target: id, status: "skipped", reason: decision.reason };
  if (decision.action === "blocked" || !found.ok) {
    const reason = decision.action === "blocked" ? decision.refusal.message : "";
    const path = found.ok ? found.value.path : target.path;
    const issue = await upsertTrackingIssue(octokit, repo, {
      key: `promotion-blocked:${id}`,
      ...renderBlockedIssue({ targetId: id, displayName: targetDisplayName(target), tag, path, reason }),
    });
    return { target: id, status: "blocked", reason, issue: issue.number };
  }
  const { path } = found.value;
  const edit = decision.edit;
  // 3. Describe the change: release notes and the Kustomizations it changes.
  const title = promotionTitle(target, tag, edit.from.value);
  const body = renderPromotionBody({
    tag,
    from: edit.from,
    target: { ...sourceOf(target), displayName: targetDisplayName(target) },
    path,
    release: { ...request.release, maxLength: request.config.releaseNotesMaxLength },
    compareUrl: `${request.htmlUrl}/compare/${edit.from.value}...${tag}`,
    consumers: await describeConsumers(octokit, request, target, edit, tree),
  });
  // 4. Write: one commit on the default branch's head, then the branch moves to it in one step (an open PR must
  //    never be left without commits: GitHub would close it for good).
  await lease.assertHeld();
  await commitFileOnBranch(octokit, repo, {
    branch,
    baseSha,
    path,
    text: edit.text,
    message: title,
    branchExists: openPull !== null,
  });
  // 5. The PR: the open one is moved to the new tag, else one is opened.
  let outcome: PromotionOutcome;
  if (openPull) {
    await updatePull(octokit, repo, openPull.number, { title, body });
    outcome = { target: id, status: "updated", pull: { number: openPull.number, url: openPull.url } };
  } else {
    // "conflict": another delivery opened the PR meanwhile; the caller starts again and updates that one instead.
    const created = await createPull(octokit, repo, {
      head: branch,
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
    `promotion-blocked:${id}`,
    `Unblocked: PR #${outcome.pull.number} promotes ${inlineCode(tag)}.`,
  );
  return outcome;
}

const sourceOf = (target: PromotionTarget): SourceTarget => ({
  kind: target.kind,
  name: target.name,
  namespace: target.namespace,
  repoURL: target.repoURL,
});

interface LocatedTarget {
  path: string;
  edit: Result<RefEdit, EditRefusal>;
}

/** The configured file, or the first of the likeliest files that holds the target (bounded reads). */
async function locateTarget(
  octokit: Octokit,
  request: PromotionRequest,
  target: PromotionTarget,
  baseSha: string,
  tree: RepoTree | null,
): Promise<Result<LocatedTarget, EditRefusal>> {
  const source = sourceOf(target);
  const editOf = (text: string) =>
    setSourceRef(text, source, request.tag, { allowDowngrade: request.explicit });
  if (target.path) {
    const file = await readFile(octokit, request.repo, target.path, baseSha);
    if (!file) {
      return err({
        code: "not-found",
        message: `The configured file ${inlineCode(target.path)} does not exist on \`${request.defaultBranch}\`; fix \`path\` of the target.`,
      });
    }
    return ok({ path: target.path, edit: editOf(file.text) });
  }
  const candidates = rankTargetCandidates([...tree!.files.keys()], source).slice(
    0,
    request.config.discoveryReads,
  );
  for (const candidate of candidates) {
    const sha = tree!.files.get(candidate)!.sha;
    const [file] = await readBlobs(octokit, request.repo, [{ path: candidate, sha }]);
    const edit = editOf(file!.text);
    if (!edit.ok && (edit.error.code === "not-found" || edit.error.code === "invalid-yaml")) continue;
    return ok({ path: candidate, edit });
  }
  return err({
    code: "not-found",
    message:
      `No ${source.kind} ${inlineCode(`${source.namespace}/${source.name}`)} in the ${candidates.length} likeliest files` +
      ` (${candidates.slice(0, 5).map(inlineCode).join(", ")}${candidates.length > 5 ? ", …" : ""}). Set \`path\` of the target` +
      " in `.github/gitops-release-bot.yml` (`promotion.targets`), or check its `name`, `namespace` and `kind`.",
  });
}

/** Flux Kustomizations using the source, and which of them the files changed between the two revisions touch. */
async function describeConsumers(
  octokit: Octokit,
  request: PromotionRequest,
  target: PromotionTarget,
  edit: RefEdit,
  tree: RepoTree | null,
) {
  if (target.kind === "Application" || !tree) return null;
  const candidates = rankConsumerCandidates([...tree.files.keys()]);
  const read = candidates.slice(0, request.config.consumerReads);
  const files = await readBlobs(
    octokit,
    request.repo,
    read.map((path) => ({ path, sha: tree.files.get(path)!.sha })),
  );
  const consumers = findSourceConsumers(files, sourceOf(target));
  const changed = consumers.length
    ? await changedPaths(octokit, request.repo, edit.from.value, request.tag)
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
