import { parseAllDocuments } from "yaml";
import type { PromotionTarget } from "../config/sections/promotion.js";
import { targetDisplayName, targetId } from "../rules/plan-promotion.js";
import { consumersOfCopy, findSourceConsumers, rankConsumerCandidates } from "./find-source-consumers.js";
import { rankTargetCandidates } from "./rank-target-candidates.js";
import { readSourceRef, type PinnedRef, type SourceTarget } from "./set-source-ref.js";

/** Where an environment's content comes from: a branch (non-production) or a pinned tag (production). */
export interface EnvironmentRef {
  type: "branch" | "tag";
  name: string;
}

export interface Environment {
  /** The promotion target's display name (production), or the source's name (non-production). */
  name: string;
  role: "production" | "non-production";
  ref: EnvironmentRef;
  /** The Flux source (or Argo CD Application) that pins the ref, and the file that holds it. */
  source: { kind: string; name: string; namespace: string; file: string };
  /** Clusters whose Flux Kustomizations use the source (`…-kubeconfig` secrets; the management cluster otherwise). */
  clusters: string[];
  /** The promotion target's id (production only). */
  targetId: string | null;
}

/** A promotion target found in the tree, or why not (the dashboard shows it as a blocked promotion). */
export type LocatedTarget =
  | { target: PromotionTarget; path: string; pinned: PinnedRef }
  | { target: PromotionTarget; path: string | null; problem: string };

const sourceOf = (target: PromotionTarget): SourceTarget => ({
  kind: target.kind,
  name: target.name,
  namespace: target.namespace,
  repoURL: target.repoURL,
});

/**
 * The files to read to find the environments: each target's configured file or its likeliest candidates (the same
 * ranking and bound as the promotion), the files likely to hold Flux sources, and the likeliest Kustomization files.
 */
export function environmentFilesToRead(
  paths: readonly string[],
  targets: readonly PromotionTarget[],
  limits: { discoveryReads: number; consumerReads: number },
): string[] {
  const wanted = new Set<string>();
  for (const target of targets) {
    if (target.path) wanted.add(target.path);
    else
      for (const file of rankTargetCandidates(paths, sourceOf(target)).slice(0, limits.discoveryReads))
        wanted.add(file);
  }
  // Branch-tracking sources: files named after the kind (`gitrepository-main.yaml`), as Flux's bootstrap lays them out.
  for (const file of paths) if (/(gitrepository|ocirepository)[^/]*\.ya?ml$/i.test(file)) wanted.add(file);
  for (const file of rankConsumerCandidates(paths).slice(0, limits.consumerReads)) wanted.add(file);
  return [...wanted].filter((file) => paths.includes(file));
}

/**
 * Where each promotion target lives and what it is pinned to: its configured file, else the first of its likeliest
 * files that holds it (as the promotion discovers it). The one place the dashboard and `status` discover targets.
 */
export function locatePromotionTargets(
  paths: readonly string[],
  files: ReadonlyMap<string, string>,
  targets: readonly PromotionTarget[],
  discoveryReads: number,
): LocatedTarget[] {
  return targets.map((target) => {
    const source = sourceOf(target);
    const candidates = target.path
      ? [target.path]
      : rankTargetCandidates(paths, source).slice(0, discoveryReads);
    for (const path of candidates) {
      const text = files.get(path);
      if (text === undefined) continue;
      const pinned = readSourceRef(text, source);
      if (pinned.ok) return { target, path, pinned: pinned.value };
      if (pinned.error.code !== "not-found" && pinned.error.code !== "invalid-yaml") {
        return { target, path, problem: pinned.error.message };
      }
    }
    return {
      target,
      path: target.path,
      problem: target.path
        ? `\`${target.path}\` does not hold ${source.kind} \`${source.namespace}/${source.name}\``
        : `no ${source.kind} \`${source.namespace}/${source.name}\` in the ${candidates.length} likeliest files; set \`path\` of the target`,
    };
  });
}

/** A Flux source that follows a branch (`spec.ref.branch`), found in the tree. */
interface BranchSource {
  kind: string;
  name: string;
  namespace: string;
  branch: string;
  file: string;
}

function findBranchSources(files: ReadonlyMap<string, string>): BranchSource[] {
  const found: BranchSource[] = [];
  for (const [file, text] of files) {
    if (!/kind:\s*(GitRepository|OCIRepository)/.test(text)) continue;
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) continue;
      const apiVersion = doc.get("apiVersion");
      const kind = doc.get("kind");
      if (typeof apiVersion !== "string" || !apiVersion.startsWith("source.toolkit.fluxcd.io/")) continue;
      if (kind !== "GitRepository" && kind !== "OCIRepository") continue;
      const ref = doc.getIn(["spec", "ref"]) as { get?: (key: string) => unknown } | undefined;
      const branch = doc.getIn(["spec", "ref", "branch"]);
      // A branch only decides when nothing stronger pins the revision (Flux's precedence: commit, name, semver, tag).
      const stronger = ["commit", "name", "semver", "tag"].some((key) => ref?.get?.(key) !== undefined);
      if (typeof branch !== "string" || stronger) continue;
      found.push({
        kind,
        name: String(doc.getIn(["metadata", "name"]) ?? ""),
        namespace: String(doc.getIn(["metadata", "namespace"]) ?? "flux-system"),
        branch,
        file,
      });
    }
  }
  return found.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** `prod-eu-west-1-kubeconfig` → `prod-eu-west-1`; no kubeconfig → the cluster Flux runs in. */
const clusterName = (secret: string | null) =>
  secret === null ? "management cluster" : secret.replace(/-kubeconfig$/, "");

/** The clusters the copy of the source in `file` reaches (in a fleet, each cluster folder has its own copy). */
function clustersOf(
  files: ReadonlyMap<string, string>,
  source: { kind: string; name: string; namespace: string },
  file: string,
) {
  const list = [...files].map(([path, text]) => ({ path, text }));
  const consumers = consumersOfCopy(findSourceConsumers(list, source), list, source, file);
  return [...new Set(consumers.map((c) => clusterName(c.cluster)))].sort();
}

/**
 * The environments of the repository, from its tree: production is each promotion target at its pinned ref (a tag);
 * non-production is each Flux source that follows a branch. A target pinned to a branch (not promoted yet) is still
 * production, at that branch. Targets that cannot be found are left out (see `locatePromotionTargets`).
 */
export function deriveEnvironments(
  files: ReadonlyMap<string, string>,
  located: readonly LocatedTarget[],
): Environment[] {
  const production: Environment[] = [];
  const productionSources = new Set<string>();
  for (const entry of located) {
    if (!("pinned" in entry)) continue;
    const { target, path, pinned } = entry;
    productionSources.add(`${target.kind}/${target.namespace}/${target.name}`);
    production.push({
      name: targetDisplayName(target),
      role: "production",
      ref: { type: pinned.field === "branch" ? "branch" : "tag", name: pinned.value },
      source: { kind: target.kind, name: target.name, namespace: target.namespace, file: path },
      clusters: target.kind === "Application" ? [] : clustersOf(files, target, path),
      targetId: targetId(target),
    });
  }
  const nonProduction = findBranchSources(files)
    .filter((s) => !productionSources.has(`${s.kind}/${s.namespace}/${s.name}`))
    .map(
      (s): Environment => ({
        name: s.name,
        role: "non-production",
        ref: { type: "branch", name: s.branch },
        source: { kind: s.kind, name: s.name, namespace: s.namespace, file: s.file },
        clusters: clustersOf(files, s, s.file),
        targetId: null,
      }),
    );
  return [...nonProduction, ...production];
}
