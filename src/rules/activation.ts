import { compileUserGlob } from "./user-pattern.js";
import { CONFIG_PATH } from "../config/schema.js";

/** The organization-wide repository whose configuration file can turn the bot on for other repositories. */
export const ORG_CONFIG_REPO = ".github";

/** One configuration file read for a repository (the repository's own first, then `_extends` or the org fallback). */
export interface ConfigFileRead {
  owner: string;
  repo: string;
  /** The parsed file, or null when it does not exist. */
  config: unknown;
}

export type Activation =
  | { active: true; reason: "own-file" | "org-list" | "unreadable" }
  | { active: false; reason: "no-file" | "not-listed" };

/**
 * Opt-in, like Renovate: a repository is active when it holds its own configuration file, or when the organization's
 * `.github` repository's file lists it under `repositories` (names or globs). The `.github` repository itself is the
 * organization's file: it is active only when that list names it (or when the file has no list at all).
 */
export function decideActivation(
  repo: { owner: string; repo: string },
  files: readonly ConfigFileRead[],
): Activation {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const own = files.find((f) => same(f.owner, repo.owner) && same(f.repo, repo.repo));
  const isOrgRepo = same(repo.repo, ORG_CONFIG_REPO);
  if (own && own.config !== null && !isOrgRepo) return { active: true, reason: "own-file" };
  const org = files.find((f) => same(f.owner, repo.owner) && same(f.repo, ORG_CONFIG_REPO));
  if (!org || org.config === null) return { active: false, reason: "no-file" };
  const list = listedRepositories(org.config);
  if (list === null)
    return isOrgRepo ? { active: true, reason: "own-file" } : { active: false, reason: "not-listed" };
  return matchesRepository(list, repo.repo)
    ? { active: true, reason: "org-list" }
    : { active: false, reason: "not-listed" };
}

/** The `repositories` list of an organization file, or null when the file has none (or it is not a list of names). */
function listedRepositories(config: unknown): string[] | null {
  if (typeof config !== "object" || config === null) return null;
  const list = (config as { repositories?: unknown }).repositories;
  if (!Array.isArray(list)) return null;
  return list.filter((item): item is string => typeof item === "string" && item.length > 0);
}

/** Whether a repository name matches one of the names or globs (without case, like GitHub's names). */
export function matchesRepository(patterns: readonly string[], name: string): boolean {
  // Globs on RE2 (linear in the name), compared in lower case; a glob that cannot compile matches nothing (the
  // configuration schema reports it).
  return patterns.some((pattern) => {
    const compiled = compileUserGlob(pattern.toLowerCase());
    return compiled.ok && compiled.pattern.test(name.toLowerCase());
  });
}

/** Why a repository is inactive, for logs and the onboarding PR. */
export function describeInactive(repo: { owner: string; repo: string }): string {
  return (
    `${repo.owner}/${repo.repo} has no \`${CONFIG_PATH}\` and the organization's \`${ORG_CONFIG_REPO}\` ` +
    "repository's file does not list it under `repositories`"
  );
}
