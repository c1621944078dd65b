import { z } from "zod";
import { SOURCE_KINDS } from "../../gitops/set-source-ref.js";
import { parseYamlPath } from "../../gitops/yaml-path.js";

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
        "`GitRepository` or `OCIRepository` (Flux, `spec.ref.tag`), `Application` (Argo CD, `targetRevision`), `FluxInstance` (Flux Operator, `spec.sync.ref`: `refs/tags/<tag>` for a Git sync), or `File`: the value at `field` in the file `path` (a Helm values key, a ConfigMap `data` key, a Kustomize `images[].newTag`).",
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
        "File holding the object, relative to the repository root. `null`: discovered from the tree (likely candidates first, a bounded number of reads); when several files hold the object (a staging and a production cluster), the promotion is refused until `path` says which. Required for `File`.",
      ),
    repoURL: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "Argo CD and FluxInstance: the `repoURL` whose entry of `spec.sources` is moved (needed when the Application has several sources). Naming a Helm chart's repository, an `oci://` registry or another Git repository here is the consent to move it: without it such sources are refused (their revision is not this repository's tag). Any URL form matches (`https://host/o/r.git`, `git@host:o/r`, `ssh://git@host/o/r`).",
      ),
    field: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        '`File` only: the YAML path of the value to move, keys separated by dots, `[N]` for an index, `[key=value]` for the one sequence item with that key, `["a.b"]` for a key with dots. E.g. `images[name=ghcr.io/example/app].newTag`, `data.RELEASE_TAG`, `spec.values.image.tag`.',
      ),
    valueFormat: z
      .string()
      .regex(/\{(tag|version)\}/, "a value format contains `{tag}` or `{version}`")
      .nullable()
      .default(null)
      .describe(
        "`File` and `Application`: what the value becomes, `{tag}` (the default) or `{version}` (the tag without its leading `v`: image tags and Helm chart versions), with any text around it.",
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
  .superRefine((target, ctx) => {
    if (target.kind === "File" && (!target.path || !target.field)) {
      ctx.addIssue({
        code: "custom",
        path: [target.path ? "field" : "path"],
        message:
          "a `File` target needs `path` (the file) and `field` (the YAML path of the value), e.g. `path: apps/production/kustomization.yaml` and `field: images[name=ghcr.io/example/app].newTag`",
      });
    }
    const field = target.field ? parseYamlPath(target.field) : null;
    if (field && !field.ok) ctx.addIssue({ code: "custom", path: ["field"], message: field.error });
    if (target.kind !== "File" && target.field) {
      ctx.addIssue({ code: "custom", path: ["field"], message: "`field` is for `kind: File` targets only" });
    }
    if (target.valueFormat && target.kind !== "File" && target.kind !== "Application") {
      ctx.addIssue({
        code: "custom",
        path: ["valueFormat"],
        message: `\`valueFormat\` is for \`File\` and \`Application\` targets; a ${target.kind} pins the tag itself`,
      });
    }
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
