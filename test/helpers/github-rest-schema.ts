import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * Validates requests against GitHub's published REST description (`@octokit/openapi`). Only the generated
 * api.github.com.json is loaded: requiring the package itself would load every variant (~900 MB).
 */
interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  operationId: string;
  bodySchema: unknown;
  validate?: ValidateFunction;
}

const require = createRequire(import.meta.url);
let spec: { paths: Record<string, Record<string, unknown>>; components: unknown } | undefined;
let operations: Operation[] | undefined;
let ajv: Ajv | undefined;

function load(): { operations: Operation[]; ajv: Ajv } {
  if (operations && ajv) return { operations, ajv };
  const file = path.join(
    path.dirname(require.resolve("@octokit/openapi/package.json")),
    "generated/api.github.com.json",
  );
  spec = JSON.parse(readFileSync(file, "utf8"));
  const loaded = spec!;
  ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  // ajv-formats is CommonJS: its function is the default export or the module itself, depending on the loader.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
    a: Ajv,
  ) => void;
  addFormats(ajv);
  ajv.addFormat("repo.nwo", /^[^/]+\/[^/]+$/);
  ajv.addSchema(fixNullable({ $id: "gh", components: loaded.components }));
  operations = [];
  for (const [template, methods] of Object.entries(loaded.paths)) {
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\}/g, "[^/]+")}$`,
    );
    for (const [method, op] of Object.entries(methods)) {
      const operation = op as {
        operationId?: string;
        requestBody?: { content?: Record<string, { schema?: unknown }> };
      };
      if (!operation.operationId) continue;
      operations.push({
        method: method.toUpperCase(),
        template,
        pattern,
        operationId: operation.operationId,
        bodySchema: operation.requestBody?.content?.["application/json"]?.schema,
      });
    }
  }
  // Literal segments first: `/repos/{o}/{r}/pulls/files` must not be taken for `/repos/{o}/{r}/pulls/{n}`.
  operations.sort(
    (a, b) => b.template.replace(/\{[^}]+\}/g, "").length - a.template.replace(/\{[^}]+\}/g, "").length,
  );
  return { operations, ajv };
}

/** Draft-04 style `nullable` without `type` confuses ajv; drop it and point local refs at the shared components. */
function fixNullable<T>(schema: T): T {
  const text = JSON.stringify(schema, (key, value) => {
    if (
      value &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      "nullable" in value &&
      !("type" in value)
    ) {
      const { nullable: _n, ...rest } = value as Record<string, unknown>;
      return rest;
    }
    return value;
  });
  return JSON.parse(text.replaceAll('"#/components/', '"gh#/components/'));
}

/** The GitHub operation a request addresses, or undefined when GitHub has no such endpoint. */
export function findOperation(method: string, urlPath: string): Operation | undefined {
  const pathname = urlPath.split("?")[0]?.replace(/^\/api\/v3/, "") ?? "";
  return load().operations.find((op) => op.method === method.toUpperCase() && op.pattern.test(pathname));
}

/**
 * Checks one outgoing request: the endpoint exists and the JSON body matches its schema. Returns the problems
 * (empty when valid) so that callers can fail the test with a readable message.
 */
export function requestProblems(method: string, urlPath: string, body: unknown): string[] {
  const operation = findOperation(method, urlPath);
  if (!operation) return [`${method} ${urlPath}: GitHub's REST API has no such endpoint`];
  if (body === undefined || body === null || body === "" || !operation.bodySchema) return [];
  const { ajv: validator } = load();
  operation.validate ??= validator.compile(fixNullable(operation.bodySchema) as object);
  if (operation.validate(body)) return [];
  return (operation.validate.errors ?? []).map(
    (e) =>
      `${method} ${urlPath} (${operation.operationId}): body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
  );
}
