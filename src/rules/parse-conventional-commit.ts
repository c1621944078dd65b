import { CommitParser } from "conventional-commits-parser";

/** What a Conventional Commits header says, as far as it can be parsed. */
export interface ConventionalHeader {
  type: string | null;
  scope: string | null;
  subject: string | null;
  /** `!` in the header or a `BREAKING CHANGE:` footer in the body. */
  breaking: boolean;
}

// The parser's default header pattern does not accept `type(scope)!: subject`; both patterns share their groups so
// that `headerCorrespondence` maps them the same way whichever one matches. A type may hold dashes (`hot-fix`).
const parser = new CommitParser({
  headerPattern: /^([\w-]*)(?:\(([^()]*)\))?(!)?: (.*)$/,
  breakingHeaderPattern: /^([\w-]*)(?:\(([^()]*)\))?(!): (.*)$/,
  headerCorrespondence: ["type", "scope", "breaking", "subject"],
  noteKeywords: ["BREAKING CHANGE", "BREAKING-CHANGE"],
  issuePrefixes: ["#"],
});

/** Parses a commit message or PR title (header, optional body) with conventional-commits-parser. */
export function parseConventionalCommit(message: string): ConventionalHeader {
  const commit = parser.parse(message);
  const fields = commit as unknown as Record<string, string | null | undefined>;
  return {
    type: fields.type || null,
    scope: fields.scope ?? null,
    subject: fields.subject ?? null,
    breaking: commit.notes.some((note) => /^BREAKING[ -]CHANGE$/.test(note.title)),
  };
}

/** Splits the `(#N)` that GitHub appends to squash commit subjects: `fix: x (#13)` → `{ title: "fix: x", number: 13 }`. */
export function splitPullRequestSuffix(subject: string): { title: string; number: number | null } {
  const match = /^(.*?)\s*\(#(\d+)\)$/.exec(subject);
  return match ? { title: match[1] ?? "", number: Number(match[2]) } : { title: subject, number: null };
}
