import { afterAll, describe, expect, test } from "@jest/globals";
import { ManifestParser } from "../../src/runtime/manifest-parser.js";
import { parseManifests } from "../../src/rules/parse-manifests.js";

/** A ConfigMap of about `kb` KB: many short keys, the shape of generated manifests. */
function configMap(kb: number, name = "big"): string {
  const lines = [
    `apiVersion: v1`,
    `kind: ConfigMap`,
    `metadata:`,
    `  name: ${name}`,
    `  namespace: apps`,
    `data:`,
  ];
  for (let i = 0, size = 0; size < kb * 1024; i++) {
    const line = `  key-${i}: "value number ${i} of a generated manifest"`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

const KUSTOMIZATION = `# a comment first
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./apps/production
---
apiVersion: v1
kind: Namespace
metadata: { name: apps }
---
kind: [broken
`;

describe("the manifest parser thread", () => {
  const parser = new ManifestParser({ timeoutMs: 10_000, maxMemoryMb: 256 });
  afterAll(() => parser.close());

  test("answers what parsing on the main thread answers: objects, data, key positions, syntax findings", async () => {
    const inline = parseManifests("apps/kustomization.yaml", KUSTOMIZATION);
    const threaded = await parser.parse("apps/kustomization.yaml", KUSTOMIZATION);
    expect(threaded.findings).toEqual(inline.findings);
    expect(threaded.findings).toHaveLength(1);
    expect(threaded.objects.map(({ positionOf: _, ...rest }) => rest)).toEqual(
      inline.objects.map(({ positionOf: _, ...rest }) => rest),
    );
    for (const keyPath of [
      "kind",
      "metadata.name",
      "metadata.namespace",
      "spec.path",
      "spec.sourceRef.name",
      "spec.nope",
    ])
      expect([keyPath, threaded.objects[0]!.positionOf(keyPath)]).toEqual([
        keyPath,
        inline.objects[0]!.positionOf(keyPath),
      ]);
    expect(threaded.objects[0]!.positionOf("spec.path")).toEqual({ line: 12, column: 3 });
  });

  test("only what the rules read comes back: a Deployment's spec stays behind, a CRD keeps its group, names and scope", async () => {
    const crd = [
      "apiVersion: apiextensions.k8s.io/v1",
      "kind: CustomResourceDefinition",
      "metadata: { name: widgets.example.com }",
      "spec:",
      "  group: example.com",
      "  names: { kind: Widget, plural: widgets }",
      "  scope: Cluster",
      "  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }]",
    ].join("\n");
    const deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n";
    const [parsedCrd, parsedDeployment] = await Promise.all([
      parser.parse("crds/widgets.yaml", crd),
      parser.parse("apps/web.yaml", deployment),
    ]);
    expect(parsedCrd.objects[0]!.data).toEqual({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: { group: "example.com", names: { kind: "Widget", plural: "widgets" }, scope: "Cluster" },
    });
    expect(parsedDeployment.objects[0]!.data).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
    });
    // Positions still point into the whole document.
    expect(parsedDeployment.objects[0]!.positionOf("spec.replicas")).toEqual({ line: 6, column: 3 });
  });

  test("the main thread keeps running while a 1 MB manifest parses", async () => {
    const text = configMap(1024);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const parsing = parser.parse("apps/big.yaml", text);
    const parsed = await parsing;
    clearInterval(timer);
    expect(parsed.objects.map((o) => o.name)).toEqual(["big"]);
    // Parsed on the main thread, the interval could not fire at all before the answer.
    expect(ticks).toBeGreaterThanOrEqual(2);
  });

  test("a file that takes too long is given up with a warning, and the next file gets a fresh thread", async () => {
    const impatient = new ManifestParser({ timeoutMs: 50, maxMemoryMb: 256 });
    try {
      const [slow, next] = await Promise.all([
        impatient.parse("apps/huge.yaml", configMap(4096)),
        impatient.parse("apps/small.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: small\n"),
      ]);
      expect(slow.objects).toEqual([]);
      expect(slow.findings).toEqual([
        expect.objectContaining({
          path: "apps/huge.yaml",
          rule: "not-parsed",
          severity: "warning",
          message: expect.stringContaining("parsing took longer than 0.05 s"),
        }),
      ]);
      // The small file may also miss 50 ms on a loaded machine; when it does, it says so rather than vanishing.
      expect(next.objects.length + next.findings.length).toBe(1);
    } finally {
      await impatient.close();
    }
  });

  test("a file that needs more memory than the thread may use is given up with a warning", async () => {
    const frugal = new ManifestParser({ timeoutMs: 60_000, maxMemoryMb: 16 });
    try {
      const parsed = await frugal.parse("apps/huge.yaml", configMap(8192));
      expect(parsed.findings).toEqual([
        expect.objectContaining({ rule: "not-parsed", message: expect.stringContaining("more than 16 MB") }),
      ]);
      const after = await frugal.parse(
        "apps/small.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: s\n",
      );
      expect(after.objects.map((o) => o.name)).toEqual(["s"]);
    } finally {
      await frugal.close();
    }
  });
});
