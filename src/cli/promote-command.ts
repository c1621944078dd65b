import { checkFileSize, MAX_MANIFEST_BYTES, pathInside } from "../util/input-limits.js";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { rankTargetCandidates } from "../gitops/rank-target-candidates.js";
import { SOURCE_KINDS, setSourceRef, type SourceKind, type SourceTarget } from "../gitops/set-source-ref.js";
import { selectTargets, targetId } from "../rules/plan-promotion.js";
import { readCliConfig } from "./cli-config.js";

export const promoteUsage =
  "gitops-release-bot promote (<file> | --repo <dir> [--target <id>]) --tag <tag> [--kind GitRepository] [--name release] [--namespace flux-system] [--rollback] [--write]";

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

  let file: string;
  let target: SourceTarget;
  if (values.repo) {
    const found = findTargetInRepo(values.repo, values.config, values.target);
    if ("error" in found) {
      err(`error: ${found.error}`);
      return found.refused ? PROMOTE_EXIT.refused : PROMOTE_EXIT.other;
    }
    ({ file, target } = found);
    err(`target ${found.id}: ${path.relative(values.repo, file)}`);
  } else {
    file = positionals[0]!;
    target = { kind: values.kind as SourceKind, name: values.name, namespace: values.namespace };
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
  const edit = setSourceRef(text, target, values.tag, { allowDowngrade: values.rollback });
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

/** Finds the configured target in a checkout the way the app does: `path`, else the likeliest files, bounded. */
function findTargetInRepo(
  dir: string,
  configFile: string | undefined,
  wanted: string | undefined,
): { file: string; target: SourceTarget; id: string } | { error: string; refused: boolean } {
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
  const target: SourceTarget = {
    kind: chosen.kind,
    name: chosen.name,
    namespace: chosen.namespace,
    repoURL: chosen.repoURL,
  };
  const id = targetId(chosen);
  if (chosen.path) {
    // The configuration comes from the repository: its `path` must not lead the write outside it.
    const inside = pathInside(dir, chosen.path);
    return "error" in inside ? { error: inside.error, refused: true } : { file: inside.path, target, id };
  }
  const candidates = rankTargetCandidates(listFiles(dir), target).slice(0, discoveryReads);
  for (const candidate of candidates) {
    if (checkFileSize(path.join(dir, candidate), MAX_MANIFEST_BYTES, "manifest")) continue;
    const edit = setSourceRef(readFileSync(path.join(dir, candidate), "utf8"), target, "v0.0.0-probe", {
      allowDowngrade: true,
    });
    if (edit.ok || (edit.error.code !== "not-found" && edit.error.code !== "invalid-yaml")) {
      return { file: path.join(dir, candidate), target, id };
    }
  }
  return {
    error: `no ${target.kind} ${target.namespace}/${target.name} in the ${candidates.length} likeliest files; set \`path\` of the target in .github/gitops-release-bot.yml`,
    refused: true,
  };
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
