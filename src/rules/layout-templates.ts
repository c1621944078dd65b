import type { LayoutConfig } from "../config/sections/layout.js";
import { err, ok, type Result } from "../util/result.js";
import {
  compileUserGlob,
  compileUserPattern,
  USER_PATTERN_SYNTAX,
  type UserPattern,
} from "./user-pattern.js";

/** The layout settings the matcher reads. */
export type LayoutTemplateSettings = Pick<
  LayoutConfig,
  "templates" | "segments" | "allowed" | "names" | "manifestExtensions"
>;

/** Where a path belongs: the template (area) that matched and the value of each named segment. */
export interface LayoutMatch {
  /** The template's name, e.g. `clusters`. */
  template: string;
  /** Same as `template`: the deployment area the path is in. */
  area: string;
  /** Segment name → value, e.g. `{ cloud: "aws", env: "prod", cluster: "prod-eu-west-1", file: "x.yaml" }`. */
  segments: Record<string, string>;
}

/** Why a path fits no template: the template that came closest and what is wrong at which segment. */
export interface LayoutMismatch {
  template: string | null;
  /** 0-based index of the offending path part. */
  index: number;
  /** The offending path part (folder or file name), or "" when the path stops too early. */
  value: string;
  /** The template segment at that index, e.g. `{env}` or `clusters`. */
  expected: string;
  rule: "layout-path" | "layout-segment" | "layout-name" | "layout-extension";
  message: string;
}

export type LayoutPathVerdict =
  | ({ kind: "match" } & LayoutMatch)
  | { kind: "allowed"; pattern: string }
  | ({ kind: "mismatch" } & LayoutMismatch);

/** A configuration problem, with the key path inside the `layout` section. */
export interface LayoutTemplateProblem {
  path: Array<string | number>;
  value: string;
  message: string;
}

type Part =
  | { kind: "literal"; text: string }
  | { kind: "segment"; name: string; test: SegmentTest; describe: string; multi?: false }
  /** `{name**}` (or an anonymous `**`): zero or more folders; each folder is tested, the value is them joined by `/`. */
  | { kind: "segment"; name: string; test: SegmentTest; describe: string; multi: true };

/** Tests a segment value, given the values of the segments before it. */
type SegmentTest = (value: string, earlier: Record<string, string>) => boolean;

interface CompiledTemplate {
  name: string;
  source: string;
  parts: Part[];
  /** Index of the `**` part, or -1: a template has at most one, so where each path part belongs is never ambiguous. */
  multiAt: number;
  /** The first part when it is a literal folder: only paths starting with it can match. */
  firstLiteral: string | null;
}

/** The name under which an anonymous `**` is reported; its value is not a segment of the match. */
const ANONYMOUS_MULTI = "**";

/** Templates compiled once per configuration: call `matchLayoutPath`/`checkLayoutPath` with it. */
export interface CompiledLayout {
  templates: CompiledTemplate[];
  isAllowed: (path: string) => string | null;
  isValidName: (value: string, isFile: boolean) => boolean;
  namesRule: string;
  manifestExtensions: string[];
}

/** Longest folder or file name most file systems accept; longer parts are rejected before any pattern runs. */
const MAX_PART_LENGTH = 255;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const REFERENCE = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;
const HAS_REFERENCE = /\{[A-Za-z][A-Za-z0-9_]*\}/;

const cache = new Map<string, Result<CompiledLayout, LayoutTemplateProblem[]>>();
const CACHE_SIZE = 32;

/**
 * Compiles the configured templates, segment constraints, allowed globs and name rule once per configuration
 * (memoised by content). Invalid patterns are returned as problems; regular expressions run on RE2 (linear time).
 */
export function compileLayoutTemplates(
  settings: LayoutTemplateSettings,
): Result<CompiledLayout, LayoutTemplateProblem[]> {
  const key = JSON.stringify([
    settings.templates,
    settings.segments,
    settings.allowed,
    settings.names,
    settings.manifestExtensions,
  ]);
  const cached = cache.get(key);
  if (cached) return cached;
  const result = compile(settings);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, result);
  return result;
}

function compile(settings: LayoutTemplateSettings): Result<CompiledLayout, LayoutTemplateProblem[]> {
  const problems: LayoutTemplateProblem[] = [];
  const shared = new Map<string, { test: SegmentTest; describe: string; refs: string[] } | null>();
  const compileShared = (name: string) => {
    if (!shared.has(name)) {
      const constraint = settings.segments[name];
      shared.set(
        name,
        constraint === undefined ? null : compileConstraint(constraint, ["segments", name], problems),
      );
    }
    return shared.get(name) ?? null;
  };

  const templates: CompiledTemplate[] = [];
  for (const [name, spec] of Object.entries(settings.templates)) {
    const source = typeof spec === "string" ? spec : spec.path;
    const own = typeof spec === "string" ? {} : (spec.segments ?? {});
    const where: Array<string | number> =
      typeof spec === "string" ? ["templates", name] : ["templates", name, "path"];
    const texts = source.split("/");
    if (texts.some((text) => text === "" || text === "." || text === "..")) {
      problems.push({
        path: where,
        value: source,
        message: "a template is a relative path of folders separated by single `/` (no leading `/`, no `..`)",
      });
      continue;
    }
    const parts: Part[] = [];
    const seen = new Set<string>();
    let multiAt = -1;
    for (const [index, text] of texts.entries()) {
      const segment = /^\{([A-Za-z][A-Za-z0-9_]*)(\*\*)?\}$|^\*\*$/.exec(text);
      if (!segment) {
        if (/[{}*]/.test(text)) {
          problems.push({
            path: where,
            value: source,
            message: `${JSON.stringify(text)} is neither a literal folder, a whole \`{name}\` segment nor a \`{name**}\` (or \`**\`) for any number of folders; write e.g. \`clusters/{cluster}\` or \`apps/{path**}/{file}\``,
          });
        }
        parts.push({ kind: "literal", text });
        continue;
      }
      const multi = text === "**" || segment[2] !== undefined;
      const segmentName = text === "**" ? ANONYMOUS_MULTI : (segment[1] as string);
      if (multi) {
        if (index === texts.length - 1) {
          problems.push({
            path: where,
            value: source,
            message: `\`${text}\` stands for folders, but the last part of a template is the file; write e.g. \`${texts.slice(0, -1).concat(text, "{file}").join("/")}\``,
          });
        } else if (multiAt >= 0) {
          problems.push({
            path: where,
            value: source,
            message:
              "a template has at most one `**` (or `{name**}`) part: with two, which folders belong to which is " +
              "ambiguous; name the folders between them instead",
          });
        }
        multiAt = index;
      }
      if (seen.has(segmentName) && segmentName !== ANONYMOUS_MULTI) {
        problems.push({
          path: where,
          value: source,
          message: `segment \`{${segmentName}}\` appears twice; give each segment its own name`,
        });
      }
      const constraint =
        segmentName === ANONYMOUS_MULTI
          ? null
          : own[segmentName] !== undefined
            ? compileConstraint(own[segmentName], ["templates", name, "segments", segmentName], problems)
            : compileShared(segmentName);
      for (const ref of constraint?.refs ?? []) {
        if (!seen.has(ref)) {
          problems.push({
            path:
              own[segmentName] !== undefined
                ? ["templates", name, "segments", segmentName]
                : ["segments", segmentName],
            value: source,
            message: `\`{${segmentName}}\` refers to \`{${ref}}\`, which template "${name}" (${source}) does not have before it`,
          });
        }
      }
      seen.add(segmentName);
      const test = constraint?.test ?? (() => true);
      const describe = constraint?.describe ?? "";
      parts.push(
        multi
          ? { kind: "segment", name: segmentName, test, describe, multi: true }
          : { kind: "segment", name: segmentName, test, describe },
      );
    }
    const first = parts[0];
    templates.push({
      name,
      source,
      parts,
      multiAt,
      firstLiteral: first?.kind === "literal" ? first.text : null,
    });
  }

  const names = compileNames(settings.names, problems);
  // Globs compiled to RE2 (linear in the path): picomatch's extglobs backtrack exponentially on V8.
  const matchers: Array<readonly [string, UserPattern]> = [];
  settings.allowed.forEach((glob, index) => {
    const compiled = compileUserGlob(glob);
    if (compiled.ok) matchers.push([glob, compiled.pattern]);
    else problems.push({ path: ["allowed", index], value: glob, message: compiled.message });
  });
  const isAllowed = (path: string) => matchers.find(([, glob]) => glob.test(path))?.[0] ?? null;
  if (problems.length) return err(problems);
  return ok({
    templates,
    isAllowed,
    isValidName: names,
    namesRule: settings.names,
    manifestExtensions: settings.manifestExtensions,
  });
}

function compileConstraint(
  constraint: string | string[],
  where: Array<string | number>,
  problems: LayoutTemplateProblem[],
): { test: SegmentTest; describe: string; refs: string[] } {
  if (Array.isArray(constraint)) {
    const items = constraint.map((item) => compileSimplePattern(item));
    return {
      test: (value, earlier) => items.some((item) => item.test(value, earlier)),
      describe: `be one of ${constraint.map((item) => `\`${item}\``).join(", ")}`,
      refs: items.flatMap((item) => item.refs),
    };
  }
  if (HAS_REFERENCE.test(constraint)) {
    const item = compileSimplePattern(constraint);
    return { ...item, describe: `match \`${constraint}\`` };
  }
  const regex = compileUserRegex(constraint, where, problems);
  return {
    test: (value) => regex.test(value),
    describe: `match the pattern \`${constraint}\``,
    refs: [],
  };
}

/** `*` = any characters, `{name}` = the value of an earlier segment, anything else literal. */
function compileSimplePattern(pattern: string): { test: SegmentTest; refs: string[] } {
  const refs = [...pattern.matchAll(REFERENCE)].map((m) => m[1] as string);
  if (!refs.length && !pattern.includes("*")) return { test: (value) => value === pattern, refs };
  const pieces = pattern.split(/(\{[A-Za-z][A-Za-z0-9_]*\}|\*)/).filter((piece) => piece !== "");
  const regexes = new Map<string, RegExp>();
  return {
    refs,
    test: (value, earlier) => {
      const key = refs.map((ref) => earlier[ref] ?? "").join("\u0000");
      let regex = regexes.get(key);
      if (!regex) {
        const source = pieces
          .map((piece) => {
            if (piece === "*") return "[^/]*";
            const ref = /^\{(.+)\}$/.exec(piece)?.[1];
            return escapeRegex(ref !== undefined ? (earlier[ref] ?? "") : piece);
          })
          .join("");
        // Values come from path parts (no `/`), and `[^/]*` runs are separated by literals: linear time.
        regex = new RegExp(`^${source}$`);
        if (regexes.size > 1000) regexes.clear();
        regexes.set(key, regex);
      }
      return regex.test(value);
    },
  };
}

/**
 * A user's regular expression (segment constraint, `names`), matched against the whole folder name on RE2
 * (`compileUserPattern`): linear time whatever the pattern, so none has to be refused as catastrophic.
 */
function compileUserRegex(
  pattern: string,
  where: Array<string | number>,
  problems: LayoutTemplateProblem[],
): { test: (value: string) => boolean } {
  const compiled = compileUserPattern(pattern, { whole: true });
  if (!compiled.ok) {
    problems.push({
      path: where,
      value: pattern,
      message: `${compiled.message.replace(` ${USER_PATTERN_SYNTAX}`, "")} Write e.g. \`v[0-9]+\`, or use a list of values. ${USER_PATTERN_SYNTAX}`,
    });
    return { test: () => false };
  }
  return compiled.pattern;
}

function compileNames(
  rule: string,
  problems: LayoutTemplateProblem[],
): (value: string, isFile: boolean) => boolean {
  if (rule === "any") return () => true;
  if (rule === "dns-1123-label") {
    return (value, isFile) => (isFile ? DNS_1123_SUBDOMAIN : DNS_1123_LABEL).test(value);
  }
  const regex = compileUserRegex(rule, ["names"], problems);
  return (value) => regex.test(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Where path part `index` falls in a template, for a path of `length` parts: the template part's index. */
function templateIndexOf(template: CompiledTemplate, length: number, index: number): number {
  const { multiAt } = template;
  if (multiAt < 0 || index < multiAt) return index;
  const spread = Math.max(0, length - (template.parts.length - 1));
  return index < multiAt + spread ? multiAt : index - spread + 1;
}

function literalsAgree(template: CompiledTemplate, parts: string[]): boolean {
  const count = template.parts.length;
  const { multiAt } = template;
  if (multiAt < 0 ? parts.length !== count : parts.length < count - 1) return false;
  // After a `**`, template part i sits at path part i + shift (the `**` took shift + 1 folders).
  const shift = parts.length - count;
  for (let i = 0; i < count; i++) {
    const part = template.parts[i] as Part;
    if (part.kind === "literal" && part.text !== parts[multiAt < 0 || i < multiAt ? i : i + shift])
      return false;
  }
  return true;
}

function partText(part: Part): string {
  if (part.kind === "literal") return part.text;
  if (part.multi) return part.name === ANONYMOUS_MULTI ? "**" : `{${part.name}**}`;
  return `{${part.name}}`;
}

/** The template (area) and segments of a repository path, or null when no template matches it. */
export function matchLayoutPath(layout: CompiledLayout, path: string): LayoutMatch | null {
  const verdict = matchFirst(layout, path.split("/"));
  return verdict && { template: verdict.template, area: verdict.area, segments: verdict.segments };
}

function matchFirst(layout: CompiledLayout, parts: string[]): ({ kind: "match" } & LayoutMatch) | null {
  const top = parts[0];
  for (const template of layout.templates) {
    if (template.firstLiteral !== null && template.firstLiteral !== top) continue;
    if (!literalsAgree(template, parts)) continue;
    const attempt = matchTemplate(layout, template, parts);
    if ("segments" in attempt) {
      return { kind: "match", template: template.name, area: template.name, segments: attempt.segments };
    }
  }
  return null;
}

/**
 * Judges one path: it matches a template, is allowed anywhere, or fits nowhere — then the template that came closest
 * says which part is wrong and what it should be.
 */
export function checkLayoutPath(layout: CompiledLayout, path: string): LayoutPathVerdict {
  const parts = path.split("/");
  // Fast path: most manifests are in place, and only templates whose literal folders agree can match.
  const match = matchFirst(layout, parts);
  if (match) return match;
  // Most other paths of a real tree are code, docs and CI files that `allowed` lets through: ask it before building
  // an explanation for every template (that cost 22–100 µs a path).
  const pattern = layout.isAllowed(path);
  if (pattern !== null) return { kind: "allowed", pattern };
  const failures: Array<LayoutMismatch & { literal?: string; topLiteral?: string }> = [];
  for (const template of layout.templates) {
    const attempt = matchTemplate(layout, template, parts);
    // Unreachable (matchFirst tried every template that can match); kept so a verdict is always a mismatch.
    if ("segments" in attempt) {
      return { kind: "match", template: template.name, area: template.name, segments: attempt.segments };
    }
    failures.push(attempt);
  }
  const { literal: _literal, topLiteral: _top, ...mismatch } = closestMismatch(path, parts, failures);
  return { kind: "mismatch", ...mismatch };
}

function closestMismatch(
  path: string,
  parts: string[],
  failures: Array<LayoutMismatch & { literal?: string; topLiteral?: string }>,
): LayoutMismatch & { literal?: string; topLiteral?: string } {
  const deepest = Math.max(-1, ...failures.map((failure) => failure.index));
  const atDeepest = failures.filter((failure) => failure.index === deepest);
  const first = atDeepest[0];
  if (!first) {
    return {
      template: null,
      index: 0,
      value: parts[0] ?? "",
      expected: "",
      rule: "layout-path",
      message: `${JSON.stringify(path)} matches no folder layout template and no allowed pattern`,
    };
  }
  const literals = [...new Set(atDeepest.map((failure) => failure.literal).filter((l) => l !== undefined))];
  if (parts.length === 1) {
    const tops = [
      ...new Set(failures.map((f) => f.topLiteral).filter((t): t is string => t !== undefined)),
    ].map((t) => `\`${t}/\``);
    return {
      ...first,
      index: 0,
      value: path,
      rule: "layout-path",
      message:
        `${JSON.stringify(path)} is not allowed at the top level of the repository: manifests belong in ` +
        `${tops.join(", ")}; other files must match \`layout.allowed\``,
    };
  }
  if (first.literal !== undefined && literals.length > 1) {
    const where = parts.slice(0, deepest).join("/");
    const list = literals.map((literal) => `\`${literal}\``).join(" or ");
    const found = parts[deepest];
    return {
      ...first,
      message:
        deepest === 0
          ? `${JSON.stringify(path)} is outside every deployment area: top-level folders are ${list}` +
            " (other files must match `layout.allowed`)"
          : `${found === undefined ? "the path stops" : `\`${found}\``} under \`${where}/\` where the layout expects ${list}`,
    };
  }
  return first;
}

function matchTemplate(
  layout: CompiledLayout,
  template: CompiledTemplate,
  parts: string[],
): { segments: Record<string, string> } | (LayoutMismatch & { literal?: string; topLiteral?: string }) {
  const segments: Record<string, string> = {};
  const { multiAt } = template;
  // A `**` takes as many folders as the path has beyond the template's other parts (at least none).
  const spread = multiAt < 0 ? 1 : Math.max(0, parts.length - (template.parts.length - 1));
  const length = template.parts.length - 1 + spread;
  const last = length - 1;
  const partAt = (index: number) =>
    template.parts[templateIndexOf(template, parts.length, Math.min(index, last))] as Part;
  const rest = (index: number) =>
    template.parts
      .slice(templateIndexOf(template, parts.length, index))
      .map(partText)
      .join("/");
  const multiFolders: string[] = [];
  const mismatch = (
    index: number,
    rule: LayoutMismatch["rule"],
    message: string,
    literal?: string,
  ): LayoutMismatch & { literal?: string; topLiteral?: string } => {
    const part = partAt(index);
    const top = template.parts[0];
    return {
      ...(top?.kind === "literal" ? { topLiteral: top.text } : {}),
      template: template.name,
      index,
      value: parts[index] ?? "",
      expected: partText(part),
      rule,
      message,
      ...(literal !== undefined ? { literal } : {}),
    };
  };
  for (let i = 0; i < length; i++) {
    const part = partAt(i);
    const value = parts[i];
    const isFile = i === last;
    if (multiAt >= 0 && i === multiAt + spread) {
      // Just past the `**`: its folders are all known, and later constraints may refer to them.
      const multi = template.parts[multiAt] as Part;
      if (multi.kind === "segment" && multi.name !== ANONYMOUS_MULTI)
        segments[multi.name] = multiFolders.join("/");
    }
    // Only failures need the folder above: building it for every part would double the cost of a match.
    const aboveOf = () => parts.slice(0, i).join("/");
    if (value === undefined) {
      return mismatch(
        i,
        "layout-path",
        `the file is directly in \`${aboveOf()}/\`, but the ${template.name} layout (\`${template.source}\`) expects ` +
          `\`${rest(i)}\` below it`,
        part.kind === "literal" ? part.text : undefined,
      );
    }
    if (!isFile && i === parts.length - 1) {
      // The path ends here with a file where the template expects a folder.
      return mismatch(
        i + 1,
        "layout-path",
        `\`${value}\` is a file in \`${aboveOf()}/\`, but the ${template.name} layout (\`${template.source}\`) expects ` +
          `\`${rest(i)}\` there`,
      );
    }
    if (part.kind === "literal") {
      if (value !== part.text) {
        return mismatch(
          i,
          "layout-path",
          `\`${value}\` under \`${aboveOf()}/\` should be \`${part.text}\` (${template.name} layout: \`${template.source}\`)`,
          part.text,
        );
      }
      continue;
    }
    if (isFile && parts.length > length) {
      return mismatch(
        i,
        "layout-path",
        `\`${value}/\` is one folder too deep: in the ${template.name} layout (\`${template.source}\`) the file ` +
          `belongs directly in \`${aboveOf()}/\``,
      );
    }
    if (value.length > MAX_PART_LENGTH) {
      return mismatch(
        i,
        "layout-name",
        `\`${value.slice(0, 40)}…\` is longer than ${MAX_PART_LENGTH} characters`,
      );
    }
    if (!part.test(value, segments)) {
      return mismatch(
        i,
        "layout-segment",
        `\`${value}\` is not an allowed \`${partText(part)}\`${part.multi ? " folder" : ""} in \`${aboveOf()}/\`: it must ${part.describe.replace(
          /\{([A-Za-z][A-Za-z0-9_]*)\}/g,
          (whole, ref: string) => segments[ref] ?? whole,
        )}` + ` (${template.name} layout: \`${template.source}\`)`,
      );
    }
    if (isFile) {
      const extension = layout.manifestExtensions.find(
        (ext) => value.endsWith(ext) && value.length > ext.length,
      );
      if (!extension) {
        return mismatch(
          i,
          "layout-extension",
          `\`${value}\` is not a manifest: files in \`${aboveOf()}/\` must end in ${layout.manifestExtensions
            .map((ext) => `\`${ext}\``)
            .join(" or ")}`,
        );
      }
      const stem = value.slice(0, -extension.length);
      if (!layout.isValidName(stem, true)) {
        return mismatch(i, "layout-name", `file name \`${value}\` ${namesRuleText(layout.namesRule, true)}`);
      }
    } else if (!layout.isValidName(value, false)) {
      return mismatch(
        i,
        "layout-name",
        `\`${value}\` (\`${partText(part)}\` in \`${aboveOf()}/\`) ${namesRuleText(layout.namesRule, false)}`,
      );
    }
    if (part.multi) multiFolders.push(value);
    else segments[part.name] = value;
  }
  return { segments };
}

function namesRuleText(rule: string, isFile: boolean): string {
  if (rule === "dns-1123-label") {
    return isFile
      ? "is not a valid DNS-1123 name: use lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit"
      : "is not a valid DNS-1123 label (a Kubernetes name): use lower-case letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters";
  }
  return `does not match \`layout.names\` (\`${rule}\`)`;
}
