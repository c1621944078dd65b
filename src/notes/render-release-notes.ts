import { inlineCode, markdownText } from "../util/markdown.js";
import type { Contributor, ReleaseEntry } from "./collect-release-entries.js";
import type { PlatformImpact } from "./platform-impact.js";

/** GitHub rejects release bodies over 125,000 characters. */
export const RELEASE_BODY_LIMIT = 125_000;

export interface NotesSection {
  heading: string;
  entries: ReleaseEntry[];
}

export interface RenderInput {
  tag: string;
  previousTag: string | null;
  sections: NotesSection[];
  impact: PlatformImpact | null;
  /** Null: no contributors line. */
  contributors: Array<{ contributor: Contributor; firstTime: boolean }> | null;
  /** Shown above everything (version-bump warning, configuration problems). */
  warnings: string[];
  links: NotesLinks;
  template: string | null;
  limit?: number;
}

/** Where the notes link to; null when unknown (the CLI without a GitHub remote). */
export interface NotesLinks {
  compare: string | null;
  pull: ((number: number) => string) | null;
  commit: ((sha: string) => string) | null;
}

export function renderEntry(entry: ReleaseEntry, links: NotesLinks): string {
  // Subjects and scopes are strangers' text: escaped, so no markup, link, comment or mention of theirs renders.
  const scope = entry.scope ? `**${markdownText(entry.scope)}:** ` : "";
  const ref =
    entry.number !== null
      ? links.pull
        ? `[#${entry.number}](${links.pull(entry.number)})`
        : `#${entry.number}`
      : links.commit
        ? `[${entry.sha.slice(0, 7)}](${links.commit(entry.sha)})`
        : entry.sha.slice(0, 7);
  const by = entry.author?.login ? ` by @${entry.author.login}` : "";
  return `- ${scope}${markdownText(entry.subject)} (${ref})${by}`;
}

export function contributorKey(contributor: Contributor): string {
  return contributor.login ? `@${contributor.login}` : contributor.name;
}

/** A contributor as the notes show it: a GitHub login mentioned (credit), a git author name escaped. */
function renderContributor(contributor: Contributor): string {
  return contributor.login ? `@${contributor.login}` : markdownText(contributor.name);
}

function renderContributors(list: NonNullable<RenderInput["contributors"]>): string {
  return list
    .map(
      ({ contributor, firstTime }) =>
        `${renderContributor(contributor)}${firstTime ? " (first contribution)" : ""}`,
    )
    .join(", ");
}

function renderImpact(impact: PlatformImpact): string {
  const lines = impact.lines.map(
    (line) =>
      `- **${line.heading}:** ${line.groups
        .map(
          (group) =>
            `${group.name ? `${markdownText(group.name)}: ` : ""}${group.items.map(inlineCode).join(", ")}`,
        )
        .join("; ")}`,
  );
  if (impact.otherPaths.length) {
    const shown = impact.otherPaths.slice(0, 5).map(inlineCode);
    const more = impact.otherPaths.length - shown.length;
    lines.push(`- **Other files:** ${shown.join(", ")}${more ? ` and ${more} more` : ""}`);
  }
  if (!impact.complete)
    lines.push("- _The changed-file list was incomplete: the impact above may be partial._");
  return lines.length ? lines.join("\n") : "- No changes to the platform's files.";
}

function compareText(input: RenderInput): string {
  if (!input.previousTag)
    return input.links.compare
      ? `[every commit up to ${input.tag}](${input.links.compare})`
      : `every commit up to \`${input.tag}\``;
  const range = `${input.previousTag}...${input.tag}`;
  return input.links.compare ? `[${range}](${input.links.compare})` : `\`${range}\``;
}

/** The section blocks, with at most `keep[i]` entries of section i (the rest summarised). */
function renderChanges(input: RenderInput, keep: number[]): string {
  const blocks = input.sections
    .map((section, index) => {
      if (!section.entries.length) return "";
      const shown = section.entries.slice(0, keep[index]);
      const hidden = section.entries.length - shown.length;
      const lines = shown.map((entry) => renderEntry(entry, input.links));
      if (hidden) lines.push(`- … and ${hidden} more (see the full changelog below)`);
      return `### ${section.heading}\n\n${lines.join("\n")}`;
    })
    .filter(Boolean);
  return blocks.length
    ? blocks.join("\n\n")
    : `No pull requests since ${input.previousTag ?? "the beginning of the repository"}.`;
}

function assemble(input: RenderInput, keep: number[]): string {
  const changes = renderChanges(input, keep);
  const impact = input.impact ? renderImpact(input.impact) : "";
  const contributors = input.contributors?.length ? renderContributors(input.contributors) : "";
  const top = input.warnings.join("\n\n");
  let body: string;
  if (input.template !== null) {
    const values: Record<string, string> = {
      CHANGES: changes,
      IMPACT: impact,
      CONTRIBUTORS: contributors,
      PREVIOUS_TAG: input.previousTag ?? "",
      COMPARE_URL: input.links.compare ?? "",
    };
    body = input.template.replace(
      /\$(CHANGES|IMPACT|CONTRIBUTORS|PREVIOUS_TAG|COMPARE_URL)\b/g,
      (_m, name: string) => values[name] ?? "",
    );
  } else {
    const parts = [changes];
    if (impact) parts.push(`### Platform impact\n\n${impact}`);
    if (contributors) parts.push(`### Contributors\n\n${contributors}`);
    parts.push(`**Full changelog:** ${compareText(input)}`);
    body = parts.join("\n\n");
  }
  return `${top ? `${top}\n\n` : ""}${body.trim()}\n`;
}

/**
 * Renders the release body. Over the limit, the longest section is cut to half its entries (the rest summarised
 * with a pointer to the full changelog) until the body fits; the compare link and the other sections stay.
 */
export function renderReleaseNotes(input: RenderInput): string {
  const limit = input.limit ?? RELEASE_BODY_LIMIT;
  const keep = input.sections.map((section) => section.entries.length);
  let text = assemble(input, keep);
  while (text.length > limit) {
    let longest = -1;
    for (let i = 0; i < keep.length; i++)
      if (keep[i]! > 0 && (longest < 0 || keep[i]! > keep[longest]!)) longest = i;
    if (longest < 0) break;
    keep[longest] = Math.floor(keep[longest]! / 2);
    text = assemble(input, keep);
  }
  if (text.length > limit) {
    // Only a huge template or warnings remain: cut the text but keep the compare link.
    const tail = `\n\n… (shortened)\n\n**Full changelog:** ${compareText(input)}\n`;
    text = text.slice(0, Math.max(0, limit - tail.length)) + tail;
  }
  return text;
}
