import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";
import { checkScopePath } from "../../src/rules/check-scope-path.js";
import type { Config } from "../../src/config/schema.js";
import {
  checkLayoutPath,
  compileLayoutTemplates,
  matchLayoutPath,
  type CompiledLayout,
} from "../../src/rules/layout-templates.js";

function configOf(layout: object = {}): Config {
  const parsed = parseConfig({ layout });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

function compiled(layout: object = {}): CompiledLayout {
  const result = compileLayoutTemplates(configOf(layout).layout);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

const defaults = compiled();

describe("matchLayoutPath (defaults = k8s-gitops-at-scale)", () => {
  test.each([
    [
      "features/helloworld-operator/namespaced/deployment.yaml",
      "features",
      { feature: "helloworld-operator", scope: "namespaced", file: "deployment.yaml" },
    ],
    [
      "providers/aws/v1/clusters/prod/prod-eu-west-1/non-namespaced/prod-eu-west-1/namespace.yaml",
      "clusters",
      {
        cloud: "aws",
        version: "v1",
        env: "prod",
        cluster: "prod-eu-west-1",
        scope: "non-namespaced",
        namespace: "prod-eu-west-1",
        file: "namespace.yaml",
      },
    ],
    [
      "providers/aws/v1/clusters/non-prod/common/namespaced/non-prod-common/customresource.yaml",
      "clusters",
      expect.objectContaining({ env: "non-prod", cluster: "common" }),
    ],
    [
      "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-release.yaml",
      "mgmt",
      {
        cloud: "aws",
        version: "v1",
        scope: "namespaced",
        namespace: "flux-system",
        file: "gitrepository-release.yaml",
      },
    ],
    [
      "tenants/aws/common/dummy/namespace.yaml",
      "tenants",
      { cloud: "aws", env: "common", tenant: "dummy", file: "namespace.yaml" },
    ],
    ["features/x/namespaced/a.yml", "features", expect.objectContaining({ file: "a.yml" })],
  ])("%s → %s", (path, template, segments) => {
    expect(matchLayoutPath(defaults, path)).toEqual({ template, area: template, segments });
  });

  test.each([
    "README.md",
    "hack/getkubeconfig.sh",
    "features/x/README.md",
    "foo/bar.txt",
    "providers/aws/v2/x.yaml",
  ])("%s is in no area", (path) => {
    expect(matchLayoutPath(defaults, path)).toBeNull();
  });
});

describe("checkLayoutPath", () => {
  test.each([
    ["README.md", "**/*.md"],
    ["docs/guide/setup.md", "**/*.md"],
    [".github/workflows/ci.yml", ".github/**"],
    ["hack/getkubeconfig.sh", "hack/**"],
    ["features/x/kustomization.yaml", "**/kustomization.yaml"],
    ["kustomization.yaml", "**/kustomization.yaml"],
    [".sops.yaml", ".sops.yaml"],
    ["LICENSE", "LICENSE"],
    ["CODEOWNERS", "CODEOWNERS"],
    ["tenants/.sourceignore", "**/.sourceignore"],
  ])("%s is allowed by %s", (path, pattern) => {
    expect(checkLayoutPath(defaults, path)).toEqual({ kind: "allowed", pattern });
  });

  test.each([
    ["notes.txt", "layout-path", 0, /not allowed at the top level.*`features\/`, `providers\/`, `tenants\/`/],
    [
      "apps/web/deployment.yaml",
      "layout-path",
      0,
      /outside every deployment area.*`features` or `providers` or `tenants`/,
    ],
    [
      "providers/aws/v1/staging/x.yaml",
      "layout-path",
      3,
      /`staging` under `providers\/aws\/v1\/` where the layout expects `clusters` or `mgmt`/,
    ],
    [
      "providers/aws/v1/clusters/qa/qa-1/namespaced/ns/a.yaml",
      "layout-segment",
      4,
      /`qa` is not an allowed `\{env\}`/,
    ],
    [
      "providers/aws/v1/clusters/prod/non-prod-x/namespaced/ns/a.yaml",
      "layout-segment",
      5,
      /must be one of `common`, `prod-\*`/,
    ],
    ["providers/aws/version1/mgmt/namespaced/ns/a.yaml", "layout-segment", 2, /`version1`.*`v\[0-9\]\+`/],
    [
      "providers/aws/v1/mgmt/cluster-wide/ns/a.yaml",
      "layout-segment",
      4,
      /`cluster-wide`.*one of `namespaced`, `non-namespaced`/,
    ],
    ["features/x/namespaced/nested/a.yaml", "layout-path", 3, /`nested\/` is one folder too deep/],
    [
      "features/x/a.yaml",
      "layout-path",
      3,
      /`a.yaml` is a file in `features\/x\/`.*expects `\{scope\}\/\{file\}`/,
    ],
    ["features/x/namespaced/a.json", "layout-extension", 3, /must end in `.yaml` or `.yml`/],
    ["features/Hello/namespaced/a.yaml", "layout-name", 1, /`Hello`.*DNS-1123 label/],
    ["features/x/namespaced/My_File.yaml", "layout-name", 3, /`My_File.yaml`.*DNS-1123/],
    ["tenants/aws/common/-dummy/a.yaml", "layout-name", 3, /`-dummy`/],
    [`tenants/aws/common/${"a".repeat(64)}/a.yaml`, "layout-name", 3, /DNS-1123 label/],
  ])("%s → %s at part %d", (path, rule, index, message) => {
    const verdict = checkLayoutPath(defaults, path);
    expect(verdict).toMatchObject({ kind: "mismatch", rule, index });
    expect(verdict.kind === "mismatch" && verdict.message).toMatch(message);
  });

  test("names: any accepts any folder name; a custom names regex is applied", () => {
    expect(checkLayoutPath(compiled({ names: "any" }), "features/Hello_World/namespaced/A.yaml").kind).toBe(
      "match",
    );
    const custom = compiled({ names: "[a-z]+" });
    expect(checkLayoutPath(custom, "features/hello/namespaced/abc.yaml").kind).toBe("match");
    expect(checkLayoutPath(custom, "features/hello-world/namespaced/abc.yaml")).toMatchObject({
      rule: "layout-name",
    });
  });

  test("custom templates with list, regex and reference constraints", () => {
    const layout = compiled({
      templates: {
        apps: "apps/{env}/{cluster}/{file}",
        infra: { path: "infra/{region}/{file}", segments: { region: ["eu-*", "us-east-1"] } },
      },
      segments: { env: ["dev", "prd"], cluster: "{env}-*" },
      manifestExtensions: [".yaml"],
    });
    expect(matchLayoutPath(layout, "apps/dev/dev-01/a.yaml")?.segments).toEqual({
      env: "dev",
      cluster: "dev-01",
      file: "a.yaml",
    });
    expect(checkLayoutPath(layout, "apps/dev/prd-01/a.yaml")).toMatchObject({
      rule: "layout-segment",
      index: 2,
    });
    expect(matchLayoutPath(layout, "infra/eu-west-1/a.yaml")?.template).toBe("infra");
    expect(checkLayoutPath(layout, "infra/ap-south-1/a.yaml")).toMatchObject({ rule: "layout-segment" });
    expect(checkLayoutPath(layout, "apps/dev/dev-01/a.yml")).toMatchObject({ rule: "layout-extension" });
  });

  test("10,000 paths are judged in well under a second (the bench measures CPU precisely)", () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) {
      checkLayoutPath(
        defaults,
        `providers/aws/v1/clusters/prod/prod-eu-west-${i % 7}/namespaced/ns-${i}/file-${i}.yaml`,
      );
    }
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(1000);
  });
});

describe("layout configuration errors", () => {
  function problems(layout: object) {
    const parsed = parseConfig({ layout });
    if (parsed.ok) throw new Error("expected the configuration to be rejected");
    return parsed.error;
  }

  test.each([
    ["(a+)+b", "nested quantifier"],
    ["(a|a)*b", "overlapping alternation"],
    ["([a-z]*)*b", "star of star"],
    ["(a|ab){2,}b", "repeated alternation"],
  ])(
    "a pattern that backtracks catastrophically elsewhere, %s (%s), is accepted and runs in linear time (RE2)",
    (pattern) => {
      const layout = compiled({ templates: { x: "x/{version}/{file}" }, segments: { version: pattern } });
      const start = process.hrtime.bigint();
      // 250 `a`s then a mismatch: a backtracking engine takes longer than the age of the universe here.
      expect(checkLayoutPath(layout, `x/${"a".repeat(250)}c/f.yaml`)).toMatchObject({
        rule: "layout-segment",
      });
      expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(200);
      expect(matchLayoutPath(layout, "x/aab/f.yaml")?.segments.version).toBe("aab");
    },
  );

  test("the Kubernetes name pattern that safe-regex refused is accepted, as a segment and as `names`", () => {
    const kubernetesName = "[a-z0-9]([-a-z0-9_.]*[a-z0-9])?";
    const layout = compiled({
      templates: { apps: "apps/{app}/{file}" },
      segments: { app: kubernetesName },
      names: kubernetesName,
    });
    expect(matchLayoutPath(layout, "apps/web.v2_x/deploy.yaml")?.segments.app).toBe("web.v2_x");
    expect(checkLayoutPath(layout, "apps/-web/deploy.yaml")).toMatchObject({
      rule: "layout-segment",
      index: 1,
    });
  });

  test("a pattern outside RE2 (backreference, lookahead) is refused, naming the supported syntax", () => {
    for (const pattern of ["(a)\\1", "(?=a)a"]) {
      expect(problems({ segments: { version: pattern } })).toEqual([
        {
          path: "layout.segments.version",
          value: JSON.stringify(pattern),
          message: expect.stringContaining(
            "RE2 syntax: JavaScript regular expressions without backreferences",
          ),
        },
      ]);
    }
  });

  test.each(["v[0-9]+", "(v|r)[0-9]+", "[a-z(|)]+", "(ab)+", "(a|b)?c"])(
    "a safe pattern %s is accepted",
    (pattern) => {
      expect(parseConfig({ layout: { segments: { version: pattern } } }).ok).toBe(true);
    },
  );

  test("an invalid regular expression quotes the pattern", () => {
    expect(problems({ segments: { version: "v[0-9" } })).toEqual([
      expect.objectContaining({
        path: "layout.segments.version",
        value: '"v[0-9"',
        message: expect.stringContaining("not a valid pattern"),
      }),
    ]);
    expect(problems({ names: "[a-z" })).toEqual([
      expect.objectContaining({
        path: "layout.names",
        message: expect.stringContaining("not a valid pattern"),
      }),
    ]);
  });

  test("a reference to a segment the template does not have before it", () => {
    expect(
      problems({ templates: { x: "x/{cluster}/{env}/{file}" }, segments: { cluster: "{env}-*" } }),
    ).toEqual([
      expect.objectContaining({
        path: "layout.segments.cluster",
        message: expect.stringContaining("refers to `{env}`"),
      }),
    ]);
  });

  test("malformed templates", () => {
    expect(problems({ templates: { x: "/x//{file}" } })[0]).toMatchObject({ path: "layout.templates.x" });
    expect(problems({ templates: { x: "x/pre-{name}/{file}" } })[0]?.message).toContain(
      "neither a literal folder",
    );
    expect(problems({ templates: { x: "x/{a}/{a}" } })[0]?.message).toContain("appears twice");
  });

  test("the defaults compile, and compiling the same configuration twice reuses the result", () => {
    const config = configOf();
    expect(compileLayoutTemplates(config.layout)).toBe(compileLayoutTemplates(configOf().layout));
  });
});

describe("multi-folder segments (`{name**}`, `**`)", () => {
  // Shape of onedr0p/home-ops (a large home-lab Flux repository): kubernetes/apps/<namespace>/<app>/ holds the Flux
  // Kustomization (ks.yaml), and app/ or deeper folders (runners/<name>/) hold the objects: files at 5 to 8 parts.
  const homeOps = compiled({
    templates: { apps: "kubernetes/apps/{namespace}/{app}/{path**}/{file}" },
    segments: {},
    allowed: ["**/*.md"],
  });

  test.each([
    [
      "kubernetes/apps/default/atuin/ks.yaml",
      { namespace: "default", app: "atuin", path: "", file: "ks.yaml" },
    ],
    [
      "kubernetes/apps/default/atuin/app/helmrelease.yaml",
      { namespace: "default", app: "atuin", path: "app", file: "helmrelease.yaml" },
    ],
    [
      "kubernetes/apps/actions-runner-system/actions-runner-controller/runners/home-ops/rbac.yaml",
      {
        namespace: "actions-runner-system",
        app: "actions-runner-controller",
        path: "runners/home-ops",
        file: "rbac.yaml",
      },
    ],
  ])("one template matches %s at any depth", (path, segments) => {
    expect(matchLayoutPath(homeOps, path)).toEqual({ template: "apps", area: "apps", segments });
    expect(checkLayoutPath(homeOps, path).kind).toBe("match");
  });

  test.each([
    ["kubernetes/apps/default/ks.yaml", "layout-path", 4, /expects `\{app\}\/\{path\*\*\}\/\{file\}` there/],
    ["kubernetes/apps/default/atuin/App/helmrelease.yaml", "layout-name", 4, /`App`.*DNS-1123 label/],
    ["kubernetes/apps/default/atuin/app/Helm_Release.yaml", "layout-name", 5, /`Helm_Release.yaml`/],
    ["kubernetes/apps/default/atuin/app/values.json", "layout-extension", 5, /must end in/],
    [
      "kubernetes/infra/default/atuin/ks.yaml",
      "layout-path",
      1,
      /`infra` under `kubernetes\/` should be `apps`/,
    ],
  ])("%s → %s at part %d", (path, rule, index, message) => {
    const verdict = checkLayoutPath(homeOps, path);
    expect(verdict).toMatchObject({ kind: "mismatch", rule, index });
    expect(verdict.kind === "mismatch" && verdict.message).toMatch(message);
  });

  test("literals after the `**` are anchored at the end; a constraint applies to each folder; anonymous `**`", () => {
    const layout = compiled({
      templates: {
        overlays: "apps/{app}/{path**}/overlays/{env}/{file}",
        anything: "infra/**/{file}",
      },
      segments: { env: ["staging", "production"], path: ["base", "components", "v*"] },
    });
    expect(matchLayoutPath(layout, "apps/web/overlays/staging/a.yaml")?.segments).toEqual({
      app: "web",
      path: "",
      env: "staging",
      file: "a.yaml",
    });
    expect(matchLayoutPath(layout, "apps/web/components/v2/overlays/production/a.yaml")?.segments).toEqual({
      app: "web",
      path: "components/v2",
      env: "production",
      file: "a.yaml",
    });
    expect(checkLayoutPath(layout, "apps/web/extra/overlays/staging/a.yaml")).toMatchObject({
      kind: "mismatch",
      rule: "layout-segment",
      index: 2,
      message: expect.stringContaining("`extra` is not an allowed `{path**}` folder"),
    });
    expect(matchLayoutPath(layout, "infra/a/b/c/d.yaml")).toEqual({
      template: "anything",
      area: "anything",
      segments: { file: "d.yaml" },
    });
    expect(matchLayoutPath(layout, "infra/d.yaml")?.template).toBe("anything");
  });

  test("each folder of a `**` segment counts for the scope ↔ path rule", () => {
    const match = matchLayoutPath(
      homeOps,
      "kubernetes/apps/actions-runner-system/actions-runner-controller/runners/home-ops/rbac.yaml",
    );
    const settings = { scopePath: "warning" as const, scopePathExempt: [] };
    expect(checkScopePath("fix(runners): pin the image", [match!], settings)).toBeNull();
    expect(checkScopePath("fix(home-ops): pin the image", [match!], settings)).toBeNull();
    expect(checkScopePath("fix(atuin): pin the image", [match!], settings)).toMatchObject({
      rule: "scope-path",
    });
  });

  test("misplaced `**`: last part, twice, or inside a folder name", () => {
    const problemsOf = (templates: object) => {
      const parsed = parseConfig({ layout: { templates } });
      return parsed.ok ? [] : parsed.error.map((p) => p.message);
    };
    expect(problemsOf({ x: "x/{path**}" })).toEqual([
      expect.stringContaining("the last part of a template is the file"),
    ]);
    expect(problemsOf({ x: "x/**/y/{rest**}/{file}" })).toEqual([
      expect.stringContaining("at most one `**`"),
    ]);
    expect(problemsOf({ x: "x/a**/{file}" })).toEqual([expect.stringContaining("neither a literal folder")]);
  });
});

describe("setting `templates` alone", () => {
  // Shape of fluxcd/flux2-kustomize-helm-example: clusters/<cluster>/…, apps/{base,staging,production}/…,
  // infrastructure/{configs,controllers}/…. Its folder names collide with the default segments `{cluster}`/`{env}`.
  const fleet = {
    templates: {
      clusters: "clusters/{cluster}/{path**}/{file}",
      apps: "apps/{env}/{path**}/{file}",
      infrastructure: "infrastructure/{component}/{file}",
    },
  };

  test("does not inherit the default segments: the user's `{cluster}` and `{env}` are unconstrained", () => {
    expect(parseConfig({ layout: fleet }).ok).toBe(true);
    const layout = compiled(fleet);
    expect(matchLayoutPath(layout, "clusters/production/flux-system/gotk-sync.yaml")?.segments).toEqual({
      cluster: "production",
      path: "flux-system",
      file: "gotk-sync.yaml",
    });
    expect(matchLayoutPath(layout, "apps/staging/podinfo-values.yaml")?.segments.env).toBe("staging");
    expect(configOf({ templates: fleet.templates }).layout.segments).toEqual({});
  });

  test("default templates kept unchanged keep their segments; explicit `segments` always win", () => {
    const kept = configOf({
      templates: { features: "features/{feature}/{scope}/{file}", apps: "apps/{env}/{file}" },
    }).layout.segments;
    expect(kept).toEqual({ scope: ["namespaced", "non-namespaced"] });
    expect(configOf({}).layout.segments).toEqual({
      version: "v[0-9]+",
      scope: ["namespaced", "non-namespaced"],
      env: ["non-prod", "prod"],
      cluster: ["common", "{env}-*"],
    });
    expect(configOf({ ...fleet, segments: { env: ["staging"] } }).layout.segments).toEqual({
      env: ["staging"],
    });
  });
});
