/** What a Conventional Commits header says, as far as it can be parsed. */
export interface ConventionalHeader {
  type: string | null;
  scope: string | null;
  subject: string | null;
  /** `!` in the header or a `BREAKING CHANGE:` footer in the body. */
  breaking: boolean;
}

/** GitHub's own limit on a pull request title; longer titles and commit subjects are refused before any parsing. */
export const MAX_TITLE_LENGTH = 256;
/** Commit subjects are cut here before any parser runs: room for a full-length title, ` (#N)` and a margin. */
export const MAX_SUBJECT_LENGTH = 512;
/** Commit messages (subject and body) are cut here before any parser runs; footers beyond it are not read. */
export const MAX_MESSAGE_LENGTH = 64 * 1024;

/** Cuts text that entered from outside to `max` UTF-16 units (never splitting a surrogate pair). */
export function boundText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/u.test(cut) ? cut.slice(0, -1) : cut;
}

/** A commit message with its subject cut to MAX_SUBJECT_LENGTH and the whole to MAX_MESSAGE_LENGTH. */
export function boundCommitMessage(message: string): string {
  const newline = message.indexOf("\n");
  const subject = newline < 0 ? message : message.slice(0, newline);
  if (subject.length <= MAX_SUBJECT_LENGTH && message.length <= MAX_MESSAGE_LENGTH) return message;
  const rest = newline < 0 ? "" : message.slice(newline);
  return boundText(boundText(subject, MAX_SUBJECT_LENGTH) + rest, MAX_MESSAGE_LENGTH);
}

// Why not conventional-commits-parser: its issue-reference pattern (`(?:.*?)??\s*([\w-\.\/]*?)??(#)([\w-]+)…`) is
// about n³ on a line without spaces (0.8 s for a 1,000-character title, minutes for 3,000), and it runs on every
// line. This product reads only the header and the breaking-change footers, so it splits the lines itself and runs
// two anchored patterns, each linear in its line. The semantics are the parser's with the options this product
// used: header `type(scope)!: subject` (a scope without parentheses inside), and a `BREAKING CHANGE` or
// `BREAKING-CHANGE` footer keyword (upper case, optionally after `*`, `|` or spaces) followed by `:` or a space.
// A type may hold dashes (`hot-fix`).
const HEADER = /^([\w-]*)(?:\(([^()]*)\))?(!)?: (.*)$/;
const BREAKING_FOOTER = /^[\s|*]*BREAKING[ -]CHANGE[:\s]/;

/** Parses a commit message or PR title (header, optional body), bounded first (MAX_SUBJECT_LENGTH, MAX_MESSAGE_LENGTH). */
export function parseConventionalCommit(message: string): ConventionalHeader {
  const lines = boundCommitMessage(message.replace(/^(?:\r?\n)+/, "")).split(/\r?\n/);
  const header = lines[0] ?? "";
  const match = HEADER.exec(header);
  const bang = Boolean(match?.[3]);
  return {
    type: match?.[1] || null,
    scope: match?.[2] ?? null,
    subject: match?.[4] ?? null,
    breaking: bang || lines.slice(1).some((line) => BREAKING_FOOTER.test(line)),
  };
}

/** Splits the `(#N)` that GitHub appends to squash commit subjects: `fix: x (#13)` → `{ title: "fix: x", number: 13 }`. */
export function splitPullRequestSuffix(subject: string): { title: string; number: number | null } {
  // Found from the end and trimmed separately: `^(.*?)\s*\(#…` is quadratic on a long run of spaces.
  const text = boundText(subject, MAX_SUBJECT_LENGTH);
  const match = /\(#(\d{1,10})\)$/.exec(text);
  return match
    ? { title: text.slice(0, match.index).trimEnd(), number: Number(match[1]) }
    : { title: text, number: null };
}
