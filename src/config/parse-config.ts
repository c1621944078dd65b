import type { z } from "zod";
import { configSchema, type Config } from "./schema.js";
import { err, ok, type Result } from "../util/result.js";

/** One thing wrong with a configuration file: where, what was found, and what is allowed instead. */
export interface ConfigProblem {
  /** Key path such as `prTitle.types[2]`, or `(file)` for the file as a whole. */
  path: string;
  /** The bad value as it appeared in the file (JSON), or undefined when the key is missing. */
  value: string | undefined;
  /** What is allowed / how to fix it. */
  message: string;
}

/** Validates raw configuration (already parsed from YAML, `_extends` resolved) and applies the defaults. */
export function parseConfig(raw: unknown): Result<Config, ConfigProblem[]> {
  const input = raw ?? {};
  const { _extends: _ignored, ...rest } = isRecord(input) ? input : { value: input };
  if (!isRecord(input)) {
    return err([
      { path: "(file)", value: show(input), message: "the file must be a YAML mapping of keys to values" },
    ]);
  }
  const parsed = configSchema.safeParse(rest);
  if (parsed.success) return ok(parsed.data);
  return err(parsed.error.issues.flatMap((issue) => describeIssue(issue, rest)));
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  const path = issue.path.map((key) => (typeof key === "symbol" ? String(key) : key));
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(path);
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      value: show(valueAt(input, [...path, key])),
      message: `unknown key "${key}"; ${allowed.length ? `allowed keys here: ${allowed.join(", ")}` : "remove it"}`,
    }));
  }
  let message = issue.message;
  if (issue.code === "invalid_value")
    message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  return [{ path: formatPath(path), value: show(valueAt(input, path)), message }];
}

function allowedKeysAt(path: PropertyKey[]): string[] {
  let schema: unknown = configSchema;
  for (const key of [...path, null]) {
    schema = unwrap(schema);
    const def = (
      schema as { _zod?: { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } } }
    )._zod?.def;
    if (key === null) return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
    if (def?.type === "object" && def.shape && typeof key === "string") schema = def.shape[key];
    else if (def?.type === "array") schema = def.element;
    else if (def?.type === "record") schema = (def as { valueType?: unknown }).valueType;
    else return [];
  }
  return [];
}

function unwrap(schema: unknown): unknown {
  let current = schema as { _zod?: { def?: { type?: string; innerType?: unknown } } } | undefined;
  while (
    current?._zod?.def &&
    ["default", "prefault", "optional", "nullable"].includes(current._zod.def.type ?? "")
  ) {
    current = current._zod.def.innerType as typeof current;
  }
  return current;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function formatPath(path: PropertyKey[]): string {
  return (
    path
      .map((key, index) =>
        typeof key === "number" ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`,
      )
      .join("") || "(file)"
  );
}

function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Renders problems as a Markdown list for check-run summaries and issues. */
export function formatConfigProblems(problems: ConfigProblem[]): string {
  return problems
    .map(
      (p) =>
        `- \`${p.path}\`${p.value === undefined ? "" : `: got \`${p.value.replaceAll("`", "'")}\``} — ${p.message}`,
    )
    .join("\n");
}
