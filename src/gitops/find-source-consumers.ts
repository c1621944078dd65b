import { parseAllDocuments } from "yaml";

/** A Flux Kustomization that reconciles content from the promoted source. */
export interface SourceConsumer {
  name: string;
  namespace: string;
  /** `spec.path` without `./` and trailing `/` (empty for the root). */
  path: string;
  /** The kubeconfig secret of a remote cluster (`spec.kubeConfig.secretRef.name`), if any. */
  cluster: string | null;
  file: string;
}

/** Files likely to hold Flux Kustomizations, likeliest first: `kustomization` in the name, then Flux folders. */
export function rankConsumerCandidates(paths: readonly string[]): string[] {
  const score = (file: string) => {
    const lower = file.toLowerCase();
    const base = lower.slice(lower.lastIndexOf("/") + 1);
    if (base === "kustomization.yaml" || base === "kustomization.yml") return 0; // kustomize's own file
    let points = 0;
    if (base.includes("kustomization")) points += 4;
    if (/flux-system|flux|clusters?\//.test(lower)) points += 1;
    return points;
  };
  return paths
    .filter((file) => /\.ya?ml$/i.test(file))
    .map((file) => ({ file, points: score(file) }))
    .filter(({ points }) => points > 0)
    .sort((a, b) => b.points - a.points || a.file.localeCompare(b.file))
    .map(({ file }) => file);
}

/**
 * The Flux Kustomizations in `files` whose `spec.sourceRef` is the source (kind, name, and namespace, which defaults
 * to the Kustomization's own). Unparsable files are skipped: they are not this feature's to judge.
 */
export function findSourceConsumers(
  files: ReadonlyArray<{ path: string; text: string }>,
  source: { kind: string; name: string; namespace: string },
): SourceConsumer[] {
  const consumers: SourceConsumer[] = [];
  for (const file of files) {
    if (!file.text.includes("sourceRef")) continue;
    for (const doc of parseAllDocuments(file.text)) {
      if (doc.errors.length) continue;
      const apiVersion = doc.get("apiVersion");
      if (typeof apiVersion !== "string" || !apiVersion.startsWith("kustomize.toolkit.fluxcd.io/")) continue;
      if (doc.get("kind") !== "Kustomization") continue;
      const namespace = String(doc.getIn(["metadata", "namespace"]) ?? "flux-system");
      const ref = {
        kind: doc.getIn(["spec", "sourceRef", "kind"]),
        name: doc.getIn(["spec", "sourceRef", "name"]),
      };
      const refNamespace = doc.getIn(["spec", "sourceRef", "namespace"]) ?? namespace;
      if (ref.kind !== source.kind || ref.name !== source.name || refNamespace !== source.namespace) continue;
      consumers.push({
        name: String(doc.getIn(["metadata", "name"]) ?? "(unnamed)"),
        namespace,
        path: normalizePath(String(doc.getIn(["spec", "path"]) ?? "")),
        cluster: (doc.getIn(["spec", "kubeConfig", "secretRef", "name"]) as string | undefined) ?? null,
        file: file.path,
      });
    }
  }
  return consumers.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** Changed files between the pinned and the new revision, and whether the list is complete. */
export interface ChangedPaths {
  files: string[];
  complete: boolean;
}

export interface ProductionChanges {
  changed: Array<SourceConsumer & { files: string[] }>;
  unchanged: SourceConsumer[];
  /** When the changed-file list is incomplete, nothing can be called unchanged. */
  unknown: SourceConsumer[];
}

/** Splits consumers into those whose `spec.path` contains a changed file and the rest. */
export function productionChanges(
  consumers: readonly SourceConsumer[],
  changed: ChangedPaths,
): ProductionChanges {
  const result: ProductionChanges = { changed: [], unchanged: [], unknown: [] };
  for (const consumer of consumers) {
    const prefix = consumer.path ? `${consumer.path}/` : "";
    const files = changed.files.filter((file) => file.startsWith(prefix));
    if (files.length) result.changed.push({ ...consumer, files });
    else if (changed.complete) result.unchanged.push(consumer);
    else result.unknown.push(consumer);
  }
  return result;
}

function normalizePath(path: string): string {
  return path
    .replace(/^\.?\/+/, "")
    .replace(/^\.$/, "")
    .replace(/\/+$/, "");
}
