import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** `[title, valid, rules that must be reported]` — shared by the rule, CLI and app tests so they agree on every one. */
export type TitleCase = [title: string, valid: boolean, rules: string[]];

const log = readFileSync(
  fileURLToPath(new URL("../fixtures/k8s-gitops-at-scale/LOG.txt", import.meta.url)),
  "utf8",
);

/** The 15 subjects of the real repository's main branch, without their `(#N)`. */
export const REAL_SUBJECTS = log
  .trim()
  .split("\n")
  .map((line) => line.split("\t")[1]!.replace(/ \(#\d+\)$/, ""));

export const TITLE_CASES: TitleCase[] = [
  ...REAL_SUBJECTS.map(
    (s): TitleCase => (s === "Initial commit" ? [s, false, ["header-format"]] : [s, true, []]),
  ),
  // every default type
  ...[
    "feat",
    "fix",
    "chore",
    "docs",
    "refactor",
    "perf",
    "test",
    "build",
    "ci",
    "revert",
    "providers",
    "tenants",
    "features",
  ].map((type): TitleCase => [`${type}(x): do something`, true, []]),
  // scopes and breaking changes
  ["feat: add x", true, []],
  ["feat(access-control)!: drop the reader role", true, []],
  ["feat!: remove legacy clusters", true, []],
  ["providers(aws/v1): bump cluster api", true, []],
  ["fix(aws, gcp): correct region", true, []],
  ["fix(core,e2e): correct it", true, []], // several scopes, each checked (any scope by default)
  ["fix(core,,e2e): correct it", false, ["scope-empty"]],
  ["hot-fix: correct it", false, ["type-enum"]], // a dashed type parses; it is not one of the default types
  ["feat()!: x", false, ["scope-empty"]],
  ["feat(): add x", false, ["scope-empty"]],
  ["feat(x)! : add x", false, ["header-format"]],
  // case
  ["Feat: Add x.", false, ["type-case", "subject-full-stop", "subject-case"]],
  ["FIX: correct it", false, ["type-case"]],
  ["feat: Add x", false, ["subject-case"]],
  ["feat: AWS support for eks", true, []],
  ["feat: add x.", false, ["subject-full-stop"]],
  ["feat: add x...", true, []], // an ellipsis is not a full stop
  ["feat: add x…", true, []],
  ["fix: FIX THE BUILD", false, ["subject-case"]], // capitals are not lower case
  ["fix: EKS", true, []], // one acronym is
  // types
  ["provider(aws): add flux-system self-management", false, ["type-enum"]],
  ["feature(x): add y", false, ["type-enum"]],
  ["bugfix: correct y", false, ["type-enum"]],
  ["wip: something", false, ["type-enum"]],
  // format
  ["", false, ["header-empty"]],
  ["   ", false, ["header-empty"]],
  ["feat:add x", false, ["header-format"]],
  ["feat add x", false, ["header-format"]],
  ["feat: ", false, ["header-format", "header-trim"]],
  [" feat: add x", false, ["header-trim"]],
  ["feat: add x ", false, ["header-trim"]],
  ["feat:  add x", false, ["subject-spacing"]],
  ["feat: add x\nsecond line", false, ["header-single-line", "header-format"]],
  ["Tenant dummy onboarding", false, ["header-format"]],
  ["Merge branch 'main' into tenant-dummy", false, ["header-format"]],
  ['Revert "feat: add x"', false, ["header-format"]],
  ["(#12)", false, ["header-format"]],
  // unicode
  ["feat: añadir soporte ✓", true, []],
  ["feat(日本): 追加する", true, []],
  ["feat: Ärger vermeiden", false, ["subject-case"]],
  ["feat: 🚀 launch", true, []],
  ["fix(ns): ünïcode everywhere", true, []],
  // length
  [`feat: ${"a".repeat(66)}`, true, []],
  [`feat: ${"a".repeat(67)}`, false, ["header-max-length"]],
  [`feat: ${"x".repeat(294)}`, false, ["header-max-length"]],
  [`feat: ${"é".repeat(66)}`, true, []],
  // shell metacharacters and markup are data
  ["feat: $(rm -rf /)", true, []],
  ["feat: `touch /tmp/pwned`", true, []],
  ["fix: a; b && c | d > e", true, []],
  ["fix: ${HOME} and $PATH", true, []],
  ["feat: <script>alert(1)</script>", true, []],
  ["$(whoami): x", false, ["header-format"]],
  ["feat(`id`): x", true, []],
];

/** `[title, settings over the defaults, valid, rules that must be reported]` for the configurable rules. */
export type ConfiguredTitleCase = [
  title: string,
  settings: Record<string, unknown>,
  valid: boolean,
  rules: string[],
];

const scoped = { scopes: ["core", "e2e", "[A-Z]+-\\d+"], disallowScopes: ["release"] };
const ticket = {
  subjectPattern: ".+ \\[[A-Z]+-\\d+\\]",
  subjectPatternError: 'The subject "{subject}" must end with a ticket key, e.g. [OPS-12].',
};

export const CONFIGURED_TITLE_CASES: ConfiguredTitleCase[] = [
  // scopes: a list, patterns (ticket keys), several at once, forbidden ones
  ["fix(core,e2e): correct it", scoped, true, []],
  ["fix(core,docs): correct it", scoped, false, ["scope-enum"]],
  ["fix(OPS-123): correct it", scoped, true, []],
  ["fix(ops-123): correct it", scoped, false, ["scope-enum"]],
  ["chore(release): cut v1", { disallowScopes: ["release"] }, false, ["scope-disallowed"]],
  ["chore(core,release): cut v1", scoped, false, ["scope-enum", "scope-disallowed"]],
  ["fix(aws/v1): x", { scopes: ["aws", "v1"], scopeDelimiters: [",", "/"] }, true, []],
  ["fix(aws/v1): x", { scopes: ["aws", "v1"] }, false, ["scope-enum"]],
  ["fix(core,e2e): x", { scopes: ["core,e2e"], scopeDelimiters: [] }, true, []],
  // `scopes: []` is no restriction (commitlint's reading)
  ["fix(anything): x", { scopes: [] }, true, []],
  // types: dashed, patterns
  ["hot-fix: correct it", { types: ["fix", "hot-fix"] }, true, []],
  ["hotfix: correct it", { types: ["fix", "hot-fix"] }, false, ["type-enum"]],
  ["OPS-7: correct it", { types: ["feat", "[A-Z]+-\\d+"] }, true, []],
  ["ops-7: correct it", { types: ["feat", "[A-Z]+-\\d+"] }, false, ["type-enum"]],
  // subject pattern with its own message
  ["feat: add x [OPS-12]", ticket, true, []],
  ["feat: add x", ticket, false, ["subject-pattern"]],
  // reverts on request
  ['Revert "feat: add x"', { allowReverts: true }, true, []],
  ['Revert "feat: add x"', {}, false, ["header-format"]],
  ["Revert feat: add x", { allowReverts: true }, false, ["header-format"]],
  // subject case `any` accepts capitals
  ["fix: FIX THE BUILD", { subjectCase: "any" }, true, []],
];
