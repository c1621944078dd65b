import { CONFIG_PATH } from "../config/schema.js";
import { formatConfigProblems, type ConfigProblem } from "../config/parse-config.js";
import type { CheckResult } from "./check-result.js";

/** The failing output of any check whose configuration is invalid: every problem, and where to fix it. */
export function reportConfigProblems(
  problems: ConfigProblem[],
  where = "on the default branch",
): CheckResult {
  return {
    conclusion: "failure",
    title: `Invalid configuration: ${problems.length} problem${problems.length === 1 ? "" : "s"} in ${CONFIG_PATH}`,
    summary: [
      `\`${CONFIG_PATH}\` ${where} is invalid, so this check could not run:`,
      "",
      formatConfigProblems(problems),
      "",
      "Fix the file (its JSON Schema is `schema.json` in gitops-release-bot; the README lists every option).",
    ].join("\n"),
  };
}

/** A check that does not apply to this PR (exempt label, disabled): it still reports, so a required check passes. */
export function reportSkipped(title: string, summary: string): CheckResult {
  return { conclusion: "skipped", title, summary };
}
