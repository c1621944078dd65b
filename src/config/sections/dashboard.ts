import { z } from "zod";

export const dashboardSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Keep one “Release dashboard” issue up to date (environments, waiting PRs, draft release, promotion, rollout). `false` turns it off for this repository (an existing dashboard is left as it is).",
      ),
    title: z.string().min(1).default("Release dashboard").describe("Title of the dashboard issue."),
    actions: z
      .boolean()
      .default(true)
      .describe(
        "Offer checkbox actions (tag and draft the next version, re-run a promotion) to users with write permission.",
      ),
    nextVersion: z
      .strictObject({
        breaking: z
          .enum(["major", "minor"])
          .default("major")
          .describe("The bump a breaking change (`type!:` or a `BREAKING CHANGE` footer) suggests."),
        minorTypes: z
          .array(z.string().min(1))
          .default(["feat", "features"])
          .describe("Types that suggest a minor bump; any other type suggests a patch."),
      })
      .prefault({})
      .describe("How the suggested next version is derived from the waiting PRs' types."),
  })
  .describe(
    "The release dashboard issue and `gitops-release-bot status`: what runs where, what waits for a release.",
  );

export type DashboardConfig = z.infer<typeof dashboardSchema>;
