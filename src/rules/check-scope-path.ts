import type { LayoutConfig } from "../config/sections/layout.js";
import type { LayoutFinding } from "./layout-finding.js";
import type { LayoutMatch } from "./layout-templates.js";
import { parseConventionalCommit } from "./parse-conventional-commit.js";

/**
 * A PR title's scope should name the area the PR changes: it equals, or is a dash-separated prefix of, a folder
 * segment (or the area name) of at least one changed path in a template (`feat(helloworld)` →
 * `features/helloworld-operator/…`). Titles without a scope, exempt scopes, and PRs that change no templated path pass.
 */
export function checkScopePath(
  title: string,
  matches: LayoutMatch[],
  settings: Pick<LayoutConfig, "scopePath" | "scopePathExempt">,
): LayoutFinding | null {
  if (settings.scopePath === "off" || !matches.length) return null;
  const { scope } = parseConventionalCommit(title);
  if (!scope) return null;
  const scopes = scope
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const names = new Set<string>();
  for (const match of matches) {
    names.add(match.area);
    const values = Object.values(match.segments);
    // A `{name**}` segment's value is several folders (`a/b`): each of them names the area.
    for (const value of values.slice(0, -1))
      for (const folder of value.split("/")) if (folder) names.add(folder);
  }
  const unmatched = scopes.filter(
    (s) => !settings.scopePathExempt.includes(s) && ![...names].some((name) => namesArea(s, name)),
  );
  if (!unmatched.length) return null;
  const areas = [...new Set(matches.map((m) => m.area))].map((a) => `\`${a}\``).join(", ");
  return {
    path: "",
    rule: "scope-path",
    severity: settings.scopePath === "error" ? "error" : "warning",
    message:
      `The title's scope ${unmatched.map((s) => `\`${s}\``).join(", ")} names no folder this PR changes ` +
      `(it changes ${areas}): use the feature, cloud, environment, cluster, namespace or tenant it changes as the ` +
      `scope, e.g. \`${suggestion(matches)}\`, or add the scope to \`layout.scopePathExempt\`.`,
  };
}

function namesArea(scope: string, name: string): boolean {
  return name === scope || name.startsWith(`${scope}-`);
}

function suggestion(matches: LayoutMatch[]): string {
  const first = matches[0] as LayoutMatch;
  const values = Object.values(first.segments);
  return values[values.length > 1 ? values.length - 2 : 0] ?? first.area;
}
