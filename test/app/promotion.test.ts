import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { Probot } from "probot";
import { readRolloutMarker } from "../../src/report/rollout-report.js";
import { createTestApp } from "../helpers/test-app.js";
import { mockGitHub, resetNock } from "../helpers/mock-github.js";
import { examplePayload } from "../helpers/webhooks.js";
import { loadHistory } from "../helpers/history-repo.js";
import { FakeGitHubRepo, filesAt } from "../helpers/fake-github-repo.js";

const RELEASE_PATH = "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-release.yaml";
const history = loadHistory();
const mainSha = history.refs["refs/heads/main"]!;
const squash14 = history.commits.find((c) => c.sha === mainSha)!;
/** The real repository just before PR #14: production pinned to v0.0.2. */
const BEFORE_14 = filesAt(history, squash14.parents[0]!);
const AFTER_14 = filesAt(history, mainSha);

function fakeRepo(payload: Record<string, any>): FakeGitHubRepo {
  const fake = new FakeGitHubRepo(payload.repository.owner.login, payload.repository.name, BEFORE_14);
  for (const [ref, sha] of Object.entries(history.refs)) {
    if (ref.startsWith("refs/tags/")) fake.tags.set(ref.slice(10), filesAt(history, sha));
  }
  // A later release whose content changes one production cluster's path only.
  const v4 = new Map(fake.tags.get("v0.0.3"));
  v4.set(
    "tenants/aws/prod/dummy/namespace.yaml",
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dummy\n",
  );
  fake.tags.set("v0.0.4", v4);
  return fake;
}

function releasePayload(tag: string, notes = `## What's changed\n\n- notes of ${tag}`): Record<string, any> {
  const payload = examplePayload("release", "published");
  payload.repository.default_branch = "main";
  Object.assign(payload.release, { tag_name: tag, body: notes, draft: false, prerelease: false });
  return payload;
}

const writes = (requests: Array<{ method: string; path: string }>) =>
  requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${decodeURIComponent(r.path)}`);

describe("promotion PR", () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["promotion"]);
  });
  afterEach(() => resetNock());

  test("published v0.0.3 → branch, one commit with the real PR #14 change, PR with notes and production changes", async () => {
    const payload = releasePayload("v0.0.3");
    const fake = fakeRepo(payload);
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "release", id: "1", payload } as never);
    gh.finish();
    const base = `/repos/${fake.owner}/${fake.repo}`;
    expect(writes(gh.requests)).toEqual([
      `POST ${base}/git/trees`,
      `POST ${base}/git/commits`,
      `POST ${base}/git/refs`,
      `POST ${base}/pulls`,
      `POST ${base}/issues/1/labels`,
    ]);
    const commit = gh.requests.find((r) => r.path.endsWith("/git/commits"))!.body as Record<string, any>;
    expect(commit.message).toBe("chore(release): promote v0.0.3 to release");
    expect(commit.parents).toEqual([fake.mainSha]);
    const ref = gh.requests.find((r) => r.path.endsWith("/git/refs"))!.body as Record<string, string>;
    expect(ref.ref).toBe("refs/heads/promote/release");
    expect(fake.branches.get("promote/release")!.get(RELEASE_PATH)).toBe(AFTER_14.get(RELEASE_PATH));
    // Every other file is main's, untouched.
    const branch = fake.branches.get("promote/release")!;
    expect([...branch.keys()].filter((p) => branch.get(p) !== BEFORE_14.get(p))).toEqual([RELEASE_PATH]);
    const [pull] = fake.openPulls();
    expect(fake.openPulls()).toHaveLength(1);
    expect(pull).toMatchObject({
      head: "promote/release",
      title: "chore(release): promote v0.0.3 to release",
      labels: ["promotion"],
    });
    expect(pull!.body).toContain("from tag `v0.0.2` to tag `v0.0.3`");
    expect(pull!.body).toContain("- notes of v0.0.3");
    expect(pull!.body).toContain("8 Flux Kustomizations use this source");
    expect(pull!.body).toContain("### Cluster `prod-eu-west-1` (kubeconfig `prod-eu-west-1-kubeconfig`)");
    expect(pull!.body).toContain("### Namespace `flux-system`");
    expect(pull!.body).toContain("<!-- gitops-release-bot:promotion tag=v0.0.3 -->");
    // Nothing changes in production with v0.0.3: its rollout waits for no Kustomization.
    expect(readRolloutMarker(pull!.body)).toEqual({
      previous: "v0.0.2",
      complete: true,
      tracked: [],
      others: [],
    });
  });

  test("the same delivery again → no second PR, nothing written", async () => {
    const payload = releasePayload("v0.0.3");
    const fake = fakeRepo(payload);
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "release", id: "1", payload } as never);
    const before = gh.requests.length;
    await probot.receive({ name: "release", id: "1", payload: structuredClone(payload) } as never);
    gh.finish();
    expect(writes(gh.requests.slice(before))).toEqual([]);
    expect(fake.pulls).toHaveLength(1);
  });

  test("a newer release while the PR is open → the same PR moves to it (branch, title, body)", async () => {
    const first = releasePayload("v0.0.3");
    const fake = fakeRepo(first);
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "release", id: "1", payload: first } as never);
    await probot.receive({ name: "release", id: "2", payload: releasePayload("v0.0.4") } as never);
    gh.finish();
    expect(fake.pulls).toHaveLength(1);
    const [pull] = fake.pulls;
    expect(pull!.title).toBe("chore(release): promote v0.0.4 to release");
    expect(pull!.body).toContain("from tag `v0.0.2` to tag `v0.0.4`");
    expect(pull!.body).toContain("`tenants-prod` (`./tenants/aws/prod`): **changes**");
    // What the rollout waits for: the production Kustomization that changes; no other Kustomization shares its name.
    expect(readRolloutMarker(pull!.body)).toEqual({
      previous: "v0.0.2",
      complete: true,
      tracked: [{ namespace: "prod-eu-west-1", name: "tenants-prod", cluster: "prod-eu-west-1-kubeconfig" }],
      others: [],
    });
    expect(fake.branches.get("promote/release")!.get(RELEASE_PATH)).toContain("    tag: v0.0.4\n");
    // The open PR's branch moved once, straight to the new commit: never to main itself, where the PR would have no
    // commits and GitHub would close it for good.
    expect(fake.refMoves.map((move) => move.branch)).toEqual(["promote/release", "promote/release"]);
    expect(fake.refMoves.filter((move) => move.sha === fake.mainSha)).toEqual([]);
    const base = `/repos/${fake.owner}/${fake.repo}`;
    expect(writes(gh.requests).filter((w) => w.includes("/git/refs"))).toEqual([
      `POST ${base}/git/refs`,
      `PATCH ${base}/git/refs/heads/promote/release`,
    ]);
  });

  test("concurrent releases v0.0.4 and v0.0.3 → one PR, at v0.0.4", async () => {
    const fake = fakeRepo(releasePayload("v0.0.3"));
    const gh = mockGitHub();
    fake.serve(gh.api);
    await Promise.all([
      probot.receive({ name: "release", id: "1", payload: releasePayload("v0.0.4") } as never),
      probot.receive({ name: "release", id: "2", payload: releasePayload("v0.0.3") } as never),
    ]);
    gh.finish();
    expect(fake.pulls).toHaveLength(1);
    expect(fake.pulls[0]!.title).toBe("chore(release): promote v0.0.4 to release");
    expect(fake.branches.get("promote/release")!.get(RELEASE_PATH)).toContain("    tag: v0.0.4\n");
  });

  test("a branch left over from an earlier promotion (no open PR) → moved to the new commit, then the PR", async () => {
    const payload = releasePayload("v0.0.3");
    const fake = fakeRepo(payload);
    fake.branches.set("promote/release", new Map(fake.main));
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "release", id: "1", payload } as never);
    gh.finish();
    const base = `/repos/${fake.owner}/${fake.repo}`;
    expect(writes(gh.requests)).toEqual([
      `POST ${base}/git/trees`,
      `POST ${base}/git/commits`,
      `POST ${base}/git/refs`, // 422: the branch exists, so it is moved
      `PATCH ${base}/git/refs/heads/promote/release`,
      `POST ${base}/pulls`,
      `POST ${base}/issues/1/labels`,
    ]);
    expect(fake.branches.get("promote/release")!.get(RELEASE_PATH)).toBe(AFTER_14.get(RELEASE_PATH));
    expect(fake.pulls).toHaveLength(1);
  });

  test("refused (semver set, Flux would ignore the tag) → one issue, updated in place on the next release", async () => {
    const payload = releasePayload("v0.0.3");
    const fake = fakeRepo(payload);
    fake.main.set(
      RELEASE_PATH,
      fake.main.get(RELEASE_PATH)!.replace("    tag: v0.0.2\n", "    semver: '>=0.0.1'\n    tag: v0.0.2\n"),
    );
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "release", id: "1", payload } as never);
    await probot.receive({ name: "release", id: "2", payload: releasePayload("v0.0.4") } as never);
    gh.finish();
    expect(fake.pulls).toHaveLength(0);
    expect(fake.issues).toHaveLength(1);
    const [issue] = fake.issues;
    expect(issue!.title).toBe("Promotion of v0.0.4 to release is blocked");
    expect(issue!.body).toContain("`spec.ref.semver: >=0.0.1` (line 9), which Flux applies before `tag`");
    expect(issue!.body).toContain(`File: \`${RELEASE_PATH}\``);
  });

  test("an invalid configuration → one issue saying what blocks the promotion; closed once a promotion runs again", async () => {
    const payload = releasePayload("v0.0.3");
    const fake = fakeRepo(payload);
    fake.configYaml = "promotion:\n  targets:\n    - kind: HelmRelease\n";
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "release", id: "1", payload } as never);
    await probot.receive({ name: "release", id: "2", payload } as never);
    expect(fake.pulls).toHaveLength(0);
    expect(fake.issues).toHaveLength(1);
    expect(fake.issues[0]!.title).toBe("Promotion of v0.0.3 is blocked: invalid configuration");
    expect(fake.issues[0]!.body).toContain('`promotion.targets[0].kind`: got `"HelmRelease"`');
    expect(fake.issues[0]!.body).toContain("`/promote v0.0.3`");
    fake.configYaml = "# every option at its default\n";
    await probot.receive({ name: "release", id: "3", payload: structuredClone(payload) } as never);
    gh.finish();
    expect(fake.issues[0]!.state).toBe("closed");
    expect(fake.comments.map((c) => c.body)).toEqual([
      "The configuration is valid again: v0.0.3 is being promoted.",
    ]);
    expect(fake.pulls).toHaveLength(1);
  });

  test("a pre-release is not promoted unless a target opts in", async () => {
    const payload = releasePayload("v0.0.4-rc.1");
    payload.release.prerelease = true;
    const fake = fakeRepo(payload);
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "release", id: "1", payload } as never);
    gh.finish();
    expect(gh.requests.map((r) => r.path)).toEqual([
      `/repos/${fake.owner}/${fake.repo}/contents/.github%2Fgitops-release-bot.yml`,
    ]);
  });
});

describe("/promote command", () => {
  let probot: Probot;
  beforeEach(async () => {
    resetNock();
    probot = await createTestApp(["promotion"]);
  });
  afterEach(() => resetNock());

  function commentPayload(body: string, login: string): Record<string, any> {
    const payload = examplePayload("issue_comment", "created");
    payload.repository.default_branch = "main";
    payload.comment.body = body;
    payload.comment.user.login = login;
    payload.comment.user.type = "User";
    return payload;
  }

  test("a writer rolls production back to v0.0.1 → PR at the older tag, answered with a comment", async () => {
    const payload = commentPayload("/promote v0.0.1", "maintainer");
    const fake = fakeRepo(payload);
    fake.main.set(RELEASE_PATH, AFTER_14.get(RELEASE_PATH)!);
    fake.permissions.set("maintainer", "write");
    fake.releases.set("v0.0.1", {
      body: "- first release",
      url: "https://github.com/x/y/releases/tag/v0.0.1",
    });
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "issue_comment", id: "1", payload } as never);
    gh.finish();
    expect(fake.pulls).toHaveLength(1);
    expect(fake.pulls[0]!.title).toBe("chore(release): promote v0.0.1 to release");
    expect(fake.branches.get("promote/release")!.get(RELEASE_PATH)).toContain("    tag: v0.0.1\n");
    expect(fake.comments).toEqual([
      { issue: payload.issue.number, body: "@maintainer - `release`: opened #1" },
    ]);
  });

  test("a reader is refused, with a comment and nothing else written", async () => {
    const payload = commentPayload("/promote v0.0.3", "visitor");
    const fake = fakeRepo(payload);
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "issue_comment", id: "1", payload } as never);
    gh.finish();
    expect(fake.pulls).toHaveLength(0);
    expect(fake.comments).toEqual([
      {
        issue: payload.issue.number,
        body: "@visitor `/promote` needs write permission on this repository; ask a maintainer to run it.",
      },
    ]);
  });

  test("an unknown tag and a malformed command are answered", async () => {
    const unknown = commentPayload("/promote v9.9.9", "maintainer");
    const fake = fakeRepo(unknown);
    fake.permissions.set("maintainer", "admin");
    const gh = mockGitHub();
    fake.serve(gh.api);
    await probot.receive({ name: "issue_comment", id: "1", payload: unknown } as never);
    await probot.receive({
      name: "issue_comment",
      id: "2",
      payload: commentPayload("/promote v1 prod extra", "maintainer"),
    } as never);
    gh.finish();
    expect(fake.comments.map((c) => c.body)).toEqual([
      "@maintainer there is no tag `v9.9.9` in this repository; push it (or publish its release) first.",
      "@maintainer Cannot read `/promote v1 prod extra`: write `/promote <tag> [target]`, e.g. `/promote v1.2.3` or `/promote v1.2.3 release`.",
    ]);
  });
});
