import { loadConfig } from "../config/load-config.js";
import type { LayoutConfig } from "../config/sections/layout.js";
import { upsertCheckRun } from "../github/checks.js";
import {
  listPullRequestFiles,
  PR_FILES_API_LIMIT,
  type ChangedFile,
  type PullRequestInfo,
} from "../github/pulls.js";
import { getMergeBase } from "../github/commits.js";
import { diffTrees, readBlobText, getTree, type RepoTree } from "../github/git-data.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { reportConfigProblems } from "../report/config-report.js";
import { reportLayout } from "../report/layout-report.js";
import {
  contextCandidates,
  evaluateLayout,
  hasUnknownKinds,
  isCrdCandidate,
  learnKindScopes,
  needsContent,
  parseManifestContents,
  type LayoutFile,
  type ManifestContent,
} from "../rules/evaluate-layout.js";
import { compileLayoutTemplates } from "../rules/layout-templates.js";
import { MAX_MANIFEST_BYTES } from "../rules/parse-manifests.js";
import type { RepositoryIdentity } from "../rules/flux-sources.js";
import { mapConcurrent } from "../util/map-concurrent.js";
import { pullRequestsToCheck, type PullRequestCheckContext } from "./pull-request-events.js";

export const FOLDER_LAYOUT_CHECK = "Folder layout";

/** Blob reads in flight at once: well within GitHub's secondary rate limits. */
const READ_CONCURRENCY = 8;
/** At most this many repository files are read to learn custom kinds from their CRDs. */
const MAX_CRD_FILES = 50;

/** The "Folder layout" check: every changed file in its place, every manifest where its scope says. */
export async function handleFolderLayout(context: PullRequestCheckContext): Promise<void> {
  // 1. Which PRs does this event concern? (Title edits too: the scope ↔ path rule reads the title.)
  const pulls = await pullRequestsToCheck(context, FOLDER_LAYOUT_CHECK, "title");
  if (!pulls.length) return;
  // 2. The repository's configuration (default branch).
  const config = await loadConfig(context);
  if (config.ok && !config.value.layout.enabled) return;
  const repo = context.repo();
  for (const pr of pulls) {
    const target = { ...repo, name: FOLDER_LAYOUT_CHECK, headSha: pr.headSha };
    if (!config.ok) {
      await upsertCheckRun(context.octokit, target, reportConfigProblems(config.error), {
        asOf: pr.updatedAt,
        event: context.payload,
      });
      continue;
    }
    const settings = config.value.layout;
    const layout = compileLayoutTemplates(settings);
    if (!layout.ok) throw new Error("layout configuration passed validation but does not compile");
    // 3. The changed files (the files API, or a tree diff beyond its 3000-file cap) and the head tree, side by side.
    const [head, listed] = await Promise.all([
      getTree(context.octokit, repo, pr.headSha),
      pr.changedFiles === null || pr.changedFiles <= PR_FILES_API_LIMIT
        ? listPullRequestFiles(context.octokit, repo, pr.number, context.payload)
        : null,
    ]);
    const { files, note } = await changedFilesOf(context, pr, head, listed);
    // 4. The changed manifests' contents, by blob SHA, a few at a time.
    const contents = await readManifests(context.octokit, repo, settings, files, head);
    const parsed = parseManifestContents(contents);
    // 5. Custom kinds not known yet: learn their scope from the repository's CRD files.
    const crdManifests = hasUnknownKinds(learnKindScopes(settings, parsed.values()), parsed.values())
      ? [
          ...parseManifestContents(
            await readCrdFiles(context.octokit, repo, settings, head, contents),
          ).values(),
        ]
      : [];
    // 6. A Flux Kustomization changed: read its folder's kustomization.yaml (patch lists) and GitRepository files
    //    (its source), so its path is checked only when the source is this repository on the PR's base branch.
    const contextFiles = await readFiles(
      context.octokit,
      repo,
      head,
      contextCandidates(settings, parsed, head.files.keys()),
    );
    // 7. Judge, then write the one check run of this SHA.
    const evaluation = evaluateLayout(
      layout.value,
      settings,
      {
        files: files.map(toLayoutFile),
        contents,
        crdManifests,
        directoryExists: (dir) => (head.directories.has(dir) ? true : head.truncated ? null : false),
        fileExists: fileExistsIn(head),
        contextFiles,
        repository: repositoryIdentity(context.payload.repository, pr.baseRef),
        title: pr.title,
      },
      parsed,
    );
    await upsertCheckRun(context.octokit, target, reportLayout(evaluation, note), {
      asOf: pr.updatedAt,
      event: context.payload,
    });
  }
}

/** The files API's list when it is whole, else the files that differ between the merge base's tree and the head's. */
async function changedFilesOf(
  context: PullRequestCheckContext,
  pr: PullRequestInfo,
  head: RepoTree,
  listed: { files: ChangedFile[]; complete: boolean } | null,
): Promise<{ files: ChangedFile[]; note?: string }> {
  const repo = context.repo();
  // At exactly the cap, the PR's own file count says whether the list is whole.
  if (listed && (listed.complete || listed.files.length === pr.changedFiles)) return { files: listed.files };
  const mergeBase = await getMergeBase(context.octokit, repo, pr.baseRef, pr.headSha);
  const base = await getTree(context.octokit, repo, mergeBase);
  const files = diffTrees(base, head);
  return {
    files,
    note: `This PR changes more files than GitHub's files API lists (${PR_FILES_API_LIMIT}): the ${files.length} changed files were found by comparing the trees of the merge base and the head.`,
  };
}

async function readManifests(
  octokit: Octokit,
  repo: RepoRef,
  settings: LayoutConfig,
  files: ChangedFile[],
  head: RepoTree,
): Promise<Map<string, ManifestContent>> {
  const wanted = files.filter((file) => needsContent(settings, toLayoutFile(file), fileExistsIn(head)));
  const read = await mapConcurrent(
    wanted,
    READ_CONCURRENCY,
    async (file): Promise<[string, ManifestContent] | null> => {
      const entry = head.files.get(file.filename);
      const size = entry?.size ?? null;
      const sha = file.sha ?? entry?.sha;
      if (size !== null && size > MAX_MANIFEST_BYTES) return [file.filename, { tooLarge: size }];
      if (!sha) return null;
      return [file.filename, { text: await readBlobText(octokit, repo, sha) }];
    },
  );
  return new Map(read.filter((entry) => entry !== null));
}

async function readCrdFiles(
  octokit: Octokit,
  repo: RepoRef,
  settings: LayoutConfig,
  head: RepoTree,
  alreadyRead: Map<string, ManifestContent>,
): Promise<Map<string, ManifestContent>> {
  const candidates = [...head.files.values()]
    .filter((file) => !alreadyRead.has(file.path) && isCrdCandidate(settings, file.path))
    .filter((file) => file.size === null || file.size <= MAX_MANIFEST_BYTES)
    .slice(0, MAX_CRD_FILES);
  const read = await mapConcurrent(
    candidates,
    READ_CONCURRENCY,
    async (file) => [file.path, { text: await readBlobText(octokit, repo, file.sha) }] as const,
  );
  return new Map(read);
}

/** Files of the head tree, by blob SHA, a few at a time (skipping those too large to parse). */
async function readFiles(
  octokit: Octokit,
  repo: RepoRef,
  head: RepoTree,
  paths: string[],
): Promise<Map<string, ManifestContent>> {
  const entries = paths
    .map((path) => head.files.get(path))
    .filter((file) => file !== undefined && (file.size === null || file.size <= MAX_MANIFEST_BYTES));
  const read = await mapConcurrent(
    entries,
    READ_CONCURRENCY,
    async (file) => [file!.path, { text: await readBlobText(octokit, repo, file!.sha) }] as const,
  );
  return new Map(read);
}

/** Every URL form of the repository the webhook is about, and the branch the PR merges into. */
function repositoryIdentity(
  repository: { clone_url?: string; ssh_url?: string; html_url?: string; git_url?: string } | undefined,
  branch: string,
): RepositoryIdentity {
  const urls = [repository?.clone_url, repository?.ssh_url, repository?.html_url, repository?.git_url];
  return { urls: urls.filter((url): url is string => typeof url === "string"), branch };
}

/** Whether a file exists at the head commit; null when GitHub cut the tree and it is not in it. */
function fileExistsIn(head: RepoTree): (path: string) => boolean | null {
  return (path) => (head.files.has(path) ? true : head.truncated ? null : false);
}

function toLayoutFile(file: ChangedFile): LayoutFile {
  return {
    path: file.filename,
    status: file.status,
    ...(file.previousFilename ? { previousPath: file.previousFilename } : {}),
  };
}
