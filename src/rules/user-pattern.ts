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
