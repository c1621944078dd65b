import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";
import { validatePrTitle } from "../../src/rules/validate-pr-title.js";
import { REAL_SUBJECTS, TITLE_CASES } from "./pr-title-cases.js";

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
});
