import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { parseConfig } from "../../src/config/parse-config.js";
import { buildHistoryRepo } from "../helpers/history-repo.js";
import { cli } from "../helpers/run-cli.js";

const FLUX = path.resolve("test/fixtures/flux2-kustomize-helm-example");

interface InitJson {
  config: Record<string, unknown>;
  findings: Array<{ path: string; rule: string; severity: string; message: string }>;
}

let repo: ReturnType<typeof buildHistoryRepo>;
const temps: string[] = [];
beforeAll(() => {
  repo = buildHistoryRepo();
});
afterAll(() => {
  repo.cleanup();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

async function initJson(dir: string): Promise<InitJson> {
  const { code, out } = await cli(["init", dir, "--json"]);
  expect(code).toBe(0);
  return JSON.parse(out) as InitJson;
}

function copyOf(dir: string): string {
  const copy = mkdtempSync(path.join(tmpdir(), "grb-init-"));
  temps.push(copy);
  cpSync(dir, copy, { recursive: true, filter: (src) => path.basename(src) !== ".git" });
  return copy;
}

describe("init <dir>", () => {
  test("the real repository (k8s-gitops-at-scale): the defaults, zero findings", async () => {
    const { config, findings } = await initJson(repo.dir);
    expect(findings).toEqual([]);
    expect(config).toEqual({});
    const defaults = parseConfig({});
    expect(parseConfig(config)).toEqual(defaults);
    // The printed file is ready to save: it parses to the same configuration, and stderr says what each check sees.
    const { out, err } = await cli(["init", repo.dir]);
    expect(parseConfig(parse(out) ?? {})).toEqual(defaults);
    expect(err).toMatch(
      /^Folder layout: 95 files checked: every file is where the default layout expects it\.$/m,
    );
    expect(err).toMatch(/^Promotion: .*GitRepository `flux-system\/release`.*pinned to `v0\.0\.3`/m);
  });

  test("a Flux fleet repository (flux2-kustomize-helm-example's shape): a layout of its own, zero findings", async () => {
    const { config, findings } = await initJson(FLUX);
    expect(findings).toEqual([]);
    expect(config).toEqual({
      layout: {
        templates: {
          apps: "apps/{app}/{file}",
          "apps-2": "apps/{app}/{app_2}/{file}",
          clusters: "clusters/{cluster}/{file}",
          "clusters-2": "clusters/{cluster}/{cluster_2}/{file}",
          infrastructure: "infrastructure/{infrastructure}/{file}",
        },
        segments: {},
        allowed: expect.arrayContaining(["scripts/**", "**/kustomization.yaml"]),
      },
      // No source pins a version tag (the fleet follows `main`): nothing to promote.
      promotion: { enabled: false },
    });
    const { out, err } = await cli(["init", FLUX]);
    const saved = parseConfig(parse(out));
    expect(saved.ok).toBe(true);
    expect(err).toMatch(/GitOps: .*HelmRelease\.helm\.toolkit\.fluxcd\.io/);
    expect(err).toMatch(/^Promotion: Off: no Flux GitRepository/m);
  });

  test("a misplaced manifest planted in the Flux fleet repository is a finding", async () => {
    const dir = copyOf(FLUX);
    // A HelmRelease dropped two folders deeper than any other app manifest.
    mkdirSync(path.join(dir, "apps/base/podinfo/overlays/prod"), { recursive: true });
    renameSync(
      path.join(dir, "apps/base/podinfo/release.yaml"),
      path.join(dir, "apps/base/podinfo/overlays/prod/release.yaml"),
    );
    const { config, findings } = await initJson(dir);
    expect(findings).toEqual([
      expect.objectContaining({
        path: "apps/base/podinfo/overlays/prod/release.yaml",
        rule: "layout-path",
        severity: "error",
      }),
    ]);
    // The outlier does not bend the layout: the templates are the clean tree's.
    expect((config.layout as { templates: unknown }).templates).toEqual(
      ((await initJson(FLUX)).config.layout as { templates: unknown }).templates,
    );
    const { err } = await cli(["init", dir]);
    expect(err).toMatch(/^Folder layout: 28 files checked: 1 errors, 0 warnings, 0 notices\.$/m);
    expect(err).toMatch(/^ {2}apps\/base\/podinfo\/overlays\/prod\/release\.yaml: error layout-path: /m);
  });

  test("a manifest planted at the root of the fleet repository is a finding", async () => {
    const dir = copyOf(FLUX);
    renameSync(
      path.join(dir, "apps/base/podinfo/repository.yaml"),
      path.join(dir, "podinfo-repository.yaml"),
    );
    const { findings } = await initJson(dir);
    expect(findings).toEqual([
      expect.objectContaining({ path: "podinfo-repository.yaml", rule: "layout-path", severity: "error" }),
    ]);
  });

  test("usage errors exit 2", async () => {
    expect((await cli(["init"])).code).toBe(2);
    expect((await cli(["init", path.join(FLUX, "README.md")])).code).toBe(2);
  });
});
