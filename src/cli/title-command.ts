import { parseArgs } from "node:util";
import { validatePrTitle } from "../rules/validate-pr-title.js";
import { EXIT, readCliConfig, UsageError } from "./cli-config.js";

export const titleUsage = 'gitops-release-bot title "<title>" [--config <file>] [--json]';

/** `title`: checks one PR title with the same rules as the "PR title" check. Exit 0 valid, 1 invalid, 2 usage. */
export function titleCommand(args: string[], out: (text: string) => void): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: "string" }, json: { type: "boolean", default: false } },
  });
  if (positionals.length !== 1) throw new UsageError(`expected exactly one title\nusage: ${titleUsage}`);
  const config = readCliConfig(values.config);
  if (!config.ok) throw new UsageError(config.error);
  const title = positionals[0] ?? "";
  const verdict = validatePrTitle({ title }, config.value.prTitle);
  if (values.json) {
    const { valid, type, scope, subject, breaking, problems } = verdict;
    out(JSON.stringify({ valid, type, scope, subject, breaking, problems }));
  } else if (verdict.valid) {
    out(`valid: ${JSON.stringify(title)}`);
  } else {
    out(`invalid: ${JSON.stringify(title)}`);
    for (const problem of verdict.problems) out(`  - ${problem.message} (${problem.rule})`);
    if (verdict.suggestion) out(`  suggested: ${verdict.suggestion}`);
  }
  return verdict.valid ? EXIT.ok : EXIT.findings;
}
