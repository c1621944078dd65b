import { compileUserGlob } from "./user-pattern.js";
import type { LayoutConfig } from "../config/sections/layout.js";
import { checkScopePath } from "./check-scope-path.js";
import { groupOf, KindScopes } from "./kubernetes-kinds.js";
import { sortFindings, type LayoutFinding } from "./layout-finding.js";
import { checkLayoutPath, type CompiledLayout, type LayoutMatch } from "./layout-templates.js";
import { MAX_MANIFEST_BYTES, parseManifests, type ParsedManifest } from "./parse-manifests.js";
import { validateManifestObjects } from "./validate-manifest.js";
import {
  collectGitRepositories,
  isKustomizeFile,
  kustomizePatchFiles,
  type RepositoryIdentity,
} from "./flux-sources.js";

/** A file the PR changes (or, locally, a file of the checkout). */
export interface LayoutFile {
  path: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  previousPath?: string;
}

/** The content of a changed manifest at the head commit, or its size when it was too large to read. */
export type ManifestContent = { text: string } | { tooLarge: number };

export interface LayoutInput {
  files: LayoutFile[];
  /** Changed manifests (see `needsContent`) → content. */
  contents: Map<string, ManifestContent>;
  /** Other files of the repository that define CustomResourceDefinitions, parsed (see `crdCandidates`). */
  crdManifests?: ParsedManifest[];
  directoryExists: (dir: string) => boolean | null;
  /** Whether a file exists at the head commit (to find Helm charts' `Chart.yaml`); null or absent when unknown. */
  fileExists?: (path: string) => boolean | null;
  /** Unchanged files read for context: GitRepositories (Kustomization sources), kustomization.yaml (patch lists). */
  contextFiles?: Map<string, ManifestContent>;
  /** This repository's URLs and the branch under check: Kustomization paths are checked only for its sources. */
  repository?: RepositoryIdentity | null;
  /** The PR title, for the scope ↔ path rule; null locally. */
  title: string | null;
}

export interface LayoutEvaluation {
  findings: LayoutFinding[];
  checkedFiles: number;
  parsedFiles: number;
  /** Changed files that are not manifests and were not parsed. */
  notParsed: string[];
}

/** Whether the check needs this changed file's content: manifests that still exist at the head and are parsed. */
export function needsContent(
  settings: ManifestFileSettings,
  file: LayoutFile,
  fileExists?: (path: string) => boolean | null,
): boolean {
  return file.status !== "removed" && isParsedManifest(settings, file.path, fileExists);
}

export function isManifestPath(settings: Pick<LayoutConfig, "manifestExtensions">, path: string): boolean {
  return settings.manifestExtensions.some((ext) => path.endsWith(ext));
}

type ManifestFileSettings = Pick<
  LayoutConfig,
  "manifestExtensions" | "manifestExclude" | "excludeHelmTemplates"
>;

const excludeMatchers = new Map<string, (path: string) => boolean>();

/**
 * Whether a file is parsed as Kubernetes manifests: it has a manifest extension, matches no `manifestExclude` glob
 * and is not a Helm chart template (`templates/` below a folder with a `Chart.yaml`: Go templates, which are not YAML
 * until rendered and would all be false `yaml-syntax` errors).
 */
export function isParsedManifest(
  settings: ManifestFileSettings,
  path: string,
  fileExists?: (path: string) => boolean | null,
): boolean {
  if (!isManifestPath(settings, path)) return false;
  const key = JSON.stringify(settings.manifestExclude);
  let excluded = excludeMatchers.get(key);
  if (!excluded) {
    // Globs on RE2, linear in the path (the configuration schema refused any glob that does not compile).
    const globs = settings.manifestExclude.flatMap((glob) => {
      const compiled = compileUserGlob(glob);
      return compiled.ok ? [compiled.pattern] : [];
    });
    excluded = (path: string) => globs.some((glob) => glob.test(path));
    if (excludeMatchers.size > 32) excludeMatchers.clear();
    excludeMatchers.set(key, excluded);
  }
  if (excluded(path)) return false;
  return !(settings.excludeHelmTemplates && fileExists && isHelmTemplate(path, fileExists));
}

/** `…/templates/…` with a `Chart.yaml` in a folder above the `templates/` folder (a chart, or a sub-chart). */
function isHelmTemplate(path: string, fileExists: (path: string) => boolean | null): boolean {
  const parts = path.split("/");
  const templatesAt = parts.lastIndexOf("templates", parts.length - 2);
  if (templatesAt < 0) return false;
  for (let depth = templatesAt; depth >= 0; depth--) {
    const folder = parts.slice(0, depth).join("/");
    if (fileExists(folder ? `${folder}/Chart.yaml` : "Chart.yaml") === true) return true;
  }
  return false;
}

/** Files whose name suggests CustomResourceDefinitions: read them when a changed manifest has an unknown kind. */
export function isCrdCandidate(settings: Pick<LayoutConfig, "manifestExtensions">, path: string): boolean {
  if (!isManifestPath(settings, path)) return false;
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  return /(^|[-_.])crds?([-_.]|$)|customresourcedefinition/.test(name) || /(^|\/)crds?\//.test(path);
}

/** Parses the manifests that could be read. */
export function parseManifestContents(contents: Map<string, ManifestContent>): Map<string, ParsedManifest> {
  const parsed = new Map<string, ParsedManifest>();
  for (const [path, content] of contents) {
    if ("text" in content && content.text.length <= MAX_MANIFEST_BYTES)
      parsed.set(path, parseManifests(path, content.text));
  }
  return parsed;
}

/** Kind scopes from built-ins, configuration and every CustomResourceDefinition among the manifests. */
export function learnKindScopes(
  settings: Pick<LayoutConfig, "clusterScopedKinds" | "namespacedKinds">,
  manifests: Iterable<ParsedManifest>,
): KindScopes {
  const kinds = new KindScopes(settings);
  for (const manifest of manifests) {
    for (const object of manifest.objects) {
      if (groupOf(object.apiVersion) !== "apiextensions.k8s.io" || object.kind !== "CustomResourceDefinition")
        continue;
      const spec = object.data.spec as
        | { group?: unknown; scope?: unknown; names?: { kind?: unknown } }
        | undefined;
      if (typeof spec?.group !== "string" || typeof spec.names?.kind !== "string") continue;
      if (spec.scope === "Namespaced") kinds.learn(spec.group, spec.names.kind, "namespaced");
      if (spec.scope === "Cluster") kinds.learn(spec.group, spec.names.kind, "cluster");
    }
  }
  return kinds;
}

/** Whether some changed object has a kind whose scope is unknown (then the repository's CRDs are worth reading). */
export function hasUnknownKinds(kinds: KindScopes, manifests: Iterable<ParsedManifest>): boolean {
  for (const manifest of manifests) {
    if (manifest.objects.some((object) => kinds.scopeOf(object.apiVersion, object.kind) === null))
      return true;
  }
  return false;
}

/** Every rule of the "Folder layout" check over the changed files: data in, findings out. */
export function evaluateLayout(
  layout: CompiledLayout,
  settings: LayoutConfig,
  input: LayoutInput,
  parsed: Map<string, ParsedManifest> = parseManifestContents(input.contents),
): LayoutEvaluation {
  const findings: LayoutFinding[] = [];
  const kinds = learnKindScopes(settings, [...parsed.values(), ...(input.crdManifests ?? [])]);
  const context = parseManifestContents(input.contextFiles ?? new Map());
  const sources = collectGitRepositories([...parsed.values(), ...context.values()]);
  const patchFiles = new Set<string>();
  for (const contents of [input.contents, input.contextFiles ?? new Map<string, ManifestContent>()]) {
    for (const [path, content] of contents) {
      if (isKustomizeFile(path) && "text" in content)
        for (const patch of kustomizePatchFiles(path, content.text)) patchFiles.add(patch);
    }
  }
  const matches: LayoutMatch[] = [];
  const notParsed: string[] = [];
  let checkedFiles = 0;
  for (const file of input.files) {
    if (file.status === "removed") {
      const verdict = checkLayoutPath(layout, file.path);
      if (verdict.kind === "match") matches.push(verdict);
      continue;
    }
    checkedFiles++;
    if (file.previousPath) {
      const previous = checkLayoutPath(layout, file.previousPath);
      if (previous.kind === "match") matches.push(previous);
    }
    const verdict = checkLayoutPath(layout, file.path);
    if (verdict.kind === "match") matches.push(verdict);
    if (verdict.kind === "mismatch") {
      findings.push({ path: file.path, rule: verdict.rule, severity: "error", message: verdict.message });
    }
    const content = input.contents.get(file.path);
    const size = !content ? 0 : "tooLarge" in content ? content.tooLarge : content.text.length;
    if (size > MAX_MANIFEST_BYTES) {
      findings.push({
        path: file.path,
        rule: "not-parsed",
        severity: "notice",
        message: `Not parsed: the file is over the ${MAX_MANIFEST_BYTES}-byte limit for manifests (${size} bytes).`,
      });
      continue;
    }
    const manifest = isParsedManifest(settings, file.path, input.fileExists)
      ? parsed.get(file.path)
      : undefined;
    if (!manifest) {
      if (!isParsedManifest(settings, file.path, input.fileExists)) notParsed.push(file.path);
      continue;
    }
    findings.push(...manifest.findings);
    findings.push(
      ...validateManifestObjects(file.path, verdict.kind === "match" ? verdict : null, manifest.objects, {
        settings,
        kinds,
        directoryExists: input.directoryExists,
        sources,
        repository: input.repository ?? null,
        patchFiles,
      }),
    );
  }
  if (input.title !== null) {
    const scopeFinding = checkScopePath(input.title, matches, settings);
    if (scopeFinding) findings.push(scopeFinding);
  }
  return { findings: sortFindings(findings), checkedFiles, parsedFiles: parsed.size, notParsed };
}

/**
 * Unchanged files worth reading when a changed manifest holds a Flux Kustomization: the kustomization.yaml files of
 * its folder and the two above (they may list it as a patch), and files whose name suggests a GitRepository (its
 * source: `gotk-sync.yaml`, `*source*`, `*sync*`, `*gitrepositor*`). At most `limit`, nearest first.
 */
export function contextCandidates(
  settings: ManifestFileSettings,
  changed: Map<string, ParsedManifest>,
  treeFiles: Iterable<string>,
  limit = 30,
): string[] {
  const folders = new Set<string>();
  let hasKustomization = false;
  for (const [path, manifest] of changed) {
    if (
      !manifest.objects.some(
        (o) => groupOf(o.apiVersion) === "kustomize.toolkit.fluxcd.io" && o.kind === "Kustomization",
      )
    )
      continue;
    hasKustomization = true;
    const parts = path.split("/").slice(0, -1);
    for (let depth = parts.length; depth >= Math.max(0, parts.length - 2); depth--)
      folders.add(parts.slice(0, depth).join("/"));
  }
  if (!hasKustomization) return [];
  const kustomize: string[] = [];
  const sources: string[] = [];
  for (const file of treeFiles) {
    if (changed.has(file)) continue;
    const slash = file.lastIndexOf("/");
    if (isKustomizeFile(file) && folders.has(slash < 0 ? "" : file.slice(0, slash))) kustomize.push(file);
    else if (
      isParsedManifest(settings, file) &&
      /gotk-sync|gitrepositor|source|sync/i.test(file.slice(slash + 1))
    )
      sources.push(file);
  }
  return [...kustomize, ...sources].slice(0, limit);
}
