import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { FakeGitHub } from "../../demo/lib/fake-github.js";
import { graphqlRequestProblems } from "../../demo/lib/github-graphql-schema.js";
import { associatedPullsQuery, listPullRequestsForCommits } from "../../src/github/commits.js";
import { readMergeSettings } from "../../src/github/repos.js";
import { getTree, readBlobText, readBlobTexts } from "../../src/github/git-data.js";

/**
 * The fake's GraphQL endpoint answers the queries the app sends, from the fake's real data (git and its PRs), with
 * each query validated against GitHub's GraphQL schema; under GHE_HOST Octokit sends GraphQL to `/api/graphql`.
 */
describe("FakeGitHub GraphQL", () => {
  let fake: FakeGitHub;
  let octokit: InstanceType<typeof ProbotOctokit>;
  const repo = { owner: "berndonline", repo: "k8s-gitops-at-scale" };

  beforeAll(async () => {
    fake = await FakeGitHub.start({ settings: { squash_merge_commit_title: "PR_TITLE" } });
    octokit = new ProbotOctokit({
      auth: { token: fake.issueToken() },
      // The GHE_HOST layout the app runs with: REST under /api/v3, GraphQL at /api/graphql.
      baseUrl: fake.urls.api,
      retry: { enabled: false },
      throttle: { enabled: false },
    });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
  });

  test("the app's blob-texts query answers what REST's GET /git/blobs/{sha} answers, many blobs in one request", async () => {
    const tree = await getTree(octokit, repo, "main");
    const manifests = [...tree.files.values()].filter((file) => file.path.endsWith(".yaml")).slice(0, 40);
    expect(manifests.length).toBeGreaterThanOrEqual(20);
    const before = fake.requests.length;
    const texts = await readBlobTexts(
      octokit,
      repo,
      manifests.map((file) => file.sha),
    );
    const sent = fake.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.prefix}${r.path}`)).toEqual(["POST /api/graphql"]);
    expect(sent[0]!.problems).toEqual([]);
    for (const file of manifests) {
      const rest = await readBlobText(octokit, repo, file.sha);
      expect(texts.get(file.sha)).toEqual({ text: rest, byteSize: Buffer.byteLength(rest) });
    }
    expect(fake.problems()).toEqual([]);
  });

  test("the app's associated-PR query answers what REST's GET /commits/{sha}/pulls answers, in one request", async () => {
    const { data: commits } = await octokit.rest.repos.listCommits({ ...repo, sha: "main", per_page: 30 });
    const shas = commits.map((c) => c.sha);
    const before = fake.requests.length;
    const viaGraphql = await listPullRequestsForCommits(octokit, repo, shas, {});
    const sent = fake.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.prefix}${r.path}`)).toEqual(["POST /api/graphql"]);
    expect(sent[0]!.problems).toEqual([]);
    let withPulls = 0;
    for (const sha of shas) {
      const { data: rest } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
        ...repo,
        commit_sha: sha,
      });
      const expected = rest
        .map((pr) => ({
          number: pr.number,
          title: pr.title,
          baseRef: pr.base.ref,
          merged: Boolean(pr.merged_at),
          mergeCommitSha: pr.merge_commit_sha ?? null,
          authorLogin: pr.user?.login ?? null,
        }))
        .sort((a, b) => a.number - b.number);
      expect(viaGraphql.get(sha)).toEqual(expected);
      if (expected.length) withPulls++;
    }
    // The fixture's squash commits belong to its merged PRs: the comparison is not vacuous.
    expect(withPulls).toBeGreaterThanOrEqual(10);
    expect(fake.problems()).toEqual([]);
  });

  test("an unknown commit has no PRs; the merge-settings query of the Squash title check is answered too", async () => {
    const unknown = "0".repeat(40);
    const result = await listPullRequestsForCommits(octokit, repo, [unknown], {});
    expect(result.get(unknown)).toEqual([]);
    // REST lacks the settings without Contents: write; GraphQL is the fallback. Asked directly here.
    const { repository } = await octokit.graphql<{ repository: Record<string, unknown> }>(
      `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {
        squashMergeAllowed squashMergeCommitTitle squashMergeCommitMessage } }`,
      { owner: repo.owner, name: repo.repo },
    );
    expect(repository).toEqual({
      squashMergeAllowed: true,
      squashMergeCommitTitle: "PR_TITLE",
      squashMergeCommitMessage: "COMMIT_MESSAGES",
    });
    const settings = await readMergeSettings(octokit, repo, {});
    expect(settings.settings.squash_merge_commit_title).toBe("PR_TITLE");
    expect(fake.problems()).toEqual([]);
  });

  test("a query that does not match GitHub's schema is refused with GitHub's errors and recorded as a problem", async () => {
    const before = fake.requests.length;
    const error = await octokit
      .graphql(`query { repository(owner: "berndonline", name: "k8s-gitops-at-scale") { squashMergeTitle } }`)
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(String(error?.message)).toContain('Cannot query field "squashMergeTitle" on type "Repository"');
    const [recorded] = fake.requests.slice(before);
    expect(recorded!.problems.join("\n")).toContain("does not match GitHub's GraphQL schema");
    // The same check the nock helpers run: the app's own batched query is valid, a broken one is not.
    expect(graphqlRequestProblems({ query: associatedPullsQuery(100) })).toEqual([]);
    expect(graphqlRequestProblems({ query: "query { viewer { nope } }" })).not.toEqual([]);
    // Clear the deliberate problem so the suite's final check stays meaningful.
    recorded!.problems.length = 0;
  });

  test("connection limits are GitHub's: more than 100 nodes is an error", async () => {
    const { data: main } = await octokit.rest.repos.getCommit({ ...repo, ref: "main" });
    const before = fake.requests.length;
    const error = await octokit
      .graphql(
        `query($oid: GitObjectID!) { repository(owner: "berndonline", name: "k8s-gitops-at-scale") {
          object(oid: $oid) { ... on Commit { associatedPullRequests(first: 101) { nodes { number } } } } } }`,
        { oid: main.sha },
      )
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(String(error?.message)).toContain("exceeds the `first` limit of 100 records");
    const [recorded] = fake.requests.slice(before);
    expect(recorded!.problems.length).toBe(1);
    recorded!.problems.length = 0;
    expect(fake.problems()).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  });
});
