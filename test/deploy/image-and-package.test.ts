import { describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DOCKERFILE = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");

/** dockerfilelint (npm) on a file: its issues. */
function lint(file: string): Array<{ line: string; title: string }> {
  const bin = path.join(ROOT, "node_modules/.bin/dockerfilelint");
  let output: string;
  try {
    output = execFileSync(bin, ["-o", "json", file], { encoding: "utf8" });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? "");
  }
  const report = JSON.parse(output) as { files: Array<{ issues: Array<{ line: string; title: string }> }> };
  return report.files.flatMap((f) => f.issues);
}

/** The instructions of the Dockerfile's last stage (continuation lines joined). */
function finalStage(): string[] {
  const lines = DOCKERFILE.replace(/\\\n\s*/g, " ")
    .split("\n")
    .filter((line) => line.trim() && !line.trim().startsWith("#"));
  const from = lines.map((l, i) => (/^FROM /i.test(l) ? i : -1)).filter((i) => i >= 0);
  return lines.slice(from[from.length - 1]);
}

describe("Dockerfile", () => {
  test("dockerfilelint finds nothing (and does find a planted mistake)", () => {
    expect(lint(path.join(ROOT, "Dockerfile"))).toEqual([]);
    const dir = mkdtempSync(path.join(tmpdir(), "grb-docker-"));
    try {
      const bad = path.join(dir, "Dockerfile");
      writeFileSync(bad, "FROM node\nRUN apt-get install curl\nCMD node lib/server.js\n");
      expect(lint(bad).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("runtime: numeric USER, node as PID 1 in exec form, JSON logs, production dependencies without .d.ts", () => {
    const stage = finalStage();
    const user = stage.find((l) => /^USER /i.test(l));
    expect(user).toMatch(/^USER \d+(:\d+)?$/);
    const cmd = stage.find((l) => /^CMD /i.test(l))!;
    // Exec form with node itself: no shell between the kernel's SIGTERM and the app's handler.
    expect(JSON.parse(cmd.slice(4))).toEqual(["node", "lib/server.js"]);
    expect(stage.some((l) => /^ENTRYPOINT /i.test(l))).toBe(false);
    expect(stage.join("\n")).toMatch(/LOG_FORMAT=json/);
    expect(stage.join("\n")).toMatch(/NODE_ENV=production/);
    // node_modules comes from the stage that installs with --omit=dev and deletes declaration files.
    expect(stage.join("\n")).toMatch(/COPY --from=deps \/app\/node_modules/);
    expect(DOCKERFILE).toMatch(/npm ci --omit=dev/);
    expect(DOCKERFILE).toMatch(/-name "\*\.d\.ts"[^\n]*-delete/);
  });
});

describe("the npm package", () => {
  const packed = () => {
    const json = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return (JSON.parse(json) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
  };

  test("ships an MIT LICENSE, the server entry, and every file its source maps point at", () => {
    const files = packed();
    expect(files).toContain("LICENSE");
    expect(readFileSync(path.join(ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License/);
    expect(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).license).toBe("MIT");
    expect(files).toContain("lib/server.js");
    const maps = files.filter((f) => f.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(10);
    const shipped = new Set(files);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(path.join(ROOT, map), "utf8")) as { sources: string[] };
      for (const source of sources) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(map), source));
        if (!shipped.has(target)) missing.push(`${map} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
  }, 60_000);
});
