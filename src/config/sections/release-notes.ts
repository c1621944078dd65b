import { z } from "zod";
import { compileUserPattern } from "../../rules/user-pattern.js";

/** A regular expression from configuration: compiled on RE2 (linear time), so any valid one is safe to run. */
const regexSource = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    const compiled = compileUserPattern(source);
    if (!compiled.ok) ctx.addIssue({ code: "custom", message: compiled.message });
  });

const sectionSchema = z
  .strictObject({
    heading: z.string().min(1).describe("The section's heading (rendered as `### heading`)."),
    types: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Conventional types listed in this section. `"*"` takes every type no other section names, and commits without a type.',
      ),
    breaking: z
      .boolean()
      .default(false)
      .describe(
        "List every breaking change (`type!:` or a `BREAKING CHANGE:` footer) here, in addition to its type's section.",
      ),
  })
  .describe("One section of the notes.");

export const DEFAULT_SECTIONS = [
  { heading: "Breaking changes", types: [], breaking: true },
  { heading: "Features", types: ["feat", "features"], breaking: false },
  { heading: "Providers", types: ["providers", "provider"], breaking: false },
  { heading: "Tenants", types: ["tenants", "tenant"], breaking: false },
  { heading: "Fixes", types: ["fix"], breaking: false },
  { heading: "Other changes", types: ["*"], breaking: false },
];

const impactGroupSchema = z
  .strictObject({
    heading: z
      .string()
      .min(1)
      .describe("The line's label, e.g. `Clusters`. Groups with the same heading share a line."),
    areas: z
      .array(z.string().min(1))
      .min(1)
      .describe("Names of the layout areas (`layout` templates) whose changed paths this group reports."),
    by: z
      .string()
      .nullable()
      .default(null)
      .describe('Optional grouping template over the path\'s named segments, e.g. `"{cloud} {env}"`.'),
    item: z
      .string()
      .min(1)
      .describe('What is listed, as a template over the path\'s named segments, e.g. `"{tenant}"`.'),
  })
  .describe("One line of the Platform impact section.");

export const DEFAULT_IMPACT_GROUPS = [
  { heading: "Features", areas: ["features"], by: null, item: "{feature}" },
  { heading: "Clusters", areas: ["clusters"], by: "{cloud} {env}", item: "{cluster}" },
  { heading: "Clusters", areas: ["mgmt"], by: "{cloud} mgmt", item: "{namespace}" },
  { heading: "Tenants", areas: ["tenants"], by: "{cloud} {env}", item: "{tenant}" },
];

export const releaseNotesSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Draft a GitHub release when a version tag is pushed."),
    tagPrefix: z
      .string()
      .default("v")
      .describe("Version tags are `<tagPrefix><semver>` (`v1.2.3`, `v1.0.0-rc.1`). Other tags are ignored."),
    sections: z
      .array(sectionSchema)
      .min(1)
      .default(DEFAULT_SECTIONS)
      .describe(
        "Sections of the notes, in this order. Entries whose type no section names go to the `*` section (or a final `Other changes`).",
      ),
    excludeTitles: z
      .array(regexSource)
      .default(["^chore\\(release\\): promote "])
      .describe(
        "PRs whose title (squash subject without `(#N)`) matches one of these regular expressions (RE2 syntax: no backreferences or lookaround) are left out. The default leaves out the bot's own promotion PRs; `[]` lists everything.",
      ),
    contributors: z
      .boolean()
      .default(true)
      .describe("Add a Contributors line (authors of the listed PRs, first-time contributors marked)."),
    impact: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Add the Platform impact section."),
        groups: z
          .array(impactGroupSchema)
          .default(DEFAULT_IMPACT_GROUPS)
          .describe(
            "Lines of the Platform impact section, from the layout's named segments of the changed paths.",
          ),
      })
      .prefault({})
      .describe("Platform impact: which features, clusters per environment and tenants the release changes."),
    versionCheck: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Warn at the top of the notes when the changes need a larger version bump than the tag's.",
          ),
        minorTypes: z
          .array(z.string().min(1))
          .default(["feat", "features"])
          .describe(
            "Types that need at least a minor bump. Breaking changes need a major bump (a minor one below 1.0.0).",
          ),
      })
      .prefault({})
      .describe("The version-bump check."),
    template: z
      .string()
      .nullable()
      .default(null)
      .describe(
        "Body template. Placeholders: `$CHANGES`, `$IMPACT`, `$CONTRIBUTORS`, `$PREVIOUS_TAG`, `$COMPARE_URL`. `null`: the default layout. The version-bump warning is always put on top.",
      ),
  })
  .describe(
    "Release drafts: pushing a version tag drafts its GitHub release with notes from the merged PRs.",
  );

export type ReleaseNotesConfig = z.infer<typeof releaseNotesSchema>;
