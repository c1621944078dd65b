import {
  boundCommitMessage,
  parseConventionalCommit,
  splitPullRequestSuffix,
} from "../rules/parse-conventional-commit.js";
import { matchTypeAlias, type TypeAlias } from "./type-aliases.js";

/** Who made a change: a GitHub login when known (the app), else the git author name (the CLI). */
export interface Contributor {
  login: string | null;
  name: string;
}

/** A commit of the release range, as the compare API or `git log` gives it. */
export interface ReleaseCommit {
  sha: string;
  /** Full message: subject, blank line, body. */
  message: string;
  author: Contributor;
  /**
   * Parent SHAs (first parent first), when known: with them, the branch commits of a PR merged with a merge commit
   * are recognised as that PR's and not listed again (see `pullRequestOwners`).
   */
  parents?: readonly string[];
  /** The PR found through the API's associated pull requests, for commits whose subject names none. */
  associatedPullRequest?: { number: number; title: string; login: string | null } | null;
}

/** One line of the notes: a pull request, or a plain commit when no PR is known. */
export interface ReleaseEntry {
  number: number | null;
  sha: string;
  type: string | null;
  scope: string | null;
  subject: string;
  breaking: boolean;
  author: Contributor | null;
}

export interface CollectOptions {
  /** PR numbers already released in the previous tag (left out). */
  releasedNumbers: ReadonlySet<number>;
  /** Titles matching any of these are left out (the bot's promotion PRs by default); user patterns run on RE2. */
  excludeTitles: ReadonlyArray<{ test(text: string): boolean }>;
  /** Title prefixes that stand for a type (`🐛 Fix x` is a `fix`), from `compileTypeAliases`. */
  typeAliases?: readonly TypeAlias[];
}

export interface CollectedEntries {
  entries: ReleaseEntry[];
  excluded: Array<{ number: number | null; sha: string; reason: "released" | "excluded-title" }>;
}

const HEADER = /^([\w-]*)(?:\(([^()]*)\))?(!)?: (.*)$/;

/**
 * A one-line title needs no footer parsing: match the header directly (the same pattern the full parser uses).
 * conventional-commits-parser also scans every line for issue references, which made it most of the CPU time of a
 * 10,000-commit release.
 */
function parseHeader(title: string): {
  type: string | null;
  scope: string | null;
  subject: string | null;
  breaking: boolean;
} {
  const match = HEADER.exec(title);
  if (!match) return { type: null, scope: null, subject: null, breaking: false };
  return {
    type: match[1] || null,
    scope: match[2] ?? null,
    subject: match[4] ?? null,
    breaking: Boolean(match[3]),
  };
}

const MERGE_COMMIT = /^Merge pull request #(\d+) from \S+/;

/** The PR number and title a commit stands for: squash `(#N)`, a merge commit, or the associated PR. */
export function pullRequestOfCommit(commit: ReleaseCommit): {
  number: number | null;
  title: string;
  body: string;
  login: string | null;
} {
  const message = boundCommitMessage(commit.message);
  const newline = message.indexOf("\n");
  const subject = newline < 0 ? message : message.slice(0, newline);
  const body = newline < 0 ? "" : message.slice(newline + 1).trim();
  const merge = MERGE_COMMIT.exec(subject);
  if (merge) {
    const [title = subject, ...mergeBody] = body.split("\n");
    return {
      number: Number(merge[1]),
      title: title.trim(),
      body: mergeBody.join("\n"),
      login: commit.author.login,
    };
  }
  const squash = splitPullRequestSuffix(subject.trim());
  if (squash.number !== null) return { ...squash, body, login: commit.author.login };
  const associated = commit.associatedPullRequest;
  if (associated)
    return {
      number: associated.number,
      title: associated.title,
      body,
      login: associated.login ?? commit.author.login,
    };
  return { number: null, title: subject.trim(), body, login: commit.author.login };
}

/**
 * The commits of a range that belong to a pull request merged with a merge commit (Cluster API, Hive, Flux's
 * examples merge that way): each commit reachable only through a PR's merge commit (its branch commits, merges of the
 * base into the branch, PRs merged into that branch) maps to the SHA of that merge commit. Needs `parents`; without a
 * merge commit in the range the map is empty.
 *
 * Like `git log --first-parent`: the first-parent chain from the range's head is the main line; oldest first, each
 * main-line commit claims what its other parents reach that nothing older claimed (what the merge brought in), and a
 * claimed branch is walked the same way, so the outermost PR merge owns everything under it. Linear in the range.
 */
export function pullRequestOwners(commits: readonly ReleaseCommit[]): Map<string, string> {
  const owners = new Map<string, string>();
  if (!commits.some((commit) => (commit.parents?.length ?? 0) > 1)) return owners;
  const bySha = new Map(commits.map((commit) => [commit.sha, commit]));
  const hasChild = new Set(commits.flatMap((commit) => commit.parents ?? []));
  const seen = new Set<string>();
  const isPullMerge = (commit: ReleaseCommit) =>
    (commit.parents?.length ?? 0) > 1 && pullRequestOfCommit(commit).number !== null;
  // Work items: walk the first-parent chain from `tip` under `owner`. A stack (no recursion), ordered so that an
  // older commit's branches are claimed before a newer one's.
  const work: Array<{ tip: string; owner: string | null }> = commits
    .filter((commit) => !hasChild.has(commit.sha))
    .reverse()
    .map((head) => ({ tip: head.sha, owner: null }));
  while (work.length) {
    const { tip, owner } = work.pop()!;
    const chain: ReleaseCommit[] = [];
    for (let sha: string | undefined = tip; sha !== undefined && !seen.has(sha); ) {
      const commit = bySha.get(sha);
      if (!commit) break; // outside the range (at or before the previous tag)
      seen.add(sha);
      chain.push(commit);
      sha = commit.parents?.[0];
    }
    const branches: Array<{ tip: string; owner: string | null }> = [];
    for (const commit of chain.reverse()) {
      if (owner !== null) owners.set(commit.sha, owner);
      const branchOwner = owner ?? (isPullMerge(commit) ? commit.sha : null);
      for (const parent of commit.parents?.slice(1) ?? []) branches.push({ tip: parent, owner: branchOwner });
    }
    work.push(...branches.reverse());
  }
  return owners;
}

/**
 * Turns the commits of a release range into note entries: one per PR number (the first commit naming it wins; a
 * range that re-lists a PR through rewritten history names it once), PRs already in the previous release and
 * excluded titles left out, commits without a PR kept as plain entries. The branch commits of a PR merged with a
 * merge commit are that PR's (`pullRequestOwners`): not listed again, and the PR's author is theirs (a merge commit's
 * author is whoever pressed the button, often a bot).
 */
export function collectReleaseEntries(
  commits: readonly ReleaseCommit[],
  options: CollectOptions,
): CollectedEntries {
  const entries: ReleaseEntry[] = [];
  const excluded: CollectedEntries["excluded"] = [];
  const seen = new Set<number>();
  const owners = pullRequestOwners(commits);
  const branchAuthor = new Map<string, Contributor>();
  for (const commit of commits) {
    const owner = owners.get(commit.sha);
    if (owner && (commit.parents?.length ?? 0) <= 1 && !branchAuthor.has(owner))
      branchAuthor.set(owner, commit.author);
  }
  for (const commit of commits) {
    if (owners.has(commit.sha)) continue;
    const pr = pullRequestOfCommit(commit);
    if (pr.number !== null) {
      if (seen.has(pr.number)) continue;
      seen.add(pr.number);
      if (options.releasedNumbers.has(pr.number)) {
        excluded.push({ number: pr.number, sha: commit.sha, reason: "released" });
        continue;
      }
    }
    if (options.excludeTitles.some((pattern) => pattern.test(pr.title))) {
      excluded.push({ number: pr.number, sha: commit.sha, reason: "excluded-title" });
      continue;
    }
    // An emoji or gitmoji prefix stands for a type; what follows may still be a Conventional header (`✨ feat: x`).
    const aliased = matchTypeAlias(pr.title, options.typeAliases ?? []);
    const title = aliased ? aliased.rest : pr.title;
    const header = pr.body ? parseConventionalCommit(`${title}\n\n${pr.body}`) : parseHeader(title);
    const author = branchAuthor.get(commit.sha);
    entries.push({
      number: pr.number,
      sha: commit.sha,
      type: header.type ?? aliased?.alias.type ?? null,
      scope: header.type ? header.scope : null,
      subject: header.type && header.subject ? header.subject : title,
      breaking: header.breaking || Boolean(aliased?.alias.breaking) || /^[\w-]+(\([^()]*\))?!:/.test(title),
      author: author
        ? author
        : pr.login !== null
          ? { login: pr.login, name: commit.author.name }
          : commit.author.name
            ? commit.author
            : null,
    });
  }
  return { entries, excluded };
}

/** The PR numbers a list of commits names (squash subjects, merge commits, associated PRs). */
export function pullRequestNumbers(commits: readonly ReleaseCommit[]): Set<number> {
  const numbers = new Set<number>();
  for (const commit of commits) {
    const { number } = pullRequestOfCommit(commit);
    if (number !== null) numbers.add(number);
  }
  return numbers;
}
