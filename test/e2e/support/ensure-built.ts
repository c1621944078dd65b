import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Every file under `dir` (recursive). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );
}

/**
 * The e2e test runs the BUILT app (`lib/`, what `probot run` starts in production). `.ci/run` builds before testing;
 * a local `npm test` after editing src/ would otherwise test stale code, so rebuild when any src file is newer than
 * its compiled file (or lib/ is missing).
 */
export function ensureBuilt(): void {
  const stale = filesUnder(path.join(ROOT, "src"))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .some((file) => {
      const compiled = path
        .join(ROOT, "lib", path.relative(path.join(ROOT, "src"), file))
        .replace(/\.ts$/, ".js");
      return !existsSync(compiled) || statSync(compiled).mtimeMs < statSync(file).mtimeMs;
    });
  if (!stale) return;
  execFileSync(
    process.execPath,
    [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
    {
      cwd: ROOT,
      stdio: "pipe",
    },
  );
}
