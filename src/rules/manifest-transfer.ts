import type { ManifestObject, ParsedManifest } from "./parse-manifests.js";

/**
 * A parsed manifest as plain data, so it can cross a thread boundary (structured clone): `positionOf` becomes a table
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
      return { ...object, positions };
    }),
  };
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
