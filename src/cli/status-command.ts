import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  deriveEnvironments,
  environmentFilesToRead,
  locatePromotionTargets,
} from "../gitops/derive-environments.js";
import {
  composeRepositoryStatus,
  productionBase,
  renderStatusText,
  statusRules,
} from "../notes/environment-status.js";
import { latestVersionTag } from "../notes/waiting-changes.js";
import { EXIT, readCliConfig, UsageError } from "./cli-config.js";
import { git, localCommits, localTags } from "./local-release-range.js";

export const statusUsage = "gitops-release-bot status --repo <dir> [--config <file>] [--json]";

/**
 * `status`: what runs where, from a local checkout: the environments the tree defines (production at each promotion
 * target's pinned tag, non-production at the branch its source follows), the merged PRs on `HEAD` that production
 * does not have yet grouped by platform impact, and the suggested next version.
 */
export async function statusCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      repo: { type: "string" },
      config: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals.length)
    throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${statusUsage}`);
  if (!values.repo) throw new UsageError(`--repo is required\nusage: ${statusUsage}`);
  const dir = values.repo;
  const config = readCliConfig(values.config, dir);
  if (!config.ok) throw new UsageError(config.error);
  const { promotion, release } = config.value;

  // 1. The checked-out tree: the files that may hold the targets, the sources and their Kustomizations.
  const head = (
    await git(dir, ["rev-parse", "--verify", "HEAD^{commit}"]).catch((error: Error) => {
      throw new UsageError(`"${dir}" is not a git repository with a commit: ${error.message.split("\n")[0]}`);
    })
  ).trim();
  const paths = listFiles(dir);
  const wanted = environmentFilesToRead(paths, promotion.targets, promotion);
  const files = new Map(wanted.map((file) => [file, readFileSync(path.join(dir, file), "utf8")]));
  const located = locatePromotionTargets(paths, files, promotion.targets, promotion.discoveryReads);
  const environments = deriveEnvironments(files, located);

  // 2. Each environment's commit, and what HEAD has that production (and the latest tag) do not.
  const tags = await localTags(dir);
  const commits = await Promise.all(
    environments.map((env) =>
      resolveRef(dir, env.ref.type === "tag" ? [`refs/tags/${env.ref.name}`] : branchRefs(env.ref.name)),
    ),
  );
  const base = productionBase(environments, release.tagPrefix);
  const baseRevision = base
    ? base.type === "tag"
      ? `refs/tags/${base.name}`
      : await resolveRef(dir, branchRefs(base.name))
    : null;
  const latest = latestVersionTag(tags, release.tagPrefix);
  const range = async (revision: string | null) =>
    revision
      ? {
          commits: await localCommits(dir, [`${revision}..HEAD`]),
          baseOnly: await localCommits(dir, [`HEAD..${revision}`]),
        }
      : { commits: await localCommits(dir, ["HEAD"]), baseOnly: [] };
  const [toProduction, toLatest] = await Promise.all([
    range(baseRevision),
    range(latest ? `refs/tags/${latest}` : null),
  ]);
  const pathsOf = baseRevision
    ? await changedPathsPerCommit(dir, `${baseRevision}..HEAD`)
    : new Map<string, string[]>();

  // 3. Compose (pure) and print.
  const status = composeRepositoryStatus(statusRules(config.value), {
    environments: environments.map((env, i) => ({ ...env, commit: commits[i] ?? null })),
    located,
    head,
    toProduction,
    toLatest,
    latestTag: latest,
    tags,
    pathsOf: (sha) => pathsOf.get(sha) ?? null,
  });
  out(values.json ? JSON.stringify(status, null, 2) : renderStatusText(status));
  return EXIT.ok;
}

const branchRefs = (branch: string) => [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`];

/** The commit of the first revision that exists, or null. */
async function resolveRef(dir: string, revisions: string[]): Promise<string | null> {
  for (const revision of revisions) {
    try {
      return (
        await git(dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${revision}^{commit}`])
      ).trim();
    } catch {
      // not this one
    }
  }
  return null;
}

/** The paths each commit of the range changed (against its first parent), in one `git log`. */
async function changedPathsPerCommit(dir: string, range: string): Promise<Map<string, string[]>> {
  const log = await git(dir, [
    "log",
    "--no-renames",
    "--diff-merges=first-parent",
    "--format=%x1e%H",
    "--name-only",
    range,
    "--",
  ]);
  const result = new Map<string, string[]>();
  for (const record of log.split("\x1e").filter((r) => r.trim())) {
    const [sha = "", ...files] = record.split("\n").filter(Boolean);
    result.set(sha, files);
  }
  return result;
}

function listFiles(dir: string, prefix = ""): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    if (entry.name === ".git" || entry.name === "node_modules") continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...listFiles(dir, rel));
    else if (entry.isFile()) found.push(rel);
  }
  return found;
}
