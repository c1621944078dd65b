import type { PrTitleConfig } from "../config/sections/pr-title.js";
import type { TitleVerdict } from "../rules/validate-pr-title.js";
import { inlineCode } from "../util/markdown.js";
import type { CheckResult } from "./check-result.js";

/** Check-run output for a title verdict: one-line title, then the title quoted, each problem, types and an example. */
export function reportPrTitle(
  title: string,
  verdict: TitleVerdict,
  rules: Pick<PrTitleConfig, "types" | "scopes" | "requireScope"> &
    Partial<Pick<PrTitleConfig, "disallowScopes" | "subjectPattern">>,
  what = "PR title",
): CheckResult {
  if (verdict.valid) {
    const parts = [
      `type \`${verdict.type}\``,
      verdict.scope ? `scope ${inlineCode(verdict.scope)}` : null,
    ].filter(Boolean);
    return {
      conclusion: "success",
      title: `The ${what} follows the naming convention`,
      summary: `${inlineCode(title)} is a valid Conventional Commits header (${parts.join(", ")}${verdict.breaking ? ", breaking change" : ""}).`,
    };
  }
  const first = verdict.problems[0]?.message ?? "The title does not follow the naming convention.";
  const summary = [
    `**${what}:** ${inlineCode(title)}`,
    "",
    "What to fix:",
    ...verdict.problems.map((p) => `- ${p.message} _(${p.rule})_`),
    "",
    verdict.suggestion ? `Suggested title: ${inlineCode(verdict.suggestion)}\n` : null,
    `The convention is \`type(scope): subject\`, e.g. \`tenants(dummy): increase compute quota\`.`,
    `Allowed types: ${rules.types.map((t) => `\`${t}\``).join(", ")}.`,
    rules.scopes?.length
      ? `Allowed scopes: ${rules.scopes.map((s) => `\`${s}\``).join(", ")}.`
      : rules.scopes
        ? "Any scope is allowed (`scopes: []` is no restriction)."
        : null,
    rules.disallowScopes?.length
      ? `Never allowed as a scope: ${rules.disallowScopes.map((s) => `\`${s}\``).join(", ")}.`
      : null,
    rules.subjectPattern ? `The subject matches \`${rules.subjectPattern}\`.` : null,
    rules.requireScope ? "A scope is required." : "The scope is optional.",
    "",
    "Edit the PR title on GitHub; the check runs again by itself.",
  ].filter((line) => line !== null);
  return {
    conclusion: "failure",
    title: oneLine(verdict.problems.length > 1 ? `${first} (+${verdict.problems.length - 1} more)` : first),
    summary: summary.join("\n"),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ");
}
