// Squash title: API calls per push audit against the minimum the audit needs, and CPU per audited commit.
import { performance } from "node:perf_hooks";
import nock from "nock";
import { auditMainCommit } from "../lib/rules/audit-main-commit.js";
import { parseConfig } from "../lib/config/parse-config.js";
import { benchApp, cpuMs, fmt, OPT_IN_FILE, RAW_FILE_HEADERS } from "./bench-lib.js";
import { clearConfigCache } from "../lib/github/contents.js";

const API = "https://api.github.com";
const OWNER = "platform";
const REPO = "k8s-gitops";
const sha = (i) => i.toString(16).padStart(40, "0");

function pushOf(count, bad) {
  const commits = Array.from({ length: count }, (_, i) => ({
    sha: sha(i + 1),
    message: bad.has(i) ? `quick fix ${i}` : `tenants(team-${i}): raise quota (#${1000 + i})`,
    number: bad.has(i) ? null : 1000 + i,
  }));
  const payload = {
    ref: "refs/heads/main",
    before: "e".repeat(40),
    after: commits.at(-1).sha,
    created: false,
    deleted: false,
    forced: false,
    commits: commits.slice(-20).map((c) => ({ id: c.sha, message: c.message })),
    pusher: { name: "admin" },
    sender: { login: "admin" },
    repository: {
      name: REPO,
      owner: { login: OWNER },
      default_branch: "main",
      full_name: `${OWNER}/${REPO}`,
    },
    installation: { id: 1 },
  };
  return { payload, commits };
}

/** Simulated network round trip of every request in the wall-time measurement (ms). */
const LATENCY_MS = 50;

/**
 * Answers GitHub's API like an empty repository with these commits; counts every request by kind. `latencyMs` delays
 * every answer (a network round trip), for the wall-time measurement.
 */
function fakeGitHub(commits, latencyMs = 0) {
  const counts = {};
  const count = (kind) => (counts[kind] = (counts[kind] ?? 0) + 1);
  nock(API)
    .persist()
    .post(/\/app\/installations\/\d+\/access_tokens/)
    .reply(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z" });
  const scope = nock(API).persist();
  const pullsOf = (commit) =>
    commit?.number ? [{ number: commit.number, title: commit.message.replace(/ \(#\d+\)$/, "") }] : [];
  scope
    .get(/\/contents\//)
    .delay(latencyMs)
    // The repository opted in with its own configuration file (every option at its default).
    .reply(() => (count("config"), [200, OPT_IN_FILE, RAW_FILE_HEADERS]));
  scope
    .get(/\/compare\//)
    .query(true)
    .delay(latencyMs)
    .reply((request) => {
      // nock 15 hands reply callbacks the Fetch Request.
      count("compare");
      const page = Number(new URL(request.url).searchParams.get("page"));
      const slice = commits.slice((page - 1) * 100, page * 100);
      return [
        200,
        {
          total_commits: commits.length,
          commits: slice.map((c) => ({
            sha: c.sha,
            commit: { message: c.message },
            parents: [{ sha: sha(0) }],
          })),
        },
      ];
    });
  // REST, one commit a request (what the app did before the GraphQL batch).
  scope
    .get(/\/commits\/[0-9a-f]+\/pulls/)
    .query(true)
    .delay(latencyMs)
    .reply((request) => {
      count("associated PRs (REST)");
      const commit = commits.find((c) => request.url.includes(`/commits/${c.sha}/`));
      return [
        200,
        pullsOf(commit).map((pr) => ({
          ...pr,
          merged_at: "x",
          merge_commit_sha: commit.sha,
          base: { ref: "main" },
        })),
      ];
    });
  // GraphQL, up to 100 commits a query.
  scope
    .post("/graphql")
    .delay(latencyMs)
    .reply(async (request) => {
      count("associated PRs (GraphQL)");
      const { variables } = await request.json();
      const repository = {};
      for (const [name, oid] of Object.entries(variables)) {
        if (!/^c\d+$/.test(name)) continue;
        const nodes = pullsOf(commits.find((c) => c.sha === oid)).map((pr) => ({
          ...pr,
          merged: true,
          baseRefName: "main",
          mergeCommit: { oid },
          author: { __typename: "User", login: "dev" },
        }));
        repository[name] = { associatedPullRequests: { nodes } };
      }
      return [200, { data: { repository } }];
    });
  scope
    .get(/\/issues/)
    .query(true)
    .delay(latencyMs)
    .reply(() => (count("issue lookup"), [200, []]));
  scope
    .post(/\/issues$/)
    .delay(latencyMs)
    .reply(() => (count("issue write"), [201, { number: 1 }]));
  scope
    .get(/\/check-runs/)
    .query(true)
    .delay(latencyMs)
    .reply(() => (count("check list"), [200, { total_count: 0, check_runs: [] }]));
  scope
    .post(/\/check-runs$/)
    .delay(latencyMs)
    .reply(() => (count("check write"), [201, { id: 1 }]));
  return counts;
}

export default async function squashBench({ baselineMs }) {
  nock.disableNetConnect();
  const bot = await benchApp(["mainAudit"]);
  const rows = [];
  let run = 0;
  const deliver = async (payload) =>
    // A new delivery id each time: the queue skips a delivery it has just finished.
    bot.receive({ name: "push", id: `bench-${++run}`, payload: JSON.parse(JSON.stringify(payload)) });
  const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
  for (const [size, badCount] of [
    [5, 1],
    [25, 1],
    [250, 5],
  ]) {
    const bad = new Set(Array.from({ length: badCount }, (_, i) => i * 3 + 2));
    const { payload, commits } = pushOf(size, bad);
    // Every delivery reads the repository's configuration file (GitHub answers a later read with a free 304: its
    // ETag is kept); the organization's `.github` is not read when the repository has its own file.
    clearConfigCache();
    nock.cleanAll();
    const first = fakeGitHub(commits);
    await deliver(payload);
    nock.cleanAll();
    const later = fakeGitHub(commits);
    await deliver(payload);
    // Minimum of a later delivery: the repository's config file, ⌈N/100⌉ compare pages, ⌈N/100⌉ GraphQL queries for
    // the PRs of the commits, one issue lookup and one issue write, per violating commit a check list and a write.
    const minimum = 1 + 2 * Math.ceil(size / 100) + 2 + 2 * badCount;
    // Wall time with every answer LATENCY_MS late (a later delivery), for the share the look-ups take.
    nock.cleanAll();
    fakeGitHub(commits, LATENCY_MS);
    const started = performance.now();
    await deliver(payload);
    const wallMs = performance.now() - started;
    const cpu = await cpuMs(async () => {
      nock.cleanAll();
      fakeGitHub(commits);
      await deliver(payload);
    }, 3);
    rows.push(
      `| ${size} (${badCount} bad) | ${total(first)} | ${total(later)} | ${minimum} | ${fmt(total(later) / minimum)} | ${Object.entries(
        later,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")} | ${Math.round(wallMs)} | ${fmt(cpu / size, 3)} | ${fmt(cpu / size / baselineMs, 4)} |`,
    );
  }
  nock.cleanAll();
  nock.enableNetConnect();

  // The pure rule alone: one commit audited (format, PR match), without any I/O.
  const parsed = parseConfig({});
  const commits = Array.from({ length: 10_000 }, (_, i) => ({
    sha: sha(i),
    subject: i % 10 ? `providers(aws): add cluster ${i} (#${i})` : `Quick fix ${i}`,
    parentCount: 1,
  }));
  const pulls = [{ number: 1, title: "providers(aws): add cluster 1", baseRef: "main", merged: true }];
  const ruleMs = await cpuMs(() => {
    for (const commit of commits)
      auditMainCommit(commit, parsed.value.prTitle, { defaultBranch: "main", pulls });
  });

  return [
    "## Squash title: audit of a push to the default branch",
    "",
    "A push handled end to end by the app (Probot + nock answering GitHub). The minimum is what the audit cannot do",
    "without: the repository's config file (its opt-in; revalidated with a free 304 on later deliveries), ⌈N/100⌉",
    "compare pages, ⌈N/100⌉ GraphQL queries for the PRs of the commits (100 commits a query), issue lookup + write, and",
    "a check-run list + write per violating commit. The issue found once under the audit's lock is handed to the write",
    `(no second lookup). Wall ms: a later delivery with every answer ${LATENCY_MS} ms late.`,
    "",
    "| commits pushed | API calls (first delivery) | API calls (later) | minimum | ratio | by kind (later) | wall ms | CPU ms / commit | ratio / commit |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Pure rule \`auditMainCommit\`: ${fmt((ruleMs / commits.length) * 1000, 2)} µs per commit ` +
      `(${fmt(ruleMs / commits.length / baselineMs, 6)} × baseline), 10,000 commits in ${fmt(ruleMs)} ms.`,
    "",
  ].join("\n");
}
