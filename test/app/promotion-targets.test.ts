import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Probot } from "probot";
import { blobSha, FakeGitHubRepo } from "../helpers/fake-github-repo.js";
import { mockGitHub, resetNock } from "../helpers/mock-github.js";
import { createTestApp } from "../helpers/test-app.js";
import { examplePayload } from "../helpers/webhooks.js";

/**
 * Promotion on repositories shaped like the ones users have beside the real fixture: a fleet-style Flux repository
 * (staging and production clusters, test/fixtures/promotion/fleet), an Argo CD repository and a Flux Operator one
 * (test/fixtures/promotion/argocd, …/operator). Each fixture's README says where its shape comes from.
 */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/promotion");

function fixtureFiles(name: string, prefix = ""): Map<string, string> {
  const root = path.join(FIXTURES, name);
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else
        files.set(prefix + path.relative(root, full).split(path.sep).join("/"), readFileSync(full, "utf8"));
    }
  };
  walk(root);
  return files;
}

/** `example/platform` publishes a release; its default branch holds `files`. */
function setUp(files: Map<string, string>, configYaml: string | null, tag = "v2.4.0") {
  const payload = examplePayload("release", "published");
  Object.assign(payload.repository, {
    name: "platform",
    full_name: "example/platform",
    html_url: "https://github.com/example/platform",
    default_branch: "main",
  });
  payload.repository.owner.login = "example";
  Object.assign(payload.release, {
    tag_name: tag,
    body: `- notes of ${tag}`,
    draft: false,
    prerelease: false,
  });
  const fake = new FakeGitHubRepo("example", "platform", files);
  // No configuration of its own: the repository opted in with every option at its default.
  if (configYaml !== null) fake.configYaml = configYaml;
  fake.tags.set(tag, new Map(files));
  const gh = mockGitHub();
  fake.serve(gh.api);
  return { payload, fake, gh };
}

const writes = (requests: Array<{ method: string; path: string }>) =>
  requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${decodeURIComponent(r.path)}`);

/** The files a PR's branch changed against main. */
const changedOn = (fake: FakeGitHubRepo, branch: string) => {
  const files = fake.branches.get(branch)!;
  return [...files.keys()].filter((p) => files.get(p) !== fake.main.get(p));
};

describe("promotion targets beyond the real fixture", () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["promotion"]);
  });
  afterEach(() => resetNock());

  test("fleet: the same GitRepository in staging and production → refused in one issue naming both, no PR", async () => {
    const { payload, fake, gh } = setUp(fixtureFiles("fleet"), null, "v1.5.0");
    await probot.receive({ name: "release", id: "1", payload } as never);
    gh.finish();
    expect(fake.pulls).toEqual([]);
    expect(writes(gh.requests)).toEqual(["POST /repos/example/platform/issues"]);
    const [issue] = fake.issues;
    expect(issue!.title).toBe("Promotion of v1.5.0 to release is blocked");
    expect(issue!.body).toContain(
      "2 files hold GitRepository `flux-system/release`: `clusters/production/release.yaml`, `clusters/staging/release.yaml`",
    );
    expect(issue!.body).toContain("e.g. `path: clusters/production/release.yaml`");
  });

  test("a file over 2 MiB is never read (its base64 answer would break octokit's JSON parser): discovery sees the rest", async () => {
    const files = fixtureFiles("fleet");
    // A 3 MiB bundle that also holds the GitRepository: read, it would be a third candidate.
    const bundle = `${files.get("clusters/production/release.yaml")}---\n# ${"x".repeat(3 * 1024 * 1024)}\n`;
    files.set("clusters/production/bundle.yaml", bundle);
    const { payload, fake, gh } = setUp(files, null, "v1.5.0");
    await probot.receive({ name: "release", id: "1", payload } as never);
    gh.finish();
    const bundleSha = blobSha(bundle);
    expect(gh.requests.filter((r) => r.path.includes(bundleSha))).toEqual([]);
    expect(fake.issues[0]!.body).toContain(
      "2 files hold GitRepository `flux-system/release`: `clusters/production/release.yaml`, `clusters/staging/release.yaml`",
    );
  });

  test("fleet with `path`: production moves, staging is untouched", async () => {
    const config =
      "promotion:\n  targets:\n    - id: production\n      path: clusters/production/release.yaml\n";
    const { payload, fake, gh } = setUp(fixtureFiles("fleet"), config, "v1.5.0");
    await probot.receive({ name: "release", id: "1", payload } as never);
    gh.finish();
    expect(changedOn(fake, "promote/production")).toEqual(["clusters/production/release.yaml"]);
    expect(fake.branches.get("promote/production")!.get("clusters/production/release.yaml")).toContain(
      "    tag: v1.5.0 # the platform release this cluster runs\n",
    );
    expect(fake.pulls[0]!.body).toContain(
      "Moves production (GitRepository `flux-system/release`, `production`) from tag `v1.4.0` to tag `v1.5.0`.",
    );
    // Staging's copy of the source has its own Kustomization: production's PR does not list it.
    expect(fake.pulls[0]!.body).toContain("1 Flux Kustomizations use this source; 1 change.");
    expect(fake.pulls[0]!.body).toContain("- `apps` (`./apps/production`): **changes**");
    expect(fake.pulls[0]!.body).not.toContain("./apps/staging");
    expect(fake.pulls[0]!.body).toContain('"tracked":[["flux-system","apps",null]]');
  });

  test("Argo CD: an Application deploying a Helm chart is not bumped to the Git tag (blocked, with the fix)", async () => {
    const config =
      "promotion:\n  targets:\n    - id: prod\n      kind: Application\n      name: platform-chart\n      namespace: argocd\n";
    const { payload, fake, gh } = setUp(fixtureFiles("argocd"), config);
    await probot.receive({ name: "release", id: "1", payload } as never);
    gh.finish();
    expect(fake.pulls).toEqual([]);
    expect(fake.issues[0]!.body).toContain(
      "Application `argocd/platform-chart` deploys the Helm chart `platform` from `oci://ghcr.io/example/charts`",
    );
    expect(fake.issues[0]!.body).toContain("File: `apps/platform-chart.yaml`");
  });

  test("Argo CD: the Application deploying this repository (ssh URL form) is promoted", async () => {
    const config =
      "promotion:\n  targets:\n    - id: prod\n      kind: Application\n      name: guestbook\n      namespace: argocd\n";
    const { payload, fake, gh } = setUp(fixtureFiles("argocd"), config);
    await probot.receive({ name: "release", id: "1", payload } as never);
    gh.finish();
    expect(changedOn(fake, "promote/prod")).toEqual(["apps/guestbook.yaml"]);
    expect(fake.branches.get("promote/prod")!.get("apps/guestbook.yaml")).toBe(
      fake.main.get("apps/guestbook.yaml")!.replace("targetRevision: v2.3.0", "targetRevision: v2.4.0"),
    );
  });

  test("FluxInstance (discovered) and a File target (Kustomize newTag) → one PR each", async () => {
    const config = [
      "promotion:",
      "  targets:",
      "    - id: operator",
      "      kind: FluxInstance",
      "      name: flux",
      "    - id: image",
      "      kind: File",
      "      path: kustomization.yaml",
      "      field: images[name=ghcr.io/example/platform].newTag",
      '      valueFormat: "{version}"',
      "",
    ].join("\n");
    const { payload, fake, gh } = setUp(fixtureFiles("operator"), config);
    await probot.receive({ name: "release", id: "1", payload } as never);
    gh.finish();
    expect(fake.issues).toEqual([]);
    expect(changedOn(fake, "promote/operator")).toEqual(["flux-instance.yaml"]);
    expect(fake.branches.get("promote/operator")!.get("flux-instance.yaml")).toContain(
      '    ref: "refs/tags/v2.4.0"\n',
    );
    expect(changedOn(fake, "promote/image")).toEqual(["kustomization.yaml"]);
    expect(fake.branches.get("promote/image")!.get("kustomization.yaml")).toContain(
      "    newTag: 2.4.0 # bumped by the promotion PR\n",
    );
    expect(fake.pulls.map((p) => p.title)).toEqual([
      "chore(release): promote v2.4.0 to operator",
      "chore(release): promote v2.4.0 to image",
    ]);
    // Both compare the tags production runs: `refs/tags/v2.3.0` and the image's `2.3.0` are the tag v2.3.0.
    for (const pull of fake.pulls) {
      expect(pull.body).toContain("https://github.com/example/platform/compare/v2.3.0...v2.4.0");
    }
    expect(fake.pulls[1]!.body).toContain(
      "from images[name=ghcr.io/example/platform].newTag `2.3.0` to tag `v2.4.0`",
    );
  });
});
