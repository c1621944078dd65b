// Release drafts: CPU time of the notes for a 10,000-commit range, and the API calls a tag push makes against the
// minimum (tags list, ⌈C/100⌉ compare pages, release lookup, one write).
import nock from "nock";
import { benchApp, cpuMs, fmt, OPT_IN_FILE, RAW_FILE_HEADERS } from "./bench-lib.js";
import { clearKnownContributors } from "../lib/github/commits.js";
import { clearConfigCache } from "../lib/github/contents.js";
import { planReleaseNotes, renderPlannedNotes } from "../lib/notes/build-release-notes.js";
import { layoutPathMatcher } from "../lib/notes/layout-path-matcher.js";
import { parseConfig } from "../lib/config/parse-config.js";
import { readVersionTag } from "../lib/notes/version-tags.js";

const COMMITS = 10_000;
const LOGINS = 5;
const TYPES = ["feat", "fix", "providers", "tenants", "chore"];

/** `numbered: false`: subjects without `(#N)` (rebase merges), so the notes look up each commit's PR. */
function rangeCommits(n, { numbered = true } = {}) {
  return Array.from({ length: n }, (_, i) => ({
    sha: (i + 1).toString(16).padStart(40, "0"),
    commit: {
      message: `${TYPES[i % TYPES.length]}(area-${i % 40}): change number ${i + 1}${numbered ? ` (#${i + 1})` : ""}${i % 500 === 0 ? "\n\nBREAKING CHANGE: x" : ""}`,
      author: { name: `Dev ${i % LOGINS}` },
    },
    author: { login: `dev${i % LOGINS}` },
  }));
}

/**
 * Cluster API's shape: every PR merged with a merge commit (`Merge pull request #N from user/branch`, the title with
 * an emoji prefix), two branch commits each, as the compare API lists them (with parents). `n` commits in all.
 */
function mergeCommitRange(n) {
  const sha = (i) => (i + 1).toString(16).padStart(40, "0");
  const emoji = ["✨", "🐛", "🌱", "📖", "⚠️"];
  const commits = [];
  let main = "f".repeat(40); // the previous tag, outside the range
  for (let pr = 1; commits.length + 3 <= n; pr++) {
    const [a, b, m] = [sha(commits.length), sha(commits.length + 1), sha(commits.length + 2)];
    const author = { name: `Dev ${pr % LOGINS}` };
    commits.push(
      { sha: a, message: `Change ${pr}, part 1`, author, parents: [main] },
      { sha: b, message: `Change ${pr}, part 2`, author, parents: [a] },
      {
        sha: m,
        message: `Merge pull request #${pr} from dev${pr % LOGINS}/change-${pr}\n\n${emoji[pr % 5]} Change number ${pr}`,
        author: { name: "Robot" },
        parents: [main, b],
      },
    );
    main = m;
  }
  return commits.map((c) => ({ ...c, author: { login: null, name: c.author.name } }));
}

function changedPaths(n) {
  return Array.from(
    { length: n },
    (_, i) =>
      [
        `features/feature-${i % 30}/namespaced/deployment-${i}.yaml`,
        `providers/aws/v1/clusters/prod/prod-eu-west-${i % 3}/namespaced/ns-${i % 20}/cm-${i}.yaml`,
        `providers/aws/v1/mgmt/namespaced/flux-system/kustomization-${i}.yaml`,
        `tenants/aws/common/tenant-${i % 50}/quota-${i}.yaml`,
      ][i % 4],
  );
}

async function cpu(commits) {
  const config = parseConfig({}).value;
  const paths = changedPaths(2_000);
  let markdown = "";
  const ms = await cpuMs(() => {
    const plan = planReleaseNotes(
      {
        version: readVersionTag("v2.0.0", "v"),
        previousTag: "v1.0.0",
        previousVersion: readVersionTag("v1.0.0", "v"),
        commits,
        previousOnlyCommits: [],
      },
      config.release,
    );
    const matcher = layoutPathMatcher(config.layout).value;
    markdown = renderPlannedNotes(
      plan,
      {
        firstTimeContributors: new Set(["@dev4"]),
        changedPaths: paths,
        changedPathsComplete: true,
        matchLayout: matcher,
        links: {
          compare: "https://github.com/o/r/compare/v1.0.0...v2.0.0",
          pull: (n) => `https://github.com/o/r/pull/${n}`,
          commit: null,
        },
      },
      config.release,
    ).markdown;
  });
  return { ms, chars: markdown.length };
}

async function apiCalls(commitCount, { numbered = true } = {}) {
  nock.disableNetConnect();
  const API = "https://api.github.com";
  const R = "/repos/o/r";
  const seen = [];
  const scope = nock(API).persist();
  scope.on("request", (req) => {
    const url = new URL(req.url);
    if (!url.pathname.includes("access_tokens")) seen.push(`${req.method} ${url.pathname}`);
  });
  const commits = rangeCommits(commitCount, { numbered });
  const numberOf = (sha) => parseInt(sha, 16);
  const posted = [];
  scope
    .post(/access_tokens/)
    .reply(201, { token: "t", expires_at: "2099-01-01T00:00:00Z" })
    // The repository opted in with its own configuration file (every option at its default).
    .get(/contents/)
    .reply(200, OPT_IN_FILE, RAW_FILE_HEADERS)
    .get(`${R}/tags`)
    .query(true)
    .reply(200, [{ name: "v1.0.0" }, { name: "v2.0.0" }])
    .get(`${R}/compare/v1.0.0...v2.0.0`)
    .query(true)
    // nock 15 hands reply callbacks the Fetch Request.
    .reply((request) => {
      const page = Number(new URL(request.url).searchParams.get("page"));
      return [
        200,
        {
          status: "ahead",
          ahead_by: commitCount,
          behind_by: 0,
          total_commits: commitCount,
          commits: commits.slice((page - 1) * 100, page * 100),
          files: page === 1 ? changedPaths(250).map((filename) => ({ filename, status: "modified" })) : [],
        },
      ];
    })
    .get(`${R}/commits`)
    .query(true)
    .reply(200, [{ sha: "0".repeat(40) }])
    // The PR of a commit, REST (one commit a request; the app before the GraphQL batch) and GraphQL (100 a query).
    .get(/\/commits\/[0-9a-f]{40}\/pulls/)
    .query(true)
    .reply((request) => {
      const sha = /commits\/([0-9a-f]{40})\/pulls/.exec(request.url)[1];
      const number = numberOf(sha);
      return [
        200,
        [
          {
            number,
            title: `change ${number}`,
            merged_at: "x",
            merge_commit_sha: sha,
            user: { login: "dev0" },
          },
        ],
      ];
    })
    .post("/graphql")
    .reply(async (request) => {
      const { variables } = await request.json();
      const repository = {};
      for (const [name, oid] of Object.entries(variables)) {
        if (!/^c\d+$/.test(name)) continue;
        const number = numberOf(oid);
        const pr = {
          number,
          title: `change ${number}`,
          merged: true,
          baseRefName: "main",
          mergeCommit: { oid },
        };
        repository[name] = {
          associatedPullRequests: { nodes: [{ ...pr, author: { __typename: "User", login: "dev0" } }] },
        };
      }
      return [200, { data: { repository } }];
    })
    .get(`${R}/releases`)
    .query(true)
    .reply(200, [])
    .post(`${R}/releases`, (body) => {
      posted.push(body.body);
      return true;
    })
    .reply(201, { id: 1 });
  // A new installation state: nothing remembered from an earlier measurement.
  clearConfigCache();
  clearKnownContributors();
  const { receive } = await benchApp(["releaseDraft"]);
  const deliver = (id) =>
    receive({
      name: "push",
      id,
      payload: {
        ref: "refs/tags/v2.0.0",
        created: true,
        deleted: false,
        forced: false,
        repository: { name: "r", owner: { login: "o" }, html_url: "https://github.com/o/r" },
        installation: { id: 1 },
      },
    });
  const pages = Math.ceil(commitCount / 100);
  const tally = () => {
    const count = (pattern) => seen.filter((s) => pattern.test(s)).length;
    return {
      total: seen.length,
      config: count(/contents/),
      firstTime: count(/GET \/repos\/o\/r\/commits$/),
      prLookups: count(/\/pulls$|\/graphql$/),
      compare: count(/compare/),
    };
  };
  // The first tag push on the installation, then the next one (here the same tag again): the organization's
  // `.github` 404 and the authors already known as contributors are remembered.
  await deliver("bench-1");
  const first = tally();
  seen.length = 0;
  await deliver("bench-2");
  const later = tally();
  nock.cleanAll();
  if (!posted[0]?.includes("[#1](")) throw new Error("the draft does not list the PRs");
  return { first, later, minimum: 1 + pages + 1 + 1, pages };
}

export default async function releaseBench({ baselineMs }) {
  const { ms, chars } = await cpu(
    rangeCommits(COMMITS).map((c) => ({
      sha: c.sha,
      message: c.commit.message,
      author: { login: c.author.login, name: c.commit.author.name },
    })),
  );
  const merged = mergeCommitRange(COMMITS);
  const mergedPulls = merged.filter((c) => c.parents.length > 1).length;
  const mergedCpu = await cpu(merged);
  const rows = [];
  for (const [n, numbered] of [
    [600, true],
    [COMMITS, true],
    [600, false],
  ]) {
    const { first, later, minimum, pages } = await apiCalls(n, { numbered });
    const lookups = numbered ? 0 : Math.ceil(n / 100);
    for (const [when, calls] of [
      ["first", first],
      ["later", later],
    ])
      rows.push(
        `| ${n.toLocaleString("en")}${numbered ? "" : " without `(#N)`"} | ${when} | ${calls.total} | ${minimum + lookups} (1 + ${pages} + ${lookups ? `${lookups} + ` : ""}1 + 1) | ${calls.compare} | ${calls.prLookups} | ${calls.config} | ${calls.firstTime} |`,
      );
  }
  return [
    "## Release drafts (`release.bench.js`)",
    "",
    `Notes for a ${COMMITS.toLocaleString("en")}-commit range (${COMMITS.toLocaleString("en")} PRs, 2,000 changed paths through the layout matcher, shortened to GitHub's 125,000-character limit → ${chars.toLocaleString("en")} chars): **${fmt(ms)} ms CPU**, ratio ${fmt(ms / baselineMs)} (target < 250 ms).`,
    "",
    `The same range merged with merge commits (Cluster API's shape: ${mergedPulls.toLocaleString("en")} PRs × 2 branch commits + the merge, emoji titles): **${fmt(mergedCpu.ms)} ms CPU**, ratio ${fmt(mergedCpu.ms / baselineMs)}; each PR listed once, its branch commits neither listed nor looked up.`,
    "",
    "API calls of one tag push (previous tag an ancestor, < 300 changed files, PR numbers in the subjects unless noted, 5 authors; later = the next tag push on the installation):",
    "",
    "| commits | delivery | calls | minimum (tags + compare pages + PR look-ups + release lookup + write) | compare pages | PR-of-commit look-ups | config reads | first-time look-ups |",
    "|---:|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "Above the minimum: the configuration (the repository's file; on the installation's first delivery also the",
    "organization's `.github`, whose 404 is then remembered for 5 minutes; an existing file is revalidated with a free",
    "304) and one `GET /commits?author=&per_page=1` per author not yet known as a contributor of the repository (an",
    "author found once is remembered per installation; `release.contributors: false` skips them). Subjects without",
    "`(#N)` (rebase merges) need their PRs looked up: ⌈N/100⌉ GraphQL queries (one REST request per commit before).",
    "",
  ].join("\n");
}
