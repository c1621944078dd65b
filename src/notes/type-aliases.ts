/** A title prefix that stands for a type (`🐛` → `fix`, `⚠️` → a breaking change), as configured. */
export interface TypeAlias {
  /** The prefix without emoji variation selectors (U+FE0F), which titles may or may not carry. */
  prefix: string;
  type: string | null;
  breaking: boolean;
}

const VARIATION_SELECTOR = /\uFE0F/g;

/** The configured aliases (`{ "🐛": "fix", "⚠️": "!" }`), longest prefix first so `:bug:` never shadows a longer one. */
export function compileTypeAliases(aliases: Readonly<Record<string, string>>): TypeAlias[] {
  return Object.entries(aliases)
    .map(([prefix, value]) => ({
      prefix: prefix.replace(VARIATION_SELECTOR, ""),
      type: value.replace(/!$/, "") || null,
      breaking: value.endsWith("!"),
    }))
    .filter((alias) => alias.prefix.length > 0)
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

/**
 * The alias a title starts with and the rest of the title after it (spaces, a variation selector and a `:` or `-`
 * separator dropped): `"⚠️ Remove x"` → `{ alias: ⚠️, rest: "Remove x" }`. Null when no alias matches.
 */
export function matchTypeAlias(
  title: string,
  aliases: readonly TypeAlias[],
): { alias: TypeAlias; rest: string } | null {
  const trimmed = title.trimStart();
  for (const alias of aliases) {
    if (!trimmed.startsWith(alias.prefix)) continue;
    const rest = trimmed
      .slice(alias.prefix.length)
      .replace(/^\uFE0F?\s*(?:[:-]\s+)?/u, "")
      .trim();
    if (rest) return { alias, rest };
  }
  return null;
}
