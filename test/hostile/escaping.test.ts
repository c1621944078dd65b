import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";
import { capAnnotations, MAX_ANNOTATIONS } from "../../src/github/checks.js";
import { renderReleaseNotes } from "../../src/notes/render-release-notes.js";
import { renderPromotionBody } from "../../src/report/promotion-body.js";
import { reportLayout } from "../../src/report/layout-report.js";
import { reportPrTitle } from "../../src/report/pr-title-report.js";
import type { CheckAnnotation } from "../../src/report/check-result.js";
import { parsePromoteCommand } from "../../src/rules/plan-promotion.js";
import { validatePrTitle } from "../../src/rules/validate-pr-title.js";
import { cli } from "../helpers/run-cli.js";

// Issue 14, class 2: every renderer gets the same hostile strings; none of them may publish a stranger's markup,
// hidden comment, link or mention as the bot's own, nor drive a terminal.
const HOSTILE = [
  "<img src=https://evil/x.png>",
  "<!-- hide the rest",
  "@org/team",
  "@user",
  "a `` ` `` tick",
  "[click](javascript:alert(1))",
  "\u001b[31mred",
  "line\n\nbreak",
];
const ALL = HOSTILE.join(" ");

/**
 * Code spans render their content literally (no HTML, links or mentions): what they hold is inert as long as the
 * span cannot be broken out of, so the checks below read the text outside them (CommonMark: a run of n backticks
 * is closed by the next run of exactly n; a blank line ends the paragraph and so the span).
 */
function outsideCode(markdown: string): string {
  // A backslash-escaped backtick opens nothing.
  return markdown.replace(/\\[\\`]/g, "E").replace(/(`+)(?:(?!\n\n)[\s\S])*?[^`]\1(?!`)/g, "<code/>");
}

/** What must not appear in GitHub Markdown the bot publishes. */
function expectInertMarkdown(whole: string) {
  expect(whole).not.toContain("\u001b");
  const markdown = outsideCode(whole);
  expect(markdown).not.toContain("<img");
  expect(markdown).not.toContain("<!-- hide");
  expect(markdown).not.toMatch(/@org\/team/);
  expect(markdown).not.toMatch(/@user\b/);
  expect(markdown).not.toContain("](javascript:");
  expect(markdown).not.toContain("\u001b");
  expect(markdown).not.toContain("line\n\nbreak");
}

const rules = (() => {
  const parsed = parseConfig({});
  if (!parsed.ok) throw new Error("defaults invalid");
  return parsed.value.prTitle;
})();

describe("one escaping per output format, used by every renderer", () => {
  test("release notes: subjects, scopes, contributor names, impact items", () => {
    const notes = renderReleaseNotes({
      tag: "v1.0.0",
      previousTag: null,
      sections: [
        {
          heading: "Features",
          entries: [
            {
              number: 1,
              sha: "a".repeat(40),
              type: "feat",
              scope: ALL,
              subject: `add ${ALL}`,
              breaking: false,
              author: { login: null, name: ALL },
            },
          ],
        },
      ],
      impact: {
        lines: [{ heading: "Tenants", groups: [{ name: ALL, items: [ALL] }] }],
        otherPaths: [ALL],
        complete: true,
      } as never,
      contributors: [{ contributor: { login: null, name: ALL }, firstTime: true }],
      warnings: [],
      links: { compare: null, pull: null, commit: null },
      template: null,
    });
    expectInertMarkdown(notes);
  });

  test("promotion PR body: the repeated release notes and every quoted value", () => {
    const body = renderPromotionBody({
      tag: "v1.0.0",
      from: { field: "tag", value: ALL, line: 3 },
      target: { kind: "GitRepository", name: ALL, namespace: "flux-system", displayName: ALL },
      path: ALL,
      release: {
        body: `- add thing by @user\n\n<!-- hide the rest\n\ncc @org/team`,
        url: null,
        maxLength: 20000,
      },
      compareUrl: null,
      consumers: null,
    });
    expectInertMarkdown(body.replace(/<!-- gitops-release-bot:promotion tag=\S+ -->/, ""));
  });

  test("`/promote` error answers quote the comment inertly", () => {
    const answer = parsePromoteCommand(`/promote ${HOSTILE.join(" ").replace(/\n/g, " ")}`);
    expect(answer?.ok).toBe(false);
    if (answer && !answer.ok) expectInertMarkdown(`@asker ${answer.error}`.replace(/^@asker /, ""));
  });

  test("PR title check: the title, its scope and subject in every problem", () => {
    for (const title of [
      `feat(${HOSTILE[0]}): ${HOSTILE[5]}`,
      `feat(x\`y): Add ${HOSTILE[2]} ${HOSTILE[1]}`,
      `Fix: ${ALL}`,
    ]) {
      const report = reportPrTitle(title, validatePrTitle({ title }, rules), rules);
      expectInertMarkdown(`${report.title}\n${report.summary}`);
    }
  });

  test("Folder layout check: findings that quote a hostile path", () => {
    const report = reportLayout({
      findings: [
        {
          path: `tenants/${HOSTILE[0]}/${HOSTILE[2]}.yaml`,
          line: 1,
          rule: "layout-path",
          severity: "error",
          message: `${JSON.stringify(`tenants/${ALL}`)} matches no folder layout template`,
        },
      ],
      checkedFiles: 1,
      parsedFiles: 0,
      notParsed: [],
    });
    expectInertMarkdown(`${report.title}\n${report.summary}`.replace(/line\\n\\nbreak/g, ""));
  });

  test("CLI output: no terminal escape sequence reaches the terminal", async () => {
    const result = await cli(["title", `feat: ${ALL}`]);
    expect(result.out + result.err).not.toContain("\u001b");
    expect(result.out + result.err).toContain("\\u001b");
  });
});

describe("annotation flood (class 5)", () => {
  test("10,000 findings: at most MAX_ANNOTATIONS annotations (5 requests of 50), failures first, the rest counted", () => {
    const all: CheckAnnotation[] = Array.from({ length: 10_000 }, (_, i) => ({
      path: `f${i}.yaml`,
      start_line: 1,
      end_line: 1,
      annotation_level: i % 2 ? "notice" : "failure",
      message: "misplaced",
    }));
    const { annotations, note } = capAnnotations(all);
    expect(annotations.length).toBe(MAX_ANNOTATIONS);
    expect(MAX_ANNOTATIONS / 50).toBeLessThanOrEqual(5);
    expect(annotations.every((a) => a.annotation_level === "failure")).toBe(true);
    expect(note).toContain(`${10_000 - MAX_ANNOTATIONS} of 10000 findings have no annotation`);
  });
});
