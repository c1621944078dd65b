import path from "node:path/posix";
import gitUrlParse from "git-url-parse";
import { parse } from "yaml";
import { groupOf } from "./kubernetes-kinds.js";
import type { ManifestObject, ParsedManifest } from "./parse-manifests.js";

/** The repository under check: every URL it is known by, and the branch its changes land on. */
export interface RepositoryIdentity {
  /** Clone, SSH and web URLs (any form: `ssh://git@host/o/r`, `git@host:o/r.git`, `https://host/o/r`). */
  urls: string[];
  /** The branch a GitRepository must follow to see these files (the PR's base branch; locally, HEAD's branch). */
  branch: string | null;
}

/** A Flux GitRepository found among the files read. */
export interface GitRepositorySource {
  name: string;
  namespace: string | null;
  url: string | null;
  ref: Record<string, unknown> | null;
}

/** Whether a Kustomization's source is this repository at the revision under check, and why not. */
export type SourceVerdict = { kind: "this" } | { kind: "other" | "unknown"; reason: string };

/** Host (lower-case, no port or user) and `owner/name` path (lower-case, no `.git`), or null when not a Git URL. */
function repositoryKey(url: string): string | null {
  try {
    const parsed = gitUrlParse(url.trim());
    if (!parsed.resource || !parsed.full_name) return null;
    return `${parsed.resource.toLowerCase()}/${parsed.full_name.replace(/\.git$/, "").toLowerCase()}`;
  } catch {
    return null;
  }
}

/** Whether two URLs name the same repository, whatever their form (SSH, scp-like, HTTPS, with or without `.git`). */
export function sameRepository(url: string, urls: string[]): boolean {
  const key = repositoryKey(url);
  return key !== null && urls.some((other) => repositoryKey(other) === key);
}

/** Every Flux GitRepository among the parsed files. */
export function collectGitRepositories(manifests: Iterable<ParsedManifest>): GitRepositorySource[] {
  const found: GitRepositorySource[] = [];
  for (const manifest of manifests) {
    for (const object of manifest.objects) {
      if (groupOf(object.apiVersion) !== "source.toolkit.fluxcd.io" || object.kind !== "GitRepository")
        continue;
      if (object.name === null) continue;
      const spec = (object.data.spec ?? {}) as { url?: unknown; ref?: unknown };
      found.push({
        name: object.name,
        namespace: object.namespace,
        url: typeof spec.url === "string" ? spec.url : null,
        ref: spec.ref && typeof spec.ref === "object" ? (spec.ref as Record<string, unknown>) : null,
      });
    }
  }
  return found;
}

/**
 * Resolves a Flux Kustomization's `sourceRef` (a GitRepository) to one found in the files read, and says whether it
 * is this repository at the branch under check. Only then can `spec.path` be looked up in this repository's tree.
 */
export function kustomizationSource(
  kustomization: ManifestObject,
  sources: GitRepositorySource[],
  repository: RepositoryIdentity | null,
): SourceVerdict {
  const ref = ((kustomization.data.spec ?? {}) as { sourceRef?: { name?: unknown; namespace?: unknown } })
    .sourceRef;
  if (typeof ref?.name !== "string") return { kind: "unknown", reason: "it has no `spec.sourceRef.name`" };
  const namespace = typeof ref.namespace === "string" ? ref.namespace : kustomization.namespace;
  const candidates = sources.filter(
    (source) =>
      source.name === ref.name &&
      (namespace === null || source.namespace === null || source.namespace === namespace),
  );
  const label = `GitRepository \`${namespace ? `${namespace}/` : ""}${ref.name}\``;
  if (!candidates.length)
    return { kind: "unknown", reason: `its source, ${label}, is not among the files read` };
  if (!repository?.urls.length)
    return {
      kind: "unknown",
      reason: "this repository's URL is not known (locally: `git remote`, or `--repository-url`)",
    };
  const verdicts = candidates.map((source) => sourceVerdict(source, label, repository));
  // Several GitRepositories of that name (one per cluster folder): the path is checked only if all are this one.
  return verdicts.find((verdict) => verdict.kind !== "this") ?? { kind: "this" };
}

function sourceVerdict(
  source: GitRepositorySource,
  label: string,
  repository: RepositoryIdentity,
): SourceVerdict {
  if (source.url === null) return { kind: "unknown", reason: `${label} has no \`spec.url\`` };
  if (!sameRepository(source.url, repository.urls))
    return { kind: "other", reason: `${label} is another repository (\`${source.url}\`)` };
  const ref = source.ref ?? {};
  // `ref.name` may be a branch's full reference; Flux ranks commit > name > semver > tag > branch.
  const named =
    typeof ref.name === "string" && ref.name.startsWith("refs/heads/") ? ref.name.slice(11) : null;
  const pinned = ["commit", "name", "semver", "tag"].find(
    (key) => typeof ref[key] === "string" && !(key === "name" && named),
  );
  if (pinned)
    return {
      kind: "other",
      reason: `${label} follows a ${pinned} (\`${String(ref[pinned])}\`), not a branch`,
    };
  // Flux's default when `spec.ref` is absent is the `master` branch.
  const branch = named ?? (typeof ref.branch === "string" ? ref.branch : "master");
  if (repository.branch === null)
    return {
      kind: "unknown",
      reason: "the branch under check is not known (locally: a detached HEAD; use `--branch`)",
    };
  if (branch !== repository.branch)
    return { kind: "other", reason: `${label} follows branch \`${branch}\`, not \`${repository.branch}\`` };
  return { kind: "this" };
}

const KUSTOMIZE_FILE = /(^|\/)(kustomization\.ya?ml|Kustomization)$/;

/** Whether a path is a kustomize build file (`kustomization.yaml`), which may list patch files. */
export function isKustomizeFile(file: string): boolean {
  return KUSTOMIZE_FILE.test(file);
}

/**
 * The files a kustomization.yaml lists as patches (`patches[].path`, `patchesStrategicMerge`, `patchesJson6902[].path`),
 * as repository paths. A patch carries only part of an object: it must never be judged as a whole object.
 */
export function kustomizePatchFiles(file: string, text: string): string[] {
  let data: unknown;
  try {
    data = parse(text, { logLevel: "silent", maxAliasCount: 100 });
  } catch {
    return [];
  }
  if (!data || typeof data !== "object") return [];
  const record = data as Record<string, unknown>;
  const listed: string[] = [];
  for (const key of ["patches", "patchesJson6902"]) {
    const items = record[key];
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      const target = (item as { path?: unknown } | null)?.path;
      if (typeof target === "string") listed.push(target);
    }
  }
  const strategic = record.patchesStrategicMerge;
  if (Array.isArray(strategic)) {
    // An item is a file path, or an inline patch (several lines of YAML).
    for (const item of strategic) if (typeof item === "string" && !item.includes("\n")) listed.push(item);
  }
  const dir = path.dirname(file);
  return listed.map((target) => path.normalize(path.join(dir, target.trim())));
}
