import type { Context } from "probot";
import deepmerge from "deepmerge";
import { memoizeForEvent } from "../util/event-memo.js";
import { err, type Result } from "../util/result.js";
import { readDefaultBranchConfig } from "../github/contents.js";
import { decideActivation, type Activation } from "../rules/activation.js";
import type { Config } from "./schema.js";
import { parseConfig, type ConfigProblem } from "./parse-config.js";

/** `_extends` bases are merged key by key; a list in the repository's file replaces the base's list. */
export const MERGE_OPTIONS = { arrayMerge: (_base: unknown[], override: unknown[]) => override };

/**
 * Reads `.github/gitops-release-bot.yml` from the repository's default branch (a PR cannot weaken its own checks),
 * following `_extends` to other repositories such as the organization's `.github`, like `context.config` does. A
 * missing file means the defaults. Once per delivery; across deliveries the files are remembered per installation
 * and revalidated with `If-None-Match` (a 304 is free), and the organization's `.github` 404 is remembered for
 * `ORG_CONFIG_MISS_TTL_MS` (see `readDefaultBranchConfig`).
 * Invalid content is returned as problems, never thrown; API failures other than "not found" are thrown.
 */
export function loadConfig(
  context: Pick<Context, "octokit" | "payload" | "repo">,
): Promise<Result<Config, ConfigProblem[]>> {
  return memoizeForEvent(context.payload, "config", async () => {
    const read = await readConfigFiles(context);
    return "problem" in read ? err([read.problem]) : parseConfig(read.config ?? {});
  });
}

/**
 * Whether the bot works on the event's repository (opt-in, see `decideActivation`), from the same memoised read as
 * `loadConfig`: an inactive repository costs its configuration look-up and nothing else. A file that cannot be
 * parsed keeps the repository active, so that its checks report the problem.
 */
export async function loadActivation(
  context: Pick<Context, "octokit" | "payload" | "repo">,
): Promise<Activation> {
  const read = await readConfigFiles(context);
  return "problem" in read
    ? { active: true, reason: "unreadable" }
    : decideActivation(context.repo(), read.files);
}

/**
 * The configuration files of the default branch, read once per delivery (conditionally, see readDefaultBranchConfig);
 * a file that cannot be parsed is a problem (remembered for the delivery like a file), API failures are thrown.
 */
function readConfigFiles(
  context: Pick<Context, "octokit" | "payload" | "repo">,
): Promise<Awaited<ReturnType<typeof readDefaultBranchConfig>> | { problem: ConfigProblem }> {
  return memoizeForEvent(context.payload, "config-files", async () => {
    const installation = (context.payload as { installation?: { id?: number } }).installation;
    try {
      return await readDefaultBranchConfig(context.octokit, context.repo(), installation?.id ?? null);
    } catch (error) {
      const problem = configReadProblem(error);
      if (!problem) throw error;
      return { problem };
    }
  });
}

/** Turns the config plugin's "cannot parse" errors into a problem; returns null for errors that are not the file's. */
export function configReadProblem(error: unknown): ConfigProblem | null {
  // Problems found while reading (size, `_extends` chain) carry their own message.
  const own = (error as { problem?: ConfigProblem } | null)?.problem;
  if (own && typeof own.message === "string") return own;
  if (!(error instanceof Error) || !error.message.includes("[@probot/octokit-plugin-config]")) return null;
  const cause = error.cause instanceof Error ? error.cause.message : "";
  const reason = error.message.replace(/^\[@probot\/octokit-plugin-config\]\s*/, "");
  return {
    path: "(file)",
    value: undefined,
    message: `${reason}${cause ? `: ${cause.split("\n")[0]}` : ""}. Fix the YAML syntax (a YAML linter shows the line).`,
  };
}

/** Merges the files of an `_extends` chain (base first) the same way `context.config` does. */
export function mergeConfigFiles(configs: object[]): Record<string, unknown> {
  return deepmerge.all([{}, ...configs], MERGE_OPTIONS) as Record<string, unknown>;
}
