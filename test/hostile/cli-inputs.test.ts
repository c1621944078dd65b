import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli as run } from "../helpers/run-cli.js";

// Issue 14, classes 1 and 5: what a repository (or a file given to the CLI) contains never makes the CLI write outside
// the repository, read unbounded input, or follow `_extends` silently.
const RELEASE = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: release
  namespace: flux-system
spec:
  url: https://github.com/example/platform
  ref:
    tag: v0.0.2
`;

describe("CLI: repository-controlled paths and input sizes", () => {
  let scratch: string;
  let outside: string;
  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), "grb-hostile-cli-"));
    mkdirSync(path.join(scratch, "outside"));
    outside = path.join(scratch, "outside", "release.yaml");
    writeFileSync(outside, RELEASE);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function repoWithTargetPath(name: string, targetPath: string): string {
    const dir = path.join(scratch, name);
    mkdirSync(path.join(dir, ".github"), { recursive: true });
    writeFileSync(
      path.join(dir, ".github", "gitops-release-bot.yml"),
      `promotion:\n  targets:\n    - path: ${JSON.stringify(targetPath)}\n`,
    );
    return dir;
  }

  test.each([
    ["`path: ../…`", (dir: string) => void dir, "../outside/release.yaml"],
    ["an absolute `path`", (dir: string) => void dir, "ABSOLUTE"],
    [
      "a symbolic link to a file outside",
      (dir: string) =>
        symlinkSync(path.join(scratch, "outside", "release.yaml"), path.join(dir, "link.yaml")),
      "link.yaml",
    ],
  ])("promote --repo --write refuses %s and writes nothing", async (name, prepare, targetPath) => {
    const dir = repoWithTargetPath(
      `repo-${name.length}-${targetPath.length}`,
      targetPath === "ABSOLUTE" ? outside : targetPath,
    );
    prepare(dir);
    const result = await run(["promote", "--repo", dir, "--tag", "v0.0.3", "--write"]);
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/leads outside the repository/);
    expect(readFileSync(outside, "utf8")).toBe(RELEASE);
  });

  test("a 50 MB promote input is refused before it is read, with the limit", async () => {
    const big = path.join(scratch, "big.yaml");
    writeFileSync(big, RELEASE + `# ${"x".repeat(50 * 1024 * 1024)}\n`);
    const before = process.memoryUsage().rss;
    const result = await run(["promote", big, "--tag", "v0.0.3"]);
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/limited to 2097152 bytes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });

  test("a configuration with `_extends` gets a note that the CLI does not follow it", async () => {
    const config = path.join(scratch, "extends.yml");
    writeFileSync(config, "_extends: .github\nprTitle:\n  requireScope: false\n");
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await run(["title", "--config", config, "fix: a"]);
    } finally {
      spy.mockRestore();
    }
    expect(writes.join("")).toMatch(/`_extends`, which the CLI does not follow/);
    expect(existsSync(config)).toBe(true);
  });
});
