import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";
import { validatePrTitle } from "../../src/rules/validate-pr-title.js";
import { reportPrTitle } from "../../src/report/pr-title-report.js";
import { CONFIGURED_TITLE_CASES, REAL_SUBJECTS, TITLE_CASES } from "./pr-title-cases.js";

function rulesWith(settings: Record<string, unknown>) {
  const config = parseConfig({ prTitle: settings });
  if (!config.ok) throw new Error(JSON.stringify(config.error));
  return config.value.prTitle;
}

const defaults = (() => {
  const config = parseConfig({});
  if (!config.ok) throw new Error("defaults invalid");
  return config.value.prTitle;
})();

describe("validatePrTitle", () => {
  test("the table covers at least 60 titles including the 15 real subjects", () => {
    expect(TITLE_CASES.length).toBeGreaterThanOrEqual(60);
    expect(REAL_SUBJECTS).toHaveLength(15);
  });

  test.each(TITLE_CASES)("%j → valid=%s %j", (title, valid, rules) => {
    const verdict = validatePrTitle({ title }, defaults);
    expect(verdict.valid).toBe(valid);
    expect(verdict.problems.map((p) => p.rule).sort()).toEqual([...rules].sort());
  });

  test("`Initial commit` fails with a message that shows how to write it", () => {
    const verdict = validatePrTitle({ title: "Initial commit" }, defaults);
    expect(verdict.problems[0]?.message).toContain("`<type>: initial commit`");
    expect(verdict.problems[0]?.message).toContain("`chore`");
  });

  test.each([
    ["Feat: Add x.", "feat: add x"],
    ["provider(aws): add flux-system self-management", "providers(aws): add flux-system self-management"],
    ["fix:add x", "fix: add x"],
    ["feat : Add AWS.", "feat: add AWS"],
    ["Initial commit", null],
  ])("suggests a corrected title for %j", (title, suggestion) => {
    expect(validatePrTitle({ title }, defaults).suggestion).toBe(suggestion);
  });

  test("parses the parts and the breaking marker", () => {
    expect(validatePrTitle({ title: "tenants(dummy)!: drop quota" }, defaults)).toMatchObject({
      type: "tenants",
      scope: "dummy",
      subject: "drop quota",
      breaking: true,
    });
  });

  test("configurable rules: required and allowed scopes, subject case, length, types", () => {
    const rules = {
      ...defaults,
      requireScope: true,
      scopes: ["aws"],
      subjectCase: "any" as const,
      maxHeaderLength: 20,
    };
    expect(validatePrTitle({ title: "feat: Add x" }, rules).problems.map((p) => p.rule)).toEqual([
      "scope-required",
    ]);
    expect(validatePrTitle({ title: "feat(gcp): x" }, rules).problems.map((p) => p.rule)).toEqual([
      "scope-enum",
    ]);
    expect(
      validatePrTitle({ title: "feat(aws): a long subject here" }, rules).problems.map((p) => p.rule),
    ).toEqual(["header-max-length"]);
    expect(validatePrTitle({ title: "feat: x" }, { ...defaults, types: ["fix"] }).valid).toBe(false);
  });

  test.each(CONFIGURED_TITLE_CASES)("%j with %j → valid=%s %j", (title, settings, valid, rules) => {
    const verdict = validatePrTitle({ title }, rulesWith(settings));
    expect(verdict.valid).toBe(valid);
    expect(verdict.problems.map((p) => p.rule).sort()).toEqual([...rules].sort());
  });

  test("messages say what to do: several scopes, forbidden scopes, the subject pattern's own message", () => {
    const message = (title: string, settings: Record<string, unknown>) =>
      validatePrTitle({ title }, rulesWith(settings)).problems.map((p) => p.message);
    expect(message("fix(docs,ci): x", { scopes: ["core"] })).toEqual([
      "The scope `docs`, `ci` are not allowed. Allowed scopes: `core`.",
    ]);
    expect(message("chore(release): x", { disallowScopes: ["release"] })[0]).toContain(
      "`release` is not allowed here (`disallowScopes`)",
    );
    expect(
      message("feat: add x", {
        subjectPattern: ".+ \\[[A-Z]+-\\d+\\]",
        subjectPatternError: 'The subject "{subject}" of "{title}" needs a ticket key.',
      }),
    ).toEqual(['The subject "add x" of "feat: add x" needs a ticket key.']);
    expect(message("fix: FIX THE BUILD", {})).toEqual([
      "The subject is written in capitals: write it in lower case, e.g. `fix the build`.",
    ]);
  });

  test("suggestions: a dashed type, capitals, an ellipsis kept", () => {
    const hot = rulesWith({ types: ["fix", "hot-fix"] });
    expect(validatePrTitle({ title: "hotfix: correct it" }, hot).suggestion).toBe("hot-fix: correct it");
    expect(validatePrTitle({ title: "Hot-fix: Correct it." }, hot).suggestion).toBe("hot-fix: correct it");
    expect(validatePrTitle({ title: "fix: FIX THE BUILD" }, defaults).suggestion).toBe("fix: fix the build");
    expect(validatePrTitle({ title: "Fix: wip on x..." }, defaults).suggestion).toBe("fix: wip on x...");
  });

  test("`scopes: []` means no restriction, and the report says so", () => {
    const rules = rulesWith({ scopes: [] });
    const verdict = validatePrTitle({ title: "Fix(any): x" }, rules);
    expect(verdict.problems.map((p) => p.rule)).toEqual(["type-case"]);
    expect(reportPrTitle("Fix(any): x", verdict, rules).summary).toContain(
      "Any scope is allowed (`scopes: []` is no restriction).",
    );
  });

  test("a type or scope pattern that does not compile is refused with the supported syntax", () => {
    const parsed = parseConfig({ prTitle: { scopes: ["(?<=x)y"] } });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.error[0]).toMatchObject({
        path: "prTitle.scopes[0]",
        message: expect.stringContaining("RE2 syntax"),
      });
  });
});
