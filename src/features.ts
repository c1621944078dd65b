import type { Context } from "probot";
import { upsertCheckRun } from "./github/checks.js";
import { upsertTrackingIssue } from "./github/issues.js";
import { CONFIG_CHECK, handleConfigCheck } from "./handlers/handle-config-check.js";
import { FOLDER_LAYOUT_CHECK, handleFolderLayout } from "./handlers/handle-folder-layout.js";
import { handleMergeGroup } from "./handlers/handle-merge-group.js";
import { handlePrTitle, PR_TITLE_CHECK } from "./handlers/handle-pr-title.js";
import { handlePromoteCommand, handleReleasePublished } from "./handlers/handle-promotion.js";
import { handlePromotionMerged, handleRolloutStatus } from "./handlers/handle-rollout.js";
import { handleSquashAudit } from "./handlers/handle-squash-audit.js";
import { handleSquashTitle, SQUASH_TITLE_CHECK } from "./handlers/handle-squash-title.js";
import { handleTagPush } from "./handlers/handle-tag-push.js";
import { handleOnboarding, isOnboardingPullEvent, ONBOARDING_EVENTS } from "./handlers/handle-onboarding.js";
import {
  DASHBOARD_EVENTS,
  handleDashboardEdit,
  handleDashboardEvent,
} from "./handlers/handle-release-dashboard.js";
import { PULL_REQUEST_EVENTS, RERUN_EVENTS } from "./handlers/pull-request-events.js";
import { failureIssue, reportFailedCheck, type PermanentFailure } from "./report/failure-report.js";

const PULL_REQUEST_CHECK_EVENTS = [...PULL_REQUEST_EVENTS, ...RERUN_EVENTS];

// Handlers are typed by the events they take; the runtime hands each the context of an event it subscribed to.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (context: any) => Promise<void>;

export interface Feature {
  /** `event` or `event.action` names, and the handler each runs. */
  on: Array<{ events: readonly string[]; handle: Handler }>;
  /**
   * Opt-in: in a repository that has not opted in (no configuration file, see `loadActivation`), the runtime runs only
   * the features whose `whenInactive` accepts the delivery, decided from the payload alone (so an inactive repository
   * costs its configuration look-up and nothing else). Default: never.
   */
  whenInactive?: (payload: Record<string, unknown>) => boolean;
  /** Makes a failure that retrying cannot fix visible where this feature's users look. */
  reportFailure: (context: Context, failure: PermanentFailure) => Promise<void>;
}

/** Check features conclude their own check run with the reason, on the commit the event was about. */
const onCheckRun =
  (name: string) =>
  async (context: Context, failure: PermanentFailure): Promise<void> => {
    const headSha = headShaOf(context.payload as EventPayload);
    if (!headSha) return;
    await upsertCheckRun(
      context.octokit,
      { ...context.repo(), name, headSha },
      reportFailedCheck(name, failure),
      { event: context.payload },
    );
  };

/** Repository-level features say it in their tracking issue, updated in place. */
const inIssue =
  (key: string, title: string) =>
  async (context: Context, failure: PermanentFailure): Promise<void> => {
    await upsertTrackingIssue(context.octokit, context.repo(), failureIssue({ key, title }, failure));
  };

/**
 * Each feature's event wiring and failure report. Every feature runs on its own within a delivery, so one failing
 * feature never blocks another, and a retry re-runs only the features that failed; tests load a subset by name.
 */
export const FEATURES = {
  prTitle: {
    on: [{ events: PULL_REQUEST_CHECK_EVENTS, handle: handlePrTitle }],
    reportFailure: onCheckRun(PR_TITLE_CHECK),
  },
  configCheck: {
    on: [{ events: PULL_REQUEST_CHECK_EVENTS, handle: handleConfigCheck }],
    // The onboarding PR adds the file to a repository that is not active yet: it still gets its Config check.
    whenInactive: isOnboardingPullEvent,
    reportFailure: onCheckRun(CONFIG_CHECK),
  },
  folderLayout: {
    on: [{ events: PULL_REQUEST_CHECK_EVENTS, handle: handleFolderLayout }],
    reportFailure: onCheckRun(FOLDER_LAYOUT_CHECK),
  },
  squashTitle: {
    on: [
      { events: PULL_REQUEST_CHECK_EVENTS, handle: handleSquashTitle },
      { events: ["merge_group.checks_requested"], handle: handleMergeGroup },
    ],
    reportFailure: onCheckRun(SQUASH_TITLE_CHECK),
  },
  mainAudit: {
    on: [{ events: ["push"], handle: handleSquashAudit }],
    reportFailure: inIssue("main-audit", "audit the commits pushed to the default branch"),
  },
  releaseDraft: {
    on: [{ events: ["push"], handle: handleTagPush }],
    reportFailure: inIssue("release-draft", "draft a release for a pushed tag"),
  },
  promotion: {
    on: [
      { events: ["release.published"], handle: handleReleasePublished },
      { events: ["issue_comment.created"], handle: handlePromoteCommand },
    ],
    reportFailure: inIssue("promotion", "open the promotion pull request"),
  },
  onboarding: {
    // Installation events name no single repository: the opt-in gate does not apply; the handler checks each one.
    on: [{ events: ONBOARDING_EVENTS, handle: handleOnboarding }],
    // Nowhere in a repository to say it (it is not active): the runner's log line is the report.
    reportFailure: async () => undefined,
  },
  rollout: {
    on: [
      { events: ["status"], handle: handleRolloutStatus },
      { events: ["pull_request.closed"], handle: handlePromotionMerged },
    ],
    reportFailure: inIssue("rollout", "track the production rollout from Flux's commit statuses"),
  },
  releaseDashboard: {
    on: [
      { events: DASHBOARD_EVENTS, handle: handleDashboardEvent },
      { events: ["issues.edited"], handle: handleDashboardEdit },
    ],
    reportFailure: inIssue("release-dashboard-failure", "update the release dashboard"),
  },
} satisfies Record<string, Feature>;

export type FeatureName = keyof typeof FEATURES;

/** The handlers of `feature` that take this event (`name` plus the payload's `action`). */
export function handlersFor(feature: Feature, name: string, action: unknown): Handler[] {
  const keys = typeof action === "string" ? [name, `${name}.${action}`] : [name];
  return feature.on.filter((s) => s.events.some((e) => keys.includes(e))).map((s) => s.handle);
}

type HeadShaHolder = { head_sha?: string } | undefined;
type EventPayload = {
  pull_request?: { head?: { sha?: string } };
  check_run?: HeadShaHolder;
  check_suite?: HeadShaHolder;
  merge_group?: HeadShaHolder;
};

/** The commit a check-related event is about, for writing a check run on it. */
export function headShaOf(payload: EventPayload): string | null {
  return (
    payload.pull_request?.head?.sha ??
    payload.check_run?.head_sha ??
    payload.check_suite?.head_sha ??
    payload.merge_group?.head_sha ??
    null
  );
}
