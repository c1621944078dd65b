import { mapConcurrent } from "../util/map-concurrent.js";
import { LruCache } from "../util/lru-cache.js";
import type { ChangedFile } from "./pulls.js";
import { statusOf, type Octokit, type RepoRef } from "./types.js";
import { asRateLimitError } from "./commits.js";
import type { ConditionalReader } from "./conditional-reads.js";

/** A file of a commit's tree. */
export interface TreeFile {
  path: string;
  sha: string;
  size: number | null;
}

/** Every file and folder of a commit; `truncated` when GitHub cut the listing (over 100,000 entries or 7 MB). */
export interface RepoTree {
  files: Map<string, TreeFile>;
  directories: Set<string>;
  truncated: boolean;
}

/**
 * The paths of the tree's files that are at most `maxBytes` (or of unknown size): the files worth reading as
 * manifests. A larger blob is never asked for: its base64 answer would be a string octokit's JSON parser cannot read
 * (it throws on strings of about 8 MB) and no manifest the bot edits or reads is that large.
 */
export function pathsWithin(tree: RepoTree, maxBytes: number): string[] {
  return [...tree.files.values()].filter((f) => f.size === null || f.size <= maxBytes).map((f) => f.path);
}

/** Reads the whole tree of a commit (or tag, or tree) in one recursive request. */
export async function getTree(octokit: Octokit, repo: RepoRef, treeish: string): Promise<RepoTree> {
  const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: treeish, recursive: "1" });
  const files = new Map<string, TreeFile>();
  const directories = new Set<string>();
  for (const entry of data.tree) {
    if (!entry.path || !entry.sha) continue;
    if (entry.type === "tree") directories.add(entry.path);
    else if (entry.type === "blob")
      files.set(entry.path, { path: entry.path, sha: entry.sha, size: entry.size ?? null });
  }
  return { files, directories, truncated: Boolean(data.truncated) };
}

/**
 * The files that differ between two trees, as the PR files API would list them (without rename detection: a moved
 * file is `removed` at its old path and `added` at its new one).
 */
export function diffTrees(base: RepoTree, head: RepoTree): ChangedFile[] {
  const changed: ChangedFile[] = [];
  for (const [path, file] of head.files) {
    const before = base.files.get(path);
    if (!before) changed.push({ filename: path, status: "added", sha: file.sha });
    else if (before.sha !== file.sha) changed.push({ filename: path, status: "modified", sha: file.sha });
  }
  for (const path of base.files.keys()) {
    if (!head.files.has(path)) changed.push({ filename: path, status: "removed", sha: null });
  }
  return changed;
}

/** A blob's text (UTF-8, a BOM kept) by SHA: any size up to 100 MB, one request, no ref resolution. */
export async function readBlobText(octokit: Octokit, repo: RepoRef, sha: string): Promise<string> {
  return (await readBlobBytes(octokit, repo, sha)).toString("utf8");
}

/** A blob's bytes by SHA (`GET /git/blobs/{sha}`). */
async function readBlobBytes(octokit: Octokit, repo: RepoRef, sha: string): Promise<Buffer> {
  const { data } = await octokit.rest.git.getBlob({ ...repo, file_sha: sha });
  return Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8");
}

/** A blob's text as GraphQL returns it: null when GitHub calls it binary (or it is missing). */
export interface BlobText {
  text: string | null;
  byteSize: number;
}

/**
 * GraphQL answers many blobs in one query (one rate-limit point) where REST needs one request each. A batch stops at
 * 100 objects or about 1 MB of text, whichever comes first: far inside GitHub's node limit (500,000), and small enough
 * that one answer is parsed quickly and never holds much memory.
 */
export const BLOB_BATCH = { maxObjects: 100, maxBytes: 1024 * 1024, restAtMost: 4 } as const;

/** Groups blobs into batches within `BLOB_BATCH`, in order; a blob of unknown size counts as 64 KB. */
export function blobBatches<T extends { size: number | null }>(blobs: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const blob of blobs) {
    const size = blob.size ?? 64 * 1024;
    if (current.length && (current.length >= BLOB_BATCH.maxObjects || bytes + size > BLOB_BATCH.maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(blob);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches;
}

export function blobTextsQuery(count: number): string {
  const variables = Array.from({ length: count }, (_, i) => `$b${i}: GitObjectID!`).join(", ");
  const fields = Array.from({ length: count }, (_, i) => `    b${i}: object(oid: $b${i}) { ...text }`).join(
    "\n",
  );
  return `query blobTexts($owner: String!, $name: String!, ${variables}) {
  repository(owner: $owner, name: $name) {
${fields}
  }
}
fragment text on Blob { text isTruncated byteSize }`;
}

/**
 * Many blobs' texts by SHA in one GraphQL query (see `BLOB_BATCH` for the size of a batch). A blob GitHub cuts short
 * (`isTruncated`) is read again whole through REST, so the text is always complete. A few blobs
 * (`BLOB_BATCH.restAtMost`) are read through REST instead: the throttling plugin paces every GraphQL query like a
 * write (one token of the installation's write bucket), while reads are not paced, so a small PR's one or two
 * manifests would otherwise wait behind the check-run writes.
 */
export async function readBlobTexts(
  octokit: Octokit,
  repo: RepoRef,
  shas: readonly string[],
): Promise<Map<string, BlobText>> {
  if (!shas.length) return new Map();
  if (shas.length <= BLOB_BATCH.restAtMost) {
    const bytes = await Promise.all(shas.map((sha) => readBlobBytes(octokit, repo, sha)));
    return new Map(
      shas.map((sha, i) => {
        const blob = bytes[i]!;
        // Binary as git decides it (a NUL byte in the first 8,000 bytes), like GraphQL's `Blob.text: null`.
        const binary = blob.subarray(0, 8000).includes(0);
        return [sha, { text: binary ? null : blob.toString("utf8"), byteSize: blob.length }];
      }),
    );
  }
  type GraphQlBlob = { text: string | null; isTruncated: boolean; byteSize: number } | null;
  // The answer is read raw and parsed with JSON.parse: octokit's parser (json-with-bigint) runs a regular expression
  // over the whole text first, which holds the main thread for hundreds of milliseconds on a megabyte of YAML.
  const { data: stream } = await octokit.request(`POST ${graphqlUrl(octokit)}`, {
    query: blobTextsQuery(shas.length),
    variables: {
      owner: repo.owner,
      name: repo.repo,
      ...Object.fromEntries(shas.map((sha, i) => [`b${i}`, sha])),
    },
    request: { parseSuccessResponseBody: false },
  });
  const answer = JSON.parse(await new Response(stream as unknown as ReadableStream).text()) as {
    data?: { repository: Record<string, GraphQlBlob> | null };
    errors?: Array<{ type?: string; message?: string }>;
  };
  if (answer.errors?.length) throw asRateLimitError(graphqlError(answer.errors));
  const repository = answer.data?.repository ?? null;
  const texts = new Map<string, BlobText>();
  for (const [i, sha] of shas.entries()) {
    const blob = repository?.[`b${i}`] ?? null;
    if (!blob) texts.set(sha, { text: null, byteSize: 0 });
    else if (blob.isTruncated && blob.text !== null)
      texts.set(sha, { text: await readBlobText(octokit, repo, sha), byteSize: blob.byteSize });
    else texts.set(sha, { text: blob.text, byteSize: blob.byteSize });
  }
  return texts;
}

/** Where GraphQL lives: `/graphql` on github.com, `/api/graphql` beside GHE's `/api/v3` (as @octokit/graphql does). */
function graphqlUrl(octokit: Octokit): string {
  const baseUrl = octokit.request.endpoint.DEFAULTS.baseUrl;
  return /\/api\/v3\/?$/.test(baseUrl) ? baseUrl.replace(/\/api\/v3\/?$/, "/api/graphql") : "/graphql";
}

/** The error octokit's GraphQL client throws, for an answer read raw: rate-limit handling reads its `errors`. */
function graphqlError(errors: Array<{ type?: string; message?: string }>): Error {
  return Object.assign(new Error(`GraphQL: ${errors.map((e) => e.message).join("; ")}`), {
    name: "GraphqlResponseError",
    errors,
  });
}

/**
 * Blob texts by SHA, per process and bounded, for the features that read the default branch's files again and again
 * (promotion, the dashboard): a blob's SHA names its content, so an entry is never stale.
 */
export const sharedBlobTexts = new LruCache<string>(8 * 1024 * 1024);

/**
 * Reads many blobs, `concurrency` at a time (GitHub's secondary rate limits punish bursts). With `cache`, blobs already
 * read are not read again (a blob's SHA names its content) and each is remembered as soon as it arrives, so a retry
 * after a failure (a rate limit on the 40th read) reads only the rest.
 */
export function readBlobs(
  octokit: Octokit,
  repo: RepoRef,
  files: ReadonlyArray<{ path: string; sha: string }>,
  options: { concurrency?: number; cache?: LruCache<string> } = {},
): Promise<Array<{ path: string; text: string }>> {
  const { concurrency = 6, cache } = options;
  return mapConcurrent(files, concurrency, async (file) => {
    const known = cache?.get(file.sha);
    if (known !== undefined) return { path: file.path, text: known };
    const text = await readBlobText(octokit, repo, file.sha);
    cache?.set(file.sha, text, text.length);
    return { path: file.path, text };
  });
}

/** The commit a branch points to. */
export async function getBranchSha(octokit: Octokit, repo: RepoRef, branch: string): Promise<string> {
  const { data } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
  return data.object.sha;
}

/** Whether a tag exists. */
export async function tagExists(octokit: Octokit, repo: RepoRef, tag: string): Promise<boolean> {
  try {
    await octokit.rest.git.getRef({ ...repo, ref: `tags/${tag}` });
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/** Points the bot's branch at `sha` (created, or moved with force: the branch is bot-owned, one commit on base). */
async function pointBranchAt(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  sha: string,
  knownToExist: boolean,
): Promise<void> {
  if (!knownToExist) {
    try {
      await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
      return;
    } catch (error) {
      if (statusOf(error) !== 422) throw error; // 422: the branch exists (left over, or made concurrently)
    }
  }
  await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: true });
}
/**
 * Makes the bot's branch ONE commit on `baseSha` that writes `text` to `path`, with a single move of the branch.
 * The commit is built first (Git data API), then the branch is pointed at it: resetting the branch to the base and
 * committing after would leave an open PR without commits for a moment, and GitHub closes such a PR for good.
 * The file's text was read at `baseSha`, so the commit is consistent by construction (no blob-SHA lock needed).
 * The file keeps the regular-file mode `100644` (a release manifest is not executable).
 */
export async function commitFileOnBranch(
  octokit: Octokit,
  repo: RepoRef,
  change: {
    branch: string;
    baseSha: string;
    path: string;
    text: string;
    message: string;
    branchExists: boolean;
  },
): Promise<string> {
  const { data: base } = await octokit.rest.git.getCommit({ ...repo, commit_sha: change.baseSha });
  const { data: tree } = await octokit.rest.git.createTree({
    ...repo,
    base_tree: base.tree.sha,
    tree: [{ path: change.path, mode: "100644", type: "blob", content: change.text }],
  });
  const { data: commit } = await octokit.rest.git.createCommit({
    ...repo,
    message: change.message,
    tree: tree.sha,
    parents: [change.baseSha],
  });
  await pointBranchAt(octokit, repo, change.branch, commit.sha, change.branchExists);
  return commit.sha;
}

// Read conditionally (If-None-Match with the stored ETag; a 304 is free) for the reconciliation sweep, which keeps
// only the reduced view it compares.

/**
 * The commit a branch points to, read conditionally (the sweep's first read: an unchanged branch is a 304), or null
 * when the repository is empty (GitHub answers 409) or the branch is missing (404).
 */
export async function readBranchHead(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<string | null> {
  return reader
    .get(
      octokit,
      "GET /repos/{owner}/{repo}/git/ref/{ref}",
      { ...repo, ref: `heads/${branch}` },
      (data) => (data as { object: { sha: string } }).object.sha,
    )
    .catch((error: unknown) => {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 409) return null;
      throw error;
    });
}

/**
 * The files of a commit's tree that `pick` keeps (with their blob SHAs), read conditionally: only the picked
 * entries are kept between sweeps, never the whole tree. `variant` names the pick.
 */
export async function pickTreeFiles(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  pick: (paths: string[]) => string[],
  variant: string,
): Promise<Array<{ path: string; sha: string }>> {
  return reader.get(
    octokit,
    "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
    { ...repo, tree_sha: sha, recursive: "1" },
    (data) => {
      const blobs = new Map(
        (data as { tree: Array<{ path?: string; sha?: string; type?: string }> }).tree
          .filter((entry) => entry.type === "blob" && entry.path && entry.sha)
          .map((entry) => [entry.path!, entry.sha!]),
      );
      return pick([...blobs.keys()]).map((path) => ({ path, sha: blobs.get(path)! }));
    },
    variant,
  );
}

/** A blob's text reduced by `reduce` (blobs never change: after the first read, every read is a 304). */
export async function readBlobReduced<T>(
  reader: ConditionalReader,
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  reduce: (text: string) => T,
  variant: string,
): Promise<T> {
  return reader.get(
    octokit,
    "GET /repos/{owner}/{repo}/git/blobs/{file_sha}",
    { ...repo, file_sha: sha },
    (data) => {
      const blob = data as { content: string; encoding: string };
      return reduce(
        Buffer.from(blob.content, blob.encoding === "base64" ? "base64" : "utf8").toString("utf8"),
      );
    },
    variant,
  );
}

/** The commit a tag points to (an annotated tag is followed to its commit), or null when there is no such tag. */
export async function getTagCommitSha(octokit: Octokit, repo: RepoRef, tag: string): Promise<string | null> {
  try {
    const { data } = await octokit.rest.git.getRef({ ...repo, ref: `tags/${tag}` });
    if (data.object.type !== "tag") return data.object.sha;
    const { data: annotated } = await octokit.rest.git.getTag({ ...repo, tag_sha: data.object.sha });
    return annotated.object.sha;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/** Creates a lightweight tag at `sha`; "exists" when the tag is already there (GitHub answers 422). */
export async function createTag(
  octokit: Octokit,
  repo: RepoRef,
  tag: string,
  sha: string,
): Promise<"created" | "exists"> {
  try {
    await octokit.rest.git.createRef({ ...repo, ref: `refs/tags/${tag}`, sha });
    return "created";
  } catch (error) {
    if (statusOf(error) === 422) return "exists";
    throw error;
  }
}
