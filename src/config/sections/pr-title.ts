import { z } from "zod";

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
      .array(z.string().regex(/^[a-z][a-z0-9-]*$/, "a type is lower-case letters, digits and dashes"))
      .min(1)
      .default(DEFAULT_TYPES)
      .describe(
        "Allowed Conventional Commits types, exact and case-sensitive (`Feat` fails and suggests `feat`).",
      ),
    requireScope: z
      .boolean()
      .default(false)
      .describe("Require a scope: `tenants(dummy): …` passes, `tenants: …` fails."),
    scopes: z
      .array(z.string().min(1))
      .nullable()
      .default(null)
      .describe("Allowed scopes. `null` (the default) allows any scope."),
    subjectCase: z
      .enum(["lower", "any"])
      .default("lower")
      .describe(
        "`lower`: the subject starts with a lower-case letter (`add x`, not `Add x`). `any`: no rule.",
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
