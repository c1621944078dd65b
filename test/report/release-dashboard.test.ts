import { describe, expect, test } from "@jest/globals";
import type { EnvironmentStatus } from "../../src/notes/environment-status.js";
import {
  addAnswer,
  newlyCheckedActions,
  readAnswers,
  renderDashboard,
  renderDiagram,
  rolloutSection,
  type DashboardView,
} from "../../src/report/release-dashboard.js";

const env = (name: string, role: "production" | "non-production", type: "branch" | "tag", ref: string) => ({
  name,
  role,
  ref: { type, name: ref },
  source: { kind: "GitRepository", name, namespace: "flux-system", file: `${name}.yaml` },
  clusters: [role === "production" ? "prod-eu-west-1" : "non-prod-eu-west-1"],
  targetId: role === "production" ? name : null,
  commit: "1234567890abcdef1234567890abcdef12345678",
});

const status: EnvironmentStatus = {
  head: "abcdef0123456789abcdef0123456789abcdef01",
  environments: [
    env("main", "non-production", "branch", "main"),
    env("release", "production", "tag", "v1.2.0"),
  ],
  production: { type: "tag", name: "v1.2.0" },
  waiting: [
    {
      number: 7,
      title: 'feat: "quoted" <b>',
      sha: "7".repeat(40),
      type: "feat",
      breaking: false,
      inLatestTag: false,
    },
  ],
  impact: [],
  latestTag: "v1.2.0",
  nextVersion: "v1.3.0",
  blocked: [],
};

const view = (over: Partial<DashboardView> = {}): DashboardView => ({
  status,
  defaultBranch: "main",
  htmlUrl: "https://github.com/o/r",
  drafts: [],
  promotionPulls: [{ target: "release", number: 9, url: "https://github.com/o/r/pull/9", tag: "v1.2.0" }],
  blockedIssues: [],
  rollout: {
    sha: "9".repeat(40),
    title: "chore(release): promote v1.2.0 to release",
    check: null,
    section: null,
  },
  auditIssue: null,
  actions: [
    { kind: "tag-and-draft", tag: "v1.3.0" },
    { kind: "repromote", tag: "v1.2.0" },
  ],
  answers: [],
  ...over,
});

describe("release dashboard body", () => {
  test("without a Rollout check or section: “No rollout reports yet”; with a successful check, production is styled applied", () => {
    expect(renderDashboard(view())).toContain("No rollout reports yet.");
    const check = {
      status: "completed",
      conclusion: "success",
      title: "2 Kustomizations applied",
      url: null,
    };
    const diagram = renderDiagram(view({ rollout: { ...view().rollout!, check } }));
    expect(diagram).toContain("class p0 applied");
    expect(diagram).toContain("np0 --> waiting");
    expect(diagram).toContain("pr0 --> p0");
    expect(renderDiagram(view())).not.toContain("class p0");
  });

  test("Mermaid labels never carry quotes or angle brackets from data", () => {
    const diagram = renderDiagram(view({ drafts: [{ tag: 'v"1<x>', url: "u" }] }));
    expect(diagram).toContain('draft0[/"draft v1x"/]');
  });

  test("only boxes ticked by this edit are actions; answers replace the earlier answer to the same action", () => {
    const body = renderDashboard(view());
    expect(body).toContain(
      "- [ ] <!-- grb-action:tag-and-draft:v1.3.0 --> Tag and draft `v1.3.0` from `main` (abcdef0)",
    );
    const ticked = body.replace("- [ ] <!-- grb-action:repromote:", "- [x] <!-- grb-action:repromote:");
    expect(newlyCheckedActions(ticked, body)).toEqual([{ kind: "repromote", tag: "v1.2.0" }]);
    expect(newlyCheckedActions(ticked, ticked)).toEqual([]);
    let answers = addAnswer([], { kind: "repromote", tag: "v1.2.0" }, "@a: first");
    answers = addAnswer(answers, { kind: "repromote", tag: "v1.2.0" }, "@a: second");
    expect(readAnswers(renderDashboard(view({ answers })))).toEqual([
      { key: "repromote:v1.2.0", text: "@a: second" },
    ]);
  });

  test("the release's Rollout section is read up to the next heading of the same level", () => {
    const body =
      "## What's changed\n\n- x\n\n## Rollout\n\n- `apps` applied\n### detail\nmore\n## Contributors\n\n@a";
    expect(rolloutSection(body)).toBe("- `apps` applied\n### detail\nmore");
    expect(rolloutSection("## What's changed")).toBeNull();
  });
});
