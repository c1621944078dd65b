import type { CheckResult } from "./check-result.js";
import type { KustomizationRef, RolloutPlan, RolloutTargets } from "../rules/map-flux-statuses.js";
import { inlineCode } from "../util/markdown.js";

/** The check run on the merged promotion PR's commit (its name is its identity: other features read it). */
export const ROLLOUT_CHECK = "Rollout";

/** Where the Flux side (the Provider and the Alert) is explained. */
export const FLUX_SETUP_HINT = "gitops-release-bot's README, section “Rollout tracking: the Flux side”";

// ---------------------------------------------------------------------------------------------------------------
// The promotion PR carries what the rollout waits for, computed when the PR was written (the "What changes in
// production" list), in a hidden marker: the rollout then needs no tree reads.

/** What the promotion PR says about its rollout. */
export interface RolloutMarker extends RolloutTargets {
  /** The ref production pinned before (the rollback command's tag). */
  previous: string;
}

const ROLLOUT_MARKER = /<!-- gitops-release-bot:rollout-targets (\{.*?\}) -->/;

type Triple = [namespace: string, name: string, cluster: string | null];
const toTriple = (k: KustomizationRef): Triple => [k.namespace, k.name, k.cluster];
const fromTriple = ([namespace, name, cluster]: Triple): KustomizationRef => ({ namespace, name, cluster });

/** The hidden marker; `others` keeps only Kustomizations whose name a tracked one shares (all the mapping reads). */
export function renderRolloutMarker(marker: RolloutMarker): string {
  const names = new Set(marker.tracked.map((k) => k.name));
  const json = JSON.stringify({
    previous: marker.previous,
    complete: marker.complete,
    tracked: marker.tracked.map(toTriple),
    others: marker.others.filter((k) => names.has(k.name)).map(toTriple),
  }).replace(/[<>]/g, (c) => (c === "<" ? "\\u003c" : "\\u003e"));
  return `<!-- gitops-release-bot:rollout-targets ${json} -->`;
}

export function readRolloutMarker(body: string | null | undefined): RolloutMarker | null {
  const match = ROLLOUT_MARKER.exec(body ?? "");
  if (!match) return null;
  try {
    const data = JSON.parse(match[1]!) as {
      previous: string;
      complete: boolean;
      tracked: Triple[];
      others: Triple[];
    };
    return {
      previous: data.previous,
      complete: data.complete,
      tracked: data.tracked.map(fromTriple),
      others: data.others.map(fromTriple),
    };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The release's Rollout section, between markers, one per promotion target; replaced in place.

export interface RolloutContext {
  tag: string;
  targetId: string;
  pull: { number: number; url: string; mergedAt: string };
  previous: string;
  timeoutMinutes: number;
}

const sectionStart = (targetId: string) => `<!-- gitops-release-bot:rollout:start target=${targetId} -->`;
const sectionEnd = (targetId: string) => `<!-- gitops-release-bot:rollout:end target=${targetId} -->`;

/** The state line other features read (the release dashboard): `state=<conclusion> pr=<number>`. */
const STATE_LINE = /<!-- gitops-release-bot:rollout state=(\S+) target=(\S+) pr=(\d+) -->/g;

/** The rollouts a release body records, per target: the state and the promotion PR. */
export function readRolloutStates(
  body: string | null | undefined,
): Array<{ targetId: string; state: string; pull: number }> {
  return [...(body ?? "").matchAll(STATE_LINE)].map((m) => ({
    state: m[1]!,
    targetId: m[2]!,
    pull: Number(m[3]),
  }));
}

const ICON = { applied: "✅ applied", failed: "❌ failed", waiting: "⏳ waiting" } as const;
const HEADLINE = {
  in_progress: "in progress",
  success: "applied everywhere",
  failure: "failed",
  neutral: "no report from Flux",
} as const;

const time = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "—");
const clusterOf = (k: KustomizationRef) => (k.cluster ? inlineCode(k.cluster) : "Flux's own");
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ");

function rolloutTable(plan: RolloutPlan): string[] {
  if (!plan.entries.length) return ["No production Kustomization changes in this promotion."];
  return [
    "| Kustomization | Cluster (kubeconfig) | State | Reported | Flux says |",
    "|---|---|---|---|---|",
    ...plan.entries.map(
      (e) =>
        `| ${inlineCode(`${e.kustomization.namespace}/${e.kustomization.name}`)} | ${clusterOf(e.kustomization)} | ${ICON[e.state]} | ${time(e.at)} | ${cell(e.message ?? "")} |`,
    ),
  ];
}

function unattributedLines(plan: RolloutPlan): string[] {
  if (!plan.unattributed.length) return [];
  return [
    "",
    "Not counted (the id could be another Kustomization's):",
    ...plan.unattributed.map((u) => `- ${inlineCode(u.context)} (${u.state}): ${u.reason}.`),
  ];
}

const counts = (plan: RolloutPlan) =>
  `${plan.entries.filter((e) => e.state === "applied").length} of ${plan.entries.length} applied`;

/** The section's text, markers included. */
export function renderRolloutSection(plan: RolloutPlan, context: RolloutContext): string {
  const { pull, targetId } = context;
  return [
    sectionStart(targetId),
    `## Rollout${targetId === "release" ? "" : ` (${inlineCode(targetId)})`}`,
    "",
    `Promoted by #${pull.number}, merged ${time(pull.mergedAt)}: **${HEADLINE[plan.conclusion]}** (${counts(plan)}), from Flux's commit statuses.`,
    "",
    ...rolloutTable(plan),
    ...unattributedLines(plan),
    ...(plan.conclusion === "failure"
      ? ["", `Roll back: comment \`/promote ${context.previous}\` on #${pull.number}.`]
      : []),
    "",
    `<!-- gitops-release-bot:rollout state=${plan.conclusion} target=${targetId} pr=${pull.number} -->`,
    sectionEnd(targetId),
  ].join("\n");
}

/** The body with the target's section replaced in place (or appended once); the rest stays byte for byte. */
export function spliceRolloutSection(body: string, targetId: string, section: string): string {
  const start = body.indexOf(sectionStart(targetId));
  const endMarker = sectionEnd(targetId);
  const end = start < 0 ? -1 : body.indexOf(endMarker, start);
  if (start >= 0 && end >= 0) return body.slice(0, start) + section + body.slice(end + endMarker.length);
  return `${body.replace(/\s*$/, "")}\n\n${section}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// The Rollout check run.

/** The check's state: in progress until every tracked Kustomization applied the release, or one failed. */
export function renderRolloutCheck(plan: RolloutPlan, context: RolloutContext): CheckResult {
  const table = rolloutTable(plan);
  const notes = unattributedLines(plan);
  const tag = inlineCode(context.tag);
  switch (plan.conclusion) {
    case "success":
      return {
        conclusion: "success",
        title: plan.entries.length
          ? `${tag} applied: ${plan.entries.length} production Kustomization${plan.entries.length === 1 ? "" : "s"}`
          : `Nothing changes in production with ${tag}`,
        summary: [...table, ...notes].join("\n"),
      };
    case "failure": {
      const failed = plan.entries.filter((e) => e.state === "failed");
      const first = failed[0]!;
      const where = (k: KustomizationRef) =>
        `${inlineCode(`${k.namespace}/${k.name}`)} (cluster ${clusterOf(k)})`;
      return {
        conclusion: "failure",
        title: `${first.kustomization.namespace}/${first.kustomization.name} failed: ${first.message ?? "failure"}`,
        summary: [
          ...failed.map(
            (e) =>
              `**${where(e.kustomization)}** failed at ${time(e.at)}: Flux says “${e.message ?? "failure"}” (status ${inlineCode(e.context ?? "")}).`,
          ),
          "",
          `Roll back: comment \`/promote ${context.previous}\` on this PR (#${context.pull.number}); the bot opens the promotion back to ${inlineCode(context.previous)}.`,
          "",
          ...table,
          ...notes,
        ].join("\n"),
      };
    }
    case "neutral":
      return {
        conclusion: "neutral",
        title: `No report from Flux for ${context.timeoutMinutes} minutes (${counts(plan)})`,
        summary: [
          `Flux posted no commit status for ${tag} since ${time(plan.lastActivity)}. If Flux does not report to GitHub yet, apply a \`github\` Provider and an Alert on the production Kustomizations (see ${FLUX_SETUP_HINT}). If it reports under other ids, set \`rollout.statusFormat\` or \`rollout.statuses\` in \`.github/gitops-release-bot.yml\`.`,
          "",
          "This check becomes successful or failed when the reports arrive.",
          "",
          ...table,
          ...notes,
        ].join("\n"),
      };
    case "in_progress":
      return {
        conclusion: "neutral",
        inProgress: true,
        title: `Waiting for Flux: ${counts(plan)}`,
        summary: [
          `Waiting for Flux to report ${tag} for every production Kustomization that changes; ends neutral after ${context.timeoutMinutes} minutes without a report.`,
          "",
          ...table,
          ...notes,
        ].join("\n"),
      };
  }
}
