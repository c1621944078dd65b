import type { EnvironmentStatus } from "../notes/environment-status.js";
import { inlineCode } from "../util/markdown.js";

/** The tracking-issue key of the dashboard (one per repository). */
export const DASHBOARD_KEY = "release-dashboard";

export type DashboardActionKind = "tag-and-draft" | "repromote";

/** A checkbox of the dashboard: what it does and the version it names. */
export interface DashboardAction {
  kind: DashboardActionKind;
  tag: string;
}

export interface DashboardView {
  status: EnvironmentStatus;
  defaultBranch: string;
  htmlUrl: string;
  drafts: Array<{ tag: string; url: string }>;
  promotionPulls: Array<{ target: string; number: number; url: string; tag: string | null }>;
  blockedIssues: Array<{ number: number; title: string }>;
  /** The latest promotion (the last promotion commit on the branch) and what Flux reported about it. */
  rollout: {
    sha: string;
    title: string;
    check: { status: string; conclusion: string | null; title: string | null; url: string | null } | null;
    /** The release's **Rollout** section, when the release of the production tag has one. */
    section: string | null;
  } | null;
  /** The squash audit's issue, when commits on the branch break the convention. */
  auditIssue: { number: number; title: string } | null;
  actions: DashboardAction[];
  /** Answers to earlier checkbox actions, newest first (kept from the previous body). */
  answers: Array<{ key: string; text: string }>;
}

const ACTION_LINE = /^- \[([ xX])\] <!-- grb-action:(tag-and-draft|repromote):(\S+) -->/gm;
const ANSWER_LINE = /^- <!-- grb-answer:(\S+) --> (.*)$/gm;
const MAX_ANSWERS = 5;

const actionKey = (a: DashboardAction) => `${a.kind}:${a.tag}`;

/** The actions whose box is ticked in `body` and was not in `before` (the edit that ticked them). */
export function newlyCheckedActions(body: string, before: string | null | undefined): DashboardAction[] {
  const checked = (text: string) =>
    [...text.matchAll(ACTION_LINE)]
      .filter((m) => m[1] !== " ")
      .map((m) => ({ kind: m[2] as DashboardActionKind, tag: m[3]! }));
  const earlier = new Set(checked(before ?? "").map(actionKey));
  return checked(body).filter((a) => !earlier.has(actionKey(a)));
}

/** The answers kept in a dashboard body. */
export function readAnswers(body: string): DashboardView["answers"] {
  return [...body.matchAll(ANSWER_LINE)].map((m) => ({ key: m[1]!, text: m[2]! }));
}

/** Adds an answer on top; an answer to the same action replaces the older one (a redelivery answers once). */
export function addAnswer(answers: DashboardView["answers"], action: DashboardAction, text: string) {
  const key = actionKey(action);
  return [{ key, text: text.replace(/\n/g, " ") }, ...answers.filter((a) => a.key !== key)].slice(
    0,
    MAX_ANSWERS,
  );
}

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : "?");
/** Mermaid label text: no quotes or angle brackets from data (tag names, titles). */
const label = (text: string) => text.replace(/["<>]/g, "").replace(/[\r\n]+/g, " ");

/** The Mermaid flowchart: the branch, what waits, the draft, the promotion PR, production (styled by rollout). */
export function renderDiagram(view: DashboardView): string {
  const { status } = view;
  const lines = ["```mermaid", "flowchart LR"];
  const chain: string[] = [];
  status.environments
    .filter((e) => e.role === "non-production")
    .forEach((env, i) => {
      lines.push(
        `  np${i}["${label(`${env.name}`)}<br/>${label(`${env.ref.name} @ ${short(env.commit)}`)}"]`,
      );
      chain.push(`np${i}`);
    });
  if (status.waiting.length) {
    const next = status.nextVersion ? `<br/>next ${label(status.nextVersion)}` : "";
    lines.push(`  waiting(["${status.waiting.length} PR(s) waiting${next}"])`);
    chain.push("waiting");
  }
  view.drafts.slice(0, 3).forEach((draft, i) => {
    lines.push(`  draft${i}[/"draft ${label(draft.tag)}"/]`);
    chain.push(`draft${i}`);
  });
  view.promotionPulls.forEach((pull, i) => {
    lines.push(`  pr${i}{{"promotion PR #${pull.number}<br/>${label(pull.tag ?? "")}"}}`);
    chain.push(`pr${i}`);
  });
  const production = status.environments.filter((e) => e.role === "production");
  production.forEach((env, i) => {
    lines.push(
      `  p${i}["${label(env.name)} (production)<br/>${label(`${env.ref.name} @ ${short(env.commit)}`)}"]`,
    );
  });
  for (let i = 1; i < chain.length; i++) lines.push(`  ${chain[i - 1]} --> ${chain[i]}`);
  const last = chain[chain.length - 1];
  if (last) production.forEach((_, i) => lines.push(`  ${last} --> p${i}`));
  const check = view.rollout?.check;
  const state = !check
    ? null
    : check.status !== "completed"
      ? "rolling"
      : check.conclusion === "success"
        ? "applied"
        : check.conclusion === "failure"
          ? "failed"
          : null;
  if (state && production.length) {
    lines.push(
      "  classDef applied fill:#d1f7c4,stroke:#2da44e",
      "  classDef failed fill:#ffd8d3,stroke:#cf222e",
      "  classDef rolling fill:#fff1c2,stroke:#bf8700",
      `  class ${production.map((_, i) => `p${i}`).join(",")} ${state}`,
    );
  }
  lines.push("```");
  return lines.join("\n");
}

const pullRef = (view: DashboardView, n: number | null, sha: string) =>
  n === null ? `[${short(sha)}](${view.htmlUrl}/commit/${sha})` : `#${n}`;

/** The dashboard issue body (the marker is added by the tracking-issue adapter). */
export function renderDashboard(view: DashboardView): string {
  const { status } = view;
  const out: string[] = [
    "This issue is kept up to date by gitops-release-bot: what runs where, and what waits for a release.",
    "",
    renderDiagram(view),
    "",
    "## Environments",
    "",
    "| Environment | Role | Ref | Commit | Clusters |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const env of status.environments) {
    const commit = env.commit ? `[${short(env.commit)}](${view.htmlUrl}/commit/${env.commit})` : "not found";
    out.push(
      `| ${env.name} | ${env.role} | ${env.ref.type} ${inlineCode(env.ref.name)} | ${commit} | ${env.clusters.join(", ") || "—"} |`,
    );
  }
  if (!status.environments.length) out.push("| — | — | — | — | — |");

  out.push("", "## Waiting for a release", "");
  if (!status.production) out.push("No production environment was found in the tree.");
  else if (!status.waiting.length)
    out.push(`Production (${inlineCode(status.production.name)}) has every merged PR.`);
  else {
    out.push(
      `Merged on ${inlineCode(view.defaultBranch)}, not yet in production (${inlineCode(status.production.name)}):`,
      "",
    );
    for (const change of status.waiting) {
      const tagged = change.inLatestTag && status.latestTag ? ` (in ${inlineCode(status.latestTag)})` : "";
      out.push(`- ${pullRef(view, change.number, change.sha)} ${inlineCode(change.title)}${tagged}`);
    }
    for (const group of status.impact) {
      out.push(
        "",
        `**${group.heading}**: ${group.items.map((i) => `${i.label} (${i.pulls.map((n) => `#${n}`).join(", ")})`).join("; ")}`,
      );
    }
  }
  out.push(
    "",
    status.nextVersion
      ? `Suggested next version: ${inlineCode(status.nextVersion)} (latest tag ${status.latestTag ? inlineCode(status.latestTag) : "none"}).`
      : `Every merged change is tagged${status.latestTag ? ` (latest ${inlineCode(status.latestTag)})` : ""}.`,
  );

  out.push("", "## Releases and promotions", "");
  out.push(
    view.drafts.length
      ? `- Draft release: ${view.drafts.map((d) => `[${d.tag}](${d.url})`).join(", ")}`
      : "- Draft release: none",
  );
  out.push(
    view.promotionPulls.length
      ? `- Open promotion PR: ${view.promotionPulls.map((p) => `#${p.number} (${p.target} → ${inlineCode(p.tag ?? "?")})`).join(", ")}`
      : "- Open promotion PR: none",
  );
  const blocked = [
    ...view.blockedIssues.map((i) => `#${i.number}`),
    ...status.blocked.map((b) => `${inlineCode(b.target)}: ${b.problem}`),
  ];
  out.push(`- Blocked promotions: ${blocked.length ? blocked.join(", ") : "none"}`);

  out.push("", "## Rollout of the latest promotion", "");
  if (!view.rollout) out.push("No promotion merged since the production tag.");
  else {
    const { check, section } = view.rollout;
    out.push(`${inlineCode(view.rollout.title)} (${short(view.rollout.sha)}):`, "");
    if (!check && !section) out.push("No rollout reports yet.");
    if (check) {
      const state = check.status === "completed" ? (check.conclusion ?? "completed") : "in progress";
      out.push(
        `- **Rollout** check: ${state}${check.title ? ` — ${check.title}` : ""}${check.url ? ` ([details](${check.url}))` : ""}`,
      );
    }
    if (section) out.push("", section.trim());
  }

  out.push("", "## Commits that break the convention", "");
  out.push(
    view.auditIssue ? `See #${view.auditIssue.number} (${view.auditIssue.title}).` : "None on record.",
  );

  if (view.actions.length) {
    out.push(
      "",
      "## Actions",
      "",
      "Tick a box (write permission needed); the bot does it once and answers below.",
      "",
    );
    for (const action of view.actions) {
      const text =
        action.kind === "tag-and-draft"
          ? `Tag and draft ${inlineCode(action.tag)} from ${inlineCode(view.defaultBranch)} (${short(status.head)})`
          : `Re-run the promotion of ${inlineCode(action.tag)}`;
      out.push(`- [ ] <!-- grb-action:${action.kind}:${action.tag} --> ${text}`);
    }
  }
  if (view.answers.length) {
    out.push("", "### Answers", "");
    for (const answer of view.answers) out.push(`- <!-- grb-answer:${answer.key} --> ${answer.text}`);
  }
  return out.join("\n");
}

/** The **Rollout** section of a release body (`## Rollout` or `### Rollout` up to the next heading as high), or null. */
export function rolloutSection(body: string | null | undefined): string | null {
  const lines = (body ?? "").split(/\r?\n/);
  const start = lines.findIndex((l) => /^#{2,3} Rollout\b/.test(l));
  if (start < 0) return null;
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return (
    lines
      .slice(start + 1, end < 0 ? undefined : end)
      .join("\n")
      .trim() || null
  );
}
