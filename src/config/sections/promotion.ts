import { z } from "zod";
import { SOURCE_KINDS } from "../../gitops/set-source-ref.js";

export const DEFAULT_PROMOTION_TITLE = "chore(release): promote {tag} to {target}";

export const promotionTargetSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, "an id is lower-case letters, digits, dots, dashes and underscores")
      .nullable()
      .default(null)
      .describe(
        "Identity of the target: the PR branch is `promote/<id>`, the blocked-promotion issue is per id, and `/promote <tag> <id>` picks it. Defaults to `name`.",
      ),
    displayName: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("How `{target}` reads in titles, e.g. `aws prod`. Defaults to the id."),
    kind: z
      .enum(SOURCE_KINDS)
      .default("GitRepository")
      .describe(
        "`GitRepository` or `OCIRepository` (Flux, `spec.ref.tag`), or `Application` (Argo CD, `targetRevision`).",
      ),
    name: z.string().min(1).default("release").describe("`metadata.name` of the object to edit."),
    namespace: z
      .string()
      .min(1)
      .default("flux-system")
      .describe("`metadata.namespace` of the object to edit."),
    path: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "File holding the object, relative to the repository root. `null`: discovered from the tree (likely candidates first, a bounded number of reads).",
      ),
    repoURL: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "Argo CD only: the `repoURL` whose entry of `spec.sources` is moved (needed when the Application has several sources).",
      ),
    title: z
      .string()
      .min(1)
      .default(DEFAULT_PROMOTION_TITLE)
      .describe(
        "Title of the PR and message of its one commit. `{tag}` is the new tag, `{target}` the display name, `{previous}` the pinned value.",
      ),
    labels: z.array(z.string().min(1)).default(["promotion"]).describe("Labels added to a new promotion PR."),
    reviewers: z.array(z.string().min(1)).default([]).describe("Users asked to review a new promotion PR."),
    teamReviewers: z
      .array(z.string().min(1))
      .default([])
      .describe("Team slugs (of the repository's organization) asked to review a new promotion PR."),
    draft: z.boolean().default(false).describe("Open the promotion PR as a draft."),
    prereleases: z
      .boolean()
      .default(false)
      .describe("Promote published pre-releases automatically too (e.g. to a staging target)."),
  })
  .describe("One source whose pinned tag a promotion PR moves.");

export const promotionSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe("Open promotion PRs on published releases and answer `/promote` comments."),
    targets: z
      .array(promotionTargetSchema)
      .min(1)
      .prefault([{}])
      .describe(
        "The sources to promote. Default: one target, the `GitRepository` `release` in `flux-system`, found in the tree.",
      ),
    discoveryReads: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .describe("Most files read to discover a target without `path` (likeliest candidates first)."),
    consumerReads: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(60)
      .describe(
        "Most files read to find the Flux Kustomizations that use the source (for “What changes in production”).",
      ),
    releaseNotesMaxLength: z
      .number()
      .int()
      .min(0)
      .max(60000)
      .default(20000)
      .describe("Longer release notes are replaced by a link to the release in the PR body."),
  })
  .describe(
    "Promotion PRs: when a release is published (or on `/promote vX.Y.Z [target]`), a PR moves the production source to the tag.",
  );

export type PromotionConfig = z.infer<typeof promotionSchema>;
export type PromotionTarget = z.infer<typeof promotionTargetSchema>;
