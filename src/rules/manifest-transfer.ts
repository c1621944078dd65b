import type { ManifestObject, ParsedManifest } from "./parse-manifests.js";

/**
 * A parsed manifest as plain data, so it can cross a thread boundary (structured clone), slimmed to what the rules
 * read (see `keptData`): `positionOf` becomes a table
 * of the positions of every key up to `POSITION_DEPTH` levels deep, which covers every key path the rules point at
 * (`kind`, `metadata.namespace`, `spec.path`, `spec.sourceRef.name`).
 */
export interface PortableManifest {
  objects: Array<Omit<ManifestObject, "positionOf"> & { positions: Record<string, [number, number]> }>;
  findings: ParsedManifest["findings"];
}

const POSITION_DEPTH = 3;
/** A map with more keys than this (a big ConfigMap's `data`) records only its first ones; later keys point at the map. */
const KEYS_PER_MAP = 200;

export function toPortable(parsed: ParsedManifest): PortableManifest {
  return {
    findings: parsed.findings,
    objects: parsed.objects.map(({ positionOf, ...object }) => {
      const positions: Record<string, [number, number]> = {};
      const record = (keyPath: string) => {
        const { line, column } = positionOf(keyPath);
        positions[keyPath] = [line, column];
      };
      record("");
      const walk = (value: unknown, prefix: string, depth: number) => {
        if (depth > POSITION_DEPTH || !value || typeof value !== "object" || Array.isArray(value)) return;
        for (const key of Object.keys(value).slice(0, KEYS_PER_MAP)) {
          const keyPath = prefix ? `${prefix}.${key}` : key;
          record(keyPath);
          walk((value as Record<string, unknown>)[key], keyPath, depth + 1);
        }
      };
      walk(object.data, "", 1);
      return { ...object, data: keptData(object.apiVersion, object.kind, object.data), positions };
    }),
  };
}

/**
 * API groups whose objects the rules read beyond their metadata (Flux sources and Kustomizations, kustomize build
 * files, Argo CD, Flux Operator, Cluster API): kept whole. A rule that reads another kind's `spec` adds its group
 * here.
 */
const GROUPS_READ_WHOLE = [
  /\.toolkit\.fluxcd\.io$/,
  /^kustomize\.config\.k8s\.io$/,
  /^argoproj\.io$/,
  /^fluxcd\.controlplane\.io$/,
  /\.x-k8s\.io$/,
];

/**
 * What crosses back from the parser thread and stays in memory while the PR is judged: a generated Deployment or a
 * CRD's schema can weigh hundreds of kilobytes, of which the rules read only the identity, metadata and a CRD's
 * group, names and scope.
 */
function keptData(apiVersion: string, kind: string, data: Record<string, unknown>): Record<string, unknown> {
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  if (GROUPS_READ_WHOLE.some((pattern) => pattern.test(group))) return data;
  const kept: Record<string, unknown> = { apiVersion: data.apiVersion, kind: data.kind };
  if ("metadata" in data) kept.metadata = data.metadata;
  if (kind === "CustomResourceDefinition" && data.spec && typeof data.spec === "object") {
    const { group: crdGroup, names, scope } = data.spec as Record<string, unknown>;
    kept.spec = { group: crdGroup, names, scope };
  }
  return kept;
}

/** The inverse of `toPortable`: a key path not in the table points at its nearest recorded parent, as `positionOf` does. */
export function fromPortable(portable: PortableManifest): ParsedManifest {
  return {
    findings: portable.findings,
    objects: portable.objects.map(({ positions, ...object }) => ({
      ...object,
      positionOf: (keyPath: string) => {
        const parts = keyPath.split(".");
        for (let length = parts.length; length >= 0; length--) {
          const found = positions[parts.slice(0, length).join(".")];
          if (found) return { line: found[0], column: found[1] };
        }
        return { line: 1, column: 1 };
      },
    })),
  };
}
