import { describe, expect, test } from "@jest/globals";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  discoverPromotionTargets,
  promotionDiscoveryFiles,
} from "../../src/gitops/discover-promotion-targets.js";
import { sameRepository } from "../../src/gitops/same-repository.js";
import { setSourceRef, type SourceTarget } from "../../src/gitops/set-source-ref.js";
import { parseYamlPath } from "../../src/gitops/yaml-path.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/promotion");

/** Every file of a fixture repository, as the app and the CLI list them (relative paths, `/`-separated). */
function repoFiles(name: string): Array<{ path: string; text: string }> {
  const root = path.join(FIXTURES, name);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const full = path.join(dir, entry);
      return statSync(full).isDirectory()
        ? walk(full)
        : [path.relative(root, full).split(path.sep).join("/")];
    });
  return walk(root)
    .sort()
    .map((file) => ({ path: file, text: readFileSync(path.join(root, file), "utf8") }));
}
const fixture = (name: string, file: string) => readFileSync(path.join(FIXTURES, name, file), "utf8");

const RELEASE: SourceTarget = { kind: "GitRepository", name: "release", namespace: "flux-system" };
const THIS_REPO = "https://github.com/example/platform";

describe("discoverPromotionTargets (fleet: staging and production hold the same GitRepository)", () => {
  const files = repoFiles("fleet");

  test("both clusters' files are read, and the promotion is refused, naming both and the key to set", () => {
    const read = promotionDiscoveryFiles(
      files.map((f) => f.path),
      RELEASE,
      10,
    );
    expect(read).toEqual(
      expect.arrayContaining(["clusters/staging/release.yaml", "clusters/production/release.yaml"]),
    );
    const found = discoverPromotionTargets(
      files.filter((f) => read.includes(f.path)),
      RELEASE,
    );
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.error.code).toBe("ambiguous");
    expect(found.error.candidates.sort()).toEqual([
      "clusters/production/release.yaml",
      "clusters/staging/release.yaml",
    ]);
    expect(found.error.message).toContain(
      "2 files hold GitRepository `flux-system/release`: `clusters/production/release.yaml`, `clusters/staging/release.yaml`",
    );
    expect(found.error.message).toContain("set `path` of the target");
    expect(found.error.message).toContain("e.g. `path: clusters/production/release.yaml`");
  });

  test("one file holds it → that file, with what it is pinned to", () => {
    const found = discoverPromotionTargets(
      files.filter((f) => !f.path.startsWith("clusters/staging/")),
      RELEASE,
    );
    if (!found.ok) throw new Error(found.error.message);
    expect(found.value.path).toBe("clusters/production/release.yaml");
    expect(found.value.pinned).toEqual({ ok: true, value: { field: "tag", value: "v1.4.0", line: 9 } });
  });

  test("a file where the object cannot be edited is still a candidate (its refusal comes with it)", () => {
    const templated = files.map((f) =>
      f.path === "clusters/staging/release.yaml"
        ? { ...f, text: f.text.replace("v1.5.0-rc.1", "${TAG}") }
        : f,
    );
    const found = discoverPromotionTargets(templated, RELEASE);
    expect(!found.ok && found.error.candidates.length).toBe(2);
  });

  test("none → not found, with the files searched and how many were not read", () => {
    const found = discoverPromotionTargets(files, { ...RELEASE, name: "platform" }, { unread: 3 });
    expect(!found.ok && found.error.code).toBe("not-found");
    expect(!found.ok && found.error.message).toContain("3 other YAML files were not read");
  });
});

describe("Argo CD sources that are not this repository's release", () => {
  const app = (name: string): SourceTarget => ({ kind: "Application", name, namespace: "argocd" });

  test("a Helm chart from a Helm repository is refused (its targetRevision is the chart's version)", () => {
    const edit = setSourceRef(fixture("argocd", "apps/ingress-nginx.yaml"), app("ingress-nginx"), "v2.4.0", {
      repository: THIS_REPO,
    });
    expect(!edit.ok && edit.error.code).toBe("other-source");
    expect(!edit.ok && edit.error.message).toContain(
      "deploys the Helm chart `ingress-nginx` from `https://kubernetes.github.io/ingress-nginx`",
    );
    expect(!edit.ok && edit.error.message).toContain(
      "set `repoURL: https://kubernetes.github.io/ingress-nginx`",
    );
  });

  test("without knowing this repository (a single file in the CLI), a chart is still refused", () => {
    const edit = setSourceRef(fixture("argocd", "apps/ingress-nginx.yaml"), app("ingress-nginx"), "v2.4.0");
    expect(!edit.ok && edit.error.code).toBe("other-source");
  });

  test("an oci:// chart is refused; with repoURL (consent) and valueFormat it moves to the version", () => {
    const text = fixture("argocd", "apps/platform-chart.yaml");
    const refused = setSourceRef(text, app("platform-chart"), "v2.4.0", { repository: THIS_REPO });
    expect(!refused.ok && refused.error.message).toContain("from `oci://ghcr.io/example/charts`");
    const consented = setSourceRef(
      text,
      { ...app("platform-chart"), repoURL: "oci://ghcr.io/example/charts/", valueFormat: "{version}" },
      "v2.4.0",
      { repository: THIS_REPO },
    );
    if (!consented.ok) throw new Error(consented.error.message);
    expect(consented.value.text).toBe(text.replace("targetRevision: 2.3.0 #", "targetRevision: 2.4.0 #"));
  });

  test("another Git repository is refused; this repository in another URL form is moved", () => {
    const text = fixture("argocd", "apps/guestbook.yaml");
    const other = setSourceRef(text, app("guestbook"), "v2.4.0", {
      repository: "https://github.com/example/other",
    });
    expect(!other.ok && other.error.code).toBe("other-source");
    expect(!other.ok && other.error.message).toContain(
      "another repository (`git@github.com:example/platform.git`)",
    );
    const same = setSourceRef(text, app("guestbook"), "v2.4.0", {
      repository: "https://GitHub.com/example/platform/",
    });
    if (!same.ok) throw new Error(same.error.message);
    expect(same.value.text).toBe(text.replace("targetRevision: v2.3.0", "targetRevision: v2.4.0"));
  });

  test("repository URLs compare in every form", () => {
    const forms = [
      "https://github.com/example/platform",
      "https://github.com/example/platform.git",
      "https://github.com/Example/Platform/",
      "git@github.com:example/platform.git",
      "ssh://git@github.com/example/platform",
    ];
    for (const a of forms) for (const b of forms) expect([a, b, sameRepository(a, b)]).toEqual([a, b, true]);
    expect(sameRepository("https://github.com/example/platform", "https://gitlab.com/example/platform")).toBe(
      false,
    );
    expect(sameRepository("https://github.com/example/platform", "oci://github.com/example/platform")).toBe(
      false,
    );
    expect(sameRepository("https://charts.example.com/", "https://charts.example.com")).toBe(true);
  });
});

describe("FluxInstance (spec.sync.ref)", () => {
  const FLUX: SourceTarget = { kind: "FluxInstance", name: "flux", namespace: "flux-system" };
  const text = fixture("operator", "flux-instance.yaml");

  test("refs/tags/v2.3.0 → refs/tags/v2.4.0, quoting kept, nothing else changed", () => {
    const edit = setSourceRef(text, FLUX, "v2.4.0", { repository: THIS_REPO });
    if (!edit.ok) throw new Error(edit.error.message);
    expect(edit.value.text).toBe(text.replace('ref: "refs/tags/v2.3.0"', 'ref: "refs/tags/v2.4.0"'));
    expect(edit.value.from).toEqual({ field: "ref", value: "refs/tags/v2.3.0", line: 23 });
  });

  test("a branch ref becomes the tag's ref on the first promotion; older tags are refused", () => {
    const onMain = text.replace("refs/tags/v2.3.0", "refs/heads/main");
    const first = setSourceRef(onMain, FLUX, "v2.4.0");
    expect(first.ok && first.value.text).toBe(text.replace("refs/tags/v2.3.0", "refs/tags/v2.4.0"));
    expect(setSourceRef(text, FLUX, "v2.3.0")).toMatchObject({ ok: true, value: { changed: false } });
    const older = setSourceRef(text, FLUX, "v2.2.0");
    expect(!older.ok && older.error.code).toBe("downgrade");
  });

  test("a Bucket sync and another repository's sync are refused", () => {
    const bucket = setSourceRef(text.replace("kind: GitRepository", "kind: Bucket"), FLUX, "v2.4.0");
    expect(!bucket.ok && bucket.error.message).toContain("syncs from a Bucket");
    const other = setSourceRef(text, FLUX, "v2.4.0", { repository: "https://github.com/example/other" });
    expect(!other.ok && other.error.code).toBe("other-source");
  });
});

describe("File targets (a YAML path in a file)", () => {
  const file = (field: string, valueFormat: string | null = null): SourceTarget => ({
    kind: "File",
    name: "release",
    namespace: "flux-system",
    field,
    valueFormat,
  });

  test("Kustomize images[name=…].newTag, as a version without v: one value moves, the comment stays", () => {
    const text = fixture("operator", "kustomization.yaml");
    const edit = setSourceRef(
      text,
      file("images[name=ghcr.io/example/platform].newTag", "{version}"),
      "v2.4.0",
    );
    if (!edit.ok) throw new Error(edit.error.message);
    expect(edit.value.text).toBe(text.replace("newTag: 2.3.0 #", "newTag: 2.4.0 #"));
    expect(edit.value.from).toEqual({
      field: "images[name=ghcr.io/example/platform].newTag",
      value: "2.3.0",
      line: 10,
    });
  });

  test("a Helm values key keeps its quotes", () => {
    const text = fixture("operator", "values.yaml");
    const edit = setSourceRef(text, file("image.tag"), "v2.4.0");
    expect(edit.ok && edit.value.text).toBe(text.replace('tag: "v2.3.0"', 'tag: "v2.4.0"'));
  });

  test("a ConfigMap data key in a file of several documents", () => {
    const text = fixture("operator", "release-info.yaml");
    const edit = setSourceRef(text, file("data.PLATFORM_VERSION"), "v2.4.0");
    expect(edit.ok && edit.value.text).toBe(text.replace('"v2.3.0"', '"v2.4.0"'));
  });

  test("a value with text around the version is ordered by the version; fromRevision names the tag", () => {
    const text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  image: platform-2.3.0-alpine\n";
    const target = file("data.image", "platform-{version}-alpine");
    const older = setSourceRef(text, target, "v2.2.0");
    expect(!older.ok && older.error.code).toBe("downgrade");
    const newer = setSourceRef(text, target, "v2.4.0");
    expect(newer.ok && newer.value.text).toContain("  image: platform-2.4.0-alpine\n");
    expect(newer.ok && newer.value.fromRevision).toBe("v2.3.0");
  });

  test("the same refusals: missing, several matches, templated, downgrade, a bad path", () => {
    const text = fixture("operator", "kustomization.yaml");
    const missing = setSourceRef(text, file("images[name=ghcr.io/example/api].newTag"), "v2.4.0");
    expect(!missing.ok && missing.error.message).toContain(
      "0 items match `images[name=ghcr.io/example/api]`",
    );
    const twice = text.replace("ghcr.io/example/sidecar", "ghcr.io/example/platform");
    const ambiguous = setSourceRef(twice, file("images[name=ghcr.io/example/platform].newTag"), "v2.4.0");
    expect(!ambiguous.ok && ambiguous.error.code).toBe("ambiguous");
    const templated = setSourceRef(
      text.replace("2.3.0 #", "${VERSION} #"),
      file("images[1].newTag"),
      "v2.4.0",
    );
    expect(!templated.ok && templated.error.code).toBe("templated");
    const older = setSourceRef(text, file("images[1].newTag", "{version}"), "v2.2.0");
    expect(!older.ok && older.error.code).toBe("downgrade");
    const bad = parseYamlPath("images[name.newTag");
    expect(!bad.ok && bad.error).toContain('Cannot read the YAML path "images[name.newTag" at character 7');
  });
});

test("an OCIRepository pinned by tag + digest is refused: the new digest is only known to the registry", () => {
  const text =
    "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata:\n  name: release\n  namespace: flux-system\nspec:\n  url: oci://ghcr.io/example/manifests\n  ref:\n    tag: 1.0.0\n    digest: sha256:3b6cdcc7adcc9a84d3214ee1c029543789d90b5ae69debe9efa3f66e982875de\n";
  const edit = setSourceRef(
    text,
    { kind: "OCIRepository", name: "release", namespace: "flux-system" },
    "1.1.0",
  );
  expect(!edit.ok && edit.error.code).toBe("registry");
  expect(!edit.ok && edit.error.message).toContain(
    "known only to the registry, which the bot does not query",
  );
  expect(!edit.ok && edit.error.message).toContain("pin by `tag` alone");
});
