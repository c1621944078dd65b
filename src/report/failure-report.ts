import type { TrackingIssue } from "../github/issues.js";
import { inlineCode } from "../util/markdown.js";
import type { CheckResult } from "./check-result.js";

/** A failure that retrying will not fix, or that outlasted the retry deadline. */
export interface PermanentFailure {
  /** What went wrong, e.g. `GitHub answered 403: Resource not accessible by integration`. */
  reason: string;
  /** What a maintainer can do about it. */
  fix: string;
  /** Attempts made, including the last. */
  attempts: number;
  /** The delivery GUID, to find it in the App's delivery log and the bot's logs. */
  deliveryId: string;
  /** `push`, `release.published`… */
  event: string;
}

/** The check run a check feature writes when it could not reach a verdict. */
export function reportFailedCheck(checkName: string, failure: PermanentFailure): CheckResult {
  return {
    conclusion: "failure",
    title: `Could not complete the ${checkName} check`,
    summary: [
      `gitops-release-bot could not judge this commit: ${failure.reason}.`,
      "",
      `**How to fix:** ${failure.fix}`,
      "",
      `Then press "Re-run" on this check. (Delivery ${inlineCode(failure.deliveryId)} of ${inlineCode(failure.event)}, ` +
        `${failure.attempts} attempt${failure.attempts === 1 ? "" : "s"}.)`,
    ].join("\n"),
  };
}

/** The issue a repository-level feature (release draft, promotion, main audit) updates when it could not act. */
export function failureIssue(
  feature: { key: string; title: string },
  failure: PermanentFailure,
): TrackingIssue {
  return {
    key: `runtime-failure:${feature.key}`,
    title: `gitops-release-bot could not ${feature.title}`,
    body: [
      `gitops-release-bot could not ${feature.title} after ${failure.attempts} attempt${failure.attempts === 1 ? "" : "s"}: ` +
        `${failure.reason}.`,
      "",
      `**How to fix:** ${failure.fix}`,
      "",
      `The event was ${inlineCode(failure.event)} (delivery ${inlineCode(failure.deliveryId)}). Once the cause is ` +
        "fixed, redeliver it from the App's advanced settings, or wait for the next reconciliation sweep, then " +
        "close this issue. A later failure of the same kind updates this issue instead of opening another.",
    ].join("\n"),
  };
}
