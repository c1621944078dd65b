import { createRequire } from "node:module";
import { INSTALLATION_ID } from "./mock-github.js";

const require = createRequire(import.meta.url);

interface ExampleGroup {
  name: string;
  examples: Array<Record<string, unknown>>;
}

const groups = require("@octokit/webhooks-examples/api.github.com/index.json") as ExampleGroup[];

/**
 * A real GitHub webhook payload from `@octokit/webhooks-examples` for `name` (and `action`), deep-copied, with an
 * `installation` added where the recorded example has none. `source` picks the example's action when the library
 * has none for `action` (it records no `pull_request.edited`): the payload keeps that example's shape.
 */
export function examplePayload(
  name: string,
  action?: string,
  options: { source?: string; index?: number } = {},
  // Payloads are handed to probot.receive, which types them per event; tests reach into them freely.
): Record<string, any> {
  const group = groups.find((g) => g.name === name);
  if (!group) throw new Error(`no webhook examples for "${name}"`);
  const wanted = options.source ?? action;
  const matches = group.examples.filter((e) => wanted === undefined || e.action === wanted);
  const example = matches[options.index ?? 0];
  if (!example) throw new Error(`no "${name}.${wanted}" example`);
  const payload = structuredClone(example) as Record<string, any>;
  if (action) payload.action = action;
  payload.installation ??= { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMg==" };
  payload.installation.id = INSTALLATION_ID;
  return payload;
}
