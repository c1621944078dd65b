import { z } from "zod";

/** The merge methods and squash defaults that keep `main` at one conventional commit per PR. */
export const mergePolicySchema = z
  .strictObject({
    allowSquashMerge: z
      .boolean()
      .default(true)
      .describe("Expected value of the repository setting `allow_squash_merge` (Allow squash merging)."),
    allowMergeCommit: z
      .boolean()
      .default(false)
      .describe(
        "Expected value of `allow_merge_commit`. Merge commits put every commit of a PR on `main`, unsquashed.",
      ),
    allowRebaseMerge: z
      .boolean()
      .default(false)
      .describe("Expected value of `allow_rebase_merge`. Rebase merges put every commit of a PR on `main`."),
    squashMergeCommitTitle: z
      .enum(["PR_TITLE", "COMMIT_OR_PR_TITLE"])
      .default("PR_TITLE")
      .describe(
        "Expected value of `squash_merge_commit_title`. `PR_TITLE` makes the checked PR title the squash title; " +
          "with `COMMIT_OR_PR_TITLE` (GitHub's default) a single-commit PR lands with its commit's subject.",
      ),
    squashMergeCommitMessage: z
      .enum(["PR_BODY", "COMMIT_MESSAGES", "BLANK"])
      .nullable()
      .default(null)
      .describe("Expected value of `squash_merge_commit_message`; `null` (the default) accepts any value."),
  })
  .describe("The merge settings the repository should have.");

export const mergeSettingsSchema = z
  .strictObject({
    drift: z
      .enum(["failure", "neutral", "ignore"])
      .default("neutral")
      .describe(
        'How the "Squash title" check reports settings that differ from `policy`: `failure` fails the check, ' +
          "`neutral` reports them without failing it, `ignore` does not report them.",
      ),
    policy: mergePolicySchema.prefault({}),
    enforce: z
      .boolean()
      .default(false)
      .describe(
        "Change the repository's settings to `policy` when they drift. Needs the **Administration: write** " +
          "permission, which the app does not request by default; without it the check says so and changes nothing.",
      ),
  })
  .describe(
    "The repository's merge settings, compared with a policy (squash only, squash title = PR title).",
  );

export const squashTitleSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Run the "Squash title" check on pull requests and merge groups: it predicts the title GitHub will give ' +
          "the squash commit and validates it with the `prTitle` rules.",
      ),
    exemptLabels: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'PRs with any of these labels are not checked: the "Squash title" check concludes `skipped`.',
      ),
  })
  .describe('The "Squash title" check on pull requests and merge queues.');

export const auditSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Audit every commit pushed to the default branch: one squash commit `type(scope): subject (#N)` per merged PR.",
      ),
    acknowledgeLabel: z
      .string()
      .min(1)
      .default("naming-acknowledged")
      .describe(
        "Adding this label to the tracking issue acknowledges every commit it lists; the next audit closes it.",
      ),
    issueLabels: z
      .array(z.string().min(1))
      .default([])
      .describe("Labels given to the tracking issue when it is created."),
  })
  .describe(
    'The audit of the default branch: failing "Squash title" checks on violating commits and one tracking issue.',
  );

export type MergePolicy = z.infer<typeof mergePolicySchema>;
export type MergeSettingsConfig = z.infer<typeof mergeSettingsSchema>;
export type SquashTitleConfig = z.infer<typeof squashTitleSchema>;
export type AuditConfig = z.infer<typeof auditSchema>;
