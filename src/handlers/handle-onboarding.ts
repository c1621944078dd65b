import type { Context } from "probot";
import { configReadProblem } from "../config/load-config.js";
import { CONFIG_PATH } from "../config/schema.js";
import { readDefaultBranchConfig } from "../github/contents.js";
import { commitFileOnBranch, getBranchSha, getTree, readBlobs } from "../github/git-data.js";
import { createPull, findPullByHeadAnyState } from "../github/pulls.js";
import { getDefaultBranch } from "../github/repos.js";
import { statusOf, type Octokit, type RepoRef } from "../github/types.js";
import {
  ONBOARDING_BRANCH,
  ONBOARDING_TITLE,
  onboardingBody,
  renderConfigFile,
} from "../report/onboarding-report.js";
import { decideActivation } from "../rules/activation.js";
import { inferConfig } from "../rules/infer-config.js";
import { MAX_MANIFEST_BYTES } from "../rules/parse-manifests.js";
import { withKeyedLock } from "../util/keyed-lock.js";
import { mapConcurrent } from "../util/map-concurrent.js";

/** Installation events after which the repositories they name are offered an onboarding PR. */
export const ONBOARDING_EVENTS = ["installation.created", "installation_repositories.added"] as const;

/** YAML blobs read per repository for the inference (the shallowest first: Flux's and Argo CD's entry points). */
export const ONBOARDING_MAX_BLOBS = 100;
/** Repositories of one installation event looked at side by side. */
const REPO_CONCURRENCY = 2;

type InstallationPayload = {
  installation?: { id?: number };
  repositories?: Array<{ full_name?: string; name?: string }> | null;
  repositories_added?: Array<{ full_name?: string; name?: string }> | null;
};

/** Whether a pull-request event is about the onboarding PR (its Config check runs before the repository is active). */
export function isOnboardingPullEvent(payload: Record<string, unknown>): boolean {
  const p = payload as {
    pull_request?: { head?: { ref?: string } };
    check_suite?: { head_branch?: string | null };
    check_run?: { check_suite?: { head_branch?: string | null } };
  };
  const branch =
    p.pull_request?.head?.ref ?? p.check_suite?.head_branch ?? p.check_run?.check_suite?.head_branch;
  return branch === ONBOARDING_BRANCH;
}

/**
 * Onboarding (like Renovate): every repository an installation event names that is not active and holds Flux, Argo CD
 * or Cluster API manifests gets ONE pull request adding the configuration inferred from its tree.
 */
export async function handleOnboarding(context: Context<(typeof ONBOARDING_EVENTS)[number]>): Promise<void> {
  // 1. Which repositories does the event name?
  const payload = context.payload as InstallationPayload;
  const listed = (payload.repositories_added ?? payload.repositories ?? [])
    .map((r) => r.full_name?.split("/"))
    .filter((parts): parts is [string, string] => parts?.length === 2)
    .map(([owner, repo]) => ({ owner, repo }));
  const installationId = payload.installation?.id ?? null;
  // 2. Each on its own (one failing repository does not stop the others; the first error is thrown after).
  const errors: unknown[] = [];
  await mapConcurrent(listed, REPO_CONCURRENCY, async (repo) => {
    try {
      const outcome = await onboardRepository(context.octokit, repo, installationId);
      context.log.info({ repo: `${repo.owner}/${repo.repo}`, outcome }, `onboarding: ${outcome}`);
    } catch (error) {
      errors.push(error);
    }
  });
  if (errors.length) throw errors[0];
}

export type OnboardingOutcome =
  | "active"
  | "already-offered"
  | "empty"
  | "not-gitops"
  | "opened"
  | "opened-concurrently";

/** One repository's onboarding, under its identity lock: look up, gather, decide, write. */
export async function onboardRepository(
  octokit: Octokit,
  repo: RepoRef,
  installationId: number | null,
): Promise<OnboardingOutcome> {
  // 1. Active already (its own file, or the organization's list)? Nothing to offer.
  if (await isActive(octokit, repo, installationId)) return "active";
  return withKeyedLock(`${repo.owner}/${repo.repo}:onboarding`, async (lease) => {
    // 2. Offered before, in any state: open, merged, or closed unmerged ("not wanted", never reopened).
    if (await findPullByHeadAnyState(octokit, repo, ONBOARDING_BRANCH)) return "already-offered";
    // 3. The default branch's tree once, then a bounded number of YAML blobs.
    const defaultBranch = await getDefaultBranch(octokit, repo);
    if (!defaultBranch) return "empty";
    const headSha = await branchHead(octokit, repo, defaultBranch);
    if (!headSha) return "empty";
    const tree = await getTree(octokit, repo, headSha);
    const yaml = [...tree.files.values()]
      .filter((f) => /\.ya?ml$/i.test(f.path) && (f.size ?? 0) <= MAX_MANIFEST_BYTES)
      .sort((a, b) => a.path.split("/").length - b.path.split("/").length || a.path.localeCompare(b.path))
      .slice(0, ONBOARDING_MAX_BLOBS);
    const blobs = await readBlobs(octokit, repo, yaml);
    // 4. Decide: the pure inference, shared with `gitops-release-bot init`.
    const inference = inferConfig({
      paths: [...tree.files.keys()],
      texts: new Map(blobs.map((b) => [b.path, b.text])),
    });
    if (!inference.gitops) return "not-gitops";
    // 5. Write: one commit on the bot's branch, then the PR (a concurrent creation answers "already exists").
    await lease.assertHeld();
    await commitFileOnBranch(octokit, repo, {
      branch: ONBOARDING_BRANCH,
      baseSha: headSha,
      path: CONFIG_PATH,
      text: renderConfigFile(inference),
      message: ONBOARDING_TITLE,
      branchExists: false,
    });
    await lease.assertHeld();
    const pull = await createPull(octokit, repo, {
      head: ONBOARDING_BRANCH,
      base: defaultBranch,
      title: ONBOARDING_TITLE,
      body: onboardingBody(inference, repo, defaultBranch),
      draft: false,
    });
    return pull === "conflict" ? "opened-concurrently" : "opened";
  });
}

async function isActive(octokit: Octokit, repo: RepoRef, installationId: number | null): Promise<boolean> {
  try {
    const { files } = await readDefaultBranchConfig(octokit, repo, installationId);
    return decideActivation(repo, files).active;
  } catch (error) {
    // A file that cannot be parsed exists: the repository opted in (its checks report the problem).
    if (configReadProblem(error)) return true;
    throw error;
  }
}

/** The default branch's head commit, or null for an empty repository (409) or a missing branch (404). */
async function branchHead(octokit: Octokit, repo: RepoRef, branch: string): Promise<string | null> {
  try {
    return await getBranchSha(octokit, repo, branch);
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 409) return null;
    throw error;
  }
}
