import { parseConfig } from "../config/parse-config.js";
import type { Config } from "../config/schema.js";
import { DEFAULT_LAYOUT_ALLOWED } from "../config/sections/layout.js";
import { readSourceRef, type SourceKind } from "../gitops/set-source-ref.js";
import { groupOf } from "./kubernetes-kinds.js";
import { evaluateLayout, type ManifestContent } from "./evaluate-layout.js";
import type { LayoutFinding } from "./layout-finding.js";
import { compileLayoutTemplates } from "./layout-templates.js";
import { parseManifests, type ParsedManifest } from "./parse-manifests.js";

/**
 * Onboarding's inference, shared by `gitops-release-bot init` and the onboarding pull request: from a repository's
 * tree (every path, and the text of its YAML files), the configuration file to propose and what each check would
 * report with it. Data in, data out: the CLI reads a folder, the app reads the git tree and a bounded set of blobs.
 *
 * 1. The defaults first: when the tree already follows the default layout (k8s-gitops-at-scale's), nothing is
 *    written but the promotion target when it differs.
 * 2. Otherwise one template per top-level folder and depth at which manifests live (`apps/{app}/{file}`), a
 *    `{scope}` segment where folders are named `namespaced`/`non-namespaced`, other files allowed by path.
 * 3. The production source to promote: a Flux GitRepository/OCIRepository or an Argo CD Application that pins a
 *    version tag (production-looking names first); none: promotion off.
 */

export interface TreeInput {
  /** Every file of the tree (`/`-separated, relative to the root). */
  paths: readonly string[];
  /** The text of YAML files that were read (the app reads a bounded number; missing ones are not parsed). */
  texts: ReadonlyMap<string, string>;
}

/** What one check would report on the tree with the proposed configuration. */
export interface CheckPreview {
  check: string;
  summary: string;
}

export interface Inference {
  /** Whether the tree holds Flux, Argo CD or Cluster API objects (the onboarding PR is only for those). */
  gitops: boolean;
  /** Kinds that made it a GitOps repository (`Kustomization.kustomize.toolkit.fluxcd.io`…), for the report. */
  gitopsKinds: string[];
  /** The configuration file's content: only what differs from the defaults (`{}`: every default). */
  config: Record<string, unknown>;
  /** The Folder layout check's findings on the whole tree with `config`. */
  findings: LayoutFinding[];
  checks: CheckPreview[];
  /** Files of the tree and how many were parsed as manifests. */
  files: number;
  parsed: number;
}

const GITOPS_GROUPS = /(^|\.)(fluxcd\.io|argoproj\.io|cluster\.x-k8s\.io)$/;
const YAML = /\.ya?ml$/i;
/** More templates than this per top-level folder: the folder is too irregular to infer; its files are allowed. */
const MAX_DEPTHS_PER_AREA = 4;
/** More files than this allowed one by one: allowed by extension under their top-level folder instead. */
const MAX_ALLOWED_PATHS = 20;

export function inferConfig(input: TreeInput): Inference {
  const paths = [...input.paths].sort();
  const parsed = new Map<string, ParsedManifest>();
  for (const [path, text] of input.texts) if (YAML.test(path)) parsed.set(path, parseManifests(path, text));
  // Kubernetes manifests: YAML files whose documents are objects (kustomize's own files excepted); a YAML file that
  // was not read (over the app's bound) counts as one, so that its folder still gets a template.
  const manifests = paths.filter((p) => {
    if (!YAML.test(p) || isKustomizeFile(p)) return false;
    const manifest = parsed.get(p);
    return !manifest || manifest.objects.length > 0;
  });
  const gitopsKinds = new Set<string>();
  for (const manifest of parsed.values()) {
    for (const object of manifest.objects) {
      const group = groupOf(object.apiVersion);
      if (GITOPS_GROUPS.test(group)) gitopsKinds.add(`${object.kind}.${group}`);
    }
  }

  // 1. The defaults, when the tree already follows them.
  const promotion = inferPromotion(paths, input.texts, parsed);
  const defaultsFit =
    manifests.length > 0 && layoutErrors(withPromotion({}, promotion), paths, input.texts) === 0;
  const config = withPromotion(defaultsFit ? {} : { layout: inferLayout(paths, manifests) }, promotion);
  const evaluation = evaluate(config, paths, input.texts);
  return {
    gitops: gitopsKinds.size > 0,
    gitopsKinds: [...gitopsKinds].sort(),
    config,
    findings: evaluation.findings,
    checks: previews(evaluation.findings, evaluation.checked, promotion, defaultsFit),
    files: paths.length,
    parsed: evaluation.parsed,
  };
}

function isKustomizeFile(path: string): boolean {
  return /(^|\/)kustomization\.ya?ml$/.test(path);
}

// ------------------------------------------------------------------ layout

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SCOPE_FOLDERS = new Set(["namespaced", "non-namespaced"]);

/** One template per top-level folder and depth of its manifests; everything else allowed by path. */
function inferLayout(paths: readonly string[], manifests: readonly string[]): Record<string, unknown> {
  const byArea = new Map<string, Map<number, string[][]>>();
  for (const path of manifests) {
    const parts = path.split("/");
    if (parts.length === 1) continue; // a manifest at the root: no template, a finding
    const area = parts[0]!;
    const depths = byArea.get(area) ?? new Map<number, string[][]>();
    byArea.set(area, depths);
    const folders = parts.slice(1, -1);
    depths.set(folders.length, [...(depths.get(folders.length) ?? []), folders]);
  }
  const templates: Record<string, string> = {};
  const irregular: string[] = [];
  for (const [area, depths] of [...byArea].sort(([a], [b]) => a.localeCompare(b))) {
    if (depths.size > MAX_DEPTHS_PER_AREA || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(area)) {
      irregular.push(`${area}/**`);
      continue;
    }
    const base = templateName(area);
    const stem = segmentStem(area);
    // A depth with a single manifest, while the folder has manifests at other depths, is an outlier (a misplaced
    // file): it gets no template, so the check reports it instead of the layout absorbing it.
    const regular = [...depths.keys()].filter((depth) => depths.get(depth)!.length >= 2);
    const kept = regular.length ? regular : [...depths.keys()];
    for (const depth of kept.sort((a, b) => a - b)) {
      const rows = depths.get(depth)!;
      const segments = Array.from({ length: depth }, (_, i) => {
        const values = new Set(rows.map((row) => row[i]!));
        if ([...values].every((v) => SCOPE_FOLDERS.has(v))) return "{scope}";
        return `{${i === 0 ? stem : `${stem}_${i + 1}`}}`;
      });
      const name = depth === Math.min(...kept) ? base : `${base}-${depth}`;
      templates[name] = [area, ...segments, "{file}"].join("/");
    }
  }
  // Files outside every template: allowed by path (a whole top-level folder when it holds no manifest).
  const compiled = compileLayoutTemplates({
    ...defaultLayout(),
    templates,
    segments: {},
    allowed: [...DEFAULT_LAYOUT_ALLOWED, ...irregular],
  });
  // Other files are allowed where they are; manifests outside every template (at the root, or outliers) are not:
  // they are the findings a human decides about.
  const extra: string[] = [...irregular];
  const loose: string[] = [];
  const isManifest = new Set(manifests);
  if (compiled.ok) {
    for (const path of paths) {
      if (compiled.value.isAllowed(path) !== null || isManifest.has(path)) continue;
      const parts = path.split("/");
      if (parts.length > 1 && !byArea.has(parts[0]!)) {
        if (!extra.includes(`${parts[0]}/**`)) extra.push(`${parts[0]}/**`);
      } else loose.push(path);
    }
  }
  const allowed = [...DEFAULT_LAYOUT_ALLOWED, ...extra, ...collapse(loose)];
  const names = [...paths].every((path) => namesFit(path, byArea)) ? "dns-1123-label" : "any";
  return {
    templates,
    segments: {},
    allowed,
    ...(names === "any" ? { names } : {}),
  };
}

/** Many loose files: one glob per top-level folder and extension instead of each path. */
function collapse(paths: string[]): string[] {
  const unique = [...new Set(paths)].sort();
  if (unique.length <= MAX_ALLOWED_PATHS) return unique;
  return [
    ...new Set(
      unique.map((path) => {
        const slash = path.indexOf("/");
        const dot = path.lastIndexOf(".");
        const ext = dot > path.lastIndexOf("/") ? path.slice(dot) : "";
        return slash < 0 ? path : `${path.slice(0, slash)}/**/*${ext}`;
      }),
    ),
  ];
}

/** Whether the folder and file names of a manifest area are DNS labels (else `names: any`). */
function namesFit(path: string, byArea: Map<string, unknown>): boolean {
  const parts = path.split("/");
  if (!byArea.has(parts[0] ?? "")) return true;
  const file = parts[parts.length - 1]!;
  const stem = file.includes(".") ? file.slice(0, file.indexOf(".")) : file;
  return [...parts.slice(1, -1), stem].every((part) => DNS_LABEL.test(part) && part.length <= 63);
}

function templateName(area: string): string {
  const name = area
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "");
  return name || "area";
}

/** `apps` → `app`, `clusters` → `cluster`, `infrastructure` → `infrastructure`: the first segment's name. */
function segmentStem(area: string): string {
  const word = area.replace(/[^A-Za-z0-9]+/g, "_").replace(/^[^A-Za-z]+/, "") || "area";
  const singular = /[^s]s$/.test(word) ? word.slice(0, -1) : word;
  return singular === "scope" || singular === "namespace" ? `${singular}_name` : singular;
}

// ------------------------------------------------------------------ promotion

interface PromotionGuess {
  kind: SourceKind;
  name: string;
  namespace: string;
  path: string;
  pinned: string;
}

const PIN_KINDS: Record<string, SourceKind> = {
  "GitRepository.source.toolkit.fluxcd.io": "GitRepository",
  "OCIRepository.source.toolkit.fluxcd.io": "OCIRepository",
  "Application.argoproj.io": "Application",
};
const VERSION_TAG = /^[A-Za-z-]*v?\d+\.\d+\.\d+([-+].*)?$/;

/** The production source: a source pinning a version tag, production-looking first (name, then path). */
function inferPromotion(
  paths: readonly string[],
  texts: ReadonlyMap<string, string>,
  parsed: ReadonlyMap<string, ParsedManifest>,
): PromotionGuess | null {
  const found: PromotionGuess[] = [];
  for (const path of paths) {
    const manifest = parsed.get(path);
    const text = texts.get(path);
    if (!manifest || text === undefined) continue;
    for (const object of manifest.objects) {
      const kind = PIN_KINDS[`${object.kind}.${groupOf(object.apiVersion)}`];
      if (!kind || !object.name) continue;
      const namespace = object.namespace ?? (kind === "Application" ? "argocd" : "flux-system");
      const read = readSourceRef(text, { kind, name: object.name, namespace, repoURL: null });
      if (read.ok && VERSION_TAG.test(read.value.value)) {
        found.push({ kind, name: object.name, namespace, path, pinned: read.value.value });
      }
    }
  }
  const score = (g: PromotionGuess) =>
    (/(^|[-_.])(release|prod|production)([-_.]|$)/.test(g.name) ? 2 : 0) + (/prod/.test(g.path) ? 1 : 0);
  return found.sort((a, b) => score(b) - score(a))[0] ?? null;
}

function withPromotion(
  config: Record<string, unknown>,
  promotion: PromotionGuess | null,
): Record<string, unknown> {
  if (!promotion) return { ...config, promotion: { enabled: false } };
  const isDefault =
    promotion.kind === "GitRepository" &&
    promotion.name === "release" &&
    promotion.namespace === "flux-system";
  if (isDefault) return config;
  return {
    ...config,
    promotion: {
      targets: [
        { kind: promotion.kind, name: promotion.name, namespace: promotion.namespace, path: promotion.path },
      ],
    },
  };
}

// ------------------------------------------------------------------ evaluation

function defaultLayout(): Config["layout"] {
  const parsed = parseConfig({});
  if (!parsed.ok) throw new Error("the default configuration is invalid");
  return parsed.value.layout;
}

function evaluate(
  config: Record<string, unknown>,
  paths: readonly string[],
  texts: ReadonlyMap<string, string>,
) {
  const parsedConfig = parseConfig(config);
  if (!parsedConfig.ok) {
    // The inference writes only what the schema accepts; a problem here is a bug, reported as a finding.
    return {
      findings: parsedConfig.error.map(
        (p): LayoutFinding => ({
          path: "",
          rule: "layout-path",
          severity: "error",
          message: `${p.path}: ${p.message}`,
        }),
      ),
      checked: 0,
      parsed: 0,
    };
  }
  const settings = parsedConfig.value.layout;
  const layout = compileLayoutTemplates(settings);
  if (!layout.ok) return { findings: [], checked: 0, parsed: 0 };
  const directories = new Set<string>();
  for (const file of paths) {
    for (let i = file.indexOf("/"); i >= 0; i = file.indexOf("/", i + 1)) directories.add(file.slice(0, i));
  }
  const contents = new Map<string, ManifestContent>();
  for (const [path, text] of texts)
    if (settings.manifestExtensions.some((e) => path.endsWith(e))) contents.set(path, { text });
  const result = evaluateLayout(layout.value, settings, {
    files: paths.map((path) => ({ path, status: "added" as const })),
    contents,
    directoryExists: (dir) => directories.has(dir),
    title: null,
  });
  return { findings: result.findings, checked: result.checkedFiles, parsed: result.parsedFiles };
}

function layoutErrors(
  config: Record<string, unknown>,
  paths: readonly string[],
  texts: ReadonlyMap<string, string>,
) {
  return evaluate(config, paths, texts).findings.filter((f) => f.severity !== "notice").length;
}

function previews(
  findings: readonly LayoutFinding[],
  checked: number,
  promotion: PromotionGuess | null,
  defaultsFit: boolean,
): CheckPreview[] {
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.filter((f) => f.severity === "warning").length;
  return [
    {
      check: "Folder layout",
      summary: !findings.length
        ? `${checked} files checked: every file is where the ${defaultsFit ? "default" : "proposed"} layout expects it.`
        : `${checked} files checked: ${errors} errors, ${warnings} warnings, ${findings.length - errors - warnings} notices.`,
    },
    { check: "Config", summary: "The proposed file is valid." },
    {
      check: "PR title",
      summary: "Checks each pull request's title against Conventional Commits (`type(scope): subject`).",
    },
    {
      check: "Squash title",
      summary: "Checks the commit message a squash merge would write, before the merge.",
    },
    {
      check: "Promotion",
      summary: promotion
        ? `A published release opens a PR moving ${promotion.kind} \`${promotion.namespace}/${promotion.name}\` ` +
          `(\`${promotion.path}\`, pinned to \`${promotion.pinned}\` today) to the new tag.`
        : "Off: no Flux GitRepository/OCIRepository or Argo CD Application pins a version tag in this tree.",
    },
  ];
}
