// @ts-check
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { GIT_ENV } from "./history-repo.js";

export const ZERO_SHA = "0".repeat(40);
/** git's empty tree: the "parent" of a root commit in diffs. */
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/**
 * @typedef {{ name: string; email: string; date: string }} GitPerson
 * @typedef {{ sha: string; tree: string; parents: string[]; author: GitPerson; committer: GitPerson; message: string }} GitCommit
 * @typedef {{ mode: string; type: "blob" | "tree" | "commit"; sha: string; size: number | null; path: string }} GitTreeEntry
 * @typedef {{ filename: string; status: "added" | "removed" | "modified" | "renamed"; previous_filename?: string;
 *   sha: string | null; additions: number; deletions: number; changes: number; patch?: string }} GitFileChange
 */

/** A git failure with its exit code and stderr (callers map "not found" style failures to GitHub's answers). */
export class GitError extends Error {
  /** @param {string} message @param {number | null} code @param {string} stderr */
  constructor(message, code, stderr) {
    super(message);
    this.code = code;
    this.stderr = stderr;
  }
}

const COMMIT_FORMAT =
  ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join("%x00") + "%x1e";

/**
 * A git repository on disk driven by the git CLI (execFile, arguments as data, never a shell). Everything the fake
 * GitHub knows about code — refs, commits, trees, blobs, diffs, merges — comes from here, so it behaves like git.
 */
export class GitStore {
  /** @param {string} dir */
  constructor(dir) {
    this.dir = dir;
    this.indexCounter = 0;
  }

  /**
   * Runs git; resolves stdout (a Buffer when `binary`), rejects with GitError on a non-zero exit.
   * @param {string[]} args
   * @param {{ input?: string | Buffer; env?: Record<string, string>; binary?: boolean }} [options]
   * @returns {Promise<any>}
   */
  run(args, options = {}) {
    return new Promise((resolve, reject) => {
      const child = execFile(
        "git",
        args,
        {
          cwd: this.dir,
          env: { ...GIT_ENV, ...options.env },
          encoding: options.binary ? "buffer" : "utf8",
          maxBuffer: 256 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          if (error) {
            const code = typeof error.code === "number" ? error.code : null;
            reject(new GitError(`git ${args.join(" ")}: ${String(stderr).trim()}`, code, String(stderr)));
          } else resolve(stdout);
        },
      );
      // git may exit without reading its input (e.g. a failed rev-parse): that is not an error here.
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(options.input ?? "");
    });
  }

  /**
   * The commit a ref, tag or SHA names, or null.
   * @param {string} rev
   * @returns {Promise<string | null>}
   */
  async resolveCommit(rev) {
    if (!rev || rev.startsWith("-")) return null;
    try {
      return (await this.run(["rev-parse", "--verify", "-q", `${rev}^{commit}`])).trim();
    } catch {
      return null;
    }
  }

  /**
   * A branch name, tag name, full ref or SHA → commit SHA, the way GitHub resolves `ref` parameters.
   * @param {string} ref
   */
  async resolveRef(ref) {
    for (const candidate of [`refs/heads/${ref}`, `refs/tags/${ref}`, ref]) {
      const sha = await this.resolveCommit(candidate);
      if (sha) return sha;
    }
    return null;
  }

  /**
   * The object a full ref points at (for a lightweight tag: the commit), or null.
   * @param {string} ref
   */
  async refTarget(ref) {
    const lines = await this.refs(ref);
    return lines.find((r) => r.ref === ref) ?? null;
  }

  /**
   * Refs under a prefix (`refs/heads/`, `refs/tags/v`), sorted by name.
   * @param {string} prefix
   * @returns {Promise<Array<{ ref: string; sha: string; type: string }>>}
   */
  async refs(prefix) {
    const out = await this.run(["for-each-ref", "--format=%(refname) %(objectname) %(objecttype)"]);
    return out
      .split("\n")
      .filter(Boolean)
      .map((/** @type {string} */ line) => {
        const [ref = "", sha = "", type = ""] = line.split(" ");
        return { ref, sha, type };
      })
      .filter((/** @type {{ ref: string }} */ r) => r.ref.startsWith(prefix));
  }

  /**
   * Moves (or creates, with `expected` ZERO_SHA) a ref atomically; fails when the ref is not at `expected`.
   * @param {string} ref
   * @param {string} sha
   * @param {string} [expected]
   */
  async updateRef(ref, sha, expected) {
    await this.run(["update-ref", ref, sha, ...(expected ? [expected] : [])]);
  }

  /** @param {string} ref */
  async deleteRef(ref) {
    await this.run(["update-ref", "-d", ref]);
  }

  /** @param {string} ancestor @param {string} descendant */
  async isAncestor(ancestor, descendant) {
    try {
      await this.run(["merge-base", "--is-ancestor", ancestor, descendant]);
      return true;
    } catch {
      return false;
    }
  }

  /** @param {string} a @param {string} b @returns {Promise<string | null>} */
  async mergeBase(a, b) {
    try {
      return (await this.run(["merge-base", a, b])).trim();
    } catch {
      return null;
    }
  }

  /**
   * Commits as `git log` lists them for `revs` (e.g. `["base..head"]`), parsed.
   * @param {string[]} revs
   * @param {string[]} [options] extra log options (`--reverse`, `--no-walk`, `-n1`)
   * @returns {Promise<GitCommit[]>}
   */
  async log(revs, options = []) {
    const out = await this.run(["log", `--format=${COMMIT_FORMAT}`, ...options, ...revs, "--"]);
    return out
      .split("\x1e")
      .map((/** @type {string} */ chunk) => chunk.replace(/^\n/, ""))
      .filter(Boolean)
      .map((/** @type {string} */ chunk) => {
        const [
          sha = "",
          tree = "",
          parents = "",
          an = "",
          ae = "",
          ad = "",
          cn = "",
          ce = "",
          cd = "",
          ...rest
        ] = chunk.split("\x00");
        return {
          sha,
          tree,
          parents: parents.split(" ").filter(Boolean),
          author: { name: an, email: ae, date: ad },
          committer: { name: cn, email: ce, date: cd },
          message: rest.join("\x00").replace(/\n$/, ""),
        };
      });
  }

  /** @param {string} sha @returns {Promise<GitCommit | null>} */
  async commit(sha) {
    const resolved = await this.resolveCommit(sha);
    if (!resolved) return null;
    return (await this.log([resolved], ["--no-walk"]))[0] ?? null;
  }

  /**
   * Commits reachable from `head` and not from `base`, oldest first (as GitHub's compare and PR commits list them).
   * @param {string} base @param {string} head
   */
  commitsBetween(base, head) {
    return this.log([`${base}..${head}`], ["--reverse", "--topo-order"]);
  }

  /**
   * Entries of a tree (`rev` is a commit or tree), optionally recursive (trees included, like GitHub's recursive tree).
   * @param {string} rev
   * @param {{ recursive?: boolean; path?: string }} [options]
   * @returns {Promise<GitTreeEntry[]>}
   */
  async lsTree(rev, options = {}) {
    const args = ["ls-tree", "-l", "-z", ...(options.recursive ? ["-r", "-t"] : []), rev];
    if (options.path) args.push("--", options.path);
    const out = await this.run(args);
    return out
      .split("\x00")
      .filter(Boolean)
      .map((/** @type {string} */ line) => {
        const tab = line.indexOf("\t");
        const [mode = "", type = "", sha = "", size = ""] = line.slice(0, tab).split(/\s+/);
        return {
          mode,
          type: /** @type {GitTreeEntry["type"]} */ (type),
          sha,
          size: size === "-" ? null : Number(size),
          path: line.slice(tab + 1),
        };
      });
  }

  /** @param {string} sha @returns {Promise<string | null>} */
  async objectType(sha) {
    try {
      return (await this.run(["cat-file", "-t", sha])).trim();
    } catch {
      return null;
    }
  }

  /** @param {string} sha @returns {Promise<Buffer>} */
  readBlob(sha) {
    return this.run(["cat-file", "blob", sha], { binary: true });
  }

  /**
   * The file or folder at `filePath` in commit `rev`: `{ type: "file", entry }`, `{ type: "dir", entries }`, or null.
   * @param {string} rev @param {string} filePath
   * @returns {Promise<{ type: "file"; entry: GitTreeEntry } | { type: "dir"; entries: GitTreeEntry[] } | null>}
   */
  async pathAt(rev, filePath) {
    const clean = filePath.replace(/^\/+|\/+$/g, "");
    if (!clean) return { type: "dir", entries: await this.lsTree(rev) };
    const [entry] = await this.lsTree(rev, { path: clean });
    if (!entry || entry.path !== clean) return null;
    if (entry.type === "tree") return { type: "dir", entries: await this.lsTree(rev, { path: `${clean}/` }) };
    return { type: "file", entry };
  }

  /** @param {string | Buffer} content @returns {Promise<string>} */
  async writeBlob(content) {
    return (await this.run(["hash-object", "-w", "--stdin"], { input: content })).trim();
  }

  /**
   * A new tree: `base` (a tree or commit, or null for empty) with entries set (sha) or removed (sha null).
   * Uses a throwaway index file, so concurrent writes never share state.
   * @param {string | null} base
   * @param {Array<{ path: string; sha: string | null; mode?: string }>} changes
   * @returns {Promise<string>}
   */
  async writeTree(base, changes) {
    const index = path.join(this.dir, `grb-index-${process.pid}-${++this.indexCounter}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await this.run(base ? ["read-tree", base] : ["read-tree", "--empty"], { env });
      const lines = changes.map((c) =>
        c.sha ? `${c.mode ?? "100644"} ${c.sha}\t${c.path}` : `0 ${ZERO_SHA}\t${c.path}`,
      );
      if (lines.length)
        await this.run(["update-index", "--index-info"], { env, input: `${lines.join("\n")}\n` });
      return (await this.run(["write-tree"], { env })).trim();
    } finally {
      rmSync(index, { force: true });
    }
  }

  /**
   * A new commit object (no ref moves).
   * @param {{ tree: string; parents: string[]; message: string; author: GitPerson; committer?: GitPerson }} commit
   * @returns {Promise<string>}
   */
  async commitTree({ tree, parents, message, author, committer = author }) {
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: author.date,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
      GIT_COMMITTER_DATE: committer.date,
    };
    const args = ["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-F", "-"];
    return (await this.run(args, { env, input: message })).trim();
  }

  /**
   * The tree of merging `head` into `base` (git merge-tree), or null on conflicts.
   * @param {string} base @param {string} head
   */
  async mergeTree(base, head) {
    try {
      return (await this.run(["merge-tree", "--write-tree", base, head])).split("\n")[0]?.trim() ?? null;
    } catch {
      return null;
    }
  }

  /**
   * Files changed from `base` to `head` (rename detection on), with line counts and unified patches, like
   * GitHub's compare and PR files.
   * @param {string} base @param {string} head
   * @returns {Promise<GitFileChange[]>}
   */
  async diff(base, head) {
    const raw = await this.run(["diff", "--raw", "--numstat", "-z", "-M", "--no-abbrev", base, head]);
    const patchText = await this.run(["diff", "-M", "--no-color", "--no-ext-diff", base, head]);
    const patches = splitPatches(patchText);
    const parts = raw.split("\x00");
    /** @type {GitFileChange[]} */
    const files = [];
    let i = 0;
    // --raw records come first (":old new shaA shaB S", path[, path]), then numstat records.
    while (i < parts.length && parts[i]?.startsWith(":")) {
      const [, , , shaB = "", statusField = ""] = (parts[i] ?? "").slice(1).split(" ");
      const letter = statusField[0];
      if (letter === "R" || letter === "C") {
        files.push(change("renamed", parts[i + 2] ?? "", shaB, parts[i + 1]));
        i += 3;
      } else {
        const status = letter === "A" ? "added" : letter === "D" ? "removed" : "modified";
        files.push(change(status, parts[i + 1] ?? "", letter === "D" ? null : shaB));
        i += 2;
      }
    }
    // numstat with -z: "adds\tdels\tpath" or, for renames, "adds\tdels\t" then old and new paths.
    let f = 0;
    while (i < parts.length && f < files.length) {
      const field = parts[i] ?? "";
      if (!field) {
        i++;
        continue;
      }
      const [adds = "0", dels = "0", filePath = ""] = field.split("\t");
      const file = /** @type {GitFileChange} */ (files[f]);
      file.additions = adds === "-" ? 0 : Number(adds);
      file.deletions = dels === "-" ? 0 : Number(dels);
      file.changes = file.additions + file.deletions;
      i += filePath ? 1 : 3;
      f++;
    }
    files.forEach((file, index) => {
      const patch = patches[index];
      if (patch !== undefined) file.patch = patch;
    });
    return files;
  }

  /** Removes the repository's folder. */
  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * @param {GitFileChange["status"]} status @param {string} filename @param {string | null} sha @param {string} [from]
 * @returns {GitFileChange}
 */
function change(status, filename, sha, from) {
  return {
    filename,
    status,
    ...(from ? { previous_filename: from } : {}),
    sha,
    additions: 0,
    deletions: 0,
    changes: 0,
  };
}

/**
 * One hunk text per file of a unified diff (from the first `@@`), in the diff's order; undefined for binary files.
 * @param {string} text
 * @returns {Array<string | undefined>}
 */
function splitPatches(text) {
  if (!text) return [];
  return text
    .split(/^diff --git .*$/m)
    .slice(1)
    .map((section) => {
      const at = section.indexOf("\n@@");
      return at < 0 ? undefined : section.slice(at + 1).replace(/\n$/, "");
    });
}
