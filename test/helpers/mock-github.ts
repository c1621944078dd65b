import nock from "nock";
import { requestProblems } from "./github-rest-schema.js";
import { graphqlRequestProblems } from "../../demo/lib/github-graphql-schema.js";
import { clearKnownContributors } from "../../src/github/commits.js";
import { clearConfigCache } from "../../src/github/contents.js";

export const API = "https://api.github.com";
export const INSTALLATION_ID = 2;

/** A recorded request: method, path with query, parsed JSON body. */
export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

/**
 * nock scope for GitHub's API that validates every request against GitHub's REST schema and records it.
 * The installation token is granted as often as asked. `finish()` asserts that every mock was used and every request
 * was valid.
 */
export function mockGitHub(): { api: nock.Scope; requests: RecordedRequest[]; finish: () => void } {
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const api = nock(API);
  api.on("request", (request: Request, _interceptor: unknown, body: string) => {
    const url = new URL(request.url);
    const parsed = body ? safeJson(body) : undefined;
    const recordedPath = url.pathname + url.search;
    if (/^\/app\/installations\/\d+\/access_tokens$/.test(url.pathname)) return;
    requests.push({ method: request.method, path: recordedPath, body: parsed });
    // GraphQL is not in the REST description: its queries are checked against GitHub's GraphQL schema instead.
    if (request.method === "POST" && url.pathname === "/graphql")
      problems.push(...graphqlRequestProblems(parsed));
    else problems.push(...requestProblems(request.method, url.pathname, parsed));
  });
  nock(API)
    .persist()
    .post(/\/app\/installations\/\d+\/access_tokens/)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
  return {
    api,
    requests,
    finish: () => {
      const pending = api.pendingMocks();
      if (pending.length) throw new Error(`GitHub mocks never called:\n${pending.join("\n")}`);
      if (problems.length)
        throw new Error(`Requests that do not match GitHub's REST schema:\n${problems.join("\n")}`);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Resets nock between tests; blocks every real connection. */
export function resetNock(): void {
  nock.cleanAll();
  nock.disableNetConnect();
  // The configuration (ETags, the `.github` miss) and known contributors are remembered per installation across
  // deliveries: each test starts with nothing remembered.
  clearConfigCache();
  clearKnownContributors();
}

/** A configuration file that opts the repository in and leaves every option at its default. */
export const OPT_IN_DEFAULTS_YAML = "# gitops-release-bot: on, every option at its default\n";

/**
 * The repository opted in (onboarding is opt-in) with every option at its default: its configuration file holds
 * only a comment. What most tests mean by "no configuration". (`_org` is kept for the tests' call sites: with the
 * repository's own file present, the organization's `.github` is not read.)
 */
export function mockNoConfig(
  api: nock.Scope,
  owner: string,
  repo: string,
  _org: { org?: boolean } = {},
): nock.Scope {
  return mockConfig(api, owner, repo, OPT_IN_DEFAULTS_YAML);
}

/**
 * GitHub's answers when the repository (and the organization's `.github`) has no configuration file at all: the
 * repository has not opted in. The app remembers the organization's 404 for a while (per installation): `org: false`
 * for later deliveries of the same test.
 */
export function mockAbsentConfig(
  api: nock.Scope,
  owner: string,
  repo: string,
  { org = true }: { org?: boolean } = {},
): nock.Scope {
  api.get(`/repos/${owner}/${repo}/contents/.github%2Fgitops-release-bot.yml`).reply(404);
  if (org) api.get(`/repos/${owner}/.github/contents/.github%2Fgitops-release-bot.yml`).reply(404);
  return api;
}

/** The repository's configuration file on the default branch (raw YAML, as the config plugin asks for it). */
export function mockConfig(api: nock.Scope, owner: string, repo: string, yaml: string): nock.Scope {
  return api.get(`/repos/${owner}/${repo}/contents/.github%2Fgitops-release-bot.yml`).reply(200, yaml, {
    "content-type": "application/vnd.github.v3.raw; charset=utf-8",
  });
}

/** One page of a PR's files. */
export function mockPullFiles(
  api: nock.Scope,
  owner: string,
  repo: string,
  number: number,
  files: Array<{ filename: string; status?: string; sha?: string; previous_filename?: string }>,
): nock.Scope {
  return api
    .get(`/repos/${owner}/${repo}/pulls/${number}/files`)
    .query(true)
    .reply(
      200,
      files.map((f) => ({
        status: "modified",
        sha: "0".repeat(40),
        additions: 1,
        deletions: 0,
        changes: 1,
        ...f,
      })),
    );
}

/**
 * The ONE list of `sha`'s check runs a delivery reads (every check of the delivery shares it): all names, the newest
 * run of each (`filter=latest`), no `check_name`.
 */
export function mockCheckRunList(
  api: nock.Scope,
  owner: string,
  repo: string,
  sha: string,
  runs: Array<Record<string, unknown>> = [],
): nock.Scope {
  return api
    .get(`/repos/${owner}/${repo}/commits/${sha}/check-runs`)
    .query({ filter: "latest", per_page: "100" })
    .reply(200, { total_count: runs.length, check_runs: runs });
}

/**
 * No check run yet on `sha`; captures the created check run's body into `into`. `list: false` for the second check
 * of the same delivery on the same SHA (the delivery lists the SHA's runs once).
 */
export function mockCreateCheckRun(
  api: nock.Scope,
  owner: string,
  repo: string,
  sha: string,
  into: Array<Record<string, unknown>>,
  id = 1,
  { list = true }: { list?: boolean } = {},
): nock.Scope {
  if (list) mockCheckRunList(api, owner, repo, sha);
  return (
    api
      .post(`/repos/${owner}/${repo}/check-runs`)
      // nock 15 hands reply functions the Fetch Request (a two-argument function would be taken for a callback).
      .reply(201, (async (request: Request) => {
        into.push((await request.json()) as Record<string, unknown>);
        return { id };
      }) as never)
  );
}

/**
 * GitHub's GraphQL answer to the app's associated-pull-requests queries (`listPullRequestsForCommits`): each aliased
 * `cN: object(oid: $cN)` gets the PRs `pullsOf(sha)` gives. Answers `times` queries; `queries` receives each body.
 */
export function mockAssociatedPulls(
  api: nock.Scope,
  pullsOf: (
    sha: string,
  ) => Array<{ number: number; title: string; baseRef?: string; merged?: boolean; login?: string }>,
  { times = 1, queries = [] as Array<{ query: string; variables: Record<string, string> }> } = {},
): nock.Scope {
  return api
    .post("/graphql", (body) => typeof body === "object" && /associatedPullRequests/.test(String(body.query)))
    .times(times)
    .reply(200, (async (request: Request) => {
      const body = (await request.json()) as { query: string; variables: Record<string, string> };
      queries.push(body);
      const repository: Record<string, unknown> = {};
      for (const [name, sha] of Object.entries(body.variables)) {
        if (!/^c\d+$/.test(name)) continue;
        repository[name] = {
          associatedPullRequests: {
            nodes: pullsOf(sha).map((pr) => ({
              number: pr.number,
              title: pr.title,
              merged: pr.merged ?? true,
              baseRefName: pr.baseRef ?? "master",
              mergeCommit: (pr.merged ?? true) ? { oid: sha } : null,
              author: { __typename: "User", login: pr.login ?? "Codertocat" },
            })),
          },
        };
      }
      return { data: { repository } };
    }) as never);
}
