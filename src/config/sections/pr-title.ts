import { z } from "zod";
import { compileUserPattern } from "../../rules/user-pattern.js";

/** A type or scope: a literal (`feat`, `hot-fix`) or a pattern over the whole of it (`[A-Z]+-\\d+`), run on RE2. */
const namePattern = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    const compiled = compileUserPattern(source, { whole: true });
    if (!compiled.ok) ctx.addIssue({ code: "custom", message: compiled.message });
  });

/** Types of the real platform repository plus the Conventional Commits defaults. */
export const DEFAULT_TYPES = [
  "feat",
  "fix",
  "chore",
  "docs",
  "refactor",
  "perf",
  "test",
  "build",
  "ci",
  "revert",
  "providers",
  "tenants",
  "features",
];

export const prTitleSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the "PR title" check on pull requests.'),
    types: z
      .array(
        namePattern.refine(
          (source) => !/\s/.test(source),
          "a type has no spaces: a name (`feat`, `hot-fix`) or a pattern (`[A-Z]+-\\d+`)",
        ),
      )
      .min(1)
      .default(DEFAULT_TYPES)
      .describe(
        "Allowed Conventional Commits types, case-sensitive (`Feat` fails and suggests `feat`). Each is a literal (`feat`, `hot-fix`) or a pattern matched against the whole type (RE2 syntax, e.g. `[A-Z]+-\\d+` for ticket keys).",
      ),
    requireScope: z
      .boolean()
      .default(false)
      .describe("Require a scope: `tenants(dummy): …` passes, `tenants: …` fails."),
    scopes: z
      .array(namePattern)
      .nullable()
      .default(null)
      .describe(
        "Allowed scopes, each a literal or a pattern matched against the whole scope (RE2 syntax, e.g. `[A-Z]+-\\d+`). `null` (the default) and `[]` allow any scope, as in commitlint: an empty list is no restriction (use `disallowScopes` to forbid). Several scopes in one title (`fix(core,e2e): …`) are each checked.",
      ),
    disallowScopes: z
      .array(namePattern)
      .default([])
      .describe(
        'Scopes that are never allowed, literals or patterns over the whole scope (action-semantic-pull-request\'s `disallowScopes`), e.g. `["release", "[A-Z]+"]`.',
      ),
    scopeDelimiters: z
      .array(z.string().min(1).max(3))
      .default([","])
      .describe(
        'What separates several scopes in one title: `fix(core,e2e): …` is checked as `core` and `e2e`. Add `"/"` to read `fix(aws/v1): …` as two scopes too; `[]` reads the parentheses as one scope.',
      ),
    subjectCase: z
      .enum(["lower", "any"])
      .default("lower")
      .describe(
        "`lower`: the subject starts with a lower-case letter (`add x`, not `Add x`). `any`: no rule.",
      ),
    subjectPattern: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .superRefine((source, ctx) => {
        if (source === null) return;
        const compiled = compileUserPattern(source, { whole: true });
        if (!compiled.ok) ctx.addIssue({ code: "custom", message: compiled.message });
      })
      .describe(
        "A pattern the whole subject must match (RE2 syntax), as action-semantic-pull-request's `subjectPattern`; e.g. `[^A-Z].+` or `.+ \\[[A-Z]+-\\d+\\]` for a ticket key at the end. No lookaround: action-semantic-pull-request's `^(?![A-Z]).+$` is `[^A-Z].*` here (or `subjectCase: lower`). `null`: no pattern.",
      ),
    subjectPatternError: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "The message when `subjectPattern` does not match; `{subject}` and `{title}` are replaced. `null`: a message quoting the subject and the pattern.",
      ),
    allowReverts: z
      .boolean()
      .default(false)
      .describe(
        'Accept GitHub\'s revert titles `Revert "<original title>"` as they are (commitlint ignores them by default).',
      ),
    maxHeaderLength: z
      .number()
      .int()
      .min(20)
      .max(256)
      .default(72)
      .describe(
        "Longest allowed title, in characters (Unicode code points); at most 256, GitHub's own limit on PR titles.",
      ),
    exemptLabels: z
      .array(z.string().min(1))
      .default([])
      .describe("PRs with any of these labels are not checked: the check concludes `skipped`."),
    drafts: z
      .enum(["check", "neutral"])
      .default("check")
      .describe(
        "`check`: draft PRs are checked like any other. `neutral`: the check on a draft concludes `neutral`.",
      ),
  })
  .describe('The "PR title" check: every PR title is a Conventional Commits header `type(scope)!: subject`.');

export type PrTitleConfig = z.infer<typeof prTitleSchema>;
