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
import { formatYamlPath, parseYamlPath, resolveYamlPath } from "./yaml-path.js";
import { isOciUrl, sameRepository } from "./same-repository.js";

/**
 * The kinds of target whose pinned revision the bot moves: Flux sources (`spec.ref.tag`), Argo CD Applications
 * (`targetRevision`), Flux Operator's FluxInstance (`spec.sync.ref`), and `File`: any YAML value at a path
 * (`field`) of a configured file (a Helm values key, a ConfigMap `data` key, a Kustomize `images[].newTag`).
 */
export const SOURCE_KINDS = [
  "GitRepository",
  "OCIRepository",
  "Application",
  "FluxInstance",
  "File",
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Which object to edit. */
export interface SourceTarget {
  kind: SourceKind;
  name: string;
  namespace: string;
  /**
   * Argo CD and FluxInstance: the repository whose revision is moved (the entry of `spec.sources`, or an explicit
   * consent to move a source that is not this repository, e.g. a Helm chart released with this repository's tags).
   */
  repoURL?: string | null;
  /** `File` only: the YAML path of the value, e.g. `images[name=ghcr.io/example/app].newTag`. */
  field?: string | null;
  /** `File` and `Application`: what the value becomes, `{tag}` (default) or `{version}` (the tag without `v`). */
  valueFormat?: string | null;
}

/**
 * What a source is pinned to now: the field that decides (`tag`, `branch`, `targetRevision`, `ref`, or the YAML path
 * of a `File` target) and its value.
 */
export interface PinnedRef {
  field: string;
  value: string;
  /** 1-based line of the value in the file. */
  line: number;
}

/** Options of an edit (and of reading a file for discovery). */
export interface EditOptions {
  /** An explicit rollback (`/promote`, `--rollback`): may move production to an older tag. */
  allowDowngrade?: boolean;
  /**
   * This repository's URL (any form). Argo CD and FluxInstance sources from another repository are then refused
   * unless the target's `repoURL` names them. Unknown (null), only Helm charts and `oci://` sources are refused.
   */
  repository?: string | null;
}

export interface RefEdit {
  /** The whole new file text (identical to the input when `changed` is false). */
  text: string;
  changed: boolean;
  from: PinnedRef;
  /**
   * The Git revision production runs now, to compare with the new tag: the pinned tag or branch (`refs/tags/v1`
   * and `refs/heads/main` read as `v1` and `main`, a `{version}` value as the tag it came from).
   */
  fromRevision: string;
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
  | "unconfirmed"
  | "other-source"
  | "registry"
  | "bad-field";

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
  /** What the value is for a tag: the tag, `refs/tags/<tag>` (FluxInstance), or the target's `valueFormat`. */
  valueFor: (tag: string) => string;
  /** The pinned tag to order against, or null when it follows a branch or HEAD (the first promotion replaces it). */
  pinnedTag: string | null;
  /** The pinned revision as Git names it (a branch, a tag; a `{version}` value unformatted). */
  revision: string;
}

const API_GROUP: Record<Exclude<SourceKind, "File">, string> = {
  GitRepository: "source.toolkit.fluxcd.io/",
  OCIRepository: "source.toolkit.fluxcd.io/",
  Application: "argoproj.io/",
  FluxInstance: "fluxcd.controlplane.io/",
};

/** Fields of `spec.ref` that Flux prefers over `tag`: moving `tag` while one is set changes nothing. */
const STRONGER_THAN_TAG: Partial<Record<SourceKind, string[]>> = {
  GitRepository: ["commit", "name", "semver"],
  OCIRepository: ["semver"],
};

const describeTarget = (t: SourceTarget) =>
  t.kind === "File" ? `\`${t.field ?? ""}\`` : `${t.kind} \`${t.namespace}/${t.name}\``;

/** Reads what the target is pinned to, or why it cannot be read (a refusal that an edit would give too). */
export function readSourceRef(
  text: string,
  target: SourceTarget,
  options: Pick<EditOptions, "repository"> = {},
): Result<PinnedRef, EditRefusal> {
  const located = locate(text, target, options);
  return located.ok ? ok(located.value.pinned) : located;
}

/**
 * The part of a value that a format filled in (`release-{version}` and `release-1.2.3` give `1.2.3`), or the value
 * itself when it does not have the format's shape (then ordering it fails loudly rather than guessing).
 */
export function unformatValue(format: string | null | undefined, value: string): string {
  if (!format || format === "{tag}") return value;
  const parts = format.split(/\{(?:tag|version)\}/);
  // One placeholder: what lies between the format's fixed prefix and suffix (plain string checks, no pattern).
  if (parts.length !== 2) return value;
  const [prefix, suffix] = parts as [string, string];
  const fits =
    value.length > prefix.length + suffix.length && value.startsWith(prefix) && value.endsWith(suffix);
  return fits ? value.slice(prefix.length, value.length - suffix.length) : value;
}

/** `{tag}` or `{version}` (the tag without a leading `v`) filled in. */
export function formatValue(format: string | null | undefined, tag: string): string {
  return (format ?? "{tag}").replace(/\{(tag|version)\}/g, (_m, key: string) =>
    key === "tag" ? tag : tag.replace(/^v(?=\d)/, ""),
  );
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
  options: EditOptions = {},
): Result<RefEdit, EditRefusal> {
  // Git's rules for ref names (no spaces, control characters, `~^:?*[\`, `..`), and no template.
  const forbidden = [...tag].some((c) => c <= " " || c === "\x7f" || "~^:?*[\\".includes(c));
  if (!tag || forbidden || tag.includes("..") || tag.includes("${")) {
    return refuse("bad-tag", `${JSON.stringify(tag)} is not a valid tag name.`);
  }
  const located = locate(text, target, options);
  if (!located.ok) return located;
  const { pinned, value, key, valueFor } = located.value;
  const wanted = valueFor(tag);
  // A `{version}` value names the tag `v<version>` when the tags carry a `v`.
  const revision =
    /^v\d/.test(tag) && /^\d/.test(located.value.revision) && (target.valueFormat ?? "").includes("{version}")
      ? `v${located.value.revision}`
      : located.value.revision;
  if (!key && pinned.value === wanted)
    return ok({ text, changed: false, from: pinned, fromRevision: revision });
  const order = checkOrder(located.value, tag, target, options.allowDowngrade ?? false);
  if (!order.ok) return order;

  const newValue = formatLike(value, wanted);
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

  const confirmed = locate(next, target, options);
  const expectedField = key ? "tag" : pinned.field;
  if (
    !confirmed.ok ||
    confirmed.value.pinned.value !== wanted ||
    confirmed.value.pinned.field !== expectedField
  ) {
    return refuse(
      "unconfirmed",
      `The edited file did not read back as ${expectedField} ${JSON.stringify(wanted)}` +
        `${confirmed.ok ? "" : ` (${confirmed.error.message})`}; the file was left unchanged.`,
    );
  }
  return ok({ text: next, changed: true, from: pinned, fromRevision: revision });
}

function locate(
  text: string,
  target: SourceTarget,
  options: Pick<EditOptions, "repository">,
): Result<Located, EditRefusal> {
  if (target.kind === "File") return locateField(text, target);
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
  if (target.kind === "Application") return locateArgo(text, doc, target, options);
  if (target.kind === "FluxInstance") return locateFluxInstance(text, doc, target, options);
  return locateFlux(text, doc, target);
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
  const group = target.kind === "File" ? null : API_GROUP[target.kind];
  if (typeof apiVersion !== "string" || !group || !apiVersion.startsWith(group)) return false;
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
  const digest = target.kind === "OCIRepository" ? field("digest") : undefined;
  if (digest && isScalar(digest.value) && digest.value.value !== null && digest.value.value !== "") {
    return refuse(
      "registry",
      `${where} pins \`spec.ref.digest: ${String(digest.value.value)}\` (line ${lineOf(text, digest.value.range![0])}), which Flux applies before \`tag\`; the digest of a new tag is known only to the registry, which the bot does not query, so it cannot promote this source. Either pin by \`tag\` alone (and verify the artifact with \`spec.verify\`), or let the workflow that pushes the artifact write the digest it got (\`flux push artifact\` prints it) in its own PR.`,
    );
  }
  for (const stronger of STRONGER_THAN_TAG[target.kind] ?? []) {
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
  return scalarRef(text, pair.value, fieldName, where, tagPair ? null : (pair.key as Scalar), {
    valueFor: (tag) => tag,
    pinnedTag: (value) => (tagPair ? value : null),
  });
}

function locateArgo(
  text: string,
  doc: Document,
  target: SourceTarget,
  options: Pick<EditOptions, "repository">,
): Result<Located, EditRefusal> {
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
  const repoURL = source.get("repoURL");
  const chart = source.get("chart");
  const foreign = foreignSource(
    where,
    typeof repoURL === "string" ? repoURL : null,
    typeof chart === "string" ? chart : null,
    target,
    options,
  );
  if (foreign) return foreign;
  const pair = (source.items as Array<Pair<unknown, unknown>>).find(
    (p) => isScalar(p.key) && p.key.value === "targetRevision",
  );
  if (!pair) {
    return refuse(
      "no-ref",
      `${where} has no \`targetRevision\` (Argo CD then follows HEAD); add \`targetRevision: <tag>\` once by hand.`,
    );
  }
  return scalarRef(text, pair.value, "targetRevision", where, null, {
    valueFor: (tag) => formatValue(target.valueFormat, tag),
    pinnedTag: (value) => unformatValue(target.valueFormat, value),
  });
}

/**
 * A source that is not this repository's release: a Helm chart (its `targetRevision` is the chart's version), an
 * `oci://` registry, or another Git repository. Moved only when the target's `repoURL` names it (a consent).
 */
function foreignSource(
  where: string,
  url: string | null,
  chart: string | null,
  target: SourceTarget,
  options: Pick<EditOptions, "repository">,
): Result<never, EditRefusal> | null {
  if (target.repoURL && url && sameRepository(url, target.repoURL)) return null;
  const consent = url
    ? ` To promote it anyway (it is released with this repository's tags), set \`repoURL: ${url}\` on the target${chart ? ' (and `valueFormat: "{version}"` when its versions have no `v`)' : ""}; otherwise point the target at the object that deploys this repository.`
    : "";
  if (chart) {
    return refuse(
      "other-source",
      `${where} deploys the Helm chart \`${chart}\`${url ? ` from \`${url}\`` : ""}: its \`targetRevision\` is the chart's version, not a tag of this repository, so the bot does not move it.${consent}`,
    );
  }
  if (url && isOciUrl(url)) {
    return refuse(
      "other-source",
      `${where} deploys \`${url}\` from an OCI registry, not this repository, so the bot does not move it.${consent}`,
    );
  }
  if (url && options.repository && !sameRepository(url, options.repository)) {
    return refuse(
      "other-source",
      `${where} deploys another repository (\`${url}\`), not this one (\`${options.repository}\`), so a tag of this repository means nothing there.${consent}`,
    );
  }
  return null;
}

/**
 * Flux Operator's FluxInstance: `spec.sync.ref` is a full Git ref (`refs/heads/main`, `refs/tags/v1.2.3`) for a
 * GitRepository sync, the artifact's tag for an OCIRepository sync. A Bucket has no revision to move.
 */
function locateFluxInstance(
  text: string,
  doc: Document,
  target: SourceTarget,
  options: Pick<EditOptions, "repository">,
): Result<Located, EditRefusal> {
  const where = describeTarget(target);
  const sync = doc.getIn(["spec", "sync"], true);
  if (!isMap(sync)) {
    return refuse(
      "no-ref",
      `${where} has no \`spec.sync\`, so the operator syncs nothing; add \`sync:\` (\`kind\`, \`url\`, \`ref\`, \`path\`) once by hand.`,
    );
  }
  const kind = sync.get("kind");
  if (kind !== "GitRepository" && kind !== "OCIRepository") {
    return refuse(
      "other-source",
      `${where} syncs from ${kind ? `a ${String(kind)}` : "a source without `spec.sync.kind`"}; only a GitRepository or OCIRepository sync has a revision to move.`,
    );
  }
  const url = sync.get("url");
  if (kind === "GitRepository") {
    const foreign = foreignSource(where, typeof url === "string" ? url : null, null, target, options);
    if (foreign) return foreign;
  }
  const pair = (sync.items as Array<Pair<unknown, unknown>>).find(
    (p) => isScalar(p.key) && p.key.value === "ref",
  );
  if (!pair) return refuse("no-ref", `${where} has no \`spec.sync.ref\`; add \`ref: <ref>\` once by hand.`);
  if (kind === "OCIRepository") {
    return scalarRef(text, pair.value, "ref", where, null, { valueFor: (tag) => tag, pinnedTag: (v) => v });
  }
  const located = scalarRef(text, pair.value, "ref", where, null, {
    valueFor: (tag) => `refs/tags/${tag}`,
    pinnedTag: (value) =>
      value.startsWith("refs/tags/") ? value.slice(10) : value.startsWith("refs/heads/") ? null : value,
    revision: (value) => value.replace(/^refs\/(?:tags|heads)\//, ""),
  });
  if (located.ok && /^[0-9a-f]{40}$/i.test(located.value.pinned.value)) {
    const { pinned } = located.value;
    return refuse(
      "precedence",
      `${where} is pinned to commit \`${pinned.value}\` (line ${pinned.line}); write \`ref: refs/tags/<tag>\` by hand first if tags should move it.`,
    );
  }
  return located;
}

/** A `File` target: the value at the configured YAML path, in the one document of the file that has it. */
function locateField(text: string, target: SourceTarget): Result<Located, EditRefusal> {
  const path = parseYamlPath(target.field ?? "");
  if (!path.ok) return refuse("bad-field", path.error);
  const shown = formatYamlPath(path.value);
  const where = `\`${shown}\``;
  const found: Array<{ node: unknown; pair: Pair<unknown, unknown> | null }> = [];
  const misses: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    const [first] = doc.errors;
    if (first) return refuse("invalid-yaml", `The file is not valid YAML: ${first.message.split("\n")[0]}`);
    const resolved = resolveYamlPath(doc, path.value);
    if (resolved.ok) found.push(resolved.value);
    else if (resolved.error.ambiguous) return refuse("ambiguous", `${where}: ${resolved.error.message}.`);
    else misses.push(resolved.error.message);
  }
  if (!found.length) {
    return refuse("not-found", `No ${where} in this file (${misses[0] ?? "the file is empty"}).`);
  }
  if (found.length > 1) {
    return refuse(
      "ambiguous",
      `${found.length} documents in this file have ${where}; keep one, or point \`path\` at a file with one.`,
    );
  }
  return scalarRef(text, found[0]!.node, shown, where, null, {
    valueFor: (tag) => formatValue(target.valueFormat, tag),
    pinnedTag: (value) => unformatValue(target.valueFormat, value),
  });
}

function scalarRef(
  text: string,
  value: unknown,
  field: string,
  where: string,
  key: Scalar | null,
  how: Pick<Located, "valueFor"> & {
    pinnedTag: (value: string) => string | null;
    /** The value as a Git revision, when it is not the value itself. */
    revision?: (value: string) => string;
  },
): Result<Located, EditRefusal> {
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
  return ok({
    pinned: { field, value: raw, line },
    value,
    key,
    valueFor: how.valueFor,
    pinnedTag: how.pinnedTag(raw),
    revision: how.revision ? how.revision(raw) : (how.pinnedTag(raw) ?? raw),
  });
}

/** The automatic path moves only forward; an explicit rollback may go back. */
function checkOrder(
  located: Located,
  tag: string,
  target: SourceTarget,
  allowDowngrade: boolean,
): Result<null, EditRefusal> {
  const { pinned } = located;
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
  if (located.pinnedTag === null || allowDowngrade) return ok(null);
  const current = semver.valid(located.pinnedTag);
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
  return typeof found === "string" && sameRepository(found, configured);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

const refuse = (code: RefusalCode, message: string) => err<EditRefusal>({ code, message });
