import { afterAll, describe, expect, jest, test } from "@jest/globals";
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
      expect(findings).toEqual([]);
      expect(emitted).not.toHaveBeenCalled();
      expect(warned).not.toHaveBeenCalled();
    } finally {
      emitted.mockRestore();
      warned.mockRestore();
    }
  });
});
