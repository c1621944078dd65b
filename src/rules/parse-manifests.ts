import { isMap, isScalar, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import { inlineCode } from "../util/markdown.js";
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
  const encoding = encodingFinding(path, text);
  if (encoding) return { objects: [], findings: [encoding] };
  const lineCounter = new LineCounter();
  // logLevel "error": the library's warnings (unresolved tags, collection keys) would go to stderr per file.
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false, logLevel: "error" });
  const objects: ManifestObject[] = [];
  const findings: LayoutFinding[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const problem = documentProblem(path, document as Document.Parsed, lineCounter);
    if (problem) {
      findings.push(problem);
      continue;
    }
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

const content = (
  path: string,
  message: string,
  at: { line: number; col: number } = { line: 1, col: 1 },
): LayoutFinding => ({
  path,
  line: at.line,
  column: at.col,
  rule: "manifest-content",
  severity: "error",
  message,
});

/**
 * A file that is not UTF-8 text is never "in place" unchecked: NUL bytes mean UTF-16 (a BOM or every other byte NUL)
 * or binary content, and neither can be read as YAML.
 */
function encodingFinding(path: string, text: string): LayoutFinding | null {
  const nul = text.indexOf("\u0000");
  const utf16Bom = text.startsWith("\uFFFD\uFFFD") || text.startsWith("\uFEFF\u0000");
  if (nul < 0 && !utf16Bom) return null;
  const sample = text.slice(0, 64);
  const alternating =
    [...sample].filter((char, i) => (i % 2 === 1) === (char === "\u0000")).length > sample.length * 0.8;
  return utf16Bom || alternating
    ? content(
        path,
        "The file is UTF-16 encoded: Kubernetes manifests are UTF-8. Save it as UTF-8 (without BOM).",
      )
    : content(
        path,
        `The file contains a NUL byte (offset ${nul}): it is binary, not YAML. Remove it, or give it an extension ` +
          "that is not in `layout.manifestExtensions`.",
      );
}

/** Per document: what makes it impossible to check (so it is reported, never silently skipped). */
function documentProblem(
  path: string,
  document: Document.Parsed,
  lineCounter: LineCounter,
): LayoutFinding | null {
  const where = (offset: number | undefined) => lineCounter.linePos(offset ?? 0);
  const start = where(document.contents?.range?.[0] ?? document.range?.[0]);
  const exhausted = document.errors.find((error) => error.code === "RESOURCE_EXHAUSTION");
  if (exhausted)
    return content(
      path,
      "The YAML is nested too deeply to read (hundreds of levels): no manifest needs that. Flatten the structure.",
      where(exhausted.pos[0]),
    );
  if (document.errors.length) return null; // a syntax error: reported as such by the caller
  const tag = document.warnings.find((warning) => warning.code === "TAG_RESOLVE_FAILED");
  if (tag)
    return content(
      path,
      `${tag.message.split(" at line")[0]}: Kubernetes reads only YAML's standard tags. Remove the tag (quote the ` +
        "value if it must stay a string).",
      where(tag.pos[0]),
    );
  if (!isMap(document.contents)) return null;
  let data: Record<string, unknown>;
  try {
    data = (document.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  } catch (error) {
    const message = (error as Error).message;
    return /alias count/i.test(message)
      ? content(
          path,
          "The YAML expands aliases (`*name`) into too many nodes (an alias bomb): write the values out, or use " +
            "fewer nested aliases.",
          start,
        )
      : /Unresolved alias/i.test(message)
        ? content(
            path,
            `${message.split("\n")[0]}. Define the anchor (\`&name\`) before the alias, or write the value.`,
            start,
          )
        : content(path, `The document cannot be read: ${message.split("\n")[0]}.`, start);
  }
  const { apiVersion, kind } = data;
  if (apiVersion === undefined && kind === undefined) return null; // not a Kubernetes object (values, patches)
  if (typeof kind !== "string")
    return content(
      path,
      `\`kind\` is ${kind === undefined ? "missing" : `${describeValue(kind)} (${JSON.stringify(kind)?.slice(0, 40)})`}: ` +
        "a Kubernetes object's `kind` is a string such as `ConfigMap`.",
      start,
    );
  if (typeof apiVersion !== "string")
    return content(
      path,
      `\`apiVersion\` is ${apiVersion === undefined ? "missing" : `a ${typeof apiVersion}`} for kind ` +
        `${inlineCode(kind.slice(0, 60))}: write it, e.g. \`apiVersion: v1\`.`,
      start,
    );
  return null;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
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
