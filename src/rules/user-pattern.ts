import { RE2JS } from "re2js";

/**
 * Every regular expression a user writes (configuration, CLI flags) runs here, on RE2 semantics: matching time is
 * linear in the text, whatever the pattern. So no pattern has to be refused as "catastrophic" and no title or path
 * can stall the process. RE2 syntax is JavaScript's minus backreferences (`\1`, `\k<name>`) and lookaround
 * (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`): https://github.com/google/re2/wiki/Syntax
 */
export interface UserPattern {
  /** The pattern as the user wrote it. */
  readonly source: string;
  /** Whether the pattern matches somewhere in `text` (or the whole of it, when compiled `whole`). */
  test(text: string): boolean;
  /** Capture groups of the first match (index 0 = the whole match), or null. */
  exec(text: string): Array<string | null> | null;
}

export type CompiledUserPattern = { ok: true; pattern: UserPattern } | { ok: false; message: string };

/** Longer patterns are a configuration mistake, not a need; the bound keeps compilation cheap too. */
export const MAX_USER_PATTERN_LENGTH = 1000;

/** The sentence every message about a user pattern ends with. */
export const USER_PATTERN_SYNTAX =
  "Patterns use RE2 syntax: JavaScript regular expressions without backreferences or lookaround.";

export interface UserPatternOptions {
  /** Match the whole text (`^(?:…)$`) rather than anywhere in it. */
  whole?: boolean;
  ignoreCase?: boolean;
}

export function compileUserPattern(source: string, options: UserPatternOptions = {}): CompiledUserPattern {
  if (source.length > MAX_USER_PATTERN_LENGTH)
    return {
      ok: false,
      message: `the pattern is ${source.length} characters long; the limit is ${MAX_USER_PATTERN_LENGTH}. Shorten it.`,
    };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(
      options.whole ? `^(?:${source})$` : source,
      options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0,
    );
  } catch (error) {
    return {
      ok: false,
      message: `not a valid pattern (${(error as Error).message}). ${USER_PATTERN_SYNTAX}`,
    };
  }
  return {
    ok: true,
    pattern: {
      source,
      test: (text) => compiled.matcher(text).find(),
      exec: (text) => {
        const matcher = compiled.matcher(text);
        if (!matcher.find()) return null;
        const groups: Array<string | null> = [];
        for (let group = 0; group <= matcher.groupCount(); group++) groups.push(matcher.group(group));
        return groups;
      },
    },
  };
}

/** The sentence every message about a user glob ends with. */
export const USER_GLOB_SYNTAX =
  "Globs support `*` (within a folder), `**` (any number of folders), `?`, `[abc]`/`[!abc]` and `{a,b}`; " +
  "extglobs (`+(…)`, `*(…)`, `?(…)`, `@(…)`, `!(…)`) and `!` negation are not supported.";

/**
 * A user's glob (picomatch-like, dot files included), translated to an RE2 pattern over the whole path, so matching
 * is linear in the path. Why not picomatch: its regular expressions use lookarounds (RE2 refuses them) and extglobs
 * like `+(a|aa)` backtrack exponentially on V8. What the translation does not support is refused with a message.
 */
export function compileUserGlob(glob: string): CompiledUserPattern {
  if (glob.length > MAX_USER_PATTERN_LENGTH)
    return {
      ok: false,
      message: `the glob is ${glob.length} characters long; the limit is ${MAX_USER_PATTERN_LENGTH}. Shorten it.`,
    };
  const translated = globToRe2(glob);
  if (!translated.ok) return { ok: false, message: `${translated.message} ${USER_GLOB_SYNTAX}` };
  const compiled = compileUserPattern(translated.source, { whole: true });
  if (!compiled.ok)
    return { ok: false, message: `not a valid glob (${compiled.message}) ${USER_GLOB_SYNTAX}` };
  return { ok: true, pattern: { ...compiled.pattern, source: glob } };
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;

function globToRe2(glob: string): { ok: true; source: string } | { ok: false; message: string } {
  if (glob.startsWith("!"))
    return { ok: false, message: "a leading `!` (negation) is not supported: list what is allowed instead." };
  let out = "";
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    const next = glob[i + 1];
    if ("+*?@!".includes(char) && next === "(")
      return {
        ok: false,
        message: `the extglob \`${char}(\` is not supported: use \`{a,b}\` or several globs.`,
      };
    if (char === "\\") {
      if (next === undefined) return { ok: false, message: "the glob ends with a lone `\\`." };
      out += next.replace(REGEX_SPECIAL, "\\$&");
      i++;
    } else if (char === "*") {
      let end = i;
      while (glob[end + 1] === "*") end++;
      const globstar = end > i;
      const atStart = i === 0 || glob[i - 1] === "/";
      const after = glob[end + 1];
      i = end;
      if (globstar && atStart && after === "/") {
        out += "(?:[^/]+/)*"; // `**/`: zero or more folders
        i++;
      } else if (globstar && atStart && after === undefined) {
        // `**` at the end: anything below; `a/**` matches the folder `a` itself too, as in picomatch.
        out = out.endsWith("/") ? `${out.slice(0, -1)}(?:/.*)?` : `${out}.*`;
      } else out += "[^/]*";
    } else if (char === "?") out += "[^/]";
    else if (char === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) return { ok: false, message: "a `[` has no closing `]`." };
      let body = glob.slice(i + 1, end);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      if (body.includes("["))
        return { ok: false, message: "POSIX classes (`[[:alpha:]]`) are not supported." };
      out += `[${body.replace(/\\(?!.)/g, "\\\\")}]`;
      i = end;
    } else if (char === "{") {
      braces++;
      out += "(?:";
    } else if (char === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (char === "," && braces > 0) out += "|";
    else out += char.replace(REGEX_SPECIAL, "\\$&");
  }
  if (braces > 0) return { ok: false, message: "a `{` has no closing `}`." };
  if (/\{[^{}]*\.\.[^{}]*\}/.test(glob))
    return { ok: false, message: "brace ranges (`{1..3}`) are not supported: list the values, `{1,2,3}`." };
  return { ok: true, source: out };
}
