import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../../src/cli/run-cli.js";
import { buildHistoryRepo } from "../helpers/history-repo.js";

interface JsonFinding {
  path: string;
  line?: number;
  column?: number;
  rule: string;
  severity: string;
  message: string;
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

async function layout(dir: string, ...extra: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ["layout", dir, ...extra],
    (t) => out.push(t),
    (t) => err.push(t),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function findingsOf(dir: string) {
  // The copies have no `.git`: say which repository and branch they are (the GitRepository `main` follows).
  const { code, out } = await layout(
    dir,
    "--json",
    "--repository-url",
    "https://github.com/berndonline/k8s-gitops-at-scale.git",
    "--branch",
    "main",
  );
  return { code, findings: (JSON.parse(out) as { findings: JsonFinding[] }).findings };
}

/** A copy of the real repository at HEAD (without `.git`), changed by `breakIt`. */
function brokenCopy(breakIt: (dir: string) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), "grb-layout-"));
  temps.push(dir);
  cpSync(repo.dir, dir, { recursive: true, filter: (src) => path.basename(src) !== ".git" });
  breakIt(dir);
  return dir;
}

function move(dir: string, from: string, to: string) {
  mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
  renameSync(path.join(dir, from), path.join(dir, to));
}

function edit(dir: string, file: string, from: string, to: string) {
  const full = path.join(dir, file);
  const text = readFileSync(full, "utf8");
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  writeFileSync(full, text.replace(from, to));
}

describe("layout <dir> over the real repository", () => {
  test("main at HEAD passes with zero findings under the defaults", async () => {
    const { code, findings } = await findingsOf(repo.dir);
    expect(findings).toEqual([]);
    expect(code).toBe(0);
    const text = await layout(repo.dir);
    expect(text.out).toMatch(/^\d+ files checked: the folder layout is clean\.$/);
  });

  const cases: Array<{
    name: string;
    breakIt: (dir: string) => void;
    expected: Omit<Partial<JsonFinding>, "message"> & { message: RegExp };
  }> = [
    {
      name: "a ClusterRole under namespaced/",
      breakIt: (dir) =>
        move(
          dir,
          "features/access-control/non-namespaced/namespace-admin.yaml",
          "features/access-control/namespaced/namespace-admin.yaml",
        ),
      expected: {
        path: "features/access-control/namespaced/namespace-admin.yaml",
        line: 2,
        column: 1,
        rule: "scope-placement",
        severity: "error",
        message: /ClusterRole `namespace-admin` is cluster-scoped, but it is under `namespaced\/`/,
      },
    },
    {
      name: "a Deployment under non-namespaced/",
      breakIt: (dir) =>
        move(
          dir,
          "features/helloworld-operator/namespaced/deployment.yaml",
          "features/helloworld-operator/non-namespaced/deployment.yaml",
        ),
      expected: {
        path: "features/helloworld-operator/non-namespaced/deployment.yaml",
        rule: "scope-placement",
        severity: "error",
        message: /Deployment `.+` is namespaced, but it is under `non-namespaced\/`/,
      },
    },
    {
      name: "an unknown environment",
      breakIt: (dir) =>
        move(
          dir,
          "providers/aws/v1/clusters/prod/common/namespaced/prod-common/customresource.yaml",
          "providers/aws/v1/clusters/staging/common/namespaced/prod-common/customresource.yaml",
        ),
      expected: {
        path: "providers/aws/v1/clusters/staging/common/namespaced/prod-common/customresource.yaml",
        rule: "layout-segment",
        severity: "error",
        message: /`staging` is not an allowed `\{env\}`.*one of `non-prod`, `prod`/,
      },
    },
    {
      name: "a bad version folder",
      breakIt: (dir) =>
        move(
          dir,
          "providers/aws/v1/mgmt/non-namespaced/prod-eu-west-1/namespace.yaml",
          "providers/aws/1.0/mgmt/non-namespaced/prod-eu-west-1/namespace.yaml",
        ),
      expected: {
        path: "providers/aws/1.0/mgmt/non-namespaced/prod-eu-west-1/namespace.yaml",
        rule: "layout-segment",
        severity: "error",
        message: /`1\.0` is not an allowed `\{version\}`.*`v\[0-9\]\+`/,
      },
    },
    {
      name: "an invalid name",
      breakIt: (dir) =>
        move(
          dir,
          "tenants/aws/prod/dummy/rolebinding-reader.yaml",
          "tenants/aws/prod/Dummy_Team/rolebinding-reader.yaml",
        ),
      expected: {
        path: "tenants/aws/prod/Dummy_Team/rolebinding-reader.yaml",
        rule: "layout-name",
        severity: "error",
        message: /`Dummy_Team`.*not a valid DNS-1123 label/,
      },
    },
    {
      name: "a YAML syntax error",
      breakIt: (dir) =>
        edit(
          dir,
          "features/helloworld-operator/namespaced/service.yaml",
          "  name: k8s-helloworld",
          "  name: k8s: helloworld",
        ),
      expected: {
        path: "features/helloworld-operator/namespaced/service.yaml",
        line: 6,
        column: 9,
        rule: "yaml-syntax",
        severity: "error",
        message: /^YAML syntax error: Nested mappings are not allowed in compact mappings$/,
      },
    },
    {
      // Its source, GitRepository flux-system/main, is this repository on branch main.
      name: "a Kustomization pointing at a missing path",
      breakIt: (dir) =>
        edit(
          dir,
          "providers/aws/v1/mgmt/namespaced/non-prod-eu-west-1/kustomization-common.yaml",
          "path: ./providers/aws/v1/clusters/non-prod/common",
          "path: ./providers/aws/v1/clusters/non-prod/comon",
        ),
      expected: {
        path: "providers/aws/v1/mgmt/namespaced/non-prod-eu-west-1/kustomization-common.yaml",
        line: 8,
        column: 3,
        rule: "kustomization-path",
        severity: "error",
        message: /`spec\.path: \.\/providers\/aws\/v1\/clusters\/non-prod\/comon`/,
      },
    },
    {
      name: "a namespace mismatch",
      breakIt: (dir) =>
        edit(
          dir,
          "providers/aws/v1/mgmt/namespaced/prod-eu-west-1/cluster-eu-west-1.yaml",
          "  namespace: prod-eu-west-1",
          "  namespace: non-prod-eu-west-1",
        ),
      expected: {
        path: "providers/aws/v1/mgmt/namespaced/prod-eu-west-1/cluster-eu-west-1.yaml",
        line: 5,
        column: 3,
        rule: "namespace-mismatch",
        severity: "error",
        message: /Cluster `prod-eu-west-1` sets `metadata.namespace: non-prod-eu-west-1`.*`prod-eu-west-1\/`/,
      },
    },
  ];

  test.each(cases)("$name gives exactly the expected finding", async ({ breakIt, expected }) => {
    const dir = brokenCopy(breakIt);
    const { code, findings } = await findingsOf(dir);
    expect(findings).toHaveLength(1);
    const { message, ...fields } = expected;
    expect(findings[0]).toMatchObject(fields);
    expect(findings[0]?.message).toMatch(message);
    expect(code).toBe(1);
  });

  test("CRLF, a BOM and multi-document files parse; an unknown kind is a notice and exits 0", async () => {
    let widgetLine = 0;
    const dir = brokenCopy((d) => {
      const file = path.join(d, "features/helloworld-operator/namespaced/service.yaml");
      const text = readFileSync(file, "utf8");
      const combined = `\ufeff${text}\n---\n${text}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n`;
      widgetLine = combined.slice(0, combined.indexOf("kind: Widget")).split("\n").length;
      writeFileSync(file, combined.replace(/\n/g, "\r\n"));
    });
    const { code, findings } = await findingsOf(dir);
    expect(findings).toEqual([
      expect.objectContaining({
        path: "features/helloworld-operator/namespaced/service.yaml",
        rule: "unknown-kind",
        severity: "notice",
        line: widgetLine,
        column: 1,
      }),
    ]);
    expect(widgetLine).toBeGreaterThan(30);
    expect(code).toBe(0);
  });

  test("text output names file, line, column, severity and rule", async () => {
    const dir = brokenCopy((d) =>
      edit(
        d,
        "features/helloworld-operator/namespaced/service.yaml",
        "  name: k8s-helloworld",
        "  name: k8s: helloworld",
      ),
    );
    const { code, out } = await layout(dir);
    expect(out).toBe(
      "features/helloworld-operator/namespaced/service.yaml:6:9: error yaml-syntax: YAML syntax error: Nested mappings are not allowed in compact mappings",
    );
    expect(code).toBe(1);
  });

  test("a pattern outside RE2 in the configuration is a usage error (exit 2) quoting the pattern", async () => {
    const dir = brokenCopy((d) => {
      mkdirSync(path.join(d, ".github"));
      writeFileSync(
        path.join(d, ".github/gitops-release-bot.yml"),
        'layout:\n  segments:\n    version: "(v)\\\\1"\n',
      );
    });
    const { code, err } = await layout(dir);
    expect(code).toBe(2);
    expect(err).toContain("layout.segments.version");
    expect(err).toContain('"(v)\\\\1"'); // quoted as JSON
    expect(err).toContain("RE2 syntax");
  });

  test("usage errors exit 2", async () => {
    expect((await layout("/nonexistent/folder")).code).toBe(2);
    const none = await runCli(
      ["layout"],
      () => undefined,
      () => undefined,
    );
    expect(none).toBe(2);
  });
});
