import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { toCommitInfo, type CommitInfo } from "../github/commits.js";

const run = promisify(execFile);

/** Runs git in `dir` without a shell: every argument is passed as data. */
async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd: dir, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" });
  return stdout;
}

/** Resolves a revision to a full commit SHA; throws with git's message when it does not exist. */
export async function resolveCommit(dir: string, revision: string): Promise<string> {
  return (
    await git(dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${revision}^{commit}`])
  ).trim();
}

/**
 * The commits of `git log <revisions>` (oldest first), with full SHAs, messages and parent counts. Records are
 * separated by NUL bytes, which a commit message cannot contain.
 */
export async function readCommits(dir: string, revisions: string[]): Promise<CommitInfo[]> {
  const out = await git(dir, [
    "log",
    "--reverse",
    "-z",
    "--format=%H%x1f%P%x1f%B",
    "--end-of-options",
    ...revisions,
  ]);
  return out
    .split("\0")
    .filter((record) => record.trim())
    .map((record) => {
      const [sha = "", parents = "", message = ""] = record.replace(/^\n/, "").split("\x1f");
      // toCommitInfo bounds the message before anything else reads it; then only the newlines git appends go.
      const commit = toCommitInfo(sha, message, parents.split(" ").filter(Boolean).length);
      let end = commit.message.length;
      while (end > 0 && commit.message[end - 1] === "\n") end--;
      return { ...commit, message: commit.message.slice(0, end) };
    });
}
