/**
 * Renders user data (titles, paths, values) as inline code that cannot break out of its fence, whatever backticks it
 * contains: the fence is one backtick longer than the longest run inside.
 */
export function inlineCode(input: string): string {
  // A line break inside a code span ends it at a blank line: code spans hold one line (control characters shown).
  const text = input.replace(CONTROL, (char) =>
    char === "\n" || char === "\r" || char === "\t" ? " " : "\uFFFD",
  );
  const longestRun = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(longestRun + 1);
  const pad = text.startsWith("`") || text.endsWith("`") || text === "" ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Byte length as GitHub counts its output limits (UTF-8). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Cuts text to at most maxBytes UTF-8 bytes without splitting a character, appending a note when cut. */
export function truncateUtf8(text: string, maxBytes: number, note = "\n\n… (truncated)"): string {
  if (utf8Length(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Length(note);
  let out = "";
  let used = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (used + size > budget) break;
    out += char;
    used += size;
  }
  return out + note;
}

// C0 and C1 control characters (ESC starts terminal sequences), and the bidirectional overrides that reorder text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/** U+200D ZERO WIDTH JOINER after `@`: reads the same, but GitHub no longer sees a mention (no notification). */
const MENTION_BREAK = "\u200d";

/** `@user` and `@org/team` in quoted text become inert: `@` followed by a zero-width joiner. */
export function neutraliseMentions(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9])/g, `@${MENTION_BREAK}`);
}

/**
 * GitHub Markdown (with HTML) for text written by someone else, placed inline: it renders as the same characters
 * and nothing else. HTML (`<img>`, `<!--`) becomes entities; Markdown punctuation (links `](…)`, emphasis, code
 * backticks, tables `|`) is backslash-escaped; line breaks and control characters become spaces; mentions are made
 * inert. Every renderer of the app's Markdown (checks, issues, comments, PR bodies, release notes) uses it, or
 * `inlineCode`, for user text.
 */
export function markdownText(text: string): string {
  return neutraliseMentions(
    text
      .replace(CONTROL, " ")
      .replace(/[\\`*_{}[\]()#+!|~]/g, "\\$&")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;"),
  );
}

/**
 * Quoted Markdown written by people who may write to the repository (a release body repeated in a promotion PR):
 * kept as Markdown, but its mentions are made inert and it cannot open an HTML comment that hides what follows.
 */
export function quotedMarkdown(text: string): string {
  return neutraliseMentions(text.replace(/<!--/g, "&lt;!--"));
}

/**
 * Text for a terminal: escape sequences (`\u001b[31m`), other control characters and bidirectional overrides are
 * shown as `\u001b`-style escapes instead of acting on the terminal. Line breaks and tabs, which the CLI's own
 * messages use, are kept; user text with line breaks (file names) is quoted with JSON.stringify by the commands.
 */
export function terminalText(text: string): string {
  return text.replace(CONTROL, (char) =>
    char === "\n" || char === "\t" ? char : `\\u${char.codePointAt(0)!.toString(16).padStart(4, "0")}`,
  );
}
