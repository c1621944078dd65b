import type { SourceTarget } from "./set-source-ref.js";

const YAML = /\.ya?ml$/i;

/**
 * Orders the repository's YAML files by how likely they hold the target, likeliest first, so that discovery reads
 * few files: the kind in the file name (`gitrepository-release.yaml`), the object's name, its namespace folder
 * (`flux-system/`), and the usual words (`source`, `flux`, `argocd`). Files scoring nothing come last.
 */
export function rankTargetCandidates(paths: readonly string[], target: SourceTarget): string[] {
  const kind = target.kind.toLowerCase();
  const name = target.name.toLowerCase();
  const namespace = target.namespace.toLowerCase();
  const score = (file: string) => {
    const lower = file.toLowerCase();
    const base = lower.slice(lower.lastIndexOf("/") + 1);
    let points = 0;
    if (base.includes(kind)) points += 8;
    if (base.replace(YAML, "").split(/[-_.]/).includes(name)) points += 4;
    else if (base.includes(name)) points += 2;
    if (lower.split("/").includes(namespace)) points += 3;
    if (/source|flux|argocd|gotk/.test(lower)) points += 1;
    if (/kustomization|helmrelease|kustomize/.test(base)) points -= 2;
    return points;
  };
  return paths
    .filter((file) => YAML.test(file))
    .map((file) => ({ file, points: score(file) }))
    .sort((a, b) => b.points - a.points || a.file.length - b.file.length || a.file.localeCompare(b.file))
    .map(({ file }) => file);
}
