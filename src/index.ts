import type { Probot } from "probot";
import { handleConfigCheck } from "./handlers/handle-config-check.js";
import { handleFolderLayout } from "./handlers/handle-folder-layout.js";
import { handleMergeGroup } from "./handlers/handle-merge-group.js";
import { handlePrTitle } from "./handlers/handle-pr-title.js";
import { handlePromoteCommand, handleReleasePublished } from "./handlers/handle-promotion.js";
import { handleSquashAudit } from "./handlers/handle-squash-audit.js";
import { handleSquashTitle } from "./handlers/handle-squash-title.js";
import { handleTagPush } from "./handlers/handle-tag-push.js";
import { PULL_REQUEST_EVENTS, RERUN_EVENTS } from "./handlers/pull-request-events.js";
import { configureLocks } from "./runtime/configure-locks.js";

const PULL_REQUEST_CHECK_EVENTS = [...PULL_REQUEST_EVENTS, ...RERUN_EVENTS];

/**
 * Each feature's event wiring. Every feature has its own listeners, so one failing feature never blocks another;
 * tests load a subset by name.
 */
export const FEATURES = {
  prTitle: (app: Probot) => app.on(PULL_REQUEST_CHECK_EVENTS, handlePrTitle),
  configCheck: (app: Probot) => app.on(PULL_REQUEST_CHECK_EVENTS, handleConfigCheck),
  folderLayout: (app: Probot) => app.on(PULL_REQUEST_CHECK_EVENTS, handleFolderLayout),
  squashTitle: (app: Probot) => {
    app.on(PULL_REQUEST_CHECK_EVENTS, handleSquashTitle);
    app.on("merge_group.checks_requested", handleMergeGroup);
  },
  mainAudit: (app: Probot) => app.on("push", handleSquashAudit),
  releaseDraft: (app: Probot) => app.on("push", handleTagPush),
  promotion: (app: Probot) => {
    app.on("release.published", handleReleasePublished);
    app.on("issue_comment.created", handlePromoteCommand);
  },
} satisfies Record<string, (app: Probot) => void>;

export type FeatureName = keyof typeof FEATURES;

/** gitops-release-bot: wires GitHub events to one handler per feature. */
export default function gitopsReleaseBot(app: Probot): void {
  configureLocks(app.log);
  for (const wire of Object.values(FEATURES)) wire(app);
}
