import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import { createTestApp } from "../helpers/test-app.js";
import {
  API,
  mockConfig,
  mockGitHub,
  mockNoConfig,
  mockPullFiles,
  resetNock,
  mockCheckRunList,
} from "../helpers/mock-github.js";
import {
  blobSha,
  mockBlobs,
  mockLayoutCheckRun,
  mockTitleCheckRun,
  mockTree,
} from "../helpers/mock-layout.js";
import { examplePayload } from "../helpers/webhooks.js";

const CLUSTER_ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: namespace-admin
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
`;

describe('"Folder layout" check', () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["prTitle", "configCheck", "folderLayout"]);
  });
  afterEach(() => resetNock());

  function setup() {
    const payload = examplePayload("pull_request", "opened");
    const owner = payload.repository.owner.login as string;
    const name = payload.repository.name as string;
    const sha = payload.pull_request.head.sha as string;
    return { payload, owner, name, sha, gh: mockGitHub() };
  }

  test("120 misplaced files over two pages → 120 annotations sent 50 + 50 + 20, summary grouped by rule", async () => {
    const { payload, owner, name, sha, gh } = setup();
    payload.pull_request.changed_files = 120;
    const files = Array.from({ length: 120 }, (_, i) => ({
      filename: `features/web/namespaced/notes-${String(i).padStart(3, "0")}.json`,
      status: "added",
      sha: blobSha(`notes ${i}`),
      additions: 1,
      deletions: 0,
      changes: 1,
    }));
    const captured = { created: [] as Array<Record<string, any>>, updates: [] as Array<Record<string, any>> };
    mockLayoutCheckRun(gh.api, owner, name, sha, captured, 2);
    mockTitleCheckRun(gh.api, owner, name, sha);
    mockCheckRunList(gh.api, owner, name, sha);
    mockNoConfig(gh.api, owner, name);
    mockTree(gh.api, owner, name, sha, [
      { path: "README.md" },
      ...files.map((f) => ({ path: f.filename, sha: f.sha })),
    ]);
    gh.api
      .get(`/repos/${owner}/${name}/pulls/${payload.number}/files`)
      .query({ per_page: "100" })
      .reply(200, files.slice(0, 100), {
        link: `<${API}/repos/${owner}/${name}/pulls/${payload.number}/files?per_page=100&page=2>; rel="next"`,
      })
      .get(`/repos/${owner}/${name}/pulls/${payload.number}/files`)
      .query({ per_page: "100", page: "2" })
      .reply(200, files.slice(100));
    await probot.receive({ name: "pull_request", id: "1", payload } as never);
    gh.finish();

    const created = captured.created[0]!;
    expect(created).toMatchObject({
      name: "Folder layout",
      head_sha: sha,
      status: "completed",
      conclusion: "failure",
    });
    expect(created.output.title).toBe("Folder layout: 120 errors");
    expect(created.output.summary).toContain("### Not a manifest (120)");
    expect(created.output.summary).toContain("How to fix:");
    expect(created.output.summary).toContain("… and 70 more (see the annotations)");
    const batches = [created, ...captured.updates].map(
      (body) => body.output.annotations as Array<Record<string, any>>,
    );
    expect(batches.map((b) => b.length)).toEqual([50, 50, 20]);
    const annotated = batches.flat();
    expect(new Set(annotated.map((a) => a.path)).size).toBe(120);
    expect(annotated[0]).toMatchObject({
      path: "features/web/namespaced/notes-000.json",
      start_line: 1,
      annotation_level: "failure",
      title: "Not a manifest",
    });
    // No blob was read: no changed file is a manifest.
    expect(gh.requests.filter((r) => r.path.includes("/git/blobs/") || r.path === "/graphql")).toEqual([]);
  });

  test("a renamed file is judged at its new path and its content read by blob SHA; removed files are not read", async () => {
    const { payload, owner, name, sha, gh } = setup();
    payload.pull_request.title = "feat(access-control): move the admin role";
    const moved = "features/access-control/namespaced/namespace-admin.yaml";
    const captured = { created: [] as Array<Record<string, any>>, updates: [] as Array<Record<string, any>> };
    mockLayoutCheckRun(gh.api, owner, name, sha, captured);
    mockTitleCheckRun(gh.api, owner, name, sha);
    mockCheckRunList(gh.api, owner, name, sha);
    mockNoConfig(gh.api, owner, name);
    mockPullFiles(gh.api, owner, name, payload.number, [
      {
        filename: moved,
        status: "renamed",
        previous_filename: "features/access-control/non-namespaced/namespace-admin.yaml",
        sha: blobSha(CLUSTER_ROLE),
      },
      { filename: "features/access-control/non-namespaced/namespace-reader.yaml", status: "removed" },
    ]);
    mockTree(gh.api, owner, name, sha, [
      { path: moved, sha: blobSha(CLUSTER_ROLE), size: CLUSTER_ROLE.length },
    ]);
    mockBlobs(gh.api, [CLUSTER_ROLE]);
    await probot.receive({ name: "pull_request", id: "2", payload } as never);
    gh.finish();

    const created = captured.created[0]!;
    expect(created.conclusion).toBe("failure");
    expect(created.output.annotations).toEqual([
      {
        path: moved,
        start_line: 2,
        end_line: 2,
        start_column: 1,
        end_column: 1,
        annotation_level: "failure",
        title: "Object in the wrong scope folder",
        message:
          "ClusterRole `namespace-admin` is cluster-scoped, but it is under `namespaced/`: move the file to the `non-namespaced/` folder.",
      },
    ]);
    // One blob read, by its SHA: through REST (a few blobs do not wait for a GraphQL query's write-bucket token).
    expect(gh.requests.filter((r) => r.path === "/graphql")).toEqual([]);
    expect(gh.requests.filter((r) => r.path.includes("/git/blobs/")).map((r) => r.path)).toEqual([
      `/repos/${owner}/${name}/git/blobs/${blobSha(CLUSTER_ROLE)}`,
    ]);
  });

  test("250 changed manifests → read in 3 GraphQL queries (100 + 100 + 50), no REST blob read; an oversized one gets a notice, unread", async () => {
    const { payload, owner, name, sha, gh } = setup();
    payload.pull_request.title = "feat(web): generated config";
    const manifests = Array.from({ length: 250 }, (_, i) => {
      const text =
        i % 50 === 0
          ? CLUSTER_ROLE.replace("namespace-admin", `role-${i}`)
          : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${i}\ndata:\n  key: "${"v".repeat(2000)}"\n`;
      return { filename: `features/web/namespaced/object-${String(i).padStart(3, "0")}.yaml`, text };
    });
    const oversized = {
      filename: "features/web/namespaced/generated.yaml",
      sha: blobSha("generated"),
      size: 3_000_000,
    };
    payload.pull_request.changed_files = manifests.length + 1;
    const captured = { created: [] as Array<Record<string, any>>, updates: [] as Array<Record<string, any>> };
    mockLayoutCheckRun(gh.api, owner, name, sha, captured);
    mockTitleCheckRun(gh.api, owner, name, sha);
    mockCheckRunList(gh.api, owner, name, sha);
    mockNoConfig(gh.api, owner, name);
    mockPullFiles(gh.api, owner, name, payload.number, [
      ...manifests.map((m) => ({ filename: m.filename, status: "added", sha: blobSha(m.text) })),
      { filename: oversized.filename, status: "added", sha: oversized.sha },
    ]);
    mockTree(gh.api, owner, name, sha, [
      ...manifests.map((m) => ({ path: m.filename, sha: blobSha(m.text), size: m.text.length })),
      { path: oversized.filename, sha: oversized.sha, size: oversized.size },
    ]);
    const queries: Array<{ query: string; variables: Record<string, string> }> = [];
    mockBlobs(
      gh.api,
      manifests.slice(0, 100).map((m) => m.text),
      queries,
    );
    mockBlobs(
      gh.api,
      manifests.slice(100, 200).map((m) => m.text),
      queries,
    );
    mockBlobs(
      gh.api,
      manifests.slice(200).map((m) => m.text),
      queries,
    );
    await probot.receive({ name: "pull_request", id: "4", payload } as never);
    gh.finish();

    expect(queries.map((q) => Object.keys(q.variables).filter((k) => /^b\d+$/.test(k)).length)).toEqual([
      100, 100, 50,
    ]);
    expect(gh.requests.filter((r) => r.path.includes("/git/blobs/"))).toEqual([]);
    const created = captured.created[0]!;
    expect(created.conclusion).toBe("failure");
    const annotations = created.output.annotations as Array<Record<string, any>>;
    expect(annotations.filter((a) => a.annotation_level === "failure").map((a) => a.path)).toEqual(
      [0, 50, 100, 150, 200].map((i) => `features/web/namespaced/object-${String(i).padStart(3, "0")}.yaml`),
    );
    expect(annotations.find((a) => a.path === oversized.filename)).toMatchObject({
      annotation_level: "notice",
      message: expect.stringContaining("3000000 bytes"),
    });
  });

  test("more than 3000 changed files → the merge base and head trees are diffed instead of listing files", async () => {
    const { payload, owner, name, sha, gh } = setup();
    payload.pull_request.changed_files = 3500;
    const kustomization = [
      "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2",
      "kind: Kustomization",
      "metadata:",
      "  name: feature-web",
      "  namespace: flux-system",
      "spec:",
      "  path: ./features/wbe",
      "  sourceRef:",
      "    kind: GitRepository",
      "    name: main",
      "",
    ].join("\n");
    const kustomizationPath = "providers/aws/v1/mgmt/namespaced/flux-system/kustomization-web.yaml";
    // Its source, unchanged: this repository (the payload's SSH URL) on the PR's base branch, read for context.
    const gitRepository = [
      "apiVersion: source.toolkit.fluxcd.io/v1",
      "kind: GitRepository",
      "metadata:",
      "  name: main",
      "  namespace: flux-system",
      "spec:",
      `  url: ${payload.repository.ssh_url}`,
      "  ref:",
      `    branch: ${payload.pull_request.base.ref}`,
      "",
    ].join("\n");
    const gitRepositoryPath = "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-main.yaml";
    const unchanged = { path: "features/web/namespaced/deployment.yaml", sha: blobSha("same") };
    const captured = { created: [] as Array<Record<string, any>>, updates: [] as Array<Record<string, any>> };
    mockLayoutCheckRun(gh.api, owner, name, sha, captured);
    mockTitleCheckRun(gh.api, owner, name, sha);
    mockCheckRunList(gh.api, owner, name, sha);
    mockNoConfig(gh.api, owner, name);
    // The "Config" check still lists the files (it looks for the configuration file among them).
    mockPullFiles(gh.api, owner, name, payload.number, [{ filename: "README.md" }]);
    gh.api
      .get(`/repos/${owner}/${name}/compare/${payload.pull_request.base.ref}...${sha}`)
      .query({ per_page: "1" })
      .reply(200, { merge_base_commit: { sha: "b".repeat(40) }, files: [], commits: [] });
    const source = { path: gitRepositoryPath, sha: blobSha(gitRepository), size: gitRepository.length };
    mockTree(gh.api, owner, name, "b".repeat(40), [
      unchanged,
      source,
      { path: "features/web/namespaced/old.yaml" },
    ]);
    mockTree(gh.api, owner, name, sha, [
      unchanged,
      { path: kustomizationPath, sha: blobSha(kustomization), size: kustomization.length },
      source,
      { path: "web/notes.txt" },
    ]);
    // The changed Kustomization first, then (its source unknown) the unchanged GitRepository file.
    mockBlobs(gh.api, [kustomization]);
    mockBlobs(gh.api, [gitRepository]);
    await probot.receive({ name: "pull_request", id: "3", payload } as never);
    gh.finish();

    const created = captured.created[0]!;
    expect(created.conclusion).toBe("failure");
    expect(created.output.summary).toContain("comparing the trees of the merge base and the head");
    expect(
      created.output.annotations.map((a: Record<string, any>) => [a.path, a.start_line, a.title]),
    ).toEqual([
      [kustomizationPath, 7, "Flux Kustomization path does not exist"],
      ["web/notes.txt", 1, "File outside the folder layout"],
    ]);
  });

  test("a pattern outside RE2 in the configuration → the check fails and quotes it", async () => {
    const { payload, owner, name, sha, gh } = setup();
    const captured = { created: [] as Array<Record<string, any>>, updates: [] as Array<Record<string, any>> };
    mockLayoutCheckRun(gh.api, owner, name, sha, captured);
    mockTitleCheckRun(gh.api, owner, name, sha);
    mockCheckRunList(gh.api, owner, name, sha);
    mockConfig(gh.api, owner, name, 'layout:\n  segments:\n    version: "(?!v)x"\n');
    mockPullFiles(gh.api, owner, name, payload.number, [{ filename: "README.md" }]);
    await probot.receive({ name: "pull_request", id: "4", payload } as never);
    gh.finish();
    const created = captured.created[0]!;
    expect(created.conclusion).toBe("failure");
    expect(created.output.title).toMatch(/^Invalid configuration/);
    expect(created.output.summary).toContain('`layout.segments.version`: got `"(?!v)x"`');
    expect(created.output.summary).toContain("RE2 syntax");
  });

  test("a clean PR passes with no annotations", async () => {
    const { payload, owner, name, sha, gh } = setup();
    const captured = { created: [] as Array<Record<string, any>>, updates: [] as Array<Record<string, any>> };
    mockLayoutCheckRun(gh.api, owner, name, sha, captured);
    mockTitleCheckRun(gh.api, owner, name, sha);
    mockCheckRunList(gh.api, owner, name, sha);
    mockNoConfig(gh.api, owner, name);
    mockPullFiles(gh.api, owner, name, payload.number, [{ filename: "README.md" }]);
    mockTree(gh.api, owner, name, sha, [{ path: "README.md" }]);
    await probot.receive({ name: "pull_request", id: "5", payload } as never);
    gh.finish();
    expect(captured.created[0]).toMatchObject({
      conclusion: "success",
      output: { title: "1 changed file in place" },
    });
    expect(captured.created[0]?.output.annotations).toBeUndefined();
  });
});
