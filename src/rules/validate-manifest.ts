import path from "node:path/posix";
import type { LayoutConfig } from "../config/sections/layout.js";
import { groupOf, type KindScopes } from "./kubernetes-kinds.js";
import type { LayoutFinding } from "./layout-finding.js";
import type { LayoutMatch } from "./layout-templates.js";
import type { ManifestObject } from "./parse-manifests.js";
import { kustomizationSource, type GitRepositorySource, type RepositoryIdentity } from "./flux-sources.js";

export type ManifestSettings = Pick<
  LayoutConfig,
  "scopeSegment" | "namespacedFolder" | "clusterScopedFolder" | "namespaceSegment"
>;

/** What the manifest rules need to know about the repository at the head commit. */
export interface ManifestEnvironment {
  settings: ManifestSettings;
  kinds: KindScopes;
  /** Whether a folder exists at the head commit; null when it cannot be known (a truncated tree). */
  directoryExists: (dir: string) => boolean | null;
  /** Flux GitRepositories among the files read, to resolve a Kustomization's `sourceRef`. */
  sources?: GitRepositorySource[];
  /** This repository's URLs and branch; null when unknown (then no Kustomization path can be checked). */
  repository?: RepositoryIdentity | null;
  /** Files listed as patches by a kustomization.yaml: partial objects, not judged as objects. */
  patchFiles?: Set<string>;
}

/**
 * Checks the objects of one manifest file against where the file is: scope placement (`namespaced/` vs
 * `non-namespaced/`), the namespace folder, and Flux Kustomization paths.
 */
export function validateManifestObjects(
  file: string,
  match: LayoutMatch | null,
  objects: ManifestObject[],
  env: ManifestEnvironment,
): LayoutFinding[] {
  const findings: LayoutFinding[] = [];
  const { settings } = env;
  // A kustomize patch carries only the fields it changes: its kind, namespace or path say nothing on their own.
  if (env.patchFiles?.has(file)) return findings;
  const folderScope = match?.segments[settings.scopeSegment];
  const folderNamespace = match?.segments[settings.namespaceSegment];
  for (const object of objects) {
    const scope = env.kinds.scopeOf(object.apiVersion, object.kind);
    if (scope === "build") continue;
    // No `metadata.name`: a partial object (an inline patch, a generator's input), not something applied as is.
    if (object.name === null) continue;
    const label = `${object.kind}${object.name ? ` \`${object.name}\`` : ""}`;
    const at = (key: string) => ({ path: file, ...object.positionOf(key) });

    if (folderScope !== undefined) {
      if (scope === null) {
        findings.push({
          ...at("kind"),
          rule: "unknown-kind",
          severity: "notice",
          message:
            `Unknown kind \`${object.kind}\` (\`${object.apiVersion}\`): its scope is not checked. Add its ` +
            "CustomResourceDefinition to the repository, or list it in `layout.namespacedKinds` or " +
            "`layout.clusterScopedKinds`.",
        });
      } else if (scope === "cluster" && folderScope !== settings.clusterScopedFolder) {
        findings.push({
          ...at("kind"),
          rule: "scope-placement",
          severity: "error",
          message: `${label} is cluster-scoped, but it is under \`${folderScope}/\`: move the file to the \`${settings.clusterScopedFolder}/\` folder.`,
        });
      } else if (scope === "namespaced" && folderScope !== settings.namespacedFolder) {
        findings.push({
          ...at("kind"),
          rule: "scope-placement",
          severity: "error",
          message: `${label} is namespaced, but it is under \`${folderScope}/\`: move the file to the \`${settings.namespacedFolder}/\` folder.`,
        });
      }
    }

    if (
      folderNamespace !== undefined &&
      scope !== "cluster" &&
      object.namespace !== null &&
      object.namespace !== folderNamespace
    ) {
      findings.push({
        ...at("metadata.namespace"),
        rule: "namespace-mismatch",
        severity: "error",
        message:
          `${label} sets \`metadata.namespace: ${object.namespace}\`, but it is in the \`${folderNamespace}/\` ` +
          `namespace folder: set \`namespace: ${folderNamespace}\` or move the file to \`${object.namespace}/\`.`,
      });
    }

    const specPath = fluxKustomizationPath(object);
    if (specPath !== null) findings.push(...checkKustomizationPath(object, specPath, env, at));
  }
  return findings;
}

/**
 * A Flux Kustomization's `spec.path` is looked up in this repository's tree only when its source is known to be this
 * repository at the branch under check: another repository, another branch, a tag, or a source not among the files
 * read would give false "does not exist" errors. A path with post-build substitution (`${ENVIRONMENT}`) cannot be
 * resolved here: a notice says it was not verified.
 */
function checkKustomizationPath(
  object: ManifestObject,
  specPath: string,
  env: ManifestEnvironment,
  at: (key: string) => { path: string; line: number; column: number },
): LayoutFinding[] {
  const source = kustomizationSource(object, env.sources ?? [], env.repository ?? null);
  const name = object.name ? ` \`${object.name}\`` : "";
  if (source.kind === "other") return [];
  if (/\$\{[^}]*\}/.test(specPath)) {
    return [
      {
        ...at("spec.path"),
        rule: "kustomization-path-unverified",
        severity: "notice",
        message:
          `Flux Kustomization${name} applies \`spec.path: ${specPath}\`, which uses post-build substitution: the ` +
          "folder is only known on the cluster, so it was not verified.",
      },
    ];
  }
  if (source.kind === "unknown") return [];
  const dir = normaliseSourcePath(specPath);
  if ((dir === "" ? true : env.directoryExists(dir)) !== false) return [];
  return [
    {
      ...at("spec.path"),
      rule: "kustomization-path",
      severity: "error",
      message:
        `Flux Kustomization${name} applies \`spec.path: ${specPath}\`, which is not a folder of this repository at ` +
        "the PR's head (its GitRepository is this repository, on this branch), so it would apply nothing: fix the path.",
    },
  ];
}

/** `spec.path` of a Flux Kustomization whose source is a GitRepository (or unspecified), else null. */
function fluxKustomizationPath(object: ManifestObject): string | null {
  if (groupOf(object.apiVersion) !== "kustomize.toolkit.fluxcd.io" || object.kind !== "Kustomization")
    return null;
  const spec = object.data.spec as { path?: unknown; sourceRef?: { kind?: unknown } } | undefined;
  if (typeof spec?.path !== "string") return null;
  const sourceKind = spec.sourceRef?.kind;
  if (sourceKind !== undefined && sourceKind !== "GitRepository") return null;
  return spec.path;
}

/** Flux paths are relative to the source's root: `./a/b/`, `a/b` and `/a/b` are the same folder. */
export function normaliseSourcePath(specPath: string): string {
  const normalised = path.normalize(`/${specPath.trim()}`).replace(/^\/+|\/+$/g, "");
  return normalised === "." ? "" : normalised;
}
