import { git } from "./history-repo.js";

/** GitHub's answers for a local repository, so that nock replies describe real history (compare, trees, commits). */
export const LOGIN = "berndonline";

/** `login`: the author's GitHub login, or a function of the author's name (null: no GitHub user). */
export function commitJson(
  dir: string,
  sha: string,
  login: string | null | ((name: string) => string | null) = LOGIN,
) {
  const [name = "", email = "", date = "", parents = "", message = ""] = git(dir, [
    "log",
    "-1",
    "--format=%an%x1f%ae%x1f%aI%x1f%P%x1f%B",
    sha,
  ]).split("\x1f");
  const user = typeof login === "function" ? login(name) : login;
  return {
    sha,
    commit: { message: message.trim(), author: { name, email, date } },
    author: user ? { login: user, id: 1, type: "User" } : null,
    parents: parents
      .split(" ")
      .filter(Boolean)
      .map((parent) => ({ sha: parent })),
  };
}

/** The compare API's JSON for `base...head` (all commits on one page; files relative to the merge base). */
export function compareJson(
  dir: string,
  base: string,
  head: string,
  login: string | null | ((name: string) => string | null) = LOGIN,
) {
  const revs = (range: string) => git(dir, ["rev-list", "--reverse", range]).split("\n").filter(Boolean);
  const ahead = revs(`${base}..${head}`);
  const behind = revs(`${head}..${base}`);
  const mergeBase = git(dir, ["merge-base", base, head]);
  const files = git(dir, ["diff", "--name-status", "-M", mergeBase, head])
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [status = "", a = "", b] = line.split("\t");
      return status.startsWith("R")
        ? { filename: b, previous_filename: a, status: "renamed" }
        : { filename: a, status: status === "A" ? "added" : status === "D" ? "removed" : "modified" };
    });
  return {
    status: behind.length ? (ahead.length ? "diverged" : "behind") : ahead.length ? "ahead" : "identical",
    ahead_by: ahead.length,
    behind_by: behind.length,
    total_commits: ahead.length,
    merge_base_commit: { sha: mergeBase },
    commits: ahead.map((sha) => commitJson(dir, sha, login)),
    files,
  };
}

/** The git trees API's recursive answer for a ref. */
export function treeJson(dir: string, ref: string) {
  const tree = git(dir, ["ls-tree", "-r", ref])
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [meta = "", path = ""] = line.split("\t");
      const [mode, type, sha] = meta.split(" ");
      return { path, mode, type, sha };
    });
  return { sha: git(dir, ["rev-parse", `${ref}^{tree}`]), truncated: false, tree };
}
