// Squash title: API calls per push audit against the minimum the audit needs, and CPU per audited commit.
import nock from "nock";
import { auditMainCommit } from "../lib/rules/audit-main-commit.js";
import { parseConfig } from "../lib/config/parse-config.js";
import { benchApp, cpuMs, fmt } from "./bench-lib.js";

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

/** Answers GitHub's API like an empty repository with these commits; counts every request by kind. */
function fakeGitHub(commits) {
  const counts = {};
  const count = (kind) => (counts[kind] = (counts[kind] ?? 0) + 1);
  nock(API)
    .persist()
    .post(/\/app\/installations\/\d+\/access_tokens/)
    .reply(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z" });
  const scope = nock(API).persist();
  scope.get(/\/contents\//).reply(() => (count("config"), [404, {}]));
  scope
    .get(/\/compare\//)
    .query(true)
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
  scope
    .get(/\/commits\/[0-9a-f]+\/pulls/)
    .query(true)
    .reply((request) => {
      count("associated PRs");
      const commit = commits.find((c) => request.url.includes(`/commits/${c.sha}/`));
      return [
        200,
        commit.number
          ? [
              {
                number: commit.number,
                title: commit.message.replace(/ \(#\d+\)$/, ""),
                merged_at: "x",
                base: { ref: "main" },
              },
            ]
          : [],
      ];
    });
  scope
    .get(/\/issues/)
    .query(true)
    .reply(() => (count("issue lookup"), [200, []]));
  scope.post(/\/issues$/).reply(() => (count("issue write"), [201, { number: 1 }]));
  scope
    .get(/\/check-runs/)
    .query(true)
    .reply(() => (count("check lookup"), [200, { total_count: 0, check_runs: [] }]));
  scope.post(/\/check-runs$/).reply(() => (count("check write"), [201, { id: 1 }]));
  return counts;
}

export default async function squashBench({ baselineMs }) {
  nock.disableNetConnect();
  const bot = await benchApp(["mainAudit"]);
  const rows = [];
  for (const [size, badCount] of [
    [5, 1],
    [25, 1],
    [250, 5],
  ]) {
    const bad = new Set(Array.from({ length: badCount }, (_, i) => i * 3 + 2));
    const { payload, commits } = pushOf(size, bad);
    nock.cleanAll();
    const counts = fakeGitHub(commits);
    await bot.receive({ name: "push", id: `bench-${size}`, payload: JSON.parse(JSON.stringify(payload)) });
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    // Minimum: the config (repo + org fallback), ceil(N/100) compare pages, one association lookup per commit, one
    // issue lookup and one issue write, and per violating commit one check lookup and one check write.
    const minimum = 2 + Math.ceil(size / 100) + size + 2 + 2 * badCount;
    let run = 0;
    const cpu = await cpuMs(async () => {
      nock.cleanAll();
      fakeGitHub(commits);
      // A new delivery id each time: the queue skips a delivery it has just finished.
      await bot.receive({
        name: "push",
        id: `bench-${size}-${++run}`,
        payload: JSON.parse(JSON.stringify(payload)),
      });
    }, 3);
    rows.push(
      `| ${size} (${badCount} bad) | ${total} | ${minimum} | ${fmt(total / minimum)} | ${Object.entries(
        counts,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")} | ${fmt(cpu / size, 3)} | ${fmt(cpu / size / baselineMs, 4)} |`,
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
    "without: config (2), compare pages, one associated-PR lookup per commit, issue lookup + write, and a check lookup +",
    "write per violating commit. The issue found once under the audit's lock is handed to the write (no second lookup).",
    "",
    "| commits pushed | API calls | minimum | ratio | by kind | CPU ms / commit | ratio / commit |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Pure rule \`auditMainCommit\`: ${fmt((ruleMs / commits.length) * 1000, 2)} µs per commit ` +
      `(${fmt(ruleMs / commits.length / baselineMs, 6)} × baseline), 10,000 commits in ${fmt(ruleMs)} ms.`,
    "",
  ].join("\n");
}
