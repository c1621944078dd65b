import { afterAll, describe, expect, jest, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parseConfig } from "../../src/config/parse-config.js";
import { checkLayoutPath, compileLayoutTemplates } from "../../src/rules/layout-templates.js";
import { runCli } from "../../src/cli/run-cli.js";
import { writeShape } from "../helpers/layout-shape.js";

interface JsonFinding {
  path: string;
  line?: number;
  rule: string;
  severity: string;
  message: string;
}

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

async function findingsOf(files: Record<string, string>, ...extra: string[]) {
  const shape = writeShape(files);
  cleanups.push(shape.cleanup);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ["layout", shape.dir, "--json", ...extra],
    (t) => out.push(t),
    (t) => err.push(t),
  );
  if (code === 2) throw new Error(err.join("\n"));
  return { code, findings: (JSON.parse(out.join("\n")) as { findings: JsonFinding[] }).findings };
}

// A layout that accepts every path: these tests are about what is parsed, not where files are.
const ANY_PATH = 'layout:\n  templates: { any: "{path**}/{file}" }\n  names: any\n  allowed: ["**"]\n';

describe("which .yaml files are parsed as manifests (shape of argoproj/argocd-example-apps)", () => {
  // helm-guestbook/templates/service.yaml as in argocd-example-apps: a Go template, not YAML until rendered.
  const helmService = [
    "{{- if .Values.service.enabled }}",
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    '  name: {{ template "helm-guestbook.fullname" . }}',
    "{{- end }}",
    "",
  ].join("\n");
  const files = {
    ".github/gitops-release-bot.yml": ANY_PATH,
    "helm-guestbook/Chart.yaml": "apiVersion: v2\nname: helm-guestbook\nversion: 0.1.0\n",
    "helm-guestbook/values.yaml": "replicaCount: 1\nservice:\n  enabled: true\n",
    "helm-guestbook/templates/service.yaml": helmService,
    "helm-guestbook/charts/redis/Chart.yaml": "apiVersion: v2\nname: redis\nversion: 1.0.0\n",
    "helm-guestbook/charts/redis/templates/primary/statefulset.yaml": helmService,
    ".goreleaser.yaml": "version: 2\narchives:\n  - name_template: {{ .ProjectName }}_{{ .Version }}\n",
    "vendor/github.com/example/lib/testdata/invalid.yaml": "key: [unclosed\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  test: [unclosed\n",
    // Not under a chart: a real manifest folder named templates/ is still parsed.
    "templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n",
    "apps/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  - bad\n",
  };

  test("Helm chart templates, goreleaser, vendor/ and .github/ are not parsed; real manifests still are", async () => {
    const { findings } = await findingsOf(files);
    expect(findings.filter((f) => f.rule === "yaml-syntax").map((f) => f.path)).toEqual([
      "apps/broken.yaml",
      "templates/configmap.yaml",
    ]);
  });

  test("`manifestExclude` replaces the defaults; `excludeHelmTemplates: false` parses chart templates", async () => {
    const { findings } = await findingsOf({
      ...files,
      ".github/gitops-release-bot.yml": `${ANY_PATH}  manifestExclude: ["apps/**"]\n  excludeHelmTemplates: false\n`,
    });
    expect(findings.filter((f) => f.rule === "yaml-syntax").map((f) => f.path)).toEqual([
      ".github/workflows/ci.yml",
      ".goreleaser.yaml",
      "helm-guestbook/charts/redis/templates/primary/statefulset.yaml",
      "helm-guestbook/templates/service.yaml",
      "templates/configmap.yaml",
      "vendor/github.com/example/lib/testdata/invalid.yaml",
    ]);
  });

  test("the YAML library's warnings (collection keys, unknown tags) do not reach stderr", async () => {
    const emitted = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const warned = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const { findings } = await findingsOf({
        ".github/gitops-release-bot.yml": ANY_PATH,
        "apps/config.yaml":
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  ? [a, b]\n  : c\n  d: !Ref e\n",
      });
      // The unknown tag is a finding of its own (Kubernetes reads only YAML's standard tags); nothing on stderr.
      expect(findings).toEqual([
        expect.objectContaining({ path: "apps/config.yaml", rule: "manifest-content", line: 8 }),
      ]);
      expect(emitted).not.toHaveBeenCalled();
      expect(warned).not.toHaveBeenCalled();
    } finally {
      emitted.mockRestore();
      warned.mockRestore();
    }
  });
});

describe("Flux Kustomization paths are checked only for this repository on this branch (shape of fluxcd/flux2-multi-tenancy)", () => {
  const kustomization = (name: string, path: string, source: string, namespace = "flux-system") =>
    [
      "apiVersion: kustomize.toolkit.fluxcd.io/v1",
      "kind: Kustomization",
      "metadata:",
      `  name: ${name}`,
      `  namespace: ${namespace}`,
      "spec:",
      "  interval: 5m",
      "  sourceRef:",
      "    kind: GitRepository",
      `    name: ${source}`,
      `  path: ${path}`,
      "  prune: true",
      "",
    ].join("\n");
  const gitRepository = (name: string, url: string, ref: string, namespace = "flux-system") =>
    [
      "apiVersion: source.toolkit.fluxcd.io/v1",
      "kind: GitRepository",
      "metadata:",
      `  name: ${name}`,
      `  namespace: ${namespace}`,
      "spec:",
      "  interval: 1m",
      `  url: ${url}`,
      "  ref:",
      `    ${ref}`,
      "",
    ].join("\n");
  const files = {
    ".github/gitops-release-bot.yml": ANY_PATH,
    // As `flux bootstrap` writes it: the GitRepository is this repository, on main.
    "clusters/staging/flux-system/gotk-sync.yaml": `${gitRepository(
      "flux-system",
      "ssh://git@github.com/fluxcd/flux2-multi-tenancy",
      "branch: main",
    )}---\n${kustomization("flux-system", "./clusters/staging", "flux-system")}`,
    "clusters/staging/tenants.yaml": kustomization("tenants", "./tenants/staging", "flux-system"),
    // The one real mistake: a typo in a path of this repository.
    "clusters/staging/typo.yaml": kustomization("typo", "./tenants/stagin", "flux-system"),
    // Post-build substitution: the folder is only known on the cluster.
    "clusters/staging/apps.yaml": kustomization("apps", "./apps/${ENVIRONMENT}", "flux-system"),
    // Another repository: its paths are not this tree's.
    "clusters/staging/infrastructure.yaml": `${gitRepository(
      "platform",
      "https://github.com/example/platform-infra.git",
      "branch: main",
    )}---\n${kustomization("infrastructure", "./infrastructure/staging", "platform")}`,
    // This repository, but pinned to a tag: not the revision under check.
    "clusters/staging/pinned.yaml": `${gitRepository(
      "pinned",
      "git@github.com:fluxcd/flux2-multi-tenancy.git",
      "tag: v1.0.0",
    )}---\n${kustomization("pinned", "./old/folder", "pinned")}`,
    // tenants/base/dev-team/sync.yaml: this repository's URL, but the tenant's own branch.
    "tenants/base/dev-team/sync.yaml": `${gitRepository(
      "dev-team",
      "https://github.com/fluxcd/flux2-multi-tenancy",
      "branch: dev-team",
      "apps",
    )}---\n${kustomization("dev-team", "./", "dev-team", "apps")}`,
    "tenants/base/dev-team/kustomization.yaml":
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources:\n  - sync.yaml\n",
    "tenants/staging/kustomization.yaml":
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources:\n  - ../base/dev-team\npatches:\n  - path: dev-team-patch.yaml\n",
    // A patch: only the fields it changes (spec.path of the dev-team repository, no sourceRef).
    "tenants/staging/dev-team-patch.yaml":
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: dev-team\n  namespace: apps\nspec:\n  path: ./staging\n",
    // An object without metadata.name is partial too.
    "tenants/production/partial.yaml":
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  path: ./production\n",
  };

  const expected = [
    expect.objectContaining({
      path: "clusters/staging/apps.yaml",
      rule: "kustomization-path-unverified",
      severity: "notice",
      message: expect.stringContaining("post-build substitution"),
    }),
    expect.objectContaining({
      path: "clusters/staging/typo.yaml",
      rule: "kustomization-path",
      severity: "error",
      message: expect.stringContaining("`spec.path: ./tenants/stagin`"),
    }),
  ];

  test.each([
    "ssh://git@github.com/fluxcd/flux2-multi-tenancy",
    "git@github.com:fluxcd/flux2-multi-tenancy.git",
    "https://github.com/fluxcd/flux2-multi-tenancy",
    "https://github.com/FluxCD/flux2-multi-tenancy.git",
  ])("with --repository-url %s: one error (the typo) and one notice (the substitution)", async (url) => {
    const { code, findings } = await findingsOf(files, "--repository-url", url, "--branch", "main");
    expect(findings).toEqual(expected);
    expect(code).toBe(1);
  });

  test("on another branch, or for another repository, no path is checked", async () => {
    const branch = await findingsOf(
      files,
      "--repository-url",
      "https://github.com/fluxcd/flux2-multi-tenancy",
      "--branch",
      "dev",
    );
    // The substitution notice goes too: that source is not this revision, so there is nothing to verify.
    expect(branch.findings).toEqual([]);
    const other = await findingsOf(
      files,
      "--repository-url",
      "https://github.com/example/other",
      "--branch",
      "main",
    );
    expect(other.findings).toEqual([]);
  });

  test("the repository and branch come from `git remote` and HEAD when no flag is given", async () => {
    const shape = writeShape(files);
    cleanups.push(shape.cleanup);
    const git = (...args: string[]) => execFileSync("git", ["-C", shape.dir, ...args], { stdio: "ignore" });
    git("init", "-q", "-b", "main");
    git("remote", "add", "origin", "git@github.com:fluxcd/flux2-multi-tenancy.git");
    const out: string[] = [];
    const code = await runCli(
      ["layout", shape.dir, "--json"],
      (t) => out.push(t),
      () => undefined,
    );
    expect((JSON.parse(out.join("\n")) as { findings: JsonFinding[] }).findings).toEqual(expected);
    expect(code).toBe(1);
  });
});

describe("docs/layout.md examples", () => {
  const doc = readFileSync(new URL("../../docs/layout.md", import.meta.url), "utf8");
  const examples = [...doc.slice(doc.indexOf("## Examples")).matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) =>
    parse(m[1] as string),
  );

  test("the fleet-style Flux example fits fluxcd/flux2-kustomize-helm-example's tree (4f1a5b10), every path", () => {
    const config = parseConfig(examples[0]);
    expect(config.ok ? [] : config.error).toEqual([]);
    if (!config.ok) return;
    const layout = compileLayoutTemplates(config.value.layout);
    if (!layout.ok) throw new Error("does not compile");
    // `git ls-tree -r --name-only` of the repository, less .github/ (allowed as a whole).
    const tree = [
      ".fluxschema.yml",
      ".gitignore",
      ".sourceignore",
      "LICENSE",
      "README.md",
      "apps/base/podinfo/kustomization.yaml",
      "apps/base/podinfo/namespace.yaml",
      "apps/base/podinfo/release.yaml",
      "apps/base/podinfo/repository.yaml",
      "apps/production/kustomization.yaml",
      "apps/production/podinfo-values.yaml",
      "apps/staging/kustomization.yaml",
      "apps/staging/podinfo-values.yaml",
      "clusters/production/apps.yaml",
      "clusters/production/artifacts.yaml",
      "clusters/production/flux-system/gotk-components.yaml",
      "clusters/production/flux-system/gotk-sync.yaml",
      "clusters/production/flux-system/kustomization.yaml",
      "clusters/production/infrastructure.yaml",
      "infrastructure/configs/cluster-issuers.yaml",
      "infrastructure/configs/gateway.yaml",
      "infrastructure/configs/kustomization.yaml",
      "infrastructure/controllers/cert-manager.yaml",
      "infrastructure/controllers/envoy-gateway.yaml",
      "scripts/validate.sh",
    ];
    expect(tree.filter((path) => checkLayoutPath(layout.value, path).kind === "mismatch")).toEqual([]);
  });

  test("the Argo CD example fits argoproj/argocd-example-apps' shape", () => {
    const config = parseConfig(examples[1]);
    expect(config.ok ? [] : config.error).toEqual([]);
    if (!config.ok) return;
    const layout = compileLayoutTemplates(config.value.layout);
    if (!layout.ok) throw new Error("does not compile");
    const tree = [
      "README.md",
      "LICENSE",
      "guestbook/guestbook-ui-deployment.yaml",
      "guestbook/guestbook-ui-svc.yaml",
      "helm-guestbook/Chart.yaml",
      "helm-guestbook/templates/NOTES.txt",
      "helm-guestbook/templates/_helpers.tpl",
      "helm-guestbook/templates/deployment.yaml",
      "helm-guestbook/values-production.yaml",
      "helm-guestbook/.helmignore",
      "kustomize-guestbook/kustomization.yaml",
      "apps/templates/helm-guestbook.yaml",
      "jsonnet-guestbook/guestbook-ui.jsonnet",
    ];
    expect(tree.filter((path) => checkLayoutPath(layout.value, path).kind === "mismatch")).toEqual([]);
  });
});
