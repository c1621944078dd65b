import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { compileLayoutTemplates } from "../rules/layout-templates.js";
import {
  evaluateLayout,
  isParsedManifest,
  type LayoutFile,
  type ManifestContent,
} from "../rules/evaluate-layout.js";
import { MAX_MANIFEST_BYTES } from "../rules/parse-manifests.js";
import type { RepositoryIdentity } from "../rules/flux-sources.js";
import type { LayoutFinding } from "../rules/layout-finding.js";
import { EXIT, readCliConfig, UsageError } from "./cli-config.js";

export const layoutUsage =
  "gitops-release-bot layout <dir> [--config <file>] [--json] [--repository-url <url>]... [--branch <name>]";

/**
 * `layout`: checks every file of a local checkout (`.git/` ignored) with the rules of the "Folder layout" check.
 * Exit 0 clean (notices allowed), 1 errors or warnings, 2 usage or configuration error.
 */
export function layoutCommand(args: string[], out: (text: string) => void): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      json: { type: "boolean", default: false },
      "repository-url": { type: "string", multiple: true },
      branch: { type: "string" },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`expected exactly one folder\nusage: ${layoutUsage}`);
  const dir = path.resolve(positionals[0] ?? ".");
  if (!isDirectory(dir)) throw new UsageError(`"${positionals[0]}" is not a folder\nusage: ${layoutUsage}`);
  const config = readCliConfig(values.config, dir);
  if (!config.ok) throw new UsageError(config.error);
  const settings = config.value.layout;
  const layout = compileLayoutTemplates(settings);
  if (!layout.ok)
    throw new UsageError(layout.error.map((p) => `layout.${p.path.join(".")}: ${p.message}`).join("\n"));

  const paths = listFiles(dir);
  const directories = new Set<string>();
  for (const file of paths) {
    for (let i = file.indexOf("/"); i >= 0; i = file.indexOf("/", i + 1)) directories.add(file.slice(0, i));
  }
  const fileSet = new Set(paths);
  const fileExists = (file: string) => fileSet.has(file);
  const contents = new Map<string, ManifestContent>();
  for (const file of paths) {
    if (!isParsedManifest(settings, file, fileExists)) continue;
    const full = path.join(dir, file);
    const size = statSync(full).size;
    contents.set(file, size > MAX_MANIFEST_BYTES ? { tooLarge: size } : { text: readFileSync(full, "utf8") });
  }
  const files: LayoutFile[] = paths.map((file) => ({ path: file, status: "added" }));
  const { findings } = evaluateLayout(layout.value, settings, {
    files,
    contents,
    directoryExists: (d) => directories.has(d),
    fileExists,
    repository: repositoryOf(dir, values["repository-url"], values.branch),
    title: null,
  });

  if (values.json) {
    out(
      JSON.stringify({
        findings: findings.map(findingJson),
      }),
    );
  } else if (!findings.length) {
    out(`${paths.length} files checked: the folder layout is clean.`);
  } else {
    for (const f of findings) {
      const where = `${f.path}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ""}` : ""}`;
      out(`${where}: ${f.severity} ${f.rule}: ${f.message}`);
    }
  }
  return findings.some((f) => f.severity !== "notice") ? EXIT.findings : EXIT.ok;
}

/** A finding as `--json` prints it (`layout` and `init`): where, which rule, how bad, what to do. */
export function findingJson({ path: file, line, column, rule, severity, message }: LayoutFinding) {
  return {
    path: file,
    ...(line !== undefined ? { line } : {}),
    ...(column !== undefined ? { column } : {}),
    rule,
    severity,
    message,
  };
}

/** Every file below `dir` as a `/`-separated relative path, sorted; `.git/` is skipped, symlinks are not followed. */
export function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (child !== ".git") walk(child);
      } else if (entry.isFile()) files.push(child);
    }
  };
  walk("");
  return files.sort();
}

export function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * This checkout's identity, to tell which Flux GitRepositories are this repository on this branch: the URLs of its
 * git remotes and HEAD's branch, unless given by `--repository-url` / `--branch`. Not a git checkout: unknown.
 */
function repositoryOf(
  dir: string,
  urls: string[] | undefined,
  branch: string | undefined,
): RepositoryIdentity {
  const git = (...args: string[]) => {
    try {
      // Arguments as an array, no shell: the folder name is user text.
      return execFileSync("git", ["-C", dir, ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
    } catch {
      return "";
    }
  };
  const remotes = urls?.length
    ? urls
    : [
        ...new Set(
          git("remote", "-v")
            .split("\n")
            .map((line) => line.split(/\s+/)[1])
            .filter((url): url is string => Boolean(url)),
        ),
      ];
  return { urls: remotes, branch: branch ?? (git("symbolic-ref", "--short", "-q", "HEAD").trim() || null) };
}
