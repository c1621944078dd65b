import { describe, expect, test } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync, rmSync, cpSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse } from "yaml";
import * as core from "kubernetes-models";
import * as flux from "@kubernetes-models/flux-cd";
import * as monitoring from "@kubernetes-models/prometheus-operator";
import { layoutCommand } from "../../src/cli/layout-command.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEPLOY = path.join(ROOT, "deploy");

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: any;
};

/** Every YAML file under deploy/, relative to it. */
function yamlFiles(dir = DEPLOY): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? yamlFiles(path.join(dir, entry.name))
      : entry.name.endsWith(".yaml")
        ? [path.relative(DEPLOY, path.join(dir, entry.name))]
        : [],
  );
}
const objectsOf = (file: string): Obj[] =>
  parseAllDocuments(readFileSync(path.join(DEPLOY, file), "utf8")).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Obj;
  });
const isKustomization = (file: string) => path.basename(file) === "kustomization.yaml";
const isPatch = (file: string) => file === "components/redis/app-with-redis.yaml";
const manifests = () => yamlFiles().filter((f) => !isKustomization(f) && !isPatch(f));

/**
 * The model class (kubernetes-models: Kubernetes' own OpenAPI schemas; @kubernetes-models/flux-cd and
 * prometheus-operator: the CRDs' schemas) for an apiVersion and kind.
 */
function modelOf(apiVersion: string, kind: string): (new (data: any) => { validate(): void }) | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const groupKey = (group ?? "")
    .split(".")
    .map((part, i) => (i === 0 ? part : part[0]!.toUpperCase() + part.slice(1)))
    .join("");
  const lookup = (lib: any) => {
    if (!group) return lib[version!]?.[kind];
    // kubernetes-models exports groups as camelCase of the first label (apps, policy) or the whole name.
    for (const key of Object.keys(lib)) {
      const normalised = key.toLowerCase();
      if (normalised === groupKey.toLowerCase() || normalised === group!.split(".")[0]!.toLowerCase()) {
        const found = lib[key]?.[version!]?.[kind];
        if (found) return found;
      }
    }
    return undefined;
  };
  return lookup(core) ?? lookup(flux) ?? lookup(monitoring);
}

/** Strategic merge as kustomize does it for the fields the patch uses: maps merge, named lists merge by name. */
function strategicMerge(base: any, patch: any): any {
  if (Array.isArray(base) && Array.isArray(patch)) {
    if (!patch.every((item) => item && typeof item === "object" && "name" in item)) return patch;
    const out = base.map((item) => ({ ...item }));
    for (const item of patch) {
      const at = out.findIndex((existing) => existing.name === item.name);
      if (at >= 0) out[at] = strategicMerge(out[at], item);
      else out.push(item);
    }
    return out;
  }
  if (base && patch && typeof base === "object" && typeof patch === "object") {
    const out = { ...base };
    for (const [key, value] of Object.entries(patch))
      out[key] = key in base ? strategicMerge(base[key], value) : value;
    return out;
  }
  return patch;
}

const appDeployment = () => objectsOf("deployment.yaml")[0]!;
const withRedis = () => strategicMerge(appDeployment(), objectsOf("components/redis/app-with-redis.yaml")[0]);

describe("deploy/: the Kustomize base, its components and the Flux objects", () => {
  test("every manifest is valid against the schema of its kind (kubernetes-models, Flux and Prometheus CRDs)", () => {
    const kinds = new Set<string>();
    for (const file of manifests()) {
      for (const object of objectsOf(file)) {
        const Model = modelOf(object.apiVersion, object.kind);
        expect([file, object.apiVersion, object.kind, Boolean(Model)]).toEqual([
          file,
          object.apiVersion,
          object.kind,
          true,
        ]);
        expect(() => new Model!(object).validate()).not.toThrow();
        kinds.add(object.kind);
      }
    }
    expect([...kinds].sort()).toEqual(
      [
        "Deployment",
        "GitRepository",
        "Kustomization",
        "Namespace",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
      ].sort(),
    );
  });

  test("the schema check catches a broken manifest (a user name instead of a number)", () => {
    const broken = appDeployment();
    broken.spec.template.spec.securityContext.runAsUser = "node";
    const Model = modelOf(broken.apiVersion, broken.kind)!;
    expect(() => new Model(broken).validate()).toThrow(/runAsUser/);
  });

  test("the Deployment patched by components/redis is valid too: 2 replicas, REDIS_URL to the Redis Service", () => {
    const patched = withRedis();
    const Model = modelOf(patched.apiVersion, patched.kind)!;
    expect(() => new Model(patched).validate()).not.toThrow();
    expect(patched.spec.replicas).toBe(2);
    const env = patched.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
    expect(env.find((e) => e.name === "REDIS_URL")?.value).toBe("redis://gitops-release-bot-redis:6379");
    expect(env.find((e) => e.name === "APP_ID")).toBeDefined(); // merged by name, not replaced
    const service = objectsOf("components/redis/redis-service.yaml")[0]!;
    expect(service.metadata.name).toBe("gitops-release-bot-redis");
    expect(service.spec.ports[0].port).toBe(6379);
  });

  test("every kustomization names files that exist; components are Components", () => {
    for (const file of yamlFiles().filter(isKustomization)) {
      const k = parse(readFileSync(path.join(DEPLOY, file), "utf8")) as Record<string, any>;
      const dir = path.dirname(path.join(DEPLOY, file));
      const refs = [...(k.resources ?? []), ...(k.patches ?? []).map((p: { path: string }) => p.path)];
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect([file, ref, existsSync(path.join(dir, ref))]).toEqual([file, ref, true]);
      if (file.startsWith("components/")) expect(k.kind).toBe("Component");
    }
    const sync = objectsOf("flux/sync.yaml")[0]!;
    expect(sync.spec.path).toBe("./deploy");
    for (const component of sync.spec.components) expect(existsSync(path.join(DEPLOY, component))).toBe(true);
  });

  test("the pod: non-root numeric user, read-only root, no capabilities, RuntimeDefault seccomp, probes, resources", () => {
    for (const deployment of [
      appDeployment(),
      withRedis(),
      objectsOf("components/redis/redis-deployment.yaml")[0]!,
    ]) {
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(Number.isInteger(pod.securityContext.runAsUser) && pod.securityContext.runAsUser > 0).toBe(true);
      expect(pod.securityContext.seccompProfile.type).toBe("RuntimeDefault");
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        });
        expect(container.resources.requests).toBeDefined();
        expect(container.resources.limits.memory).toBeDefined();
        expect(container.readinessProbe).toBeDefined();
        expect(container.livenessProbe).toBeDefined();
      }
    }
    const app = appDeployment().spec.template.spec;
    const container = app.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(env.LOG_FORMAT.value).toBe("json");
    expect(app.terminationGracePeriodSeconds).toBeGreaterThan(Number(env.SHUTDOWN_DEADLINE_SECONDS.value));
    // /tmp stays writable on the read-only root.
    expect(container.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
  });

  test("credentials only as references to the Secret `gitops-release-bot`, never a value; no Secret in deploy/", () => {
    const container = appDeployment().spec.template.spec.containers[0];
    for (const name of ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "METRICS_TOKEN"]) {
      const entry = container.env.find((e: any) => e.name === name);
      expect([name, entry?.value, entry?.valueFrom?.secretKeyRef]).toEqual([
        name,
        undefined,
        expect.objectContaining({ name: "gitops-release-bot", key: name }),
      ]);
    }
    const all = yamlFiles().flatMap((file) => objectsOf(file));
    expect(all.filter((o) => o.kind === "Secret")).toEqual([]);
  });

  test("the PodDisruptionBudget lets one pod go: drains never block on one replica, two keep one up", () => {
    const pdb = objectsOf("poddisruptionbudget.yaml")[0]!;
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(appDeployment().spec.selector.matchLabels);
    const service = objectsOf("service.yaml")[0]!;
    expect(service.spec.selector).toEqual(appDeployment().spec.selector.matchLabels);
  });

  test("the manifests pass the bot's own Folder layout rules (gitops-release-bot layout)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "grb-deploy-"));
    const config = path.join(mkdtempSync(path.join(tmpdir(), "grb-deploy-config-")), "layout.yml");
    try {
      cpSync(DEPLOY, path.join(dir, "deploy"), { recursive: true });
      writeFileSync(
        config,
        [
          "layout:",
          "  templates:",
          '    base: "deploy/{file}"',
          '    flux: "deploy/flux/{file}"',
          '    components: "deploy/components/{component}/{file}"',
          "",
        ].join("\n"),
      );
      const out: string[] = [];
      const code = layoutCommand([dir, "--config", config, "--json"], (text) => out.push(text));
      const report = JSON.parse(out.join("")) as { findings: unknown[]; checkedFiles?: number };
      expect(report.findings).toEqual([]);
      expect(code).toBe(0);
      // The same rules find a manifest outside the layout (the check is not vacuous).
      cpSync(path.join(DEPLOY, "service.yaml"), path.join(dir, "deploy/stray/nested/service.yaml"));
      const again: string[] = [];
      expect(layoutCommand([dir, "--config", config, "--json"], (text) => again.push(text))).toBe(1);
      expect(again.join("")).toContain("deploy/stray/nested/service.yaml");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(path.dirname(config), { recursive: true, force: true });
    }
  });
});
