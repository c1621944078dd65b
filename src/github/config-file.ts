import { configReadProblem, mergeConfigFiles } from "../config/load-config.js";
import { parseConfig, type ConfigProblem } from "../config/parse-config.js";
import { CONFIG_PATH, type Config } from "../config/schema.js";
import { err, type Result } from "../util/result.js";
import type { Octokit, RepoRef } from "./types.js";

/**
 * Reads and validates the configuration file as it is at `ref` (a PR's head), following `_extends` like the app does
 * on the default branch.
 */
export async function readConfigAtRef(
  octokit: Octokit,
  repo: RepoRef,
  ref: string,
): Promise<Result<Config, ConfigProblem[]>> {
  try {
    const { config } = await octokit.config.get({
      ...repo,
      path: CONFIG_PATH,
      branch: ref,
      defaults: (configs) => mergeConfigFiles(configs),
    });
    return parseConfig(config);
  } catch (error) {
    const problem = configReadProblem(error);
    if (!problem) throw error;
    return err([problem]);
  }
}
