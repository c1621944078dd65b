import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "@jest/globals";
import { cli } from "../helpers/run-cli.js";

describe("gitops-release-bot title", () => {
  test("exit 0 for a valid title, with --json in the documented shape", async () => {
    const result = await cli(["title", "--json", "tenants(dummy)!: increase compute quota"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({
      valid: true,
      type: "tenants",
      scope: "dummy",
      subject: "increase compute quota",
      breaking: true,
      problems: [],
    });
  });

  test("exit 1 for an invalid title, with each problem and a suggestion", async () => {
    const result = await cli(["title", "Feat: Add x."]);
    expect(result.code).toBe(1);
    expect(result.out).toContain("The type `Feat` must be lower-case: write `feat`. (type-case)");
    expect(result.out).toContain("suggested: feat: add x");
  });

  test("exit 2 for usage errors and invalid configuration, quoting the bad value", async () => {
    expect((await cli(["title"])).code).toBe(2);
    expect((await cli(["title", "a", "b"])).code).toBe(2);
    expect((await cli(["title", "--bogus", "x"])).code).toBe(2);
    expect((await cli(["nope"])).err).toContain('unknown command "nope"');
    const dir = mkdtempSync(path.join(tmpdir(), "grb-cli-"));
    const bad = path.join(dir, "bad.yml");
    writeFileSync(bad, "prTitle:\n  maxHeaderLength: -1\n");
    const result = await cli(["title", "--config", bad, "feat: x"]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("`prTitle.maxHeaderLength`: got `-1`");
    expect((await cli(["title", "--config", path.join(dir, "missing.yml"), "feat: x"])).err).toContain(
      "cannot read",
    );
  });

  test("--config applies the repository's rules", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "grb-cli-"));
    const file = path.join(dir, "gitops-release-bot.yml");
    writeFileSync(file, "prTitle:\n  types: [ops]\n  requireScope: true\n");
    expect((await cli(["title", "--config", file, "ops(aws): rotate"])).code).toBe(0);
    expect((await cli(["title", "--config", file, "feat: x"])).code).toBe(1);
  });

  // `npm test` builds lib/ first (pretest), so this runs the real bin.
  test("the built bin treats a title with shell metacharacters as data", () => {
    const title = "feat: $(touch /tmp/grb-pwned) `id`; rm -rf ~";
    const run = spawnSync(process.execPath, ["lib/cli.js", "title", "--json", title], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).subject).toBe("$(touch /tmp/grb-pwned) `id`; rm -rf ~");
  });
});
