import { describe, expect, test } from "@jest/globals";
import {
  findRevertedShas,
  isAuditResolved,
  readAuditState,
  renderAuditIssue,
  updateAuditState,
} from "../../src/report/squash-audit-issue.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const violation = (sha: string, subject: string) => ({
  sha,
  subject,
  pusher: "octocat",
  problems: [{ rule: "direct-push", message: "No pull request contains this commit." }],
  repair: "Revert the commit.",
});
const options = { defaultBranch: "main", acknowledgeLabel: "naming-acknowledged" };

describe("the tracking issue's state", () => {
  test("round-trips through the rendered body and adds each SHA once", () => {
    const first = updateAuditState([], {
      violations: [violation(A, "wip")],
      reverted: new Map(),
      acknowledged: false,
    });
    const body = renderAuditIssue(first, options);
    expect(readAuditState(body)).toEqual(first);
    expect(body).toContain(`### ${A}`);
    expect(body).toContain("- Pushed by: `octocat`");
    const again = updateAuditState(readAuditState(body), {
      violations: [violation(A, "wip"), violation(B, "oops")],
      reverted: new Map(),
      acknowledged: false,
    });
    expect(again.map((e) => [e.sha, e.status])).toEqual([
      [A, "open"],
      [B, "open"],
    ]);
    expect(isAuditResolved(again)).toBe(false);
  });

  test("a revert repairs a commit; the label acknowledges the rest; then the audit is resolved", () => {
    const entries = updateAuditState([], {
      violations: [violation(A, "wip"), violation(B, "oops")],
      reverted: new Map(),
      acknowledged: false,
    });
    const reverts = findRevertedShas([`Revert "wip"\n\nThis reverts commit ${A}.`, "feat: x (#3)"]);
    expect([...reverts]).toEqual([[A, 0]]);
    const repaired = updateAuditState(entries, {
      violations: [],
      reverted: new Map([[A, "c".repeat(40)]]),
      acknowledged: false,
    });
    expect(repaired.map((e) => e.status)).toEqual(["repaired", "open"]);
    expect(renderAuditIssue(repaired, options)).toContain(`~~${A}~~`);
    const acknowledged = updateAuditState(repaired, {
      violations: [],
      reverted: new Map(),
      acknowledged: true,
    });
    expect(acknowledged.map((e) => e.status)).toEqual(["repaired", "acknowledged"]);
    expect(isAuditResolved(acknowledged)).toBe(true);
  });

  test("a body without state (edited by hand, or none) reads as no entries", () => {
    expect(readAuditState(undefined)).toEqual([]);
    expect(readAuditState("hand-written text")).toEqual([]);
    expect(readAuditState("<!-- gitops-release-bot:squash-audit-state bm90IGpzb24= -->")).toEqual([]);
  });
});
