import { parseArgs } from "node:util";
import { auditMainCommit } from "../rules/audit-main-commit.js";
import { EXIT, readCliConfig, UsageError } from "./cli-config.js";
import { readCommits, resolveCommit } from "./git-log.js";

export const auditUsage =
  "gitops-release-bot audit --repo <dir> --range <from>..<to> [--config <file>] [--json]";

/**
 * `audit`: checks local commits like the audit of the default branch does. Offline, PR existence cannot be verified;
 * the format can (`type(scope): subject (#N)`), and so can merge commits and the commits they bring in.
 * Exit 0 clean, 1 violations, 2 usage error.
 */
export async function auditCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      repo: { type: "string" },
      range: { type: "string" },
      config: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals.length)
    throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${auditUsage}`);
  if (!values.repo) throw new UsageError(`--repo is required\nusage: ${auditUsage}`);
  const range = /^([^.\s-][^\s]*?)\.\.([^.\s-][^\s]*)$/.exec(values.range ?? "");
  if (!range?.[1] || !range[2] || values.range?.includes("...")) {
    throw new UsageError(
      `--range must be <from>..<to> (two dots, e.g. v0.0.3..main), got ${JSON.stringify(values.range ?? "")}`,
    );
  }
  const config = readCliConfig(values.config, values.repo);
  if (!config.ok) throw new UsageError(config.error);
  const [from, to] = await Promise.all(
    [range[1], range[2]].map((revision) =>
      resolveCommit(values.repo!, revision).catch(() => {
        throw new UsageError(`"${revision}" is not a commit in ${JSON.stringify(values.repo)}`);
      }),
    ),
  );
  const defaultBranch = range[2];
  const commits = await readCommits(values.repo, [`${from}..${to}`]);
  const violations = commits
    .map((commit) => auditMainCommit(commit, config.value.prTitle, { defaultBranch, pulls: null }))
    .filter((audit) => audit.problems.length);
  if (values.json) {
    out(
      JSON.stringify({
        violations: violations.map(({ sha, subject, problems }) => ({ sha, subject, problems })),
      }),
    );
  } else if (!violations.length) {
    out(`${commits.length} commit${commits.length === 1 ? "" : "s"} checked: all follow the convention`);
  } else {
    for (const violation of violations) {
      out(`${violation.sha} ${JSON.stringify(violation.subject)}`);
      for (const problem of violation.problems) out(`  - ${problem.message} (${problem.rule})`);
    }
    out(`${violations.length} of ${commits.length} commits break the convention`);
  }
  return violations.length ? EXIT.findings : EXIT.ok;
}
