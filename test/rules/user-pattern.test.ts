import { describe, expect, test } from "@jest/globals";
import { compileUserPattern } from "../../src/rules/user-pattern.js";

describe("user patterns run on RE2", () => {
  test("a linear pattern that backtracking engines refuse as risky is accepted and matches", () => {
    const compiled = compileUserPattern("[a-z0-9]([-a-z0-9_.]*[a-z0-9])?", { whole: true });
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(compiled.pattern.test("team-a.b")).toBe(true);
    expect(compiled.pattern.test("team-")).toBe(false);
  });

  test("a pattern that backtracks exponentially elsewhere matches a long text at once", () => {
    const compiled = compileUserPattern("(a|a)*b", { whole: true });
    if (!compiled.ok) throw new Error(compiled.message);
    const started = process.cpuUsage();
    expect(compiled.pattern.test("a".repeat(50_000))).toBe(false);
    const spent = process.cpuUsage(started);
    expect((spent.user + spent.system) / 1000).toBeLessThan(1000);
  });

  test("backreferences and lookaround are refused with the supported syntax named", () => {
    for (const source of ["(a)\\1", "(?=x)y", "a(?!b)"]) {
      const compiled = compileUserPattern(source);
      expect(compiled).toEqual({ ok: false, message: expect.stringContaining("RE2 syntax") });
    }
  });

  test("exec returns the groups of the first match; overlong patterns are refused", () => {
    const compiled = compileUserPattern("([A-Z]+)-(\\d+)");
    if (!compiled.ok) throw new Error(compiled.message);
    expect(compiled.pattern.exec("fix JIRA-42 now")).toEqual(["JIRA-42", "JIRA", "42"]);
    expect(compiled.pattern.exec("nothing")).toBeNull();
    expect(compileUserPattern("a".repeat(1001))).toEqual({
      ok: false,
      message: expect.stringContaining("1001"),
    });
  });
});
