import { isMap, isScalar, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import type { LayoutFinding } from "./layout-finding.js";

/** Files bigger than this are not parsed: manifests that large are generated and would cost too much to check. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** One Kubernetes object of a manifest file, with where its interesting keys are. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string | null;
  namespace: string | null;
  /** The parsed document as plain data. */
  data: Record<string, unknown>;
  /** 1-based line and column of the key at a dotted path (`kind`, `metadata.namespace`, `spec.path`). */
  positionOf: (keyPath: string) => { line: number; column: number };
}

export interface ParsedManifest {
  objects: ManifestObject[];
  /** Syntax errors: the first of each document, at its exact line and column. */
  findings: LayoutFinding[];
}

/**
 * Parses every document of a YAML file (`---`, CRLF and a BOM are fine; strings that embed YAML stay strings).
 * Documents that are not mappings with `apiVersion` and `kind` are ignored; syntax errors become findings.
 */
export function parseManifests(path: string, text: string): ParsedManifest {
  const lineCounter = new LineCounter();
  // logLevel "error": the library's warnings (unresolved tags, collection keys) would go to stderr per file.
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false, logLevel: "error" });
  const objects: ManifestObject[] = [];
  const findings: LayoutFinding[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const error = document.errors[0];
    if (error) {
      const [start] = error.linePos ?? [lineCounter.linePos(error.pos[0])];
      findings.push({
        path,
        line: start.line,
        column: start.col,
        rule: "yaml-syntax",
        severity: "error",
        message: `YAML syntax error: ${(error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`,
      });
      continue;
    }
    const object = toObject(document as Document.Parsed, lineCounter);
    if (object) objects.push(object);
  }
  return { objects, findings };
}

function toObject(document: Document.Parsed, lineCounter: LineCounter): ManifestObject | null {
  if (!isMap(document.contents)) return null;
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch {
    return null;
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) return null;
  const record = data as Record<string, unknown>;
  const { apiVersion, kind } = record;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return null;
  const metadata = (record.metadata && typeof record.metadata === "object" ? record.metadata : {}) as Record<
    string,
    unknown
  >;
  const contents = document.contents;
  const positionOf = (keyPath: string) => {
    let node: Node | null = contents;
    let keyNode: Node | null = null;
    for (const key of keyPath.split(".")) {
      if (!isMap(node)) break;
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value as Node | null;
    }
    const offset = keyNode?.range?.[0] ?? contents.range[0];
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return {
    apiVersion,
    kind,
    name: typeof metadata.name === "string" ? metadata.name : null,
    namespace: typeof metadata.namespace === "string" ? metadata.namespace : null,
    data: record,
    positionOf,
  };
}
