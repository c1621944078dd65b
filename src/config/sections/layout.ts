import { compileUserGlob } from "../../rules/user-pattern.js";
import { z } from "zod";
import { compileLayoutTemplates } from "../../rules/layout-templates.js";

/** The layout of the real platform repository (k8s-gitops-at-scale): one template per deployment area. */
export const DEFAULT_LAYOUT_TEMPLATES: Record<
  string,
  string | { path: string; segments: Record<string, string | string[]> }
> = {
  features: "features/{feature}/{scope}/{file}",
  clusters: "providers/{cloud}/{version}/clusters/{env}/{cluster}/{scope}/{namespace}/{file}",
  mgmt: "providers/{cloud}/{version}/mgmt/{scope}/{namespace}/{file}",
  tenants: {
    path: "tenants/{cloud}/{env}/{tenant}/{file}",
    segments: { env: ["common", "non-prod", "prod"] },
  },
};

export const DEFAULT_LAYOUT_SEGMENTS: Record<string, string | string[]> = {
  version: "v[0-9]+",
  scope: ["namespaced", "non-namespaced"],
  env: ["non-prod", "prod"],
  cluster: ["common", "{env}-*"],
};

export const DEFAULT_LAYOUT_ALLOWED = [
  "**/*.md",
  ".github/**",
  "hack/**",
  "**/kustomization.yaml",
  "**/.gitignore",
  "**/.sourceignore",
  ".sops.yaml",
  "LICENSE",
  "CODEOWNERS",
];

/** Files with a manifest extension that are not manifests: CI, release tooling, vendored trees. */
export const DEFAULT_MANIFEST_EXCLUDE = [".github/**", "**/vendor/**", "**/.goreleaser.y*ml"];

const segmentName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "a segment name is a letter followed by letters, digits or `_`");

const segmentConstraint = z
  .union([z.array(z.string().min(1)).min(1), z.string().min(1)])
  .describe(
    "A list of allowed values (an item may use `*` for any characters and `{segment}` for the value of an earlier " +
      "segment, e.g. `{env}-*`); or a string: a regular expression the whole segment must match (e.g. `v[0-9]+`; RE2 " +
      "syntax: JavaScript's without backreferences or lookaround, linear time), unless it contains a `{segment}` " +
      "reference, then it is a simple pattern like a list item (e.g. `{env}-*`). For a `{name**}` segment, every " +
      "folder it takes must match.",
  );

const segmentConstraints = z.record(segmentName, segmentConstraint);

const template = z
  .union([
    z.string().min(1),
    z.strictObject({
      path: z.string().min(1).describe("The path template, e.g. `tenants/{cloud}/{env}/{tenant}/{file}`."),
      segments: segmentConstraints
        .default({})
        .describe("Constraints for this template only; they replace the shared `segments` of the same name."),
    }),
  ])
  .describe(
    "A path template: literal folders, `{name}` segments and at most one `{name**}` (or `**`: any number of " +
      "folders, none included) separated by `/`; the last part is the file. " +
      "Either the template string or `{ path, segments }` with constraints for this template only.",
  );

export const layoutSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the "Folder layout" check on pull requests.'),
    templates: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]*$/, "a template name is lower-case letters, digits and dashes"),
        template,
      )
      .default(DEFAULT_LAYOUT_TEMPLATES)
      .describe(
        "Where files may live: area name → path template. Tried in order; the first that matches names the file's " +
          "area and segments. Setting this replaces the defaults (the layout of k8s-gitops-at-scale).",
      ),
    segments: segmentConstraints
      .optional()
      .describe(
        "Constraints on named segments, shared by every template. Unconstrained segments only have to be valid " +
          "names (see `names`). Setting this replaces the defaults. Default: the constraints of the default " +
          "templates still in use (`version`, `scope`, `env`, `cluster` with the default `templates`); a template you " +
          "wrote or changed inherits none of them.",
      ),
    allowed: z
      .array(z.string().min(1))
      .default(DEFAULT_LAYOUT_ALLOWED)
      .describe(
        "Globs (dot files included) of files allowed anywhere outside the templates: docs, CI, scripts. `*`, `**`, " +
          "`?`, `[abc]` and `{a,b}`; extglobs and `!` negation are refused (globs run in linear time).",
      ),
    names: z
      .string()
      .min(1)
      .default("dns-1123-label")
      .describe(
        "What folder names (segment values) and file names (without extension) must be: `dns-1123-label` " +
          "(Kubernetes object names: lower-case letters, digits and `-`, at most 63 characters; file names may " +
          "also contain `.`), `any`, or a regular expression (RE2 syntax: JavaScript's without backreferences or " +
          "lookaround).",
      ),
    manifestExtensions: z
      .array(z.string().regex(/^\.[A-Za-z0-9.]+$/, "an extension starts with a dot, e.g. `.yaml`"))
      .min(1)
      .default([".yaml", ".yml"])
      .describe(
        "Extensions of Kubernetes manifests: files in templates must have one; these files are parsed (except " +
          "`manifestExclude` and Helm chart templates).",
      ),
    manifestExclude: z
      .array(
        z
          .string()
          .min(1)
          .superRefine((glob, ctx) => {
            const compiled = compileUserGlob(glob);
            if (!compiled.ok) ctx.addIssue({ code: "custom", message: compiled.message });
          }),
      )
      .default(DEFAULT_MANIFEST_EXCLUDE)
      .describe(
        "Globs (dot files included; `*`, `**`, `?`, `[…]`, `{a,b}`) of files with a manifest extension that are not Kubernetes manifests " +
          "and are not parsed (their path is still checked): CI workflows, release tooling, vendored trees. Setting " +
          "this replaces the defaults.",
      ),
    excludeHelmTemplates: z
      .boolean()
      .default(true)
      .describe(
        "Do not parse Helm chart templates: files under a `templates/` folder at any depth below a folder holding a " +
          "`Chart.yaml` (Go templates, not YAML until rendered).",
      ),
    scopeSegment: segmentName
      .default("scope")
      .describe(
        "The segment that says whether objects are namespaced (`namespaced`/`non-namespaced` folders).",
      ),
    namespacedFolder: z
      .string()
      .min(1)
      .default("namespaced")
      .describe("Value of `scopeSegment` for namespaced objects."),
    clusterScopedFolder: z
      .string()
      .min(1)
      .default("non-namespaced")
      .describe("Value of `scopeSegment` for cluster-scoped objects."),
    namespaceSegment: segmentName
      .default("namespace")
      .describe(
        "The segment naming the namespace of the objects below it (checked against `metadata.namespace`).",
      ),
    clusterScopedKinds: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Extra cluster-scoped kinds (`Kind` or `group/Kind`), beyond Kubernetes' built-in ones and the CRDs found in " +
          "the repository.",
      ),
    namespacedKinds: z
      .array(z.string().min(1))
      .default([])
      .describe("Extra namespaced kinds (`Kind` or `group/Kind`) whose CRDs are not in the repository."),
    scopePath: z
      .enum(["off", "warning", "error"])
      .default("warning")
      .describe(
        "Whether a PR title's scope must name the area it changes (`tenants(dummy)` → `tenants/*/*/dummy/**`): " +
          "`off`, `warning` (a warning annotation, the check still passes) or `error` (the check fails).",
      ),
    scopePathExempt: z
      .array(z.string().min(1))
      .default(["release", "deps"])
      .describe("PR title scopes that name no folder (`chore(release): …`)."),
  })
  .transform(({ segments, ...layout }) => ({
    ...layout,
    segments: segments ?? inheritedSegments(layout.templates),
  }))
  .superRefine((layout, ctx) => {
    const compiled = compileLayoutTemplates(layout);
    if (compiled.ok) return;
    for (const problem of compiled.error) {
      ctx.addIssue({ code: "custom", path: problem.path, message: problem.message, input: problem.value });
    }
  })
  .describe(
    'The "Folder layout" check: every changed file in its place, every manifest where its scope says.',
  );

export type LayoutConfig = z.infer<typeof layoutSchema>;

/**
 * The default `segments` constrain the default templates' segments (`env: [non-prod, prod]` is k8s-gitops-at-scale's
 * rule). A template the user wrote or changed must not inherit them: its `{env}` or `{cluster}` would be judged by
 * another repository's rules, and references like `{env}-*` would point at segments it does not have. So only the
 * constraints of segments that unchanged default templates use are kept.
 */
function inheritedSegments(
  templates: Record<string, string | { path: string; segments: Record<string, string | string[]> }>,
): Record<string, string | string[]> {
  const used = new Set<string>();
  for (const [name, spec] of Object.entries(templates)) {
    const original = DEFAULT_LAYOUT_TEMPLATES[name];
    if (original === undefined || JSON.stringify(original) !== JSON.stringify(spec)) continue;
    const path = typeof spec === "string" ? spec : spec.path;
    for (const match of path.matchAll(/\{([A-Za-z][A-Za-z0-9_]*)\}/g)) used.add(match[1] as string);
  }
  return Object.fromEntries(Object.entries(DEFAULT_LAYOUT_SEGMENTS).filter(([name]) => used.has(name)));
}
