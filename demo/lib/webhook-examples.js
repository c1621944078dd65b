// @ts-check
// Plain ESM so that both the jest tests (through test/helpers/webhooks.ts) and the demo's webhook sender use it.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** @type {Array<{ name: string; examples: Array<Record<string, unknown>> }>} */
const groups = require("@octokit/webhooks-examples/api.github.com/index.json");

/**
 * A real GitHub webhook payload from `@octokit/webhooks-examples` for `name` (and `action`), deep-copied, with an
 * `installation` added where the recorded example has none. `source` picks the example's action when the library
 * has none for `action` (it records no `pull_request.edited`): the payload keeps that example's shape.
 * @param {string} name
 * @param {string} [action]
 * @param {{ source?: string; index?: number; installationId?: number }} [options]
 * @returns {Record<string, any>}
 */
export function examplePayload(name, action, options = {}) {
  const group = groups.find((g) => g.name === name);
  if (!group) throw new Error(`no webhook examples for "${name}"`);
  const wanted = options.source ?? action;
  const matches = group.examples.filter((e) => wanted === undefined || e.action === wanted);
  const example = matches[options.index ?? 0];
  if (!example) throw new Error(`no "${name}.${wanted}" example`);
  /** @type {Record<string, any>} */
  const payload = structuredClone(example);
  if (action) payload.action = action;
  const installationId = options.installationId ?? 2;
  payload.installation ??= { id: installationId, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMg==" };
  payload.installation.id = installationId;
  return payload;
}
