import type { Probot } from "probot";
import { handleConfigCheck } from "./handlers/handle-config-check.js";
import { handleMergeGroup } from "./handlers/handle-merge-group.js";
import { handlePrTitle } from "./handlers/handle-pr-title.js";
import { handleSquashAudit } from "./handlers/handle-squash-audit.js";
import { handleSquashTitle } from "./handlers/handle-squash-title.js";
import { PULL_REQUEST_EVENTS, RERUN_EVENTS } from "./handlers/pull-request-events.js";

/** gitops-release-bot: wires GitHub events to one handler per feature, so one failing feature never blocks another. */
export default function gitopsReleaseBot(app: Probot): void {
  app.on([...PULL_REQUEST_EVENTS, ...RERUN_EVENTS], handlePrTitle);
  app.on([...PULL_REQUEST_EVENTS, ...RERUN_EVENTS], handleConfigCheck);
  app.on([...PULL_REQUEST_EVENTS, ...RERUN_EVENTS], handleSquashTitle);
  app.on("merge_group.checks_requested", handleMergeGroup);
  app.on("push", handleSquashAudit);
}
