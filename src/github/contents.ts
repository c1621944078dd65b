import { configReadProblem, mergeConfigFiles } from "../config/load-config.js";
import { parseConfig, type ConfigProblem } from "../config/parse-config.js";
import { CONFIG_PATH, type Config } from "../config/schema.js";
import { err, type Result } from "../util/result.js";
import { statusOf, type Octokit, type RepoRef } from "./types.js";

/** A file's text and blob SHA at `ref` (`GET /repos/{owner}/{repo}/contents/{path}`), or null when it does not exist. */
export async function readFile(
  octokit: Octokit,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<{ text: string; sha: string } | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
    // Buffer keeps a BOM (TextDecoder would drop it), so the file is written back byte for byte.
    return { text: Buffer.from(data.content, "base64").toString("utf8"), sha: data.sha };
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

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
