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
import {
  blobBatches,
  diffTrees,
  getTree,
  readBlobTexts,
  type BlobText,
  type RepoTree,
  type TreeFile,
} from "../github/git-data.js";
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
  type LayoutFile,
  type ManifestContent,
} from "../rules/evaluate-layout.js";
import { compileLayoutTemplates } from "../rules/layout-templates.js";
import { MAX_MANIFEST_BYTES, type ParsedManifest } from "../rules/parse-manifests.js";
import type { RepositoryIdentity } from "../rules/flux-sources.js";
import { manifestParser } from "../runtime/manifest-parser.js";
import { pullRequestsToCheck, type PullRequestCheckContext } from "./pull-request-events.js";

export const FOLDER_LAYOUT_CHECK = "Folder layout";

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
    // 4. The changed manifests, read in batches and parsed off the main thread as they arrive.
    const manifests = await readManifests(
      context.octokit,
      repo,
      files
        .filter((file) => needsContent(settings, toLayoutFile(file), fileExistsIn(head)))
        .map((file) => blobOf(file, head)),
    );
    // 5. Custom kinds not known yet: learn their scope from the repository's CRD files.
    const crdManifests = hasUnknownKinds(
      learnKindScopes(settings, manifests.parsed.values()),
      manifests.parsed.values(),
    )
      ? [
          ...(
            await readManifests(context.octokit, repo, crdFilesOf(settings, head, manifests.parsed))
          ).parsed.values(),
        ]
      : [];
    // 6. A Flux Kustomization changed: read its folder's kustomization.yaml (patch lists) and GitRepository files
    //    (its source), so its path is checked only when the source is this repository on the PR's base branch.
    const contextFiles = await readFiles(
      context.octokit,
      repo,
      head,
      contextCandidates(settings, manifests.parsed, head.files.keys()),
    );
    // 7. Judge, then write the one check run of this SHA.
    const evaluation = evaluateLayout(
      layout.value,
      settings,
      {
        files: files.map(toLayoutFile),
        contents: manifests.tooLarge,
        crdManifests,
        directoryExists: (dir) => (head.directories.has(dir) ? true : head.truncated ? null : false),
        fileExists: fileExistsIn(head),
        contextFiles,
        repository: repositoryIdentity(context.payload.repository, pr.baseRef),
        title: pr.title,
      },
      manifests.parsed,
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

/** A file to read: its blob, and its size when the tree says it. */
interface ManifestBlob {
  path: string;
  sha: string | null;
  size: number | null;
}

function blobOf(file: ChangedFile, head: RepoTree): ManifestBlob {
  const entry = head.files.get(file.filename);
  return { path: file.filename, sha: file.sha ?? entry?.sha ?? null, size: entry?.size ?? null };
}

/** Files whose name says CRD, not read yet, within the size limit: at most `MAX_CRD_FILES`. */
function crdFilesOf(
  settings: LayoutConfig,
  head: RepoTree,
  alreadyRead: Map<string, ParsedManifest>,
): ManifestBlob[] {
  return [...head.files.values()]
    .filter((file) => !alreadyRead.has(file.path) && isCrdCandidate(settings, file.path))
    .filter((file) => file.size === null || file.size <= MAX_MANIFEST_BYTES)
    .slice(0, MAX_CRD_FILES);
}

/**
 * Reads manifests in GraphQL batches and parses each on the parser's thread as its batch arrives, while the next
 * batch downloads. Only parsed results are kept: a PR of 500 manifests of 50 KB holds one batch of text at a time,
 * never 500 syntax trees, and the main thread never parses.
 */
async function readManifests(
  octokit: Octokit,
  repo: RepoRef,
  blobs: ManifestBlob[],
): Promise<{ parsed: Map<string, ParsedManifest>; tooLarge: Map<string, ManifestContent> }> {
  const parsed = new Map<string, ParsedManifest>();
  const tooLarge = new Map<string, ManifestContent>();
  const readable: Array<ManifestBlob & { sha: string }> = [];
  for (const blob of blobs) {
    if (blob.size !== null && blob.size > MAX_MANIFEST_BYTES)
      tooLarge.set(blob.path, { tooLarge: blob.size });
    else if (blob.sha) readable.push({ ...blob, sha: blob.sha });
  }
  const batches = blobBatches(readable);
  const read = (batch: ManifestBlob[] | undefined) => {
    if (!batch) return null;
    const texts = readBlobTexts(octokit, repo, [...new Set(batch.map((blob) => blob.sha as string))]);
    texts.catch(() => {}); // awaited below; a failure while the previous batch parses must not go unhandled
    return texts;
  };
  let next = read(batches[0]);
  for (const [i, batch] of batches.entries()) {
    const texts = (await next) as Map<string, BlobText>;
    next = read(batches[i + 1]);
    await Promise.all(
      batch.map(async (blob) => {
        const { text, byteSize } = texts.get(blob.sha) ?? { text: null, byteSize: 0 };
        if (byteSize > MAX_MANIFEST_BYTES) tooLarge.set(blob.path, { tooLarge: byteSize });
        else if (text === null) parsed.set(blob.path, binaryFile(blob.path));
        else parsed.set(blob.path, await manifestParser().parse(blob.path, text));
      }),
    );
  }
  return { parsed, tooLarge };
}

/** GitHub calls the blob binary: it cannot be a manifest, and saying so beats passing it silently. */
function binaryFile(path: string): ParsedManifest {
  return {
    objects: [],
    findings: [
      {
        path,
        line: 1,
        column: 1,
        rule: "not-parsed",
        severity: "warning",
        message:
          "Not checked: GitHub reports this file as binary, not text. Save it as UTF-8 text, or rename it so it does not end like a manifest.",
      },
    ],
  };
}

/** Files of the head tree as text, read in GraphQL batches (skipping those too large to parse). */
async function readFiles(
  octokit: Octokit,
  repo: RepoRef,
  head: RepoTree,
  paths: string[],
): Promise<Map<string, ManifestContent>> {
  const entries = paths
    .map((path) => head.files.get(path))
    .filter((file) => file !== undefined && (file.size === null || file.size <= MAX_MANIFEST_BYTES));
  const contents = new Map<string, ManifestContent>();
  for (const batch of blobBatches(entries as TreeFile[])) {
    const texts = await readBlobTexts(octokit, repo, [...new Set(batch.map((file) => file.sha))]);
    for (const file of batch) {
      const text = texts.get(file.sha)?.text;
      if (typeof text === "string") contents.set(file.path, { text });
    }
  }
  return contents;
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
