import { examplePayload as example } from "../../demo/lib/webhook-examples.js";
import { INSTALLATION_ID } from "./mock-github.js";

/**
 * A real GitHub webhook payload from `@octokit/webhooks-examples` for `name` (and `action`), deep-copied, with an
 * `installation` added where the recorded example has none. `source` picks the example's action when the library
 * has none for `action` (it records no `pull_request.edited`): the payload keeps that example's shape.
 * (The implementation is plain ESM under demo/lib, shared with `npm run demo`.)
 */
export function examplePayload(
  name: string,
  action?: string,
  options: { source?: string; index?: number } = {},
  // Payloads are handed to probot.receive, which types them per event; tests reach into them freely.
): Record<string, any> {
  return example(name, action, { ...options, installationId: INSTALLATION_ID });
}
