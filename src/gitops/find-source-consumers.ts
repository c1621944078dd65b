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

/**
 * The consumers of the copy of the source in `targetFile`. In a fleet every cluster folder defines its own copy
 * (same kind, name and namespace: `clusters/staging/release.yaml`, `clusters/production/release.yaml`), and each
 * Kustomization belongs to the copy nearest to its file (the longest shared folder path; a copy in the same file is
 * nearest). With one copy among `files` (or none seen) every consumer is the target's. A Kustomization as near to
 * another copy as to the target's is kept: listing one too many is safer than hiding one.
 */
export function consumersOfCopy(
  consumers: readonly SourceConsumer[],
  files: ReadonlyArray<{ path: string; text: string }>,
  source: { kind: string; name: string; namespace: string },
  targetFile: string,
): SourceConsumer[] {
  const copies = new Set(files.filter((f) => definesSource(f.text, source)).map((f) => f.path));
  copies.add(targetFile);
  if (copies.size === 1) return [...consumers];
  const nearness = (a: string, b: string) => {
    if (a === b) return Infinity;
    const x = a.split("/").slice(0, -1);
    const y = b.split("/").slice(0, -1);
    let n = 0;
    while (n < x.length && n < y.length && x[n] === y[n]) n++;
    return n;
  };
  return consumers.filter((consumer) => {
    const own = nearness(consumer.file, targetFile);
    return [...copies].every((copy) => copy === targetFile || nearness(consumer.file, copy) <= own);
  });
}

/** Whether a file defines the source object itself (kind, `metadata.name`, namespace defaulting to flux-system). */
function definesSource(text: string, source: { kind: string; name: string; namespace: string }): boolean {
  if (!text.includes(source.name) || !text.includes(source.kind)) return false;
  return parseAllDocuments(text).some(
    (doc) =>
      !doc.errors.length &&
      doc.get("kind") === source.kind &&
      doc.getIn(["metadata", "name"]) === source.name &&
      String(doc.getIn(["metadata", "namespace"]) ?? "flux-system") === source.namespace,
  );
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
