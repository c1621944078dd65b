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

/**
 * Title prefixes that stand for a type: Cluster API's (and Kubebuilder's) emoji and the common gitmoji, as the
 * character and as the `:shortcode:`. A value ending in `!` marks a breaking change; `"!"` alone marks one without a
 * type. Repositories whose titles start with these are sorted like `type: …` titles.
 */
export const DEFAULT_TYPE_ALIASES: Record<string, string> = {
  "⚠️": "!",
  ":warning:": "!",
  "💥": "!",
  ":boom:": "!",
  "✨": "feat",
  ":sparkles:": "feat",
  "🐛": "fix",
  ":bug:": "fix",
  "🚑️": "fix",
  ":ambulance:": "fix",
  "📖": "docs",
  ":book:": "docs",
  "📝": "docs",
  ":memo:": "docs",
  "🌱": "chore",
  ":seedling:": "chore",
  "♻️": "refactor",
  ":recycle:": "refactor",
  "⚡️": "perf",
  ":zap:": "perf",
  "✅": "test",
  ":white_check_mark:": "test",
  "👷": "ci",
  ":construction_worker:": "ci",
  "⬆️": "build",
  ":arrow_up:": "build",
};

export const releaseNotesSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Draft a GitHub release when a version tag is pushed."),
    tagPrefix: z
      .string()
      .default("v")
      .describe(
        "Version tags are `<tagPrefix><version>`: SemVer (`v1.2.3`, `v1.0.0-rc.1`) or CalVer (`v2024.06.1`, see `versionScheme`). Other tags are ignored.",
      ),
    versionScheme: z
      .enum(["auto", "semver", "calver"])
      .default("auto")
      .describe(
        "How tags are read. `semver`: `<major>.<minor>.<patch>[-pre]` only. `calver`: two or three numbers, leading zeros allowed (`2024.06`, `2024.06.1`, `24.04.2`, optional `-pre`), ordered number by number. `auto`: a tag whose first number has four digits (a year, `v2024.06.1`) is CalVer, any other SemVer. The version-bump check runs on SemVer tags only: a CalVer number says when, not how much changed.",
      ),
    typeAliases: z
      .record(
        z.string().min(1).max(40),
        z
          .string()
          .regex(
            /^(?:[a-z][a-z0-9-]*!?|!)$/,
            'a type (`feat`), a type with `!` for a breaking change (`feat!`), or `"!"` alone',
          ),
      )
      .default(DEFAULT_TYPE_ALIASES)
      .describe(
        'Title prefixes that stand for a type, for repositories that start titles with an emoji or a gitmoji code: `"🐛 Fix x"` and `":bug: Fix x"` are sorted as `fix`. The value is a type, `type!` (also a breaking change) or `"!"` (a breaking change without a type, as Cluster API\'s ⚠️). A prefix followed by a Conventional header (`✨ feat(x): y`) takes that header\'s type. The longest matching prefix wins; the emoji variation selector (U+FE0F) is optional in titles. The default holds Cluster API\'s emoji (⚠️ ✨ 🐛 📖 🌱) and common gitmoji with their `:codes:`; setting this replaces the default, `{}` turns it off.',
      ),
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
