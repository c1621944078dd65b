import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { renderConfigFile, renderInitReport } from "../report/onboarding-report.js";
import { inferConfig } from "../rules/infer-config.js";
import { MAX_MANIFEST_BYTES } from "../rules/parse-manifests.js";
import { EXIT, UsageError } from "./cli-config.js";
import { findingJson, isDirectory, listFiles } from "./layout-command.js";

export const initUsage = "gitops-release-bot init <dir> [--json]";

/**
 * `init`: infers a configuration from a local checkout (the same inference as the onboarding pull request) and prints
 * the proposed `.github/gitops-release-bot.yml` on stdout (ready to save) and what each check would report on stderr;
 * `--json` prints `{ "config": {…}, "findings": […] }`. Exit 0 (the proposal was printed), 2 on usage errors.
 */
export function initCommand(
  args: string[],
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: "boolean", default: false } },
  });
  if (positionals.length !== 1) throw new UsageError(`expected exactly one folder\nusage: ${initUsage}`);
  const dir = path.resolve(positionals[0] ?? ".");
  if (!isDirectory(dir)) throw new UsageError(`"${positionals[0]}" is not a folder\nusage: ${initUsage}`);
  const paths = listFiles(dir);
  const texts = new Map<string, string>();
  for (const file of paths) {
    if (!/\.ya?ml$/i.test(file)) continue;
    const full = path.join(dir, file);
    if (statSync(full).size <= MAX_MANIFEST_BYTES) texts.set(file, readFileSync(full, "utf8"));
  }
  const inference = inferConfig({ paths, texts });
  if (values.json) {
    out(
      JSON.stringify({
        config: inference.config,
        findings: inference.findings.map(findingJson),
      }),
    );
  } else {
    out(renderConfigFile(inference).trimEnd());
  }
  err(renderInitReport(inference));
  return EXIT.ok;
}
