import semver from "semver";
import {
  isMap,
  isNode,
  isScalar,
  isSeq,
  parse,
  parseAllDocuments,
  visit,
  type Document,
  type Pair,
  type Scalar,
} from "yaml";
import { err, ok, type Result } from "../util/result.js";

/** The kinds of source whose pinned revision the bot moves. */
export const SOURCE_KINDS = ["GitRepository", "OCIRepository", "Application"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Which object to edit: a Flux source (`spec.ref.tag`) or an Argo CD Application (`targetRevision`). */
export interface SourceTarget {
  kind: SourceKind;
  name: string;
  namespace: string;
  /** Argo CD: the `repoURL` whose entry of `spec.sources` (or `spec.source`) is moved. */
  repoURL?: string | null;
}

/** What a source is pinned to now: the field that decides (`tag`, `branch`, `targetRevision`) and its value. */
export interface PinnedRef {
  field: "tag" | "branch" | "targetRevision";
  value: string;
  /** 1-based line of the value in the file. */
  line: number;
}

export interface RefEdit {
  /** The whole new file text (identical to the input when `changed` is false). */
  text: string;
  changed: boolean;
  from: PinnedRef;
}

export type RefusalCode =
  | "invalid-yaml"
  | "not-found"
  | "ambiguous"
  | "no-ref"
  | "precedence"
  | "templated"
  | "not-a-string"
  | "bad-tag"
  | "downgrade"
  | "unordered"
  | "unconfirmed";

/** Why the file cannot be edited, in words a user can act on. */
export interface EditRefusal {
  code: RefusalCode;
  message: string;
}

interface Located {
  pinned: PinnedRef;
  /** The scalar holding the value, and the key when `branch:` must become `tag:`. */
  value: Scalar;
  key: Scalar | null;
}

const API_GROUP: Record<SourceKind, string> = {
  GitRepository: "source.toolkit.fluxcd.io/",
  OCIRepository: "source.toolkit.fluxcd.io/",
  Application: "argoproj.io/",
};

/** Fields of `spec.ref` that Flux prefers over `tag`: moving `tag` while one is set changes nothing. */
const STRONGER_THAN_TAG: Record<SourceKind, string[]> = {
  GitRepository: ["commit", "name", "semver"],
  OCIRepository: ["digest", "semver"],
  Application: [],
};

const describeTarget = (t: SourceTarget) => `${t.kind} \`${t.namespace}/${t.name}\``;

/** Reads what the target is pinned to, or why it cannot be read. */
export function readSourceRef(text: string, target: SourceTarget): Result<PinnedRef, EditRefusal> {
  const located = locate(text, target);
  return located.ok ? ok(located.value.pinned) : located;
}

/**
 * Moves the target's pinned revision to `tag` by splicing the value's exact text range: comments, quoting style,
 * key order, indentation, line endings, a BOM and the other documents stay byte for byte. The result is parsed
 * again and the new value confirmed. Refuses (with a reason) when the change would not take effect, is ambiguous,
 * or would move production back without `allowDowngrade` (only an explicit rollback sets it).
 */
export function setSourceRef(
  text: string,
  target: SourceTarget,
  tag: string,
  options: { allowDowngrade?: boolean } = {},
): Result<RefEdit, EditRefusal> {
  // Git's rules for ref names (no spaces, control characters, `~^:?*[\`, `..`), and no template.
  const forbidden = [...tag].some((c) => c <= " " || c === "\x7f" || "~^:?*[\\".includes(c));
  if (!tag || forbidden || tag.includes("..") || tag.includes("${")) {
    return refuse("bad-tag", `${JSON.stringify(tag)} is not a valid tag name.`);
  }
  const located = locate(text, target);
  if (!located.ok) return located;
  const { pinned, value, key } = located.value;
  if (pinned.field !== "branch" && pinned.value === tag) return ok({ text, changed: false, from: pinned });
  const order = checkOrder(pinned, tag, target, options.allowDowngrade ?? false);
  if (!order.ok) return order;

  const newValue = formatLike(value, tag);
  if (newValue === null) {
    return refuse(
      "not-a-string",
      `The value at line ${pinned.line} is a block scalar; write it as a plain or quoted string.`,
    );
  }
  // Splice from the end so that the earlier range stays valid.
  const [valueStart, valueEnd] = value.range!;
  let next = text.slice(0, valueStart) + newValue + text.slice(valueEnd);
  if (key) {
    const [keyStart, keyEnd] = key.range!;
    next = next.slice(0, keyStart) + (formatLike(key, "tag") ?? "tag") + next.slice(keyEnd);
  }

  const confirmed = locate(next, target);
  const expectedField = target.kind === "Application" ? "targetRevision" : "tag";
  if (
    !confirmed.ok ||
    confirmed.value.pinned.value !== tag ||
    confirmed.value.pinned.field !== expectedField
  ) {
    return refuse(
      "unconfirmed",
      `The edited file did not read back as ${expectedField} ${JSON.stringify(tag)}` +
        `${confirmed.ok ? "" : ` (${confirmed.error.message})`}; the file was left unchanged.`,
    );
  }
  return ok({ text: next, changed: true, from: pinned });
}

function locate(text: string, target: SourceTarget): Result<Located, EditRefusal> {
  const docs: Document[] = [];
  for (const chunk of candidateChunks(text, [target.kind, target.name])) {
    for (const doc of parseAllDocuments(chunk.text)) {
      const [first] = doc.errors;
      if (first) return refuse("invalid-yaml", `The file is not valid YAML: ${first.message.split("\n")[0]}`);
      docs.push(shiftRanges(doc, chunk.start));
    }
  }
  const matches = docs.filter((doc) => isTargetDocument(doc, target));
  const where = describeTarget(target);
  if (!matches.length) return refuse("not-found", `No ${where} in this file.`);
  if (matches.length > 1) {
    const lines = matches.map((doc) => lineOf(text, doc.range?.[0] ?? 0)).join(", ");
    return refuse(
      "ambiguous",
      `${matches.length} documents in this file are ${where} (starting at lines ${lines}); keep one, or set \`path\` to a file with one.`,
    );
  }
  const doc = matches[0]!;
  return target.kind === "Application" ? locateArgo(text, doc, target) : locateFlux(text, doc, target);
}

/**
 * The parts of the file between document markers that mention the kind and the name at all. A line starting with `---` or `...`
 * always ends a document (YAML forbids it inside any scalar), so splitting there is exact, and only the few
 * candidate documents are parsed: a 1 MiB file of ConfigMaps costs one regular-expression pass, not a full parse.
 */
function candidateChunks(text: string, words: string[]): Array<{ start: number; text: string }> {
  const chunks: Array<{ start: number; text: string }> = [];
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  const take = (end: number) => {
    const chunk = text.slice(start, end);
    if (words.every((word) => chunk.includes(word))) chunks.push({ start, text: chunk });
  };
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    if (m.index === 0) continue;
    take(m.index);
    start = m.index;
  }
  take(text.length);
  return chunks;
}

/** Makes a chunk's node ranges offsets into the whole file. */
function shiftRanges(doc: Document, offset: number): Document {
  if (offset === 0) return doc;
  const shift = (range: number[] | null | undefined) => {
    if (range) for (let i = 0; i < 3; i++) range[i] = range[i]! + offset;
  };
  shift(doc.range);
  visit(doc, (_key, node) => {
    // Keys and values of pairs are visited as nodes themselves.
    if (isNode(node)) shift(node.range);
  });
  return doc;
}

function isTargetDocument(doc: Document, target: SourceTarget): boolean {
  const apiVersion = doc.get("apiVersion");
  if (typeof apiVersion !== "string" || !apiVersion.startsWith(API_GROUP[target.kind])) return false;
  if (doc.get("kind") !== target.kind) return false;
  if (doc.getIn(["metadata", "name"]) !== target.name) return false;
  const namespace = doc.getIn(["metadata", "namespace"]);
  // Without a namespace the object lands in the namespace its Kustomization deploys to; accept it.
  return namespace === undefined || namespace === null || namespace === target.namespace;
}

function locateFlux(text: string, doc: Document, target: SourceTarget): Result<Located, EditRefusal> {
  const ref = doc.getIn(["spec", "ref"], true);
  const where = describeTarget(target);
  if (!isMap(ref)) {
    return refuse(
      "no-ref",
      `${where} has no \`spec.ref\` mapping, so Flux follows its default branch; add \`ref:\` with \`tag: <tag>\` once by hand.`,
    );
  }
  const pairs = ref.items as Array<Pair<unknown, unknown>>;
  const field = (name: string) => pairs.find((p) => isScalar(p.key) && p.key.value === name);
  for (const stronger of STRONGER_THAN_TAG[target.kind]) {
    const pair = field(stronger);
    if (pair && isScalar(pair.value) && pair.value.value !== null && pair.value.value !== "") {
      return refuse(
        "precedence",
        `${where} sets \`spec.ref.${stronger}: ${String(pair.value.value)}\` (line ${lineOf(text, pair.value.range![0])}), which Flux applies before \`tag\`; changing the tag would change nothing. Remove \`${stronger}\` to promote by tag.`,
      );
    }
  }
  const tagPair = field("tag");
  const branchPair = target.kind === "GitRepository" ? field("branch") : undefined;
  const pair = tagPair ?? branchPair;
  if (!pair) {
    return refuse(
      "no-ref",
      `${where} has no \`spec.ref.tag\`${target.kind === "GitRepository" ? " or `spec.ref.branch`" : ""}; add \`tag: <tag>\` under \`spec.ref\`.`,
    );
  }
  const fieldName = tagPair ? "tag" : "branch";
  return scalarRef(text, pair, fieldName, where, tagPair ? null : (pair.key as Scalar));
}

function locateArgo(text: string, doc: Document, target: SourceTarget): Result<Located, EditRefusal> {
  const where = describeTarget(target);
  const sources = doc.getIn(["spec", "sources"], true);
  let source: unknown;
  if (isSeq(sources)) {
    if (!target.repoURL) {
      return refuse(
        "ambiguous",
        `${where} uses \`spec.sources\`; configure the target's \`repoURL\` to say which source to move.`,
      );
    }
    const matching = sources.items.filter(
      (item) => isMap(item) && sameRepo(item.get("repoURL"), target.repoURL!),
    );
    if (matching.length !== 1) {
      return refuse(
        matching.length ? "ambiguous" : "not-found",
        `${matching.length} entries of \`spec.sources\` of ${where} have \`repoURL: ${target.repoURL}\`; exactly one is needed.`,
      );
    }
    source = matching[0];
  } else {
    source = doc.getIn(["spec", "source"], true);
    if (!isMap(source)) return refuse("no-ref", `${where} has neither \`spec.source\` nor \`spec.sources\`.`);
    if (target.repoURL && !sameRepo(source.get("repoURL"), target.repoURL)) {
      return refuse(
        "not-found",
        `${where} has \`spec.source.repoURL: ${String(source.get("repoURL"))}\`, not the configured ${target.repoURL}.`,
      );
    }
  }
  if (!isMap(source)) return refuse("no-ref", `${where} has no source mapping.`);
  const pair = (source.items as Array<Pair<unknown, unknown>>).find(
    (p) => isScalar(p.key) && p.key.value === "targetRevision",
  );
  if (!pair) {
    return refuse(
      "no-ref",
      `${where} has no \`targetRevision\` (Argo CD then follows HEAD); add \`targetRevision: <tag>\` once by hand.`,
    );
  }
  return scalarRef(text, pair, "targetRevision", where, null);
}

function scalarRef(
  text: string,
  pair: Pair<unknown, unknown>,
  field: PinnedRef["field"],
  where: string,
  key: Scalar | null,
): Result<Located, EditRefusal> {
  const value = pair.value;
  if (!isScalar(value) || !value.range) {
    return refuse("not-a-string", `${where}: \`${field}\` is not a single value.`);
  }
  const line = lineOf(text, value.range[0]);
  const raw = value.value;
  if (typeof raw !== "string") {
    const shown = text.slice(value.range[0], value.range[1]);
    return refuse(
      "not-a-string",
      `${where}: \`${field}: ${shown}\` (line ${line}) is not a string; quote it (\`${field}: "${shown}"\`).`,
    );
  }
  if (raw.includes("${") || raw.includes("{{")) {
    return refuse(
      "templated",
      `${where}: \`${field}: ${raw}\` (line ${line}) is templated and set elsewhere (post-build substitution or a template); the bot leaves it alone. Change the variable where it is defined.`,
    );
  }
  return ok({ pinned: { field, value: raw, line }, value, key });
}

/** The automatic path moves only forward; an explicit rollback may go back. */
function checkOrder(
  pinned: PinnedRef,
  tag: string,
  target: SourceTarget,
  allowDowngrade: boolean,
): Result<null, EditRefusal> {
  const where = describeTarget(target);
  if (pinned.field === "targetRevision") {
    if (/^[0-9a-f]{40}$/i.test(pinned.value)) {
      return refuse(
        "precedence",
        `${where} is pinned to commit \`${pinned.value}\` (line ${pinned.line}); set a tag by hand first if tags should move it.`,
      );
    }
    if (!semver.valid(pinned.value) && semver.validRange(pinned.value) && /[*xX^~<>|]/.test(pinned.value)) {
      return refuse(
        "precedence",
        `${where} follows the version range \`${pinned.value}\` (line ${pinned.line}); Argo CD picks the tag itself, nothing to promote.`,
      );
    }
    // A branch or HEAD: replaced by the tag, like Flux's first promotion from `branch:`.
    if (!semver.valid(pinned.value)) return ok(null);
  }
  if (pinned.field === "branch" || allowDowngrade) return ok(null);
  const current = semver.valid(pinned.value);
  const wanted = semver.valid(tag);
  if (!current || !wanted) {
    return refuse(
      "unordered",
      `Cannot tell whether \`${tag}\` is newer than the pinned \`${pinned.value}\` (line ${pinned.line}): not both semantic versions. Promote it explicitly with \`/promote ${tag}\`.`,
    );
  }
  if (semver.lt(wanted, current)) {
    return refuse(
      "downgrade",
      `${where} is pinned to \`${pinned.value}\` (line ${pinned.line}), newer than \`${tag}\`; the automatic path never moves production back. Comment \`/promote ${tag}\` to roll back on purpose.`,
    );
  }
  return ok(null);
}

/** Writes `value` in the same scalar style as `node`; null for block scalars. */
function formatLike(node: Scalar, value: string): string | null {
  switch (node.type) {
    case "QUOTE_DOUBLE":
      return JSON.stringify(value);
    case "QUOTE_SINGLE":
      return `'${value.replaceAll("'", "''")}'`;
    case "PLAIN":
    case undefined:
      return isPlainSafe(value) ? value : JSON.stringify(value);
    default:
      return null;
  }
}

/** A plain scalar that reads back as this very string, in block and flow context (`1.0` would be a number). */
function isPlainSafe(value: string): boolean {
  return /^[A-Za-z0-9._/+@-]+$/.test(value) && !/^[-.]/.test(value) && parse(value) === value;
}

function sameRepo(found: unknown, configured: string): boolean {
  const norm = (url: string) =>
    url
      .trim()
      .replace(/\/+$/, "")
      .replace(/\.git$/, "")
      .toLowerCase();
  return typeof found === "string" && norm(found) === norm(configured);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

const refuse = (code: RefusalCode, message: string) => err<EditRefusal>({ code, message });
