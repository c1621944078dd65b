import type { PinnedRef } from "../gitops/set-source-ref.js";
import type { ProductionChanges, SourceConsumer } from "../gitops/find-source-consumers.js";
import type { KustomizationRef } from "../rules/map-flux-statuses.js";
import { inlineCode, quotedMarkdown, truncateUtf8 } from "../util/markdown.js";
import { renderRolloutMarker } from "./rollout-report.js";

const MARKER = /<!-- gitops-release-bot:promotion tag=(\S+) -->/;

/** The tag an open promotion PR moves to, read from the hidden marker of its body. */
export function readPromotionTag(body: string | null | undefined): string | null {
  return MARKER.exec(body ?? "")?.[1] ?? null;
}

export interface PromotionBodyInput {
  tag: string;
  from: PinnedRef;
  target: { kind: string; name: string; namespace: string; displayName: string };
  path: string;
  release: { body: string | null; url: string | null; maxLength: number };
  compareUrl: string | null;
  consumers: {
    changes: ProductionChanges;
    /** Files that may hold Kustomizations but were not read (bounded reads). */
    unread: number;
    /** Why the changed-file list is incomplete, if it is. */
    incompleteReason: string | null;
    /** Every Kustomization in the files read, whatever its source (the rollout's ids are checked against them). */
    all?: KustomizationRef[];
  } | null;
}

/** The PR body: what moves, the release notes, and what changes in production per cluster or namespace. */
export function renderPromotionBody(input: PromotionBodyInput): string {
  const { tag, from, target, path } = input;
  const lines = [
    `Moves production (${target.kind} ${inlineCode(`${target.namespace}/${target.name}`)}, ${inlineCode(target.displayName)}) from ${from.field} ${inlineCode(from.value)} to tag ${inlineCode(tag)}.`,
    "",
    `File: ${inlineCode(path)}, line ${from.line}.${input.compareUrl ? ` Diff of the content: ${input.compareUrl}` : ""}`,
    "",
    "## Release notes",
    "",
    releaseNotes(input.release, tag),
    "",
    "## What changes in production",
    "",
    ...productionSection(input.consumers, target),
    "",
    "Merging this PR is the production change.",
    "",
    `<!-- gitops-release-bot:promotion tag=${tag} -->`,
    ...rolloutMarkerLines(input),
  ];
  // GitHub's PR body limit is 65,536 characters; leave room.
  return truncateUtf8(lines.join("\n"), 60_000);
}

/** What the rollout waits for: the Kustomizations that change or may change (see report/rollout-report.ts). */
function rolloutMarkerLines(input: PromotionBodyInput): string[] {
  const consumers = input.consumers;
  if (!consumers?.all) return [];
  const { changes } = consumers;
  const key = (k: KustomizationRef) => `${k.namespace}/${k.name}/${k.cluster ?? ""}`;
  const tracked = [...changes.changed, ...changes.unknown].map(({ name, namespace, cluster }) => ({
    name,
    namespace,
    cluster,
  }));
  const trackedKeys = new Set(tracked.map(key));
  const others = consumers.all.filter((k) => !trackedKeys.has(key(k)));
  return [
    renderRolloutMarker({ previous: input.from.value, tracked, others, complete: consumers.unread === 0 }),
  ];
}

function releaseNotes(release: PromotionBodyInput["release"], tag: string): string {
  const body = release.body?.trim();
  if (!body)
    return release.url
      ? `No notes; see the release: ${release.url}`
      : `No release notes for ${inlineCode(tag)}.`;
  if (body.length > release.maxLength) {
    return `The notes are too long to repeat here (${body.length} characters): ${release.url ?? `release ${inlineCode(tag)}`}`;
  }
  // Repeated from the bot's account: mentions made inert (no second round of notifications), no hiding comment.
  return quotedMarkdown(body);
}

function productionSection(
  consumers: PromotionBodyInput["consumers"],
  target: PromotionBodyInput["target"],
): string[] {
  if (!consumers) return [`Not computed for ${target.kind} sources (only Flux Kustomizations are traced).`];
  const { changes, unread, incompleteReason } = consumers;
  const all = [...changes.changed, ...changes.unchanged, ...changes.unknown];
  const out: string[] = [];
  if (!all.length) {
    out.push(
      `No Flux Kustomization with \`sourceRef\` ${inlineCode(`${target.kind}/${target.name}`)} was found.`,
    );
  } else {
    out.push(
      `${all.length} Flux Kustomizations use this source; ${changes.changed.length} change${changes.unknown.length ? `, ${changes.unknown.length} may change` : ""}.`,
    );
    for (const [group, members] of groupByPlace(all)) {
      out.push("", `### ${group}`, "");
      for (const consumer of members) {
        const hit = changes.changed.find(
          (c) => c === consumer || (c.name === consumer.name && c.namespace === consumer.namespace),
        );
        const state = hit
          ? `**changes** (${hit.files.length} file${hit.files.length === 1 ? "" : "s"}: ${hit.files.slice(0, 5).map(inlineCode).join(", ")}${hit.files.length > 5 ? ", …" : ""})`
          : changes.unknown.includes(consumer)
            ? "may change (the list of changed files is incomplete)"
            : "unchanged";
        out.push(`- ${inlineCode(consumer.name)} (${inlineCode(`./${consumer.path}`)}): ${state}`);
      }
    }
  }
  if (incompleteReason) out.push("", `Note: ${incompleteReason}`);
  if (unread)
    out.push(
      "",
      `Note: ${unread} more YAML files that may hold Kustomizations were not read (read limit \`consumerReads\`).`,
    );
  return out;
}

function groupByPlace(consumers: SourceConsumer[]): Array<[string, SourceConsumer[]]> {
  const groups = new Map<string, SourceConsumer[]>();
  for (const consumer of consumers) {
    const key = consumer.cluster
      ? `Cluster ${inlineCode(consumer.namespace)} (kubeconfig ${inlineCode(consumer.cluster)})`
      : `Namespace ${inlineCode(consumer.namespace)}`;
    groups.set(key, [...(groups.get(key) ?? []), consumer]);
  }
  return [...groups.entries()];
}

/** The tracking issue for a promotion that cannot be made. */
export function renderBlockedIssue(input: {
  targetId: string;
  displayName: string;
  tag: string;
  path: string | null;
  reason: string;
}): { title: string; body: string } {
  return {
    title: `Promotion of ${input.tag} to ${input.displayName} is blocked`,
    body: [
      `The bot could not open the promotion PR for ${inlineCode(input.tag)} (target ${inlineCode(input.targetId)}).`,
      "",
      `**Why:** ${input.reason}`,
      "",
      input.path ? `File: ${inlineCode(input.path)}` : "File: not found.",
      "",
      "**How to fix:** change the file (or the `promotion.targets` entry in `.github/gitops-release-bot.yml`) as described, " +
        `then comment \`/promote ${input.tag} ${input.targetId}\` on any issue. This issue is updated in place and closed by the next successful promotion.`,
    ].join("\n"),
  };
}
