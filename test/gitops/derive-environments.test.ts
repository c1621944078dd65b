import { afterEach, describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../../src/config/parse-config.js";
import { deriveEnvironments, locatePromotionTargets } from "../../src/gitops/derive-environments.js";
import { suggestNextVersion, waitingChanges } from "../../src/notes/waiting-changes.js";
import { buildHistoryRepo, loadHistory, rewindHistory } from "../helpers/history-repo.js";
import { cli } from "../helpers/run-cli.js";

// The real repository's commits (original SHAs, see test/fixtures/k8s-gitops-at-scale/LOG.txt).
const C = {
  pr7: "3a9fe65424e31568bec9cf51bd7a2789d0aff81c", // tag v0.0.1
  pr10orig: "f622ec59f13e81cf4b832e8428241f37eea7f022", // tag v0.0.2, on main before main was rewritten
  pr11: "c76e1475199e5959598196859e6c53a3bed9c2ba", // promote v0.0.2 (on the rewritten main)
  pr13: "29bea00647e4f52500004749a70df50e91b214c2", // tag v0.0.3
  pr14: "1ab8e99b8a6240af227c4b5edde049fc59d8c088", // promote v0.0.3: HEAD
};

const pullRefs = (from: number) =>
  Object.fromEntries(Array.from({ length: 15 - from }, (_, i) => [`refs/pull/${from + i}/head`, null]));

interface Status {
  environments: Array<{
    name: string;
    role: string;
    ref: { type: string; name: string };
    commit: string | null;
    clusters: string[];
  }>;
  waiting: Array<{ number: number; title: string; inLatestTag: boolean }>;
  impact: Array<{ heading: string; items: Array<{ label: string; pulls: number[] }> }>;
  latestTag: string | null;
  nextVersion: string | null;
}

let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());

/** `status --json` on the real history rebuilt as it stood at a moment (refs moved or removed). */
async function statusAt(refs: Record<string, string | null>) {
  const repo = buildHistoryRepo({ history: rewindHistory(loadHistory(), refs) });
  cleanup = repo.cleanup;
  const result = await cli(["status", "--repo", repo.dir, "--json"]);
  expect(result.err).toBe("");
  expect(result.code).toBe(0);
  return { status: JSON.parse(result.out) as Status, shaOf: repo.shaOf };
}

const envs = (status: Status) => status.environments.map(({ name, role, ref }) => ({ name, role, ref }));

describe("environments of the real repository", () => {
  test("HEAD: non-production follows main, production the tag v0.0.3; nothing waits (#14 is the promotion itself)", async () => {
    const { status, shaOf } = await statusAt({});
    expect(envs(status)).toEqual([
      { name: "main", role: "non-production", ref: { type: "branch", name: "main" } },
      { name: "release", role: "production", ref: { type: "tag", name: "v0.0.3" } },
    ]);
    expect(status.environments.map((e) => e.commit)).toEqual([shaOf(C.pr14), shaOf(C.pr13)]);
    expect(status.environments[1]!.clusters).toContain("prod-eu-west-1");
    expect(status.environments[0]!.clusters).toContain("non-prod-eu-west-1");
    expect(status.waiting).toEqual([]);
    expect(status.nextVersion).toBeNull();
  });

  test("at v0.0.3 (before #14): production is still v0.0.2, off main; only #12 and #13 wait, both tagged", async () => {
    const { status, shaOf } = await statusAt({ "refs/heads/main": C.pr13, ...pullRefs(14) });
    expect(status.environments[1]).toMatchObject({
      ref: { type: "tag", name: "v0.0.2" },
      commit: shaOf(C.pr10orig),
    });
    // #9 and #10 are on main as rewritten twins of the commits in v0.0.2: not waiting; #11 is a promotion.
    expect(status.waiting.map((w) => [w.number, w.inLatestTag])).toEqual([
      [12, true],
      [13, true],
    ]);
    expect(status.impact.find((g) => g.heading === "Clusters")?.items).toEqual([
      { label: "aws mgmt: flux-system", pulls: [12] },
      { label: "aws mgmt: non-prod-eu-west-1", pulls: [13] },
    ]);
    expect(status.latestTag).toBe("v0.0.3");
    expect(status.nextVersion).toBeNull();
  });

  test("the same moment without the tag v0.0.3: #12 and #13 are unreleased, the next version is v0.0.3 (fix → patch)", async () => {
    const { status } = await statusAt({
      "refs/heads/main": C.pr13,
      "refs/tags/v0.0.3": null,
      ...pullRefs(14),
    });
    expect(status.waiting.map((w) => [w.number, w.inLatestTag])).toEqual([
      [12, false],
      [13, false],
    ]);
    expect(status.nextVersion).toBe("v0.0.3");
  });

  test("after the rewrite, #11 merged: production v0.0.2 is not an ancestor of main, and nothing waits", async () => {
    const { status } = await statusAt({
      "refs/heads/main": C.pr11,
      "refs/tags/v0.0.3": null,
      ...pullRefs(12),
    });
    expect(status.environments[1]!.ref).toEqual({ type: "tag", name: "v0.0.2" });
    expect(status.waiting).toEqual([]);
    expect(status.nextVersion).toBeNull();
  });

  test("at v0.0.2 (main before the rewrite): production is v0.0.1 and #10 waits, already in v0.0.2", async () => {
    const { status } = await statusAt({
      "refs/heads/main": C.pr10orig,
      "refs/tags/v0.0.3": null,
      ...pullRefs(11),
    });
    expect(status.environments[1]!.ref).toEqual({ type: "tag", name: "v0.0.1" });
    expect(status.waiting.map((w) => [w.number, w.title, w.inLatestTag])).toEqual([
      [10, "tenants(dummy): increase compute quota", true],
    ]);
    expect(status.impact).toEqual([
      { heading: "Tenants", items: [{ label: "aws common: dummy", pulls: [10] }] },
    ]);
  });

  test("at v0.0.1: the release source still follows the branch main, so production is main itself", async () => {
    const { status, shaOf } = await statusAt({
      "refs/heads/main": C.pr7,
      "refs/tags/v0.0.2": null,
      "refs/tags/v0.0.3": null,
      ...pullRefs(9),
    });
    expect(envs(status)).toEqual([
      { name: "main", role: "non-production", ref: { type: "branch", name: "main" } },
      { name: "release", role: "production", ref: { type: "branch", name: "main" } },
    ]);
    expect(status.environments[1]!.commit).toBe(shaOf(C.pr7));
    expect(status.waiting).toEqual([]);
    expect(status.latestTag).toBe("v0.0.1");
  });

  test("text output names each environment with its ref and commit", async () => {
    const repo = buildHistoryRepo();
    cleanup = repo.cleanup;
    const result = await cli(["status", "--repo", repo.dir]);
    expect(result.out).toContain(`release [production]: tag v0.0.3 at ${repo.shaOf(C.pr13).slice(0, 7)}`);
    expect(result.out).toContain("Next version: none");
  });
});

describe("waiting changes and the next version (pure)", () => {
  const commit = (sha: string, message: string) => ({ sha, message, author: { login: null, name: "a" } });
  test("a rewritten twin that lost its (#N) is matched by title; promotions are not changes", () => {
    const waiting = waitingChanges(
      [
        commit("a", "fix: x"),
        commit("b", "feat: y (#5)"),
        commit("c", "chore(release): promote v1 to prod (#6)"),
      ],
      [commit("z", "fix: x (#4)")],
      [/^chore\(release\): promote /],
    );
    expect(waiting.map((w) => w.number)).toEqual([5]);
  });
  test("breaking → major (configurable to minor), feat → minor, otherwise patch", () => {
    const rules = { breaking: "major" as const, minorTypes: ["feat"] };
    const tags = ["v1.2.3", "v1.3.0-rc.1", "other"];
    expect(suggestNextVersion([{ type: "fix", breaking: false }], tags, "v", rules)).toBe("v1.2.4");
    expect(suggestNextVersion([{ type: "feat", breaking: false }], tags, "v", rules)).toBe("v1.3.0");
    expect(suggestNextVersion([{ type: "fix", breaking: true }], tags, "v", rules)).toBe("v2.0.0");
    expect(
      suggestNextVersion([{ type: "fix", breaking: true }], tags, "v", { ...rules, breaking: "minor" }),
    ).toBe("v1.3.0");
    expect(suggestNextVersion([{ type: "feat", breaking: false }], [], "v", rules)).toBe("v0.1.0");
    expect(suggestNextVersion([], tags, "v", rules)).toBeNull();
  });
});

/**
 * The fleet fixture (test/fixtures/promotion/fleet, shape of fluxcd/flux2-kustomize-helm-example): each cluster folder
 * has its own copy of the `release` source and the Kustomization that uses it; here each Kustomization reaches its
 * cluster by kubeconfig. Production's environment lists production's cluster only.
 */
describe("environments of a fleet", () => {
  const FLEET = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/promotion/fleet");
  const clusterFile = (cluster: string) =>
    readFileSync(path.join(FLEET, `clusters/${cluster}/release.yaml`), "utf8").replace(
      `  path: ./apps/${cluster}\n`,
      `  path: ./apps/${cluster}\n  kubeConfig:\n    secretRef:\n      name: ${cluster}-kubeconfig\n`,
    );

  test("the production target's copy reaches production's cluster, not staging's", () => {
    const files = new Map([
      ["clusters/staging/release.yaml", clusterFile("staging")],
      ["clusters/production/release.yaml", clusterFile("production")],
    ]);
    expect(files.get("clusters/staging/release.yaml")).toContain("name: staging-kubeconfig");
    const config = parseConfig({
      promotion: { targets: [{ id: "production", path: "clusters/production/release.yaml" }] },
    });
    if (!config.ok) throw new Error(JSON.stringify(config.error));
    const located = locatePromotionTargets([...files.keys()], files, config.value.promotion.targets, 10);
    const [production] = deriveEnvironments(files, located);
    expect(production).toMatchObject({
      role: "production",
      ref: { type: "tag", name: "v1.4.0" },
      clusters: ["production"],
    });
  });
});
