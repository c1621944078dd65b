/**
 * Renders user data (titles, paths, values) as inline code that cannot break out of its fence, whatever backticks it
 * contains: the fence is one backtick longer than the longest run inside.
 */
export function inlineCode(text: string): string {
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
