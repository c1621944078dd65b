// Hostile input (issue 14, class 1): CPU per handler decision for the longest text each accepts, against a short
// title in the same run. Before the fix a 256-character title without spaces cost seconds (conventional-commits-parser's
// reference pattern is ~n³); the bound is 100 ms per input.
import { parseConfig } from "../lib/config/parse-config.js";
import { planReleaseNotes } from "../lib/notes/build-release-notes.js";
import { readVersionTag } from "../lib/notes/version-tags.js";
import { auditMainCommit } from "../lib/rules/audit-main-commit.js";
import { checkScopePath } from "../lib/rules/check-scope-path.js";
import {
  MAX_MESSAGE_LENGTH,
  MAX_SUBJECT_LENGTH,
  MAX_TITLE_LENGTH,
} from "../lib/rules/parse-conventional-commit.js";
import { validatePrTitle } from "../lib/rules/validate-pr-title.js";
import { cpuMs, fmt } from "./bench-lib.js";

const config = parseConfig({});
if (!config.ok) throw new Error("defaults invalid");
const rules = config.value.prTitle;
const layout = config.value.layout;

const x = (n) => "x".repeat(n);
const inputs = [
  ["short title (reference)", "fix: add x", ""],
  [`longest title GitHub allows (${MAX_TITLE_LENGTH}, no spaces)`, `fix: ${x(MAX_TITLE_LENGTH - 5)}`, ""],
  ["3,000-character title (CLI)", `fix: ${x(2995)}`, ""],
  [
    `longest commit text read (subject ${MAX_SUBJECT_LENGTH}, message ${MAX_MESSAGE_LENGTH / 1024} KiB)`,
    `fix: ${x(MAX_SUBJECT_LENGTH - 5)}`,
    x(MAX_MESSAGE_LENGTH),
  ],
  ["1 MB commit subject and body (bounded on entry)", `fix: ${x(1_000_000)}`, x(1_000_000)],
];

/** What each handler runs on the text: PR title (+ scope ↔ path), squash title / audit, release notes. */
const handlers = {
  "PR title": (title) => {
    validatePrTitle({ title }, rules);
    checkScopePath(title, [], layout);
  },
  "Squash audit": (title, body) =>
    auditMainCommit(
      { sha: "a".repeat(40), subject: `${title} (#1)`, parentCount: 1, message: `${title}\n\n${body}` },
      rules,
      {
        defaultBranch: "main",
        pulls: null,
      },
    ),
  "Release notes": (title, body) =>
    planReleaseNotes(
      {
        version: readVersionTag("v1.0.0", "v"),
        previousTag: null,
        previousVersion: null,
        commits: [
          { sha: "a".repeat(40), message: `${title} (#1)\n\n${body}`, author: { login: "a", name: "a" } },
        ],
        previousOnlyCommits: [],
      },
      config.value.release,
    ),
};

export default async function bench() {
  const rows = [];
  const reference = {};
  for (const [name, title, body] of inputs) {
    const cells = [];
    for (const [handler, run] of Object.entries(handlers)) {
      const ms = await cpuMs(() => run(title, body), 5);
      reference[handler] ??= ms;
      cells.push(`${fmt(ms)} (×${fmt(ms / Math.max(reference[handler], 0.001), 1)})`);
    }
    rows.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  return [
    "## Hostile input: CPU per handler for the longest text (issue 14, class 1)",
    "",
    "CPU ms of each handler's decision (median of 5) and, in parentheses, the ratio to the short title in the same run.",
    "The goal is under 100 ms for any single input.",
    "",
    `| input | ${Object.keys(handlers).join(" | ")} |`,
    `|---|${Object.keys(handlers)
      .map(() => "---")
      .join("|")}|`,
    ...rows,
    "",
  ].join("\n");
}
