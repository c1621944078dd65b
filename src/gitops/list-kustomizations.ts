import { parseAllDocuments } from "yaml";
import type { KustomizationRef } from "../rules/map-flux-statuses.js";

/**
 * Every Flux Kustomization in `files`, whatever its source: the rollout needs the names that Kustomizations of other
 * sources (non-production ones following `main`) share with production ones, because Flux's default commit status id
 * does not say the namespace. Unparsable files are skipped.
 */
export function listKustomizations(files: ReadonlyArray<{ text: string }>): KustomizationRef[] {
  const found: KustomizationRef[] = [];
  for (const file of files) {
    if (!/kind:\s*Kustomization/.test(file.text)) continue;
    for (const doc of parseAllDocuments(file.text)) {
      if (doc.errors.length) continue;
      const apiVersion = doc.get("apiVersion");
      if (typeof apiVersion !== "string" || !apiVersion.startsWith("kustomize.toolkit.fluxcd.io/")) continue;
      if (doc.get("kind") !== "Kustomization") continue;
      found.push({
        name: String(doc.getIn(["metadata", "name"]) ?? "(unnamed)"),
        namespace: String(doc.getIn(["metadata", "namespace"]) ?? "flux-system"),
        cluster: (doc.getIn(["spec", "kubeConfig", "secretRef", "name"]) as string | undefined) ?? null,
      });
    }
  }
  return found;
}
