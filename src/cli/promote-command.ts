import { execFileSync } from "node:child_process";
import { checkFileSize, MAX_MANIFEST_BYTES, pathInside } from "../util/input-limits.js";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { discoverPromotionTargets, promotionDiscoveryFiles } from "../gitops/discover-promotion-targets.js";
import { SOURCE_KINDS, setSourceRef, type SourceKind, type SourceTarget } from "../gitops/set-source-ref.js";
import { parseYamlPath } from "../gitops/yaml-path.js";
import { promotionSource, selectTargets, targetId } from "../rules/plan-promotion.js";
import { readCliConfig } from "./cli-config.js";

export const promoteUsage =
  "gitops-release-bot promote (<file> | --repo <dir> [--target <id>]) --tag <tag> [--kind GitRepository] [--name release] [--namespace flux-system] [--field <yaml path>] [--value-format {version}] [--repo-url <url>] [--rollback] [--write]";

/** Exit codes of `promote` (as the issue defines them). */
export const PROMOTE_EXIT = { changed: 0, other: 1, already: 2, refused: 3 } as const;

/**
 * `promote`: moves a source's pinned tag in a file, the way the promotion PR does. Prints the new file (or writes it
 * with `--write`). Exit 0 changed, 2 already at the tag, 3 refused (reason on stderr), 1 any other error.
 */
export function promoteCommand(
  args: string[],
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        tag: { type: "string" },
        kind: { type: "string", default: "GitRepository" },
        name: { type: "string", default: "release" },
        namespace: { type: "string", default: "flux-system" },
        field: { type: "string" },
        "value-format": { type: "string" },
        "repo-url": { type: "string" },
        repo: { type: "string" },
        target: { type: "string" },
        config: { type: "string" },
        rollback: { type: "boolean", default: false },
        write: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    err(`error: ${(error as Error).message}\nusage: ${promoteUsage}`);
    return PROMOTE_EXIT.other;
  }
  const { values, positionals } = parsed;
  const usage = (message: string) => {
    err(`error: ${message}\nusage: ${promoteUsage}`);
    return PROMOTE_EXIT.other;
  };
  if (!values.tag) return usage("--tag is required");
  if (!SOURCE_KINDS.includes(values.kind as SourceKind)) {
    return usage(`--kind ${JSON.stringify(values.kind)} is not one of ${SOURCE_KINDS.join(", ")}`);
  }
  if (Boolean(values.repo) === (positionals.length === 1) || positionals.length > 1) {
    return usage("give either one <file> or --repo <dir>");
  }

  if (values.kind === "File") {
    const field = parseYamlPath(values.field ?? "");
    if (!values.field)
      return usage(
        "--kind File needs --field <yaml path>, e.g. --field 'images[name=ghcr.io/example/app].newTag'",
      );
    if (!field.ok) return usage(field.error);
  }

  let file: string;
  let target: SourceTarget;
  let repository: string | null = null;
  if (values.repo) {
    const found = findTargetInRepo(values.repo, values.config, values.target);
    if ("error" in found) {
      err(`error: ${found.error}`);
      return found.refused ? PROMOTE_EXIT.refused : PROMOTE_EXIT.other;
    }
    ({ file, target, repository } = found);
    err(`target ${found.id}: ${path.relative(values.repo, file)}`);
  } else {
    file = positionals[0]!;
    target = {
      kind: values.kind as SourceKind,
      name: values.name,
      namespace: values.namespace,
      repoURL: values["repo-url"] ?? null,
      field: values.field ?? null,
      valueFormat: values["value-format"] ?? null,
    };
  }

  const tooLarge = checkFileSize(file, MAX_MANIFEST_BYTES, "manifest");
  if (tooLarge) {
    err(`error: ${tooLarge}`);
    return PROMOTE_EXIT.other;
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    err(`error: cannot read ${JSON.stringify(file)}: ${(error as Error).message}`);
    return PROMOTE_EXIT.other;
  }
  const edit = setSourceRef(text, target, values.tag, { allowDowngrade: values.rollback, repository });
  if (!edit.ok) {
    err(`refused (${edit.error.code}): ${edit.error.message}`);
    return PROMOTE_EXIT.refused;
  }
  if (!edit.value.changed) {
    err(`already at ${values.tag}`);
    return PROMOTE_EXIT.already;
  }
  if (values.write) {
    writeFileSync(file, edit.value.text, "utf8");
    err(
      `${file}: ${edit.value.from.field} ${edit.value.from.value} → tag ${values.tag} (line ${edit.value.from.line})`,
    );
  } else {
    out(edit.value.text.replace(/\n$/, ""));
  }
  return PROMOTE_EXIT.changed;
}

/**
 * Finds the configured target in a checkout the way the app does: its `path`, else the one file that discovery
 * finds among the likeliest files (refused when several hold it). The checkout's `origin` is this repository.
 */
function findTargetInRepo(
  dir: string,
  configFile: string | undefined,
  wanted: string | undefined,
):
  | { file: string; target: SourceTarget; id: string; repository: string | null }
  | { error: string; refused: boolean } {
  const config = readCliConfig(configFile, dir);
  if (!config.ok) return { error: config.error, refused: false };
  const { targets, discoveryReads } = config.value.promotion;
  const selected = selectTargets(targets, wanted ?? null);
  if (!selected.ok) return { error: selected.error, refused: false };
  if (selected.value.length !== 1) {
    return {
      error: `several targets are configured; pick one with --target (${targets.map(targetId).join(", ")})`,
      refused: false,
    };
  }
  const chosen = selected.value[0]!;
  const target = promotionSource(chosen);
  const id = targetId(chosen);
  const repository = originUrl(dir);
  if (chosen.path) {
    // The configuration comes from the repository: its `path` must not lead the write outside it.
    const inside = pathInside(dir, chosen.path);
    return "error" in inside
      ? { error: inside.error, refused: true }
      : { file: inside.path, target, id, repository };
  }
  const paths = listFiles(dir);
  // Files over the manifest size limit are never read (a huge file must not stall or exhaust the CLI).
  const read = promotionDiscoveryFiles(paths, target, discoveryReads).filter(
    (file) => !checkFileSize(path.join(dir, file), MAX_MANIFEST_BYTES, "manifest"),
  );
  const files = read.map((file) => ({ path: file, text: readFileSync(path.join(dir, file), "utf8") }));
  const unread = promotionDiscoveryFiles(paths, target, Infinity).length - read.length;
  const found = discoverPromotionTargets(files, target, { repository, unread });
  if (!found.ok) return { error: found.error.message, refused: true };
  return { file: path.join(dir, found.value.path), target, id, repository };
}

/** The checkout's `origin` URL (git's own answer, no shell), or null without one. */
function originUrl(dir: string): string | null {
  try {
    const url = execFileSync("git", ["-C", dir, "remote", "get-url", "origin"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return url || null;
  } catch {
    return null;
  }
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    if (entry.name === ".git" || entry.name === "node_modules") continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}
