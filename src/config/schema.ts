import { z } from "zod";
import { prTitleSchema } from "./sections/pr-title.js";
import { releaseNotesSchema } from "./sections/release-notes.js";
import { layoutSchema } from "./sections/layout.js";
import { auditSchema, mergeSettingsSchema, squashTitleSchema } from "./sections/squash-title.js";
import { promotionSchema } from "./sections/promotion.js";
import { repositoriesSchema } from "./sections/activation.js";
import { rolloutSchema } from "./sections/rollout.js";
import { dashboardSchema } from "./sections/dashboard.js";

/** The repository's configuration file, read from the default branch through Probot (`_extends` supported). */
export const CONFIG_FILE = "gitops-release-bot.yml";
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

/**
 * The whole configuration. Every section is optional: a missing file or section means the defaults below.
 * Unknown keys are rejected so that a typo never silently disables a rule.
 */
export const configSchema = z
  .strictObject({
    prTitle: prTitleSchema.prefault({}),
    release: releaseNotesSchema.prefault({}),
    layout: layoutSchema.prefault({}),
    squashTitle: squashTitleSchema.prefault({}),
    mergeSettings: mergeSettingsSchema.prefault({}),
    audit: auditSchema.prefault({}),
    promotion: promotionSchema.prefault({}),
    repositories: repositoriesSchema,
    rollout: rolloutSchema.prefault({}),
    dashboard: dashboardSchema.prefault({}),
  })
  .describe(
    "Configuration of gitops-release-bot, in `.github/gitops-release-bot.yml` on the default branch.",
  );

export type Config = z.infer<typeof configSchema>;
