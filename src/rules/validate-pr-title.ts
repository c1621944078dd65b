import { inlineCode, markdownText } from "../util/markdown.js";
import type { PrTitleConfig } from "../config/sections/pr-title.js";
import { MAX_TITLE_LENGTH, parseConventionalCommit } from "./parse-conventional-commit.js";
import { compileUserPattern, type UserPattern } from "./user-pattern.js";

export interface TitleProblem {
  /** A stable rule id (commitlint's names where one exists). */
  rule: string;
  /** What is wrong, quoting the bad part, and how to fix it. */
  message: string;
}

export interface TitleVerdict {
  valid: boolean;
  type: string | null;
  scope: string | null;
  subject: string | null;
  breaking: boolean;
  problems: TitleProblem[];
  /** A corrected title, when one can be derived from what was written. */
  suggestion: string | null;
}

/** The title rules of the configuration: what validatePrTitle needs. */
export type TitleRules = Pick<
  PrTitleConfig,
  "types" | "requireScope" | "scopes" | "subjectCase" | "maxHeaderLength"
> &
  Partial<
    Pick<
      PrTitleConfig,
      "disallowScopes" | "scopeDelimiters" | "subjectPattern" | "subjectPatternError" | "allowReverts"
    >
  >;

/** GitHub's title for a revert PR: `Revert "<original title>"`. */
const REVERT_TITLE = /^Revert "(.+)"$/u;

/** Compiled user patterns by source, shared by every check (bounded: configurations hold a few dozen). */
const compiledPatterns = new Map<string, UserPattern>();
const COMPILED_LIMIT = 2_000;

function compiled(source: string): UserPattern {
  let pattern = compiledPatterns.get(source);
  if (!pattern) {
    const result = compileUserPattern(source, { whole: true });
    // The schema refuses patterns that do not compile; one reaching here matches nothing rather than throwing.
    pattern = result.ok ? result.pattern : { source, test: () => false, exec: () => null };
    if (compiledPatterns.size >= COMPILED_LIMIT) compiledPatterns.clear();
    compiledPatterns.set(source, pattern);
  }
  return pattern;
}

/** Whether `value` is one of the names, each a literal or a pattern over the whole value (literals need no RE2). */
const matchesAny = (value: string, sources: readonly string[]) =>
  sources.includes(value) || sources.some((source) => compiled(source).test(value));

/** The scopes a title's parentheses name: `core, e2e` → `["core", "e2e"]` with the delimiter `,`. */
export function splitScopes(scope: string, delimiters: readonly string[]): string[] {
  let parts = [scope];
  for (const delimiter of delimiters) parts = parts.flatMap((part) => part.split(delimiter));
  return parts.map((part) => part.trim());
}

/** Entries of a type or scope list that are plain names (not patterns): what suggestions may propose. */
const literals = (sources: readonly string[]) => sources.filter((source) => /^[\w-]+$/.test(source));

// Lenient reading used only to derive a suggestion: tolerates case, spaces around `:` and a missing space after it.
const LENIENT_HEADER = /^\s*([A-Za-z][\w-]*)\s*(?:\(\s*([^()]*?)\s*\))?\s*(!)?\s*:\s*(.*?)\s*$/su;

/** Checks a PR title (or a squash subject without its `(#N)`) against the naming convention. */
export function validatePrTitle(input: { title: string }, rules: TitleRules): TitleVerdict {
  const { title } = input;
  const problems: TitleProblem[] = [];
  const add = (rule: string, message: string) => problems.push({ rule, message });

  if (title.trim() === "") {
    add(
      "header-empty",
      `The title is empty. Write it as \`type(scope): subject\`, e.g. \`${rules.types[0]}: add x\`.`,
    );
    return verdict(problems, null, null, null, false, null);
  }
  // Bounded before any pattern runs: GitHub refuses longer PR titles, so longer text (a CLI argument, a commit
  // subject) is judged on its length alone.
  if (title.length > MAX_TITLE_LENGTH) {
    add(
      "header-max-length",
      `The title is ${title.length} characters long; GitHub allows at most ${MAX_TITLE_LENGTH} and this ` +
        `repository at most ${rules.maxHeaderLength}. Shorten the subject.`,
    );
    return verdict(problems, null, null, null, false, null);
  }
  if (rules.allowReverts && REVERT_TITLE.test(title)) {
    return verdict(problems, "revert", null, REVERT_TITLE.exec(title)![1]!, false, null);
  }
  if (/[\r\n]/.test(title)) add("header-single-line", "The title spans several lines: keep it on one line.");
  if (title !== title.trim()) add("header-trim", "The title starts or ends with white space: remove it.");

  const length = [...title.trim()].length;
  if (length > rules.maxHeaderLength) {
    add(
      "header-max-length",
      `The title is ${length} characters long; at most ${rules.maxHeaderLength} are allowed. Shorten the subject.`,
    );
  }

  const parsed = /[\r\n]/.test(title) ? null : parseConventionalCommit(title.trim());
  if (!parsed?.type || parsed.subject === null) {
    const suggestion = suggestTitle(title, rules);
    const example =
      suggestion ?? `<type>: ${lowerFirst(title.replace(/\s+/g, " ").trim()).replace(/[.\s]+$/u, "")}`;
    add(
      "header-format",
      `The title is not a Conventional Commits header \`type(scope): subject\`. Start it with an allowed type, an ` +
        `optional scope in parentheses, then \`: \` and a short lower-case subject, e.g. ${inlineCode(example)}` +
        (suggestion
          ? "."
          : ` where <type> is one of the allowed types (for example \`${rules.types.includes("chore") ? "chore" : rules.types[0]}\`).`),
    );
    return verdict(problems, null, null, null, false, suggestion);
  }

  const { type, scope, subject, breaking } = parsed;
  if (!matchesAny(type, rules.types)) {
    const lower = type.toLowerCase();
    if (matchesAny(lower, rules.types)) {
      add("type-case", `The type \`${type}\` must be lower-case: write \`${lower}\`.`);
    } else {
      const near = closestType(type, literals(rules.types));
      add(
        "type-enum",
        `The type \`${type}\` is not allowed${near ? `; did you mean \`${near}\`?` : "."} Use one of the allowed types.`,
      );
    }
  }
  if (/^[\w-]*\(\s*\)/.test(title.trim()))
    add("scope-empty", "The scope `()` is empty: name the area, or drop the parentheses.");
  if (scope === null && rules.requireScope) {
    add(
      "scope-required",
      `A scope is required: ${inlineCode(`${type}(<scope>): ${subject}`)}, naming the area the change touches.`,
    );
  }
  if (scope !== null && scope.trim() !== "") {
    const scopes = splitScopes(scope, rules.scopeDelimiters ?? [","]);
    if (scopes.some((s) => s === ""))
      add(
        "scope-empty",
        `The scope ${inlineCode(scope)} has an empty part: name each area once, e.g. ${inlineCode(scopes.filter(Boolean).join(rules.scopeDelimiters?.[0] ?? ","))}.`,
      );
    // An empty list is no restriction (commitlint's reading); `disallowScopes` forbids.
    const allowed = rules.scopes?.length ? rules.scopes : null;
    const notAllowed = allowed ? scopes.filter((s) => s !== "" && !matchesAny(s, allowed)) : [];
    if (notAllowed.length)
      add(
        "scope-enum",
        `The scope ${notAllowed.map((s) => inlineCode(s)).join(", ")} ${notAllowed.length > 1 ? "are" : "is"} not allowed. Allowed scopes: ${allowed!.map((s) => `\`${s}\``).join(", ")}.`,
      );
    const disallowed = scopes.filter((s) => s !== "" && matchesAny(s, rules.disallowScopes ?? []));
    if (disallowed.length)
      add(
        "scope-disallowed",
        `The scope ${disallowed.map((s) => inlineCode(s)).join(", ")} ${disallowed.length > 1 ? "are" : "is"} not allowed here (\`disallowScopes\`): name another area, or drop the scope.`,
      );
  }
  if (subject.trim() === "") {
    add("subject-empty", "The subject after `: ` is empty: say what the change does, e.g. `add x`.");
  } else {
    if (subject !== subject.trimStart()) add("subject-spacing", "Use exactly one space after the colon.");
    // A full stop, not an ellipsis (`…`, `...`): "wip on x..." trails off, it does not end a sentence.
    if (/(?<!\.)\.\s*$/.test(subject)) add("subject-full-stop", "The subject ends with a period: remove it.");
    if (rules.subjectCase === "lower" && isAllCaps(subject)) {
      add(
        "subject-case",
        `The subject is written in capitals: write it in lower case, e.g. ${inlineCode(subject.trim().toLowerCase())}.`,
      );
    } else if (rules.subjectCase === "lower" && /^\s*\p{Lu}\p{Ll}/u.test(subject)) {
      add(
        "subject-case",
        `The subject must start with a lower-case letter: ${inlineCode(lowerFirst(subject.trim()))}.`,
      );
    }
    if (rules.subjectPattern) {
      if (!compiled(rules.subjectPattern).test(subject.trim()))
        add(
          "subject-pattern",
          rules.subjectPatternError
            ? rules.subjectPatternError
                .replaceAll("{subject}", markdownText(subject.trim()))
                .replaceAll("{title}", markdownText(title))
            : `The subject ${inlineCode(subject.trim())} does not match the pattern ${inlineCode(rules.subjectPattern)} (\`subjectPattern\`).`,
        );
    }
  }
  const suggestion = problems.length ? suggestTitle(title, rules) : null;
  return verdict(problems, type, scope, subject, breaking, suggestion);
}

function verdict(
  problems: TitleProblem[],
  type: string | null,
  scope: string | null,
  subject: string | null,
  breaking: boolean,
  suggestion: string | null,
): TitleVerdict {
  return { valid: problems.length === 0, type, scope, subject, breaking, problems, suggestion };
}

/** Derives a corrected title from what was written, or null when no type can be inferred. */
export function suggestTitle(title: string, rules: TitleRules): string | null {
  if (title.length > MAX_TITLE_LENGTH) return null;
  const oneLine = title.replace(/\s+/g, " ").trim();
  const match = LENIENT_HEADER.exec(oneLine);
  if (!match) return null;
  const [, rawType = "", rawScope, bang, rawSubject = ""] = match;
  const type = matchesAny(rawType, rules.types)
    ? rawType
    : matchesAny(rawType.toLowerCase(), rules.types)
      ? rawType.toLowerCase()
      : closestType(rawType, literals(rules.types));
  if (!type) return null;
  // Drop a trailing full stop (and spaces), never an ellipsis.
  let subject = rawSubject
    .trimEnd()
    .replace(/(?<!\.)\.$/u, "")
    .trimEnd();
  if (rules.subjectCase === "lower")
    subject = isAllCaps(subject) ? subject.toLowerCase() : lowerFirst(subject);
  if (!subject) return null;
  const scope = rawScope ? `(${rawScope})` : "";
  const suggestion = `${type}${scope}${bang ?? ""}: ${subject}`;
  return suggestion === title ? null : suggestion;
}

/** A subject in capitals: two or more upper-case letters and no lower-case one (`FIX THE BUILD`, not `AWS support`). */
function isAllCaps(subject: string): boolean {
  return (
    !/\p{Ll}/u.test(subject) && (subject.match(/\p{Lu}/gu)?.length ?? 0) >= 2 && /\s/.test(subject.trim())
  );
}

/** Lower-cases the first letter unless the first word is an acronym (`AWS`, `EKS`). */
function lowerFirst(text: string): string {
  return /^\p{Lu}\p{Ll}/u.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function closestType(type: string, allowed: string[]): string | null {
  const candidate = type.toLowerCase();
  let best: { type: string; distance: number } | null = null;
  for (const option of allowed) {
    const distance = editDistance(candidate, option);
    if (distance <= 2 && (!best || distance < best.distance)) best = { type: option, distance };
  }
  return best?.type ?? null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}
