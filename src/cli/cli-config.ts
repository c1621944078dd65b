import { checkFileSize, MAX_CONFIG_BYTES } from "../util/input-limits.js";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { parseConfig, formatConfigProblems } from "../config/parse-config.js";
import { CONFIG_PATH, type Config } from "../config/schema.js";
import { err, ok, type Result } from "../util/result.js";

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

/** Thrown for bad command-line usage or configuration; the CLI prints the message and exits 2. */
export class UsageError extends Error {}

/**
 * The configuration for a local command: `--config <file>` when given, else `<repoDir>/.github/gitops-release-bot.yml`
 * when it exists, else the defaults. `_extends` cannot be followed offline: it is ignored, and a note on stderr says so.
 */
export function readCliConfig(configFile: string | undefined, repoDir?: string): Result<Config, string> {
  const file = configFile ?? (repoDir ? path.join(repoDir, CONFIG_PATH) : undefined);
  if (!file || (!configFile && !existsSync(file))) return ok(expectOk(parseConfig({})));
  const tooLarge = checkFileSize(file, MAX_CONFIG_BYTES, "configuration file");
  if (tooLarge) return err(tooLarge);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return err(`cannot read the configuration file "${file}": ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    return err(`"${file}" is not valid YAML: ${(error as Error).message}`);
  }
  if (raw && typeof raw === "object" && "_extends" in raw)
    process.stderr.write(
      `note: "${file}" has \`_extends\`, which the CLI does not follow (it reads no other repository): only this ` +
        "file's own settings apply here; the app merges the base too.\n",
    );
  const config = parseConfig(raw ?? {});
  return config.ok ? config : err(`"${file}" is invalid:\n${formatConfigProblems(config.error)}`);
}

function expectOk<T>(result: Result<T, unknown>): T {
  if (!result.ok) throw new Error("the default configuration is invalid");
  return result.value;
}
