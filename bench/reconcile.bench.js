// Reconciliation: a sweep of 200 repositories (4 installations × 50) with nothing to heal, against a small instant
// stand-in for GitHub that answers conditional requests like GitHub (ETag, 304 Not Modified). Reports the API calls
// GitHub would charge (every answer but a 304) and the wall time, first sweep vs the next one.
import { generateKeyPairSync, createHash } from "node:crypto";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { Probot, ProbotOctokit } from "probot";
import { fmt, OPT_IN_FILE, withRealNetwork } from "./bench-lib.js";
import { createReconciler } from "../lib/runtime/reconcile.js";

const INSTALLATIONS = 4;
const REPOS_PER_INSTALLATION = 50;
const OPEN_PULLS = 2;
const TAGS = ["v1.0.0", "v1.0.1", "v1.0.2", "v1.1.0"];
const RELEASE_FILE = "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-release.yaml";
const sha = (text) => createHash("sha1").update(text).digest("hex");
const STARTED = Date.now();

/** The answers of an idle organisation: every PR has the bot's three checks, the newest tag is released and pinned. */
function answer(path, query) {
  let m;
  if (path === "/app") return { id: 1, slug: "gitops-release-bot" };
  if (path === "/app/installations")
    return Array.from({ length: INSTALLATIONS }, (_, i) => ({
      id: i + 1,
      account: { login: `org${i + 1}` },
    }));
  if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)))
    return { token: `ghs_inst${m[1]}`, expires_at: new Date(Date.now() + 3600_000).toISOString() };
  if (path === "/installation/repositories") return null; // per token, below
  if (path === "/app/hook/deliveries")
    return Array.from({ length: 50 }, (_, i) => ({
      id: 1000 - i,
      guid: `g${i}`,
      delivered_at: new Date(STARTED - i * 60_000).toISOString(),
      redelivery: false,
      status_code: 202,
      event: "push",
      action: null,
    }));
  if (!(m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path))) return undefined;
  const [, owner, repo, rest = ""] = m;
  const id = `${owner}/${repo}`;
  const head = sha(`${id}:main`);
  if (rest === "/git/ref/heads%2Fmain" || rest === "/git/ref/heads/main")
    return { ref: "refs/heads/main", object: { sha: head, type: "commit" } };
  // Every repository opted in with its own file (defaults: a comment only); the organization's `.github` is not read.
  if (
    rest === "/contents/.github%2Fgitops-release-bot.yml" ||
    rest === "/contents/.github/gitops-release-bot.yml"
  )
    return { raw: OPT_IN_FILE };
  if (rest.startsWith("/contents/")) return undefined;
  if (rest === "/pulls")
    return Array.from({ length: OPEN_PULLS }, (_, n) => ({
      number: n + 1,
      body: "",
      updated_at: "2026-01-01T00:00:00Z",
      head: { sha: sha(`${id}#${n + 1}`), ref: `feature-${n + 1}` },
      base: { ref: "main" },
    }));
  if ((m = /^\/commits\/([0-9a-f]{40})\/check-runs$/.exec(rest)))
    return {
      total_count: 3,
      check_runs: ["PR title", "Folder layout", "Squash title"].map((name) => ({ name, app: { id: 1 } })),
    };
  if (rest === "/tags") return TAGS.map((name) => ({ name, commit: { sha: sha(`${id}@${name}`) } }));
  if (rest === "/releases")
    return TAGS.map((tag) => ({
      tag_name: tag,
      draft: false,
      prerelease: false,
      published_at: "2026-01-01T00:00:00Z",
    })).reverse();
  if (rest === "/issues") return [];
  if (rest === `/git/trees/${head}`)
    return {
      sha: head,
      truncated: false,
      tree: [{ path: RELEASE_FILE, type: "blob", sha: sha(`${id}:blob`) }],
    };
  if (rest.startsWith("/git/blobs/"))
    return {
      encoding: "base64",
      content: Buffer.from(
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: release\n" +
          `  namespace: flux-system\nspec:\n  ref:\n    tag: ${TAGS.at(-1)}\n`,
      ).toString("base64"),
    };
  void query;
  return undefined;
}

async function startStandIn() {
  const counts = { requests: 0, notModified: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    counts.requests++;
    let body;
    if (url.pathname === "/installation/repositories") {
      const installation = Number(/ghs_inst(\d+)/.exec(req.headers.authorization ?? "")?.[1] ?? 0);
      const repositories = Array.from({ length: REPOS_PER_INSTALLATION }, (_, r) => ({
        id: installation * 1000 + r,
        node_id: `R${installation}_${r}`,
        name: `repo-${r}`,
        full_name: `org${installation}/repo-${r}`,
        private: true,
        owner: { login: `org${installation}`, id: installation, type: "Organization" },
        html_url: `https://github.example/org${installation}/repo-${r}`,
        url: `https://api.github.example/repos/org${installation}/repo-${r}`,
        default_branch: "main",
      }));
      body = { total_count: repositories.length, repositories };
    } else {
      body = answer(url.pathname, url.searchParams);
    }
    if (body === undefined) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "Not Found" }));
      return;
    }
    // A configuration file is answered raw, as GitHub answers `Accept: application/vnd.github.raw`.
    const raw = typeof body?.raw === "string";
    const text = raw ? body.raw : JSON.stringify(body);
    const etag = `W/"${createHash("sha256").update(text).digest("hex")}"`;
    if (req.headers["if-none-match"] === etag) {
      counts.notModified++;
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(req.method === "POST" ? 201 : 200, {
      "content-type": raw ? "application/vnd.github.raw; charset=utf-8" : "application/json",
      etag,
    });
    res.end(text);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, counts, url: `http://127.0.0.1:${server.address().port}` };
}

export default function bench() {
  return withRealNetwork(sweepBench);
}

async function sweepBench() {
  const standIn = await startStandIn();
  const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  const probot = new Probot({
    appId: 1,
    privateKey,
    baseUrl: standIn.url,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((options) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  const quiet = { info() {}, warn() {}, debug() {}, error() {}, child: () => quiet };
  const queue = {
    jobs: 0,
    async add() {
      this.jobs++;
    },
    start() {},
    async counts() {
      return { waiting: 0, active: 0, delayed: 0, failed: 0 };
    },
    async close() {},
  };
  const reconciler = createReconciler({
    auth: (id) => probot.auth(id),
    queue,
    log: quiet,
    features: ["prTitle", "folderLayout", "squashTitle", "releaseDraft", "promotion", "mainAudit"],
    intervalMs: 0,
    redeliverMaxAgeMs: 24 * 3600_000,
    redis: null,
    queueIsLocal: false,
  });
  const rows = [];
  try {
    for (const label of ["first sweep (cold: no ETags yet)", "second sweep (idle)", "third sweep (idle)"]) {
      const before = { ...standIn.counts };
      const started = performance.now();
      const report = await reconciler.sweep("bench");
      const ms = performance.now() - started;
      const requests = standIn.counts.requests - before.requests;
      const notModified = standIn.counts.notModified - before.notModified;
      // A sweep that could not read the repositories measures nothing: say why instead of printing zeros.
      if (report?.repositories !== INSTALLATIONS * REPOS_PER_INSTALLATION || report.errors) {
        throw new Error(`the ${label} swept ${JSON.stringify(report)}: expected every repository`);
      }
      rows.push({ label, report, ms, requests, charged: requests - notModified });
    }
  } finally {
    standIn.server.close();
  }
  const total = INSTALLATIONS * REPOS_PER_INSTALLATION;
  return [
    "## Reconciliation sweep (200 repositories, nothing to heal)",
    "",
    `${INSTALLATIONS} installations × ${REPOS_PER_INSTALLATION} repositories, each with ${OPEN_PULLS} open PRs carrying the bot's three`,
    `checks, ${TAGS.length} tags all released, the newest pinned by the promotion target, no configuration file, a`,
    "delivery log of 50 successful deliveries; against an instant local stand-in that answers conditional requests",
    "like GitHub (ETag, `304 Not Modified`). **Charged** = requests GitHub counts against the rate limit (all but the",
    "304s; installation tokens included). Target: 0 charged beyond the first sweep.",
    "",
    "| sweep | repositories | jobs enqueued | requests | charged | wall time (ms) |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.report?.repositories ?? 0}/${total} | ${r.report?.enqueued ?? 0} | ${r.requests} | ${r.charged} | ${fmt(r.ms, 0)} |`,
    ),
    "",
    "Every repository has opted in with its own configuration file (the organization's `.github` is not read). The",
    "first sweep pays for every read once; later ones revalidate each read with its ETag (a free 304) and re-read the",
    "configuration only when the default branch moves. Installation tokens live an hour, so a sweep every 15 minutes",
    "mints one per installation about every fourth sweep.",
    "",
  ].join("\n");
}
