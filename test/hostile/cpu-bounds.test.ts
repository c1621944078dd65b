import { monitorEventLoopDelay } from "node:perf_hooks";
import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";
import { planReleaseNotes } from "../../src/notes/build-release-notes.js";
import { readVersionTag } from "../../src/notes/version-tags.js";
import { auditMainCommit } from "../../src/rules/audit-main-commit.js";
import { checkScopePath } from "../../src/rules/check-scope-path.js";
import { compileLayoutTemplates, matchLayoutPath } from "../../src/rules/layout-templates.js";
import {
  parseConventionalCommit,
  splitPullRequestSuffix,
} from "../../src/rules/parse-conventional-commit.js";
import { suggestTitle, validatePrTitle } from "../../src/rules/validate-pr-title.js";

// Class 1 of issue 14: no single input may make one call spend more than 100 ms of CPU, and the event loop never
// stalls over 100 ms. Each row is an input that cost seconds (or never finished) before the fix.
const BUDGET_MS = 100;

const defaults = parseConfig({});
if (!defaults.ok) throw new Error("defaults invalid");
const rules = defaults.value.prTitle;
const layoutSettings = defaults.value.layout;
const layout = compileLayoutTemplates(layoutSettings);
if (!layout.ok) throw new Error("default layout invalid");

const V1 = readVersionTag("v1.0.0", "v")!;
const x = (n: number) => "x".repeat(n);
const spaces = (n: number) => " ".repeat(n);
const commit = (message: string) => ({
  sha: "a".repeat(40),
  message,
  author: { login: "stranger", name: "Stranger" },
});

/**
 * CPU ms of one call: the least of 3 calls. `process.cpuUsage` counts the whole process (the garbage collector's
 * threads too, which on a loaded CI machine may collect other tests' garbage during the call); the least of three
 * is the code's own cost. A pathological input costs as much on every call, so it still fails.
 */
function cpuMs(run: () => unknown): number {
  let least = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    least = Math.min(least, (used.user + used.system) / 1000);
  }
  return least;
}

const rows: Array<[string, () => unknown]> = [
  [
    "a 3,000-character title without spaces (CLI `title`)",
    () => validatePrTitle({ title: `fix: ${x(3000)}` }, rules),
  ],
  [
    "the longest title GitHub allows, without spaces",
    () => validatePrTitle({ title: `fix: ${x(251)}` }, rules),
  ],
  [
    "a 256-character title of `(` (scope parsing)",
    () => validatePrTitle({ title: `fix(${"(".repeat(251)}` }, rules),
  ],
  [
    "a title of 100,000 spaces then a word",
    () => validatePrTitle({ title: `fix:${spaces(100_000)}x` }, rules),
  ],
  ["a suggestion for 100,000 dots and spaces", () => suggestTitle(`Fix: a${". ".repeat(50_000)}b`, rules)],
  ["a commit message of 1 MB without spaces", () => parseConventionalCommit(`fix: a\n\n${x(1_000_000)}`)],
  ["a commit subject of 1 MB without spaces", () => parseConventionalCommit(`fix: ${x(1_000_000)}`)],
  [
    "a squash subject with 100,000 spaces before `(#1)`",
    () => splitPullRequestSuffix(`fix: a${spaces(100_000)}b(#1)`),
  ],
  [
    "the audit of a main commit whose subject is 1 MB",
    () =>
      auditMainCommit({ sha: "a".repeat(40), subject: `fix: ${x(1_000_000)} (#1)`, parentCount: 1 }, rules, {
        defaultBranch: "main",
        pulls: null,
      }),
  ],
  [
    "the scope of a 1 MB title",
    () => checkScopePath(`fix(${x(1_000_000)}`, [], { scopePath: "warning", scopePathExempt: [] }),
  ],
  [
    "release notes of commits with 1 MB subjects and bodies",
    () =>
      planReleaseNotes(
        {
          version: V1,
          previousTag: null,
          previousVersion: null,
          commits: [
            commit(`fix: ${x(1_000_000)}`),
            commit(`feat: a\n\n${x(1_000_000)}`),
            commit(x(1_000_000)),
          ],
          previousOnlyCommits: [],
        },
        { typeAliases: {}, excludeTitles: ["^chore\\(release\\): promote "] },
      ),
  ],
  [
    "an exponential `excludeTitles` pattern `(a|a)*b` on a 40-character title",
    () =>
      planReleaseNotes(
        {
          version: V1,
          previousTag: null,
          previousVersion: null,
          commits: [commit(`${"a".repeat(40)}`)],
          previousOnlyCommits: [],
        },
        { typeAliases: {}, excludeTitles: ["^(a|a)*b$"] },
      ),
  ],
  [
    "a polynomial `excludeTitles` pattern `[a-z]*[a-z]*[a-z]*[a-z]*x$` on a 256-character title",
    () =>
      planReleaseNotes(
        {
          version: V1,
          previousTag: null,
          previousVersion: null,
          commits: [commit(`${"a".repeat(256)}`)],
          previousOnlyCommits: [],
        },
        { typeAliases: {}, excludeTitles: ["[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*x$"] },
      ),
  ],
  [
    "a layout path of 4,096 characters matched against the default layout",
    () => matchLayoutPath(layout.value, `features/${"a-".repeat(2040)}/namespaced/x.yaml`),
  ],
];

describe("CPU bounds (issue 14, class 1): every row within 100 ms of CPU, no event-loop stall", () => {
  test.each(rows)("%s", async (_name, run) => {
    const monitor = monitorEventLoopDelay({ resolution: 10 });
    monitor.enable();
    await nextTurn();
    const ms = cpuMs(run);
    await nextTurn();
    monitor.disable();
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(monitor.max / 1e6).toBeLessThan(BUDGET_MS + 20);
  });
});

describe("user globs and patterns that backtrack are refused or run linearly", () => {
  test.each([
    ["an extglob `+(a|aa)`", ["+(a|aa)+(a|aa)+(a|aa)+(a|aa)b"], `${"a".repeat(40)}`],
    ["nested stars `**/*a*a*a*a*a*a*b`", ["**/*a*a*a*a*a*a*a*a*b"], `${"a".repeat(3000)}`],
  ])("`layout.allowed` with %s", (_name, allowed, path) => {
    const compiled = compileLayoutTemplates({ ...layoutSettings, allowed });
    if (!compiled.ok) {
      // Refused: the message names the glob and says what to write instead.
      expect(compiled.error[0]?.message).toMatch(/glob/i);
      return;
    }
    const ms = cpuMs(() => matchLayoutPath(compiled.value, path));
    expect(ms).toBeLessThan(BUDGET_MS);
  });
});

describe("the Config check calls patterns it cannot run linearly invalid, quoting them", () => {
  test.each([
    ["an extglob in `layout.allowed`", { layout: { allowed: ["docs/+(a|aa).md"] } }, /extglob/],
    ["a negated glob in `layout.allowed`", { layout: { allowed: ["!secret/**"] } }, /negation/],
    ["lookahead in `release.excludeTitles`", { release: { excludeTitles: ["^(?=chore)"] } }, /RE2/],
    ["a backreference in `release.excludeTitles`", { release: { excludeTitles: ["(a)\\1"] } }, /RE2/],
  ])("%s", (_name, config, message) => {
    const parsed = parseConfig(config);
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed)).toMatch(message);
  });
});
