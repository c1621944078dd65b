import {
  boundCommitMessage,
  parseConventionalCommit,
  splitPullRequestSuffix,
} from "../rules/parse-conventional-commit.js";

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
}

export interface CollectedEntries {
  entries: ReleaseEntry[];
  excluded: Array<{ number: number | null; sha: string; reason: "released" | "excluded-title" }>;
}

const HEADER = /^(\w*)(?:\(([^()]*)\))?(!)?: (.*)$/;

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
 * Turns the commits of a release range into note entries: one per PR number (the first commit naming it wins; a
 * range that re-lists a PR through rewritten history names it once), PRs already in the previous release and
 * excluded titles left out, commits without a PR kept as plain entries.
 */
export function collectReleaseEntries(
  commits: readonly ReleaseCommit[],
  options: CollectOptions,
): CollectedEntries {
  const entries: ReleaseEntry[] = [];
  const excluded: CollectedEntries["excluded"] = [];
  const seen = new Set<number>();
  for (const commit of commits) {
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
    const header = pr.body ? parseConventionalCommit(`${pr.title}\n\n${pr.body}`) : parseHeader(pr.title);
    entries.push({
      number: pr.number,
      sha: commit.sha,
      type: header.type,
      scope: header.scope,
      subject: header.type && header.subject ? header.subject : pr.title,
      breaking: header.breaking || /^\w+(\([^()]*\))?!:/.test(pr.title),
      author:
        pr.login !== null
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
