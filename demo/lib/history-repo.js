// @ts-check
// Plain ESM so that both the jest tests (through test/helpers/history-repo.ts) and `npm run demo` use it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The real repository's history (copied from ../shared/fixtures so the tests run without it). */
export const HISTORY_FILE = fileURLToPath(
  new URL("../../test/fixtures/k8s-gitops-at-scale/history.json", import.meta.url),
);

/** @typedef {{ name: string; email: string; date: string }} Person */
/**
 * @typedef {{ sha: string; parents: string[]; author: Person; committer: Person; subject: string; body: string;
 *   changes: Array<{ status: "A" | "M" | "D" | "R"; path: string; from?: string; content?: string }> }} HistoryCommit
 */
/** @typedef {{ refs: Record<string, string>; commits: HistoryCommit[] }} History */

/** @returns {History} */
export function loadHistory(file = HISTORY_FILE) {
  return JSON.parse(readFileSync(file, "utf8"));
}

/**
 * The history as it stood at an earlier moment: a copy with `refs` set (to original SHAs) or removed (`null`), and
 * without the commits that no remaining ref reaches, so that nothing from "the future" is left in the repository
 * (e.g. main back at #13, before tag v0.0.3 and its promotion PR #14).
 * @param {History} history
 * @param {Record<string, string | null>} refs
 * @returns {History}
 */
export function rewindHistory(history, refs) {
  const bySha = new Map(history.commits.map((commit) => [commit.sha, commit]));
  /** @type {Record<string, string>} */
  const kept = {};
  for (const [ref, sha] of Object.entries({ ...history.refs, ...refs })) {
    if (sha === null) continue;
    if (!bySha.has(sha)) throw new Error(`${ref}: commit ${sha} is not in the history`);
    kept[ref] = sha;
  }
  const reachable = new Set();
  const stack = Object.values(kept);
  while (stack.length) {
    const sha = /** @type {string} */ (stack.pop());
    if (reachable.has(sha)) continue;
    reachable.add(sha);
    stack.push(...(bySha.get(sha)?.parents ?? []));
  }
  return { refs: kept, commits: history.commits.filter((commit) => reachable.has(commit.sha)) };
}

/** The environment git runs in: no user or system configuration, never a prompt. */
export const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
};

/**
 * Runs git without a shell (arguments are data); returns trimmed stdout.
 * @param {string} dir
 * @param {string[]} args
 * @param {string} [input]
 */
export function git(dir, args, input) {
  return execFileSync("git", args, {
    cwd: dir,
    input,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: GIT_ENV,
  }).trim();
}

/**
 * Rebuilds the history as a real git repository in a temp folder with `git fast-import`: same trees, parents, authors,
 * committers, dates and messages. GitHub signed its squash commits, so the rebuilt SHAs differ from the originals:
 * `shaOf` maps an original SHA to the rebuilt one. All refs of the history (main, tags, `refs/pull/N/head`) are made.
 * Returns the folder (a non-bare repository with main checked out unless `checkout: false`) and a cleanup function.
 * @param {{ history?: History; checkout?: boolean }} [options]
 * @returns {{ dir: string; history: History; shaOf: (originalSha: string) => string; cleanup: () => void }}
 */
export function buildHistoryRepo(options = {}) {
  const history = options.history ?? loadHistory();
  const dir = mkdtempSync(path.join(tmpdir(), "grb-history-"));
  git(dir, ["init", "-q", "-b", "main"]);
  /** @type {Map<string, number>} */
  const marks = new Map();
  /** @type {string[]} */
  const chunks = [];
  /** @param {string} text */
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  /** @type {Map<string, string>} */
  const blobs = new Map();
  history.commits.forEach((commit, index) => {
    const mark = index + 1;
    marks.set(commit.sha, mark);
    const message = `${commit.body ? `${commit.subject}\n\n${commit.body}` : commit.subject}\n`;
    chunks.push(`commit refs/grb/import\nmark :${mark}\n`);
    chunks.push(`author ${person(commit.author)}\ncommitter ${person(commit.committer)}\n`);
    chunks.push(data(message));
    const [first, ...others] = commit.parents;
    if (first) chunks.push(`from :${marks.get(first)}\n`);
    else chunks.push("deleteall\n");
    for (const other of others) chunks.push(`merge :${marks.get(other)}\n`);
    for (const change of commit.changes) {
      if (change.status === "D") {
        chunks.push(`D ${quotePath(change.path)}\n`);
        continue;
      }
      if (change.status === "R" && change.from) chunks.push(`D ${quotePath(change.from)}\n`);
      const content = change.content ?? (change.from ? blobs.get(change.from) : undefined);
      if (content === undefined) throw new Error(`no content for ${change.path} in ${commit.sha}`);
      blobs.set(change.path, content);
      chunks.push(`M 100644 inline ${quotePath(change.path)}\n${data(content)}`);
    }
    chunks.push("\n");
  });
  for (const [ref, sha] of Object.entries(history.refs)) {
    const mark = marks.get(sha);
    if (mark) chunks.push(`reset ${ref}\nfrom :${mark}\n\n`);
  }
  for (const [sha, mark] of marks) chunks.push(`reset refs/grb/original/${sha}\nfrom :${mark}\n\n`);
  git(dir, ["fast-import", "--quiet", "--date-format=raw"], chunks.join(""));
  const rebuilt = new Map(
    git(dir, ["for-each-ref", "--format=%(refname) %(objectname)", "refs/grb/original/"])
      .split("\n")
      .map((line) => line.split(" "))
      .map(([ref = "", sha = ""]) => [ref.slice("refs/grb/original/".length), sha]),
  );
  const scratchRefs = git(dir, ["for-each-ref", "--format=delete %(refname)", "refs/grb/"]);
  if (scratchRefs) git(dir, ["update-ref", "--stdin"], `${scratchRefs}\n`);
  if (options.checkout !== false) git(dir, ["checkout", "-q", "-f", "main"]);
  /** @param {string} original */
  const shaOf = (original) => {
    const sha = rebuilt.get(original);
    if (!sha) throw new Error(`commit ${original} is not in the history`);
    return sha;
  };
  return { dir, history, shaOf, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** @param {Person} p */
function person(p) {
  const date = new Date(p.date);
  const offset = /([+-])(\d\d):?(\d\d)$/.exec(p.date);
  const tz = offset ? `${offset[1]}${offset[2]}${offset[3]}` : "+0000";
  return `${p.name} <${p.email}> ${Math.floor(date.getTime() / 1000)} ${tz}`;
}

/** @param {string} file */
function quotePath(file) {
  return /^[\w./@+-]+$/.test(file) ? file : JSON.stringify(file);
}
