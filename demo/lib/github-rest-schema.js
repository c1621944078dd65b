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
 *   responses: Record<string, any>; validate?: import("ajv").ValidateFunction;
 *   validateResponse: Map<string, import("ajv").ValidateFunction | null> }} Operation
 */

const require = createRequire(import.meta.url);
/** @type {Operation[] | undefined} */
let operations;
/** @type {Ajv | undefined} */
let ajv;
/** @type {unknown} */
let components;
/** @type {Ajv | undefined} */
let responseAjv;

/** @returns {{ operations: Operation[]; ajv: Ajv }} */
function load() {
  if (operations && ajv) return { operations, ajv };
  const file = path.join(
    path.dirname(require.resolve("@octokit/openapi/package.json")),
    "generated/api.github.com.json",
  );
  /** @type {{ paths: Record<string, Record<string, any>>; components: unknown }} */
  const spec = JSON.parse(readFileSync(file, "utf8"));
  const validator = newAjv(fixNullable({ $id: "gh", components: spec.components }));
  /** @type {Record<string, any>} */
  const sharedResponses = /** @type {any} */ (spec.components).responses ?? {};
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
        responses: Object.fromEntries(
          Object.entries(operation.responses ?? {}).map(([status, response]) => [
            status,
            // `{ $ref: "#/components/responses/not_found" }` → the shared response itself.
            typeof response?.$ref === "string"
              ? sharedResponses[response.$ref.replace("#/components/responses/", "")]
              : response,
          ]),
        ),
        validateResponse: new Map(),
      });
    }
  }
  // Literal segments first: `/repos/{o}/{r}/pulls/files` must not be taken for `/repos/{o}/{r}/pulls/{n}`.
  ops.sort(
    (a, b) => b.template.replace(/\{[^}]+\}/g, "").length - a.template.replace(/\{[^}]+\}/g, "").length,
  );
  operations = ops;
  ajv = validator;
  components = spec.components;
  return { operations, ajv };
}

/** @param {object} shared the spec's components as the schema `gh` */
function newAjv(shared) {
  const validator = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  // ajv-formats is CommonJS: its function is the default export or the module itself, depending on the loader.
  /** @type {(a: Ajv) => void} */
  const addFormats = /** @type {any} */ (addFormatsModule).default ?? addFormatsModule;
  addFormats(validator);
  validator.addFormat("repo.nwo", /^[^/]+\/[^/]+$/);
  validator.addSchema(shared);
  return validator;
}

/**
 * The validator for answers, built on first use. GitHub's description writes its response unions as `oneOf` whose
 * branches overlap (a commit's `author` is `oneOf: [simple-user, empty-object]`, and every object is an empty-object;
 * a 409 is `oneOf: [basic-error, repository-rule-violation-error]`, which share all their fields), so GitHub's own
 * answers match two branches and would fail `oneOf`. For answers, `oneOf` is read as the union it means (`anyOf`),
 * as octokit's generated types read it; every branch keeps its own rules.
 */
function loadResponseAjv() {
  load();
  responseAjv ??= newAjv(fixNullable({ $id: "gh", components }, { unionOneOf: true }));
  return responseAjv;
}

/**
 * OpenAPI 3.0's `nullable` in terms ajv understands, so that null is accepted exactly where GitHub's description says
 * so: without `type` (e.g. `{ nullable, oneOf }`, which ajv rejects) it becomes `anyOf: [null, the rest]`; with an
 * `enum` (ajv's own `nullable` does not extend enums) null joins the enum. Local refs point at the shared components.
 * With `unionOneOf`, `oneOf` becomes `anyOf` (see `loadResponseAjv`).
 * @template T
 * @param {T} schema
 * @param {{ unionOneOf?: boolean }} [options]
 * @returns {T}
 */
function fixNullable(schema, options = {}) {
  const text = JSON.stringify(schema, (_key, value) => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return value;
    if (options.unionOneOf && Array.isArray(value.oneOf)) {
      const { oneOf, ...rest } = value;
      value = rest.anyOf
        ? { ...rest, allOf: [...(rest.allOf ?? []), { anyOf: oneOf }] }
        : { ...rest, anyOf: oneOf };
    }
    if (!("nullable" in value)) return value;
    if (!("type" in value)) {
      const { nullable, description, ...rest } = value;
      if (nullable !== true) return { ...(description ? { description } : {}), ...rest };
      return { ...(description ? { description } : {}), anyOf: [{ type: "null" }, rest] };
    }
    if (value.nullable === true && Array.isArray(value.enum) && !value.enum.includes(null))
      return { ...value, enum: [...value.enum, null] };
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

/**
 * Checks one JSON answer against the schema GitHub's description declares for its operation and status code. A
 * status without a JSON schema (204, or an error status the operation does not declare) has nothing to check. The
 * validator of each operation+status is compiled on first use and cached.
 * @param {string} method
 * @param {string} urlPath
 * @param {number} status
 * @param {unknown} body
 * @returns {string[]}
 */
export function responseProblems(method, urlPath, status, body) {
  const operation = findOperation(method, urlPath);
  if (!operation || body === undefined) return [];
  const key = String(status);
  let validate = operation.validateResponse.get(key);
  if (validate === undefined) {
    const schema = operation.responses[key]?.content?.["application/json"]?.schema;
    validate = schema
      ? loadResponseAjv().compile(/** @type {object} */ (fixNullable(schema, { unionOneOf: true })))
      : null;
    operation.validateResponse.set(key, validate);
  }
  if (!validate || validate(body)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${method} ${urlPath} (${operation.operationId}): response ${status}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
  );
}
