import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type nock from "nock";
import type { Probot } from "probot";
import { parse } from "yaml";
import { parseConfig } from "../../src/config/parse-config.js";
import { ONBOARDING_BRANCH, ONBOARDING_TITLE } from "../../src/report/onboarding-report.js";
import {
  mockAbsentConfig,
  mockConfig,
  mockCreateCheckRun,
  mockGitHub,
  mockPullFiles,
  resetNock,
} from "../helpers/mock-github.js";
import { mockRepository } from "../helpers/squash-mocks.js";
import { createTestApp } from "../helpers/test-app.js";
import { examplePayload } from "../helpers/webhooks.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const R = `/repos/${OWNER}/${REPO}`;
const HEAD = "c".repeat(40);
const RAW = { "content-type": "application/vnd.github.v3.raw; charset=utf-8" };

/** A real tree: the files of a fixture folder, as the git trees and blobs APIs answer them. */
function treeOf(dir: string): Map<string, { sha: string; text: string }> {
  const files = new Map<string, { sha: string; text: string }>();
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(dir, relative))) {
      const child = relative ? `${relative}/${name}` : name;
      if (statSync(path.join(dir, child)).isDirectory()) walk(child);
      else {
        const text = readFileSync(path.join(dir, child), "utf8");
        const sha = createHash("sha1")
          .update(`blob ${Buffer.byteLength(text)}\0${text}`)
          .digest("hex");
        files.set(child, { sha, text });
      }
    }
  };
  walk("");
  return files;
}

const FLUX = treeOf(path.resolve("test/fixtures/flux2-kustomize-helm-example"));
const NOT_GITOPS = new Map(
  [
    ["README.md", "# a web app\n"],
    ["src/index.js", "console.log('hi');\n"],
    ["deploy/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"],
    [".github/workflows/ci.yml", "on: push\njobs: {}\n"],
  ].map(([p, text]) => [p!, { sha: createHash("sha1").update(text!).digest("hex"), text: text! }]),
);

/** The reads of one repository's onboarding look-up, up to the decision. */
function mockGather(api: nock.Scope, files: Map<string, { sha: string; text: string }>) {
  mockRepository(api, OWNER, REPO, {});
  api
    .get(`${R}/git/ref/heads%2Fmain`)
    .reply(200, { ref: "refs/heads/main", object: { sha: HEAD, type: "commit" } });
  const folders = new Set<string>();
  for (const p of files.keys()) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join("/"));
  }
  api
    .get(`${R}/git/trees/${HEAD}`)
    .query({ recursive: "1" })
    .reply(200, {
      sha: "d".repeat(40),
      truncated: false,
      tree: [
        ...[...folders].map((p) => ({ path: p, mode: "040000", type: "tree", sha: "e".repeat(40) })),
        ...[...files].map(([p, f]) => ({
          path: p,
          mode: "100644",
          type: "blob",
          sha: f.sha,
          size: f.text.length,
        })),
      ],
    });
  for (const [p, f] of files) {
    if (!/\.ya?ml$/.test(p)) continue;
    api.get(`${R}/git/blobs/${f.sha}`).reply(200, {
      sha: f.sha,
      encoding: "base64",
      content: Buffer.from(f.text).toString("base64"),
      size: f.text.length,
    });
  }
}

/** The writes of the onboarding PR: one commit on the bot's branch, then the PR. */
function mockOpen(api: nock.Scope, into: { file?: string; pull?: Record<string, any> }) {
  api
    .get(`${R}/git/commits/${HEAD}`)
    .reply(200, { sha: HEAD, tree: { sha: "d".repeat(40) }, parents: [] })
    .post(`${R}/git/trees`, (body) => {
      into.file = body.tree[0].content;
      return body.base_tree === "d".repeat(40) && body.tree[0].path === ".github/gitops-release-bot.yml";
    })
    .reply(201, { sha: "f".repeat(40) })
    .post(`${R}/git/commits`, (body) => body.message === ONBOARDING_TITLE && body.parents[0] === HEAD)
    .reply(201, { sha: "1".repeat(40) })
    .post(`${R}/git/refs`, { ref: `refs/heads/${ONBOARDING_BRANCH}`, sha: "1".repeat(40) })
    .reply(201, { ref: `refs/heads/${ONBOARDING_BRANCH}`, object: { sha: "1".repeat(40) } })
    .post(`${R}/pulls`, (body) => {
      into.pull = body;
      return true;
    })
    .reply(201, { number: 7, html_url: `https://github.com/${OWNER}/${REPO}/pull/7` });
}

/** The bot's earlier onboarding PRs, found by its branch. */
function mockOnboardingPulls(api: nock.Scope, pulls: Array<{ state: string; merged_at: string | null }>) {
  api
    .get(`${R}/pulls`)
    .query((q) => q.state === "all" && q.head === `${OWNER}:${ONBOARDING_BRANCH}`)
    .reply(
      200,
      pulls.map((p, i) => ({ number: 7 + i, head: { ref: ONBOARDING_BRANCH }, ...p })),
    );
}

const installationCreated = () => examplePayload("installation", "created");
const repositoriesAdded = () => {
  const payload = examplePayload("installation_repositories", "added");
  payload.repositories_added = [{ id: 186853002, name: REPO, full_name: `${OWNER}/${REPO}`, private: false }];
  return payload;
};

describe("onboarding pull request (installation events)", () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["onboarding"]);
  });
  afterEach(() => resetNock());

  test("the real installation.created example names the repository the PR is for", () => {
    expect(installationCreated().repositories.map((r: { full_name: string }) => r.full_name)).toEqual([
      `${OWNER}/${REPO}`,
    ]);
  });

  test("an inactive Flux repository gets ONE PR, across a redelivery and a second installation event", async () => {
    const gh = mockGitHub();
    const written: { file?: string; pull?: Record<string, any> } = {};
    mockAbsentConfig(gh.api, OWNER, REPO);
    mockOnboardingPulls(gh.api, []);
    mockGather(gh.api, FLUX);
    mockOpen(gh.api, written);
    await probot.receive({ name: "installation", id: "inst-1", payload: installationCreated() } as never);
    // The same event again (GitHub redelivers under a new GUID too), then the repository added once more.
    mockAbsentConfig(gh.api, OWNER, REPO, { org: false });
    mockOnboardingPulls(gh.api, [{ state: "open", merged_at: null }]);
    await probot.receive({ name: "installation", id: "inst-2", payload: installationCreated() } as never);
    mockAbsentConfig(gh.api, OWNER, REPO, { org: false });
    mockOnboardingPulls(gh.api, [{ state: "open", merged_at: null }]);
    await probot.receive({
      name: "installation_repositories",
      id: "inst-3",
      payload: repositoriesAdded(),
    } as never);
    gh.finish();
    expect(gh.requests.filter((r) => r.method === "POST" && r.path === `${R}/pulls`)).toHaveLength(1);
    expect(written.pull).toMatchObject({ head: ONBOARDING_BRANCH, base: "main", title: ONBOARDING_TITLE });
    // The file is the inference's, valid, and the body says what each check reports and how to opt out.
    const config = parseConfig(parse(written.file!));
    expect(config.ok).toBe(true);
    expect(written.file).toContain("clusters-2: clusters/{cluster}/{cluster_2}/{file}");
    expect(written.pull!.body).toContain(
      "| Folder layout | 28 files checked: every file is where the proposed layout expects it. |",
    );
    expect(written.pull!.body).toContain("Close this pull request without merging");
    // Reads stay small: the YAML blobs once, no blob of a non-YAML file.
    const blobs = gh.requests.filter((r) => r.path.includes("/git/blobs/"));
    expect(blobs).toHaveLength([...FLUX.keys()].filter((p) => /\.ya?ml$/.test(p)).length);
  });

  test("a closed onboarding PR means 'not wanted': not reopened, nothing written", async () => {
    const gh = mockGitHub();
    mockAbsentConfig(gh.api, OWNER, REPO);
    mockOnboardingPulls(gh.api, [{ state: "closed", merged_at: null }]);
    await probot.receive({
      name: "installation_repositories",
      id: "closed-1",
      payload: repositoriesAdded(),
    } as never);
    gh.finish();
    expect(gh.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  test("a repository without Flux, Argo CD or Cluster API manifests gets no PR", async () => {
    const gh = mockGitHub();
    mockAbsentConfig(gh.api, OWNER, REPO);
    mockOnboardingPulls(gh.api, []);
    mockGather(gh.api, NOT_GITOPS);
    await probot.receive({ name: "installation", id: "plain-1", payload: installationCreated() } as never);
    gh.finish();
    expect(gh.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  test("an active repository (its own file) is not offered a PR, and its tree is not read", async () => {
    const gh = mockGitHub();
    mockConfig(gh.api, OWNER, REPO, "prTitle:\n  requireScope: true\n");
    await probot.receive({ name: "installation", id: "active-1", payload: installationCreated() } as never);
    gh.finish();
    expect(gh.requests.map((r) => r.path)).toEqual([`${R}/contents/.github%2Fgitops-release-bot.yml`]);
  });
});

describe("opt-in: a repository that has not opted in gets nothing", () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp();
  });
  afterEach(() => resetNock());

  test("every feature on a PR and a push: only the configuration look-up, no write", async () => {
    const gh = mockGitHub();
    mockAbsentConfig(gh.api, OWNER, REPO);
    await probot.receive({
      name: "pull_request",
      id: "in-1",
      payload: examplePayload("pull_request", "opened"),
    } as never);
    mockAbsentConfig(gh.api, OWNER, REPO, { org: false });
    await probot.receive({ name: "push", id: "in-2", payload: examplePayload("push") } as never);
    gh.finish();
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${R}/contents/.github%2Fgitops-release-bot.yml`,
      `GET /repos/${OWNER}/.github/contents/.github%2Fgitops-release-bot.yml`,
      `GET ${R}/contents/.github%2Fgitops-release-bot.yml`,
    ]);
  });

  test("the organization's file lists other repositories: still nothing", async () => {
    const gh = mockGitHub();
    gh.api.get(`${R}/contents/.github%2Fgitops-release-bot.yml`).reply(404);
    mockConfig(gh.api, OWNER, ".github", "repositories:\n  - platform-*\n");
    await probot.receive({
      name: "pull_request",
      id: "org-1",
      payload: examplePayload("pull_request", "opened"),
    } as never);
    gh.finish();
    expect(gh.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(gh.requests).toHaveLength(2);
  });

  test("the onboarding PR itself gets its Config check before the repository is active", async () => {
    const payload = examplePayload("pull_request", "opened");
    payload.pull_request.head.ref = ONBOARDING_BRANCH;
    const sha = payload.pull_request.head.sha as string;
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    mockAbsentConfig(gh.api, OWNER, REPO);
    mockPullFiles(gh.api, OWNER, REPO, payload.number, [
      { filename: ".github/gitops-release-bot.yml", status: "added" },
    ]);
    gh.api
      .get(`${R}/contents/.github%2Fgitops-release-bot.yml`)
      .query({ ref: sha })
      .reply(200, "layout:\n  templates:\n    apps: apps/{app}/{file}\n  segments: {}\n", RAW);
    mockCreateCheckRun(gh.api, OWNER, REPO, sha, runs);
    await probot.receive({ name: "pull_request", id: "onb-pr", payload } as never);
    gh.finish();
    expect(runs.map((r) => [r.name, r.conclusion])).toEqual([["Config", "success"]]);
  });
});

describe("opt-in through the organization's .github repository", () => {
  beforeEach(() => resetNock());
  afterEach(() => resetNock());

  test("a repository the organization's file lists (a glob) gets its checks", async () => {
    const probot = await createTestApp(["prTitle"]);
    const payload = examplePayload("pull_request", "opened");
    payload.pull_request.title = "feat: add x";
    const gh = mockGitHub();
    const runs: Array<Record<string, any>> = [];
    gh.api.get(`${R}/contents/.github%2Fgitops-release-bot.yml`).reply(404);
    mockConfig(gh.api, OWNER, ".github", "repositories:\n  - hello-*\n");
    mockCreateCheckRun(gh.api, OWNER, REPO, payload.pull_request.head.sha, runs);
    await probot.receive({ name: "pull_request", id: "org-on", payload } as never);
    gh.finish();
    expect(runs.map((r) => [r.name, r.conclusion])).toEqual([["PR title", "success"]]);
  });
});
