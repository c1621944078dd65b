import { boundCommitMessage } from "../rules/parse-conventional-commit.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ReleaseCommit } from "../notes/collect-release-entries.js";

const run = promisify(execFile);

/** Runs git in `dir` without a shell (arguments are data, never parsed by a shell). */
// Every revision comes after `--end-of-options`: tag names and refs come from the repository, and one that starts
// with `-` must stay a revision, never become a git option (`--output=…`).
export async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", args, {
    cwd: dir,
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
  return stdout;
}

const FIELD = "\x1f";
const RECORD = "\x1e";

/** Commits of a revision range (`a..b`, or a single ref), oldest first, with their parents. */
export async function localCommits(dir: string, range: string[]): Promise<ReleaseCommit[]> {
  const out = await git(dir, [
    "log",
    "--reverse",
    `--format=%H${FIELD}%P${FIELD}%an${FIELD}%B${RECORD}`,
    "--end-of-options",
    ...range,
    "--",
  ]);
  return out
    .split(RECORD)
    .map((record) => record.replace(/^\n/, ""))
    .filter(Boolean)
    .map((record) => {
      const [sha = "", parents = "", name = "", message = ""] = record.split(FIELD);
      return {
        sha,
        message: boundCommitMessage(message).trim(),
        author: { login: null, name },
        parents: parents.split(" ").filter(Boolean),
      };
    });
}

/** Every tag of the local repository. */
export async function localTags(dir: string): Promise<string[]> {
  return (await git(dir, ["for-each-ref", "--format=%(refname:strip=2)", "refs/tags/"]))
    .split("\n")
    .filter(Boolean);
}

/** Paths that differ between two refs (renames as delete + add), or every path of `head` when there is no base. */
export async function localChangedPaths(dir: string, base: string | null, head: string): Promise<string[]> {
  const out = base
    ? await git(dir, ["diff", "--name-only", "--no-renames", "-z", "--end-of-options", base, head, "--"])
    : await git(dir, ["ls-tree", "-r", "--name-only", "-z", "--end-of-options", head]);
  return out.split("\0").filter(Boolean);
}

/** Author names of every commit reachable from `ref`. */
export async function localAuthorNames(dir: string, ref: string): Promise<Set<string>> {
  return new Set(
    (await git(dir, ["log", "--format=%an", "--end-of-options", ref, "--"])).split("\n").filter(Boolean),
  );
}

/** The repository's github.com address when the `origin` remote is a GitHub repository; null otherwise. */
export async function localHtmlUrl(dir: string): Promise<string | null> {
  let url = "";
  try {
    url = (await git(dir, ["remote", "get-url", "origin"])).trim();
  } catch {
    // No origin remote: plain `#N` references (GitHub links them when the text is pasted into a release).
  }
  const match =
    /^(?:https:\/\/github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(
      url,
    );
  return match ? `https://github.com/${match[1]}` : null;
}
