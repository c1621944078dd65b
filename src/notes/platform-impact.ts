/**
 * Where a path sits in the repository's layout: the layout template (area) it matches and its named segments
 * (`providers/aws/v1/clusters/prod/prod-eu-west-1/…` → area `clusters`, `{ cloud: "aws", env: "prod", … }`).
 * Supplied by the layout rules; null for a path outside every template.
 */
export type LayoutPathMatcher = (path: string) => { area: string; segments: Record<string, string> } | null;

export interface ImpactGroupRule {
  heading: string;
  areas: readonly string[];
  by: string | null;
  item: string;
}

/** One line of the Platform impact: heading → (group → items), in first-seen order, items sorted. */
export interface ImpactLine {
  heading: string;
  groups: Array<{ name: string | null; items: string[] }>;
}

export interface PlatformImpact {
  lines: ImpactLine[];
  /** Changed paths that no group reports (outside the layout, or in an area no group names). */
  otherPaths: string[];
  /** False when the changed-path list is known to be incomplete. */
  complete: boolean;
}

/** Fills `{segment}` placeholders; null when the path lacks one of them. */
function fill(template: string, segments: Record<string, string>): string | null {
  let missing = false;
  const text = template.replace(/\{([\w-]+)\}/g, (_all, name: string) => {
    const value = segments[name];
    if (value === undefined) missing = true;
    return value ?? "";
  });
  return missing ? null : text;
}

/**
 * What a release changes for the platform's users, from the changed paths through the layout's named segments:
 * which features, which clusters per environment, which tenants. A product team reads it to see whether its
 * namespace changes.
 */
export function platformImpact(
  paths: readonly string[],
  match: LayoutPathMatcher,
  rules: readonly ImpactGroupRule[],
  complete = true,
): PlatformImpact {
  const lines = new Map<string, Map<string | null, Set<string>>>();
  for (const rule of rules) if (!lines.has(rule.heading)) lines.set(rule.heading, new Map());
  const otherPaths: string[] = [];
  for (const path of new Set(paths)) {
    const place = match(path);
    let reported = false;
    if (place) {
      for (const rule of rules) {
        if (!rule.areas.includes(place.area)) continue;
        const item = fill(rule.item, place.segments);
        const group = rule.by === null ? null : fill(rule.by, place.segments);
        if (item === null || (rule.by !== null && group === null)) continue;
        const groups = lines.get(rule.heading)!;
        let items = groups.get(group);
        if (!items) groups.set(group, (items = new Set()));
        items.add(item);
        reported = true;
        break;
      }
    }
    if (!reported) otherPaths.push(path);
  }
  return {
    lines: [...lines]
      .filter(([, groups]) => groups.size)
      .map(([heading, groups]) => ({
        heading,
        groups: [...groups]
          .map(([name, items]) => ({ name, items: [...items].sort() }))
          .sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "")),
      })),
    otherPaths: otherPaths.sort(),
    complete,
  };
}
