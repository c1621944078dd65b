import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cli as run } from "../helpers/run-cli.js";
import { buildHistoryRepo, git } from "../helpers/history-repo.js";
import { fileURLToPath } from "node:url";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/promotion");

const RELEASE_PATH = "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-release.yaml";

describe("promote command", () => {
  let repo: ReturnType<typeof buildHistoryRepo>;
  let scratch: string;
  beforeAll(() => {
    repo = buildHistoryRepo();
    // The real repository just before PR #14: production pinned to v0.0.2.
    git(repo.dir, ["checkout", "-q", "main~1"]);
    scratch = mkdtempSync(path.join(tmpdir(), "grb-promote-"));
  });
  afterAll(() => {
    repo.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  test("--repo finds the release file, --write makes exactly the one-line change of the real PR #14", async () => {
    const result = await run(["promote", "--repo", repo.dir, "--tag", "v0.0.3", "--write"]);
    expect(result.code).toBe(0);
    expect(result.err).toContain(`target release: ${RELEASE_PATH}`);
    expect(git(repo.dir, ["diff", "--numstat"])).toBe(`1\t1\t${RELEASE_PATH}`);
    expect(git(repo.dir, ["diff", "main", "--", RELEASE_PATH])).toBe("");
    git(repo.dir, ["checkout", "-q", "--", "."]);
  });

  test("a file: prints the new text (exit 0); already at the tag (exit 2); a downgrade is refused (exit 3)", async () => {
    const file = path.join(scratch, "release.yaml");
    writeFileSync(file, readFileSync(path.join(repo.dir, RELEASE_PATH), "utf8"));
    const changed = await run(["promote", file, "--tag", "v0.0.3"]);
    expect(changed.code).toBe(0);
    expect(changed.out).toContain("    tag: v0.0.3\n  secretRef:");
    expect(readFileSync(file, "utf8")).toContain("tag: v0.0.2");
    expect((await run(["promote", file, "--tag", "v0.0.2"])).code).toBe(2);
    const refused = await run(["promote", file, "--tag", "v0.0.1"]);
    expect(refused.code).toBe(3);
    expect(refused.err).toContain("refused (downgrade)");
    expect((await run(["promote", file, "--tag", "v0.0.1", "--rollback"])).code).toBe(0);
  });

  test("bad usage and unreadable files exit 1 with the reason", async () => {
    const noTag = await run(["promote", "x.yaml"]);
    expect(noTag).toMatchObject({ code: 1 });
    expect(noTag.err).toContain("--tag is required");
    const badKind = await run(["promote", "x.yaml", "--tag", "v1", "--kind", "HelmRelease"]);
    expect(badKind.err).toContain(
      '--kind "HelmRelease" is not one of GitRepository, OCIRepository, Application, FluxInstance, File',
    );
    const missing = await run(["promote", path.join(scratch, "nope.yaml"), "--tag", "v1"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("cannot read");
  });

  test("--repo on a fleet repository: staging and production hold the target → refused (exit 3), nothing written", async () => {
    const fleet = path.join(scratch, "fleet");
    cpSync(path.join(FIXTURES, "fleet"), fleet, { recursive: true });
    const before = readFileSync(path.join(fleet, "clusters/staging/release.yaml"), "utf8");
    const refused = await run(["promote", "--repo", fleet, "--tag", "v1.5.0", "--write"]);
    expect(refused.code).toBe(3);
    expect(refused.err).toContain(
      "2 files hold GitRepository `flux-system/release`: `clusters/production/release.yaml`, `clusters/staging/release.yaml`",
    );
    expect(readFileSync(path.join(fleet, "clusters/staging/release.yaml"), "utf8")).toBe(before);
    // The key the message names settles it, as in the app.
    mkdirSync(path.join(fleet, ".github"));
    writeFileSync(
      path.join(fleet, ".github/gitops-release-bot.yml"),
      "promotion:\n  targets:\n    - id: production\n      path: clusters/production/release.yaml\n",
    );
    const moved = await run(["promote", "--repo", fleet, "--tag", "v1.5.0", "--write"]);
    expect(moved.code).toBe(0);
    expect(moved.err).toContain("target production: clusters/production/release.yaml");
    expect(readFileSync(path.join(fleet, "clusters/staging/release.yaml"), "utf8")).toBe(before);
  });

  test("a file with --kind File --field (Kustomize newTag) and --kind FluxInstance", async () => {
    const kustomization = path.join(FIXTURES, "operator/kustomization.yaml");
    const image = await run([
      "promote",
      kustomization,
      "--tag",
      "v2.4.0",
      "--kind",
      "File",
      "--field",
      "images[name=ghcr.io/example/platform].newTag",
      "--value-format",
      "{version}",
    ]);
    expect(image.code).toBe(0);
    expect(image.out).toContain("    newTag: 2.4.0 # bumped by the promotion PR");
    const noField = await run(["promote", kustomization, "--tag", "v2.4.0", "--kind", "File"]);
    expect(noField.code).toBe(1);
    expect(noField.err).toContain("--kind File needs --field <yaml path>");
    const instance = await run([
      "promote",
      path.join(FIXTURES, "operator/flux-instance.yaml"),
      "--tag",
      "v2.4.0",
      "--kind",
      "FluxInstance",
      "--name",
      "flux",
    ]);
    expect(instance.code).toBe(0);
    expect(instance.out).toContain('    ref: "refs/tags/v2.4.0"');
    const chart = await run([
      "promote",
      path.join(FIXTURES, "argocd/apps/ingress-nginx.yaml"),
      "--tag",
      "v2.4.0",
      "--kind",
      "Application",
      "--name",
      "ingress-nginx",
      "--namespace",
      "argocd",
    ]);
    expect(chart.code).toBe(3);
    expect(chart.err).toContain("refused (other-source)");
  });
});
