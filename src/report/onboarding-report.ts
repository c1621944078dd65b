import { stringify } from "yaml";
import { CONFIG_PATH } from "../config/schema.js";
import type { Inference } from "../rules/infer-config.js";
import type { LayoutFinding } from "../rules/layout-finding.js";
import { ORG_CONFIG_REPO } from "../rules/activation.js";

/** The onboarding pull request's title, branch and the most findings its body lists. */
export const ONBOARDING_TITLE = "chore: configure gitops-release-bot";
export const ONBOARDING_BRANCH = "gitops-release-bot/configure";
const MAX_LISTED_FINDINGS = 30;

/**
 * The proposed `.github/gitops-release-bot.yml`: a new file (nothing a human maintains yet, so it is serialised), with
 * a header saying where it came from and where every option is documented.
 */
export function renderConfigFile(inference: Pick<Inference, "config">): string {
  const header = [
    "# gitops-release-bot: this file turns the bot on for this repository (remove it to turn it off).",
    "# Inferred from the repository's tree by `gitops-release-bot init`; every option not set here keeps its default.",
    "# Options: https://github.com/berndonline/gitops-release-bot/blob/main/docs/configuration.md",
  ];
  const body = Object.keys(inference.config).length
    ? stringify(inference.config, { lineWidth: 0 })
    : "# The repository already follows the default layout: every option keeps its default.\n";
  return `${header.join("\n")}\n${body}`;
}

/** One finding as a line: `path:line: error rule: message`. */
export function formatFinding(
  f: Pick<LayoutFinding, "path" | "line" | "column" | "severity" | "rule" | "message">,
) {
  const where = `${f.path}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ""}` : ""}`;
  return `${where}: ${f.severity} ${f.rule}: ${f.message}`;
}

/** What `init` prints on stderr: each check's preview, then the Folder layout findings. */
export function renderInitReport(inference: Inference): string {
  const lines = [
    `${inference.files} files, ${inference.parsed} manifests parsed` +
      (inference.gitops
        ? ` (GitOps: ${inference.gitopsKinds.join(", ")})`
        : " (no Flux, Argo CD or Cluster API objects)"),
    ...inference.checks.map((c) => `${c.check}: ${c.summary}`),
    ...inference.findings.map((f) => `  ${formatFinding(f)}`),
  ];
  return lines.join("\n");
}

/** The onboarding PR's body: what the file does, what each check would report today, how to opt out. */
export function onboardingBody(
  inference: Inference,
  repo: { owner: string; repo: string },
  defaultBranch: string,
): string {
  const findings = inference.findings.slice(0, MAX_LISTED_FINDINGS);
  const more = inference.findings.length - findings.length;
  return [
    `This pull request turns on **gitops-release-bot** for \`${repo.owner}/${repo.repo}\` by adding ` +
      `\`${CONFIG_PATH}\`, inferred from the tree of \`${defaultBranch}\` ` +
      `(${inference.gitopsKinds
        .slice(0, 6)
        .map((k) => `\`${k}\``)
        .join(", ")}${inference.gitopsKinds.length > 6 ? ", …" : ""}).`,
    "",
    "Until it is merged the bot does nothing in this repository: no checks, no release drafts, no issues, no other " +
      "pull requests. This PR gets a **Config** check that validates the file.",
    "",
    `## What each check would report on \`${defaultBranch}\` today`,
    "",
    "| Check | Report |",
    "| --- | --- |",
    ...inference.checks.map((c) => `| ${c.check} | ${c.summary.replace(/\|/g, "\\|")} |`),
    ...(findings.length
      ? [
          "",
          "<details><summary>Folder layout findings</summary>",
          "",
          ...findings.map(
            (f) => `- \`${f.path}${f.line ? `:${f.line}` : ""}\` ${f.severity} ${f.rule}: ${f.message}`,
          ),
          ...(more > 0
            ? [`- … and ${more} more (run \`gitops-release-bot init .\` locally for all of them)`]
            : []),
          "",
          "</details>",
        ]
      : []),
    "",
    "## Adjust, merge or opt out",
    "",
    `- Edit \`${CONFIG_PATH}\` on this branch (\`${ONBOARDING_BRANCH}\`) before merging; the Config check validates it.`,
    "- Run `npx gitops-release-bot init .` in a checkout to see the same inference and every finding locally.",
    "- **Not wanted?** Close this pull request without merging: the bot remembers it and never opens it again. " +
      "Removing the repository from the App's installation also stops it.",
    `- Organisations can turn the bot on for many repositories at once from the \`${ORG_CONFIG_REPO}\` repository's ` +
      `\`${CONFIG_PATH}\` (\`repositories: ["platform-*"]\`).`,
  ].join("\n");
}
