import type { Probot } from "probot";
import { handleConfigCheck } from "./handlers/handle-config-check.js";
import { handleFolderLayout } from "./handlers/handle-folder-layout.js";
import { handlePrTitle } from "./handlers/handle-pr-title.js";
import { PULL_REQUEST_EVENTS, RERUN_EVENTS } from "./handlers/pull-request-events.js";

/** gitops-release-bot: wires GitHub events to one handler per feature, so one failing feature never blocks another. */
export default function gitopsReleaseBot(app: Probot): void {
  app.on([...PULL_REQUEST_EVENTS, ...RERUN_EVENTS], handlePrTitle);
  app.on([...PULL_REQUEST_EVENTS, ...RERUN_EVENTS], handleConfigCheck);
  app.on([...PULL_REQUEST_EVENTS, ...RERUN_EVENTS], handleFolderLayout);
}
