// @ts-check
// Plain ESM so that both the jest tests (through test/helpers/github-rest-schema.ts) and the demo's fake GitHub use it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * Validates requests against GitHub's published REST description (`@octokit/openapi`). Only the generated
 * api.github.com.json is loaded: requiring the package itself would load every variant (~900 MB).
 * @typedef {{ method: string; template: string; pattern: RegExp; operationId: string; bodySchema: unknown;
 *   validate?: import("ajv").ValidateFunction }} Operation
 */

const require = createRequire(import.meta.url);
/** @type {Operation[] | undefined} */
let operations;
/** @type {Ajv | undefined} */
let ajv;

/** @returns {{ operations: Operation[]; ajv: Ajv }} */
function load() {
  if (operations && ajv) return { operations, ajv };
  const file = path.join(
    path.dirname(require.resolve("@octokit/openapi/package.json")),
    "generated/api.github.com.json",
  );
  /** @type {{ paths: Record<string, Record<string, any>>; components: unknown }} */
  const spec = JSON.parse(readFileSync(file, "utf8"));
  const validator = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  // ajv-formats is CommonJS: its function is the default export or the module itself, depending on the loader.
  /** @type {(a: Ajv) => void} */
  const addFormats = /** @type {any} */ (addFormatsModule).default ?? addFormatsModule;
  addFormats(validator);
  validator.addFormat("repo.nwo", /^[^/]+\/[^/]+$/);
  validator.addSchema(fixNullable({ $id: "gh", components: spec.components }));
  /** @type {Operation[]} */
  const ops = [];
  for (const [template, methods] of Object.entries(spec.paths)) {
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\}/g, "[^/]+")}$`,
    );
    for (const [method, operation] of Object.entries(methods)) {
      if (!operation?.operationId) continue;
      ops.push({
        method: method.toUpperCase(),
        template,
        pattern,
        operationId: operation.operationId,
        bodySchema: operation.requestBody?.content?.["application/json"]?.schema,
      });
    }
  }
  // Literal segments first: `/repos/{o}/{r}/pulls/files` must not be taken for `/repos/{o}/{r}/pulls/{n}`.
  ops.sort(
    (a, b) => b.template.replace(/\{[^}]+\}/g, "").length - a.template.replace(/\{[^}]+\}/g, "").length,
  );
  operations = ops;
  ajv = validator;
  return { operations, ajv };
}

/**
 * Draft-04 style `nullable` without `type` confuses ajv; drop it and point local refs at the shared components.
 * @template T
 * @param {T} schema
 * @returns {T}
 */
function fixNullable(schema) {
  const text = JSON.stringify(schema, (_key, value) => {
    if (
      value &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      "nullable" in value &&
      !("type" in value)
    ) {
      const { nullable: _n, ...rest } = value;
      return rest;
    }
    return value;
  });
  return JSON.parse(text.replaceAll('"#/components/', '"gh#/components/'));
}

/**
 * The GitHub operation a request addresses, or undefined when GitHub has no such endpoint.
 * @param {string} method
 * @param {string} urlPath
 * @returns {Operation | undefined}
 */
export function findOperation(method, urlPath) {
  const pathname = urlPath.split("?")[0]?.replace(/^\/api\/v3/, "") ?? "";
  return load().operations.find((op) => op.method === method.toUpperCase() && op.pattern.test(pathname));
}

/**
 * Checks one request: the endpoint exists and the JSON body matches its schema. Returns the problems (empty when
 * valid) so that callers can fail the test with a readable message.
 * @param {string} method
 * @param {string} urlPath
 * @param {unknown} body
 * @returns {string[]}
 */
export function requestProblems(method, urlPath, body) {
  const operation = findOperation(method, urlPath);
  if (!operation) return [`${method} ${urlPath}: GitHub's REST API has no such endpoint`];
  if (body === undefined || body === null || body === "" || !operation.bodySchema) return [];
  const { ajv: validator } = load();
  operation.validate ??= validator.compile(/** @type {object} */ (fixNullable(operation.bodySchema)));
  if (operation.validate(body)) return [];
  return (operation.validate.errors ?? []).map(
    (e) =>
      `${method} ${urlPath} (${operation.operationId}): body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
  );
}
