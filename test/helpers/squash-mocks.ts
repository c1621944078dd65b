import type nock from "nock";

/** The merge settings GitHub creates a repository with (merge commits and rebase allowed, COMMIT_OR_PR_TITLE). */
export const GITHUB_DEFAULT_SETTINGS = {
  allow_squash_merge: true,
  allow_merge_commit: true,
  allow_rebase_merge: true,
  squash_merge_commit_title: "COMMIT_OR_PR_TITLE",
  squash_merge_commit_message: "COMMIT_MESSAGES",
};

/** The policy's settings: squash only, squash title = PR title. */
export const POLICY_SETTINGS = {
  allow_squash_merge: true,
  allow_merge_commit: false,
  allow_rebase_merge: false,
  squash_merge_commit_title: "PR_TITLE",
  squash_merge_commit_message: "PR_BODY",
};

/** `GET /repos/{owner}/{repo}` with the given merge settings (a token with Contents: write sees them). */
export function mockRepository(
  api: nock.Scope,
  owner: string,
  repo: string,
  settings: Record<string, unknown> = POLICY_SETTINGS,
): nock.Scope {
  return api
    .get(`/repos/${owner}/${repo}`)
    .reply(200, { id: 1, name: repo, full_name: `${owner}/${repo}`, default_branch: "main", ...settings });
}

/** A PR's commits, each `{ sha, message, parents }`. */
export function mockPullCommits(
  api: nock.Scope,
  owner: string,
  repo: string,
  number: number,
  commits: Array<{ sha: string; message: string; parents?: number }>,
): nock.Scope {
  return api
    .get(`/repos/${owner}/${repo}/pulls/${number}/commits`)
    .query(true)
    .reply(
      200,
      commits.map((c) => ({
        sha: c.sha,
        commit: { message: c.message },
        parents: Array.from({ length: c.parents ?? 1 }, (_, i) => ({ sha: String(i).repeat(40) })),
      })),
    );
}

/**
 * The "Squash title" check on a PR whose repository follows the policy (squash title = PR title): the settings are
 * read and the check run is created. Used by tests of other PR checks, since every PR event runs this one too.
 */
export function mockSquashTitleCheck(
  api: nock.Scope,
  owner: string,
  repo: string,
  sha: string,
  into: Array<Record<string, unknown>>,
): nock.Scope {
  mockRepository(api, owner, repo);
  return api
    .post(`/repos/${owner}/${repo}/check-runs`, (body) => {
      if (body.name !== "Squash title" || body.head_sha !== sha) return false;
      into.push(body);
      return true;
    })
    .reply(201, { id: 99 });
}
