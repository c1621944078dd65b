import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";
import type { RolloutConfig } from "../../src/config/sections/rollout.js";
import { findSourceConsumers } from "../../src/gitops/find-source-consumers.js";
import { listKustomizations } from "../../src/gitops/list-kustomizations.js";
import {
  attributeStatus,
  looksLikeFluxStatus,
  planRollout,
  type FluxStatus,
  type KustomizationRef,
  type RolloutTargets,
} from "../../src/rules/map-flux-statuses.js";
import {
  readRolloutMarker,
  readRolloutStates,
  renderRolloutCheck,
  renderRolloutMarker,
  renderRolloutSection,
  spliceRolloutSection,
} from "../../src/report/rollout-report.js";
import { filesAt } from "../helpers/fake-github-repo.js";
import { loadHistory } from "../helpers/history-repo.js";

function rolloutConfig(section: Record<string, unknown> = {}): RolloutConfig {
  const parsed = parseConfig({ rollout: section });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value.rollout;
}

const ref = (namespace: string, name: string, cluster: string | null = null): KustomizationRef => ({
  namespace,
  name,
  cluster,
});

/** The real repository at v0.0.3: one Flux (mgmt) runs prod and non-prod Kustomizations with the same names. */
const history = loadHistory();
const files = [...filesAt(history, history.refs["refs/tags/v0.0.3"]!).entries()].map(([path, text]) => ({
  path,
  text,
}));
const all = listKustomizations(files);
const production = findSourceConsumers(files, {
  kind: "GitRepository",
  name: "release",
  namespace: "flux-system",
}).map(({ name, namespace, cluster }) => ref(namespace, name, cluster));
const key = (k: KustomizationRef) => `${k.namespace}/${k.name}/${k.cluster}`;
const fixtureTargets: RolloutTargets = {
  tracked: production,
  others: all.filter((k) => !production.some((p) => key(p) === key(k))),
  complete: true,
};
const PROD_COMMON = ref("prod-eu-west-1", "common", "prod-eu-west-1-kubeconfig");

describe("the real repository's Kustomizations", () => {
  test("production is the 8 Kustomizations of the release source; 'common' also exists in non-prod", () => {
    expect(production).toHaveLength(8);
    expect(production).toContainEqual(PROD_COMMON);
    expect(fixtureTargets.others).toContainEqual(
      ref("non-prod-eu-west-1", "common", "non-prod-eu-west-1-kubeconfig"),
    );
  });
});

describe("attributeStatus: Flux's default ids (kustomization/<name>/<provider uid prefix>)", () => {
  const config = rolloutConfig();
  test("a name only production has is that Kustomization (not exact: the id does not say the namespace)", () => {
    expect(attributeStatus("kustomization/tenants-prod/0c9c2e41", fixtureTargets, config)).toEqual({
      kind: "tracked",
      kustomization: ref("prod-eu-west-1", "tenants-prod", "prod-eu-west-1-kubeconfig"),
      exact: false,
    });
  });
  test("a name non-prod shares is counted for nobody (it may be non-prod's report)", () => {
    const attribution = attributeStatus("kustomization/common/0c9c2e41", fixtureTargets, config);
    expect(attribution.kind).toBe("ambiguous");
    if (attribution.kind !== "ambiguous") return;
    expect(attribution.candidates).toHaveLength(2);
    expect(attribution.reason).toMatch(/does not say the namespace/);
  });
  test("when not every Kustomization file was read, even a unique-looking name is not proven", () => {
    const partial = { ...fixtureTargets, complete: false };
    expect(attributeStatus("kustomization/tenants-prod/0c9c2e41", partial, config).kind).toBe("ambiguous");
  });
  test("Flux lower-cases its ids; matching ignores case", () => {
    expect(attributeStatus("Kustomization/TENANTS-PROD/0C9C2E41", fixtureTargets, config).kind).toBe(
      "tracked",
    );
  });
});

describe("attributeStatus: exact ids", () => {
  test("a commitStatusExpr format with the namespace tells prod's 'common' from non-prod's", () => {
    const config = rolloutConfig({ statusFormat: "kustomization/{namespace}/{name}/{provider}" });
    expect(attributeStatus("kustomization/prod-eu-west-1/common/0c9c2e41", fixtureTargets, config)).toEqual({
      kind: "tracked",
      kustomization: PROD_COMMON,
      exact: true,
    });
    expect(
      attributeStatus("kustomization/non-prod-eu-west-1/common/0c9c2e41", fixtureTargets, config).kind,
    ).toBe("other");
    // The default format no longer matches: the configured one is the only reading.
    expect(attributeStatus("kustomization/common/0c9c2e41", fixtureTargets, config).kind).toBe("other");
  });
  test("a configured context names its Kustomization, before any format", () => {
    const config = rolloutConfig({
      statuses: [{ context: "kustomization/common/0c9c2e41", kustomization: "prod-eu-west-1/common" }],
    });
    expect(attributeStatus("kustomization/common/0c9c2e41", fixtureTargets, config)).toEqual({
      kind: "tracked",
      kustomization: PROD_COMMON,
      exact: true,
    });
  });
  test("a bad configured Kustomization is refused with how to write it", () => {
    const parsed = parseConfig({ rollout: { statuses: [{ context: "x", kustomization: "common" }] } });
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(!parsed.ok && parsed.error)).toMatch(/namespace\/name/);
  });
});

describe("attributeStatus: unknown contexts", () => {
  const config = rolloutConfig();
  test.each([
    "continuous-integration/jenkins",
    "ci/build",
    "helmrelease/podinfo/0c9c2e41",
    "kustomization/does-not-exist/0c9c2e41",
    "kustomization/common",
  ])("%s is not a production Kustomization's report", (context) => {
    expect(attributeStatus(context, fixtureTargets, config)).toEqual({ kind: "other" });
  });
  test("statuses that cannot be Flux's are dropped before any read", () => {
    expect(looksLikeFluxStatus("continuous-integration/jenkins", config)).toBe(false);
    expect(looksLikeFluxStatus("kustomization/apps/0c9c2e41", config)).toBe(true);
  });
});

describe("attributeStatus: two clusters with the same Kustomization name", () => {
  // Cluster API management cluster: one Flux applies `apps` to two workload clusters through their kubeconfigs.
  const eu = ref("flux-system", "apps", "prod-eu-kubeconfig");
  const us = ref("flux-system", "apps", "prod-us-kubeconfig");
  const targets: RolloutTargets = { tracked: [eu, us], others: [], complete: true };
  test("default ids: neither is counted", () => {
    expect(attributeStatus("kustomization/apps/0c9c2e41", targets, rolloutConfig()).kind).toBe("ambiguous");
  });
  test("even with the namespace in the id, the cluster is needed", () => {
    const config = rolloutConfig({ statusFormat: "kustomization/{namespace}/{name}/{provider}" });
    const attribution = attributeStatus("kustomization/flux-system/apps/0c9c2e41", targets, config);
    expect(attribution.kind).toBe("ambiguous");
    expect(attribution.kind === "ambiguous" && attribution.reason).toMatch(/\{cluster\}/);
  });
  test("a format with {cluster} is exact", () => {
    const config = rolloutConfig({ statusFormat: "{cluster}/{namespace}/{name}" });
    expect(attributeStatus("prod-us-kubeconfig/flux-system/apps", targets, config)).toEqual({
      kind: "tracked",
      kustomization: us,
      exact: true,
    });
  });
  test("configured contexts with their cluster are exact; without it, ambiguous", () => {
    const config = rolloutConfig({
      statuses: [
        {
          context: "kustomization/apps/aaaa1111",
          kustomization: "flux-system/apps",
          cluster: "prod-eu-kubeconfig",
        },
        { context: "kustomization/apps/bbbb2222", kustomization: "flux-system/apps" },
      ],
    });
    expect(attributeStatus("kustomization/apps/aaaa1111", targets, config)).toEqual({
      kind: "tracked",
      kustomization: eu,
      exact: true,
    });
    expect(attributeStatus("kustomization/apps/bbbb2222", targets, config).kind).toBe("ambiguous");
  });
});

describe("planRollout", () => {
  const config = rolloutConfig();
  const MERGED = "2026-12-07T06:00:00Z";
  const at = (minutes: number) => new Date(Date.parse(MERGED) + minutes * 60_000).toISOString();
  const status = (
    context: string,
    state: FluxStatus["state"],
    minutes: number,
    description?: string,
  ): FluxStatus => ({
    context,
    state,
    description: description ?? (state === "success" ? "reconciliation succeeded" : "health check failed"),
    createdAt: at(minutes),
  });
  const targets: RolloutTargets = {
    tracked: [ref("prod", "apps"), ref("prod", "infra")],
    others: [ref("staging", "apps")],
    complete: true,
  };
  const plan = (statuses: FluxStatus[], nowMinutes = 5, cfg = config) =>
    planRollout({
      targets,
      statuses,
      since: MERGED,
      now: Date.parse(at(nowMinutes)),
      timeoutMs: 30 * 60_000,
      config: cfg,
    });

  test("nothing reported: both waiting, in progress", () => {
    const result = plan([]);
    expect(result.entries.map((e) => e.state)).toEqual(["waiting", "waiting"]);
    expect(result.conclusion).toBe("in_progress");
  });
  test("one applied, one waiting: still in progress; a status from before the merge is an earlier rollout's", () => {
    const result = plan([
      status("kustomization/infra/0c9c2e41", "success", 2),
      status("kustomization/infra/x", "success", -10),
    ]);
    expect(result.entries.find((e) => e.kustomization.name === "infra")).toMatchObject({
      state: "applied",
      at: at(2),
      message: "reconciliation succeeded",
    });
    expect(result.conclusion).toBe("in_progress");
    expect(plan([status("kustomization/infra/0c9c2e41", "success", -10)]).entries[1]!.state).toBe("waiting");
  });
  test("a failure fails the rollout, with Flux's message", () => {
    const result = plan([status("kustomization/infra/0c9c2e41", "failure", 3)]);
    expect(result.conclusion).toBe("failure");
    expect(result.entries[1]).toMatchObject({ state: "failed", message: "health check failed" });
  });
  test("'apps' (staging shares it) never counts as applied under default ids: the rollout cannot succeed on it", () => {
    const result = plan([
      status("kustomization/apps/0c9c2e41", "success", 1),
      status("kustomization/infra/0c9c2e41", "success", 1),
    ]);
    expect(result.entries[0]!.state).toBe("waiting");
    expect(result.unattributed).toEqual([
      expect.objectContaining({ context: "kustomization/apps/0c9c2e41", state: "success" }),
    ]);
    expect(result.conclusion).toBe("in_progress");
    const exact = rolloutConfig({
      statuses: [{ context: "kustomization/apps/0c9c2e41", kustomization: "prod/apps" }],
    });
    const both = [
      status("kustomization/apps/0c9c2e41", "success", 1),
      status("kustomization/infra/0c9c2e41", "success", 1),
    ];
    expect(plan(both, 5, exact).conclusion).toBe("success");
  });
  test("timeout: neutral after the period without reports, counted from the last report", () => {
    expect(plan([], 31).conclusion).toBe("neutral");
    expect(plan([status("kustomization/infra/0c9c2e41", "success", 20)], 31).conclusion).toBe("in_progress");
    expect(plan([status("kustomization/infra/0c9c2e41", "success", 20)], 51).conclusion).toBe("neutral");
  });
  test("no production Kustomization changes: success at once", () => {
    const none = planRollout({
      targets: { tracked: [], others: [], complete: true },
      statuses: [],
      since: MERGED,
      now: Date.parse(MERGED),
      timeoutMs: 1,
      config,
    });
    expect(none.conclusion).toBe("success");
  });
});

describe("the release's Rollout section and the check", () => {
  const targets: RolloutTargets = {
    tracked: [ref("prod", "infra", "prod-kubeconfig")],
    others: [],
    complete: true,
  };
  const context = {
    tag: "v0.0.4",
    targetId: "release",
    pull: { number: 15, url: "https://github.com/o/r/pull/15", mergedAt: "2026-12-07T06:00:00Z" },
    previous: "v0.0.3",
    timeoutMinutes: 30,
  };
  const failed = planRollout({
    targets,
    statuses: [
      {
        context: "kustomization/infra/0c9c2e41",
        state: "failure",
        description: "health check failed",
        createdAt: "2026-12-07T06:02:00Z",
      },
    ],
    since: context.pull.mergedAt,
    now: Date.parse("2026-12-07T06:03:00Z"),
    timeoutMs: 30 * 60_000,
    config: rolloutConfig(),
  });
  test("replaced in place between its markers, never duplicated; the notes around it stay byte for byte", () => {
    const notes = "## What's changed\n\n- feat: x (#14)\n";
    const once = spliceRolloutSection(notes, "release", renderRolloutSection(failed, context));
    const twice = spliceRolloutSection(once, "release", renderRolloutSection(failed, context));
    expect(twice).toBe(once);
    expect(once.startsWith(notes.trimEnd())).toBe(true);
    expect(once.match(/## Rollout/g)).toHaveLength(1);
    expect(once).toContain("❌ failed");
    expect(once).toContain("health check failed");
    expect(readRolloutStates(once)).toEqual([{ targetId: "release", state: "failure", pull: 15 }]);
  });
  test("the failed check names the Kustomization, the cluster, Flux's message and the rollback command", () => {
    const check = renderRolloutCheck(failed, context);
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("prod/infra failed: health check failed");
    expect(check.summary).toContain("`prod-kubeconfig`");
    expect(check.summary).toContain("/promote v0.0.3");
  });
  test("the PR's marker round-trips what the rollout waits for", () => {
    const marker = {
      previous: "v0.0.3",
      tracked: [PROD_COMMON],
      others: [...fixtureTargets.others],
      complete: true,
    };
    const read = readRolloutMarker(`body\n${renderRolloutMarker(marker)}\n`);
    expect(read).toEqual({
      ...marker,
      others: [ref("non-prod-eu-west-1", "common", "non-prod-eu-west-1-kubeconfig")],
    });
  });
});
