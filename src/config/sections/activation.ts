import { compileUserGlob } from "../../rules/user-pattern.js";
import { z } from "zod";

/**
 * Opt-in (like Renovate): a repository takes part when it holds its own `.github/gitops-release-bot.yml`, or when the
 * organization's `.github` repository's file lists it here. This key is read only from that organization file.
 */
export const repositoriesSchema = z
  .array(
    z
      .string()
      .min(1)
      .max(200)
      .superRefine((glob, ctx) => {
        const compiled = compileUserGlob(glob);
        if (!compiled.ok) ctx.addIssue({ code: "custom", message: compiled.message });
      }),
  )
  .default([])
  .describe(
    "Only in the organization's `.github` repository (its `.github/gitops-release-bot.yml`): the repositories this " +
      "file turns the bot on for, by name (`platform-gitops`) or glob (`platform-*`, `*` for every repository), " +
      "matched without case. A repository with its own `.github/gitops-release-bot.yml` is always on; a repository " +
      "that has neither gets nothing from the bot (at most an onboarding pull request). Ignored in a repository's " +
      "own file.",
  );
