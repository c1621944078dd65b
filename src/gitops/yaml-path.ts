import { isMap, isScalar, isSeq, type Document, type Pair } from "yaml";
import { err, ok, type Result } from "../util/result.js";

/** One step of a YAML path: a mapping key, a sequence index, or the one sequence item whose `key` is `value`. */
export type YamlPathStep = { key: string } | { index: number } | { match: { key: string; value: string } };
export type YamlPath = YamlPathStep[];

const EXAMPLES =
  'write it like `spec.values.image.tag`, `data.RELEASE_TAG`, `images[name=ghcr.io/example/app].newTag`, `args[0]` or `data["app.version"]`';

/**
 * Reads a YAML path: keys separated by dots, `[N]` for a sequence index, `[key=value]` for the one item of a
 * sequence whose `key` is `value` (Kustomize `images[name=…]`), and `["a.b"]` for a key holding dots.
 */
export function parseYamlPath(source: string): Result<YamlPath, string> {
  const steps: YamlPath = [];
  const fail = (at: number, why: string) =>
    err(`Cannot read the YAML path ${JSON.stringify(source)} at character ${at + 1}: ${why}; ${EXAMPLES}.`);
  let i = 0;
  if (!source.trim()) return err(`The YAML path is empty; ${EXAMPLES}.`);
  while (i < source.length) {
    const c = source[i]!;
    if (c === "[") {
      const close = source.indexOf("]", i);
      if (close === -1) return fail(i, "`[` is never closed");
      const inner = source.slice(i + 1, close).trim();
      const quoted = /^(["'])(.*)\1$/.exec(inner);
      if (quoted) steps.push({ key: quoted[2]! });
      else if (/^\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else {
        const eq = inner.indexOf("=");
        if (eq <= 0) return fail(i, `\`[${inner}]\` is neither an index, \`[key=value]\` nor a quoted key`);
        const value = inner.slice(eq + 1).trim();
        steps.push({
          match: { key: inner.slice(0, eq).trim(), value: value.replace(/^(["'])(.*)\1$/, "$2") },
        });
      }
      i = close + 1;
      if (i < source.length && source[i] !== "." && source[i] !== "[") return fail(i, "expected `.` or `[`");
      if (source[i] === ".") i++;
      if (source[i - 1] === "." && i === source.length) return fail(i - 1, "a path cannot end with `.`");
      continue;
    }
    const end = source.slice(i).search(/[.[]/);
    const stop = end === -1 ? source.length : i + end;
    const key = source.slice(i, stop);
    if (!key) return fail(i, "an empty key");
    if (key.includes("]")) return fail(i + key.indexOf("]"), "`]` without `[`");
    steps.push({ key });
    i = stop;
    if (source[i] === ".") {
      i++;
      if (i === source.length) return fail(i - 1, "a path cannot end with `.`");
    }
  }
  return ok(steps);
}

/** The path as written in messages. */
export function formatYamlPath(path: YamlPath): string {
  return path
    .map((step, i) =>
      "key" in step
        ? /^[^.[\]"']+$/.test(step.key)
          ? `${i ? "." : ""}${step.key}`
          : `[${JSON.stringify(step.key)}]`
        : "index" in step
          ? `[${step.index}]`
          : `[${step.match.key}=${step.match.value}]`,
    )
    .join("");
}

/**
 * The node at `path` in a document, with the pair holding it (when the last step is a key), or why it is not there
 * (the first step that does not resolve, and whether it matched several items).
 */
export function resolveYamlPath(
  doc: Document,
  path: YamlPath,
): Result<{ node: unknown; pair: Pair<unknown, unknown> | null }, { ambiguous: boolean; message: string }> {
  let node: unknown = doc.contents;
  let pair: Pair<unknown, unknown> | null = null;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    const where = formatYamlPath(path.slice(0, i + 1));
    if ("key" in step) {
      if (!isMap(node)) return err({ ambiguous: false, message: `\`${where}\`: not a mapping there` });
      const found = (node.items as Array<Pair<unknown, unknown>>).find(
        (p) => isScalar(p.key) && String(p.key.value) === step.key,
      );
      if (!found) return err({ ambiguous: false, message: `no \`${where}\`` });
      pair = found;
      node = found.value;
    } else if ("index" in step) {
      if (!isSeq(node)) return err({ ambiguous: false, message: `\`${where}\`: not a sequence there` });
      if (step.index >= node.items.length) {
        return err({
          ambiguous: false,
          message: `\`${where}\`: the sequence has ${node.items.length} items`,
        });
      }
      pair = null;
      node = node.items[step.index];
    } else {
      if (!isSeq(node)) return err({ ambiguous: false, message: `\`${where}\`: not a sequence there` });
      const { key, value } = step.match;
      const items = node.items.filter((item) => {
        if (!isMap(item)) return false;
        const found = item.get(key, true);
        return isScalar(found) && String(found.value) === value;
      });
      if (items.length !== 1) {
        return err({
          ambiguous: items.length > 1,
          message: `${items.length} items match \`${where}\`${items.length > 1 ? "; exactly one must" : ""}`,
        });
      }
      pair = null;
      node = items[0];
    }
  }
  return ok({ node, pair });
}
