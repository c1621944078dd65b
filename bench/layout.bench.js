// `npm run bench layout`: the "Folder layout" check. Path rules over 100 / 1,000 / 10,000 paths, and a whole
// 3,000-file PR with 500 YAML files through the real app (nock in place of GitHub), counting its API calls.
import nock from "nock";
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import {
  baselineMs as measureBaseline,
  benchApp,
  cpuMs,
  fmt,
  OPT_IN_FILE,
  RAW_FILE_HEADERS,
} from "./bench-lib.js";
import { answerBlobTexts, isBlobTextsQuery } from "./lib/graphql-blobs.js";
import { clearConfigCache } from "../lib/github/contents.js";
import { parseConfig } from "../lib/config/parse-config.js";
import { compileLayoutTemplates, checkLayoutPath } from "../lib/rules/layout-templates.js";
import { evaluateLayout } from "../lib/rules/evaluate-layout.js";

const require = createRequire(import.meta.url);
const API = "https://api.github.com";

function settingsOf() {
  const config = parseConfig({});
  if (!config.ok) throw new Error("defaults invalid");
  return config.value.layout;
}

/** Realistic paths of every area, with one in 20 misplaced. */
function pathsOf(n) {
  return Array.from({ length: n }, (_, i) => {
    const env = i % 2 ? "prod" : "non-prod";
    switch (i % 5) {
      case 0:
        return `features/feature-${i % 40}/${i % 3 ? "namespaced" : "non-namespaced"}/object-${i}.yaml`;
      case 1:
        return `providers/aws/v1/clusters/${env}/${env}-eu-west-${i % 3}/namespaced/ns-${i % 30}/object-${i}.yaml`;
      case 2:
        return `providers/aws/v1/mgmt/namespaced/${env}-eu-west-${i % 3}/object-${i}.yaml`;
      case 3:
        return `tenants/aws/${i % 3 ? env : "common"}/tenant-${i % 50}/object-${i}.yaml`;
      default:
        return i % 20 === 4
          ? `providers/aws/v1/clusters/staging/x/namespaced/ns/object-${i}.yaml`
          : `docs/page-${i}.md`;
    }
  });
}

/**
 * A real tree: every path of argoproj/argo-cd at 37ee0097cf85 (`git ls-tree -r --name-only`, 5,574 paths: Go code,
 * docs, UI, Lua resource customizations and their YAML test data, manifests), gzipped in bench/data. It is cycled to
 * `n` paths; each further cycle renames the files (`main.go` → `main-1.go`) so that the shape (depths, folders,
 * extensions) stays real and no path repeats.
 */
function realPathsOf(n) {
  const tree = gunzipSync(readFileSync(new URL("./data/argo-cd-paths.txt.gz", import.meta.url)))
    .toString("utf8")
    .split("\n")
    .filter(Boolean);
  return Array.from({ length: n }, (_, i) => {
    const path = tree[i % tree.length];
    const cycle = Math.floor(i / tree.length);
    return cycle === 0
      ? path
      : path.replace(/([^/.]+)(\.[^/]*)?$/, (_, stem, ext = "") => `${stem}-${cycle}${ext}`);
  });
}

/**
 * What such a repository would configure: its manifests in templates (any depth), its code, docs and test data
 * allowed. Most paths are then allowed, few matched, a few misplaced: the case that cost 22–100 µs a path.
 */
function realSettingsOf() {
  const config = parseConfig({
    layout: {
      templates: {
        manifests: "manifests/{path**}/{file}",
        examples: "examples/{path**}/{file}",
      },
      names: "any",
      allowed: [
        ...settingsOf().allowed,
        "**/*.{go,mod,sum,lua,ts,tsx,js,json,scss,less,html,svg,png,sh,txt,tpl,proto}",
        "**/testdata/**",
        "resource_customizations/**",
        "docs/**",
        "ui/**",
        "test/**",
        "hack/**",
        "**/Dockerfile*",
        "**/Makefile",
        ".*",
      ],
    },
  });
  if (!config.ok) throw new Error(JSON.stringify(config.error));
  return config.value.layout;
}

function blobSha(text) {
  return createHash("sha1")
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest("hex");
}

function manifest(i) {
  // One in ten is a ClusterRole under namespaced/: 50 annotations.
  return i % 10 === 0
    ? `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: role-${i}\nrules: []\n`
    : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${i}\ndata:\n  key: "value ${i}"\n`;
}

async function pullRequestRun() {
  const groups = require("@octokit/webhooks-examples/api.github.com/index.json");
  const example = groups.find((g) => g.name === "pull_request").examples.find((e) => e.action === "opened");
  const payload = structuredClone(example);
  payload.installation = { id: 2 };
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const sha = payload.pull_request.head.sha;
  const number = payload.number;
  payload.pull_request.changed_files = 3000;
  const files = Array.from({ length: 3000 }, (_, i) => {
    if (i < 500) {
      const text = manifest(i);
      return { filename: `features/bench/namespaced/object-${i}.yaml`, text, sha: blobSha(text) };
    }
    return { filename: `docs/page-${i}.md`, sha: blobSha(`page ${i}`) };
  });
  // The "Folder layout" feature alone: its API calls are what this bench counts against its minimum.
  const probot = await benchApp(["folderLayout"]);

  const requests = [];
  const mock = () => {
    nock.cleanAll();
    nock.disableNetConnect();
    requests.length = 0;
    const api = nock(API).persist();
    api.on("request", (req) => {
      const url = new URL(req.url);
      if (!url.pathname.includes("access_tokens"))
        requests.push(`${req.method} ${url.pathname}${url.search}`);
    });
    api.post(/access_tokens/).reply(201, { token: "t", expires_at: "2099-01-01T00:00:00Z" });
    optIn(api);
    for (let page = 1; page <= 30; page++) {
      const body = files.slice((page - 1) * 100, page * 100).map((f) => ({
        filename: f.filename,
        sha: f.sha,
        status: "added",
        additions: 1,
        deletions: 0,
        changes: 1,
      }));
      const next = `<${API}/repos/${owner}/${repo}/pulls/${number}/files?per_page=100&page=${page + 1}>; rel="next"`;
      api
        .get(`/repos/${owner}/${repo}/pulls/${number}/files`)
        .query(page === 1 ? { per_page: "100" } : { per_page: "100", page: String(page) })
        .reply(200, body, page < 30 ? { link: next } : {});
    }
    api
      .get(`/repos/${owner}/${repo}/git/trees/${sha}`)
      .query(true)
      .reply(200, {
        sha,
        truncated: false,
        tree: files.map((f) => ({ path: f.filename, type: "blob", mode: "100644", sha: f.sha, size: 200 })),
      });
    api
      .post("/graphql", isBlobTextsQuery)
      .reply(200, answerBlobTexts(new Map(files.filter((f) => f.text).map((f) => [f.sha, f.text]))));
    api
      .get(/\/check-runs/)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] });
    api.post(`/repos/${owner}/${repo}/check-runs`).reply(201, { id: 9 });
    api.patch(/\/check-runs\/\d+/).reply(200, { id: 9 });
  };
  let delivery = 0;
  const receive = async () => {
    mock();
    // A fresh payload object: data memoised per delivery must be fetched again, as on a real new event.
    await probot.receive({
      name: "pull_request",
      id: `bench-${++delivery}`,
      payload: structuredClone(payload),
    });
  };
  const endToEnd = await cpuMs(receive, 3);
  mock();
  await receive();
  const calls = {
    list: requests.filter((r) => r.includes("/pulls/") && r.includes("/files")).length,
    tree: requests.filter((r) => r.includes("/git/trees/")).length,
    // Blob reads: GraphQL queries of up to 100 blobs each (REST reads, one per blob, should be none).
    blobs: requests.filter((r) => r.includes("/git/blobs/") || r.startsWith("POST /graphql")).length,
    runLists: requests.filter((r) => r.startsWith("GET") && r.includes("/check-runs")).length,
  };
  // POSTs to check-runs: one per check (PR title, Folder layout); PATCHes carry the remaining annotation batches.
  calls.writes = requests.filter((r) => r.startsWith("PATCH")).length + 1;
  nock.cleanAll();
  nock.enableNetConnect();
  return { endToEnd, calls, files };
}

export default async function layoutBench({ baselineMs }) {
  const settings = settingsOf();
  const compiled = compileLayoutTemplates(settings);
  if (!compiled.ok) throw new Error("defaults do not compile");
  const layout = compiled.value;
  const rows = [];
  for (const n of [100, 1_000, 10_000]) {
    const paths = pathsOf(n);
    const ms = await cpuMs(() => {
      for (const path of paths) checkLayoutPath(layout, path);
    }, 7);
    rows.push(
      `| ${n.toLocaleString("en")} paths | ${fmt(ms)} | ${fmt(ms / baselineMs, 3)} | ${fmt((ms * 1000) / n)} |`,
    );
  }
  const synthetic = pathsOf(10_000);
  const tenThousandSynthetic = await cpuMs(() => {
    for (const path of synthetic) checkLayoutPath(layout, path);
  }, 7);

  // The real-shaped tree, 40,000 paths, under the configuration such a repository would have (target) and under
  // the defaults (nearly every path then misplaced: the worst case, each one explained).
  const real = realPathsOf(40_000);
  const realSettings = compileLayoutTemplates(realSettingsOf());
  if (!realSettings.ok) throw new Error("real-shaped settings do not compile");
  const kinds = { match: 0, allowed: 0, mismatch: 0 };
  for (const path of real) kinds[checkLayoutPath(realSettings.value, path).kind]++;
  const realMs = await cpuMs(() => {
    for (const path of real) checkLayoutPath(realSettings.value, path);
  }, 7);
  const realDefaultsMs = await cpuMs(() => {
    for (const path of real) checkLayoutPath(layout, path);
  }, 5);
  const perTenThousand = (realMs * 10_000) / real.length;

  const { endToEnd, calls, files } = await pullRequestRun();
  const contents = new Map(files.filter((f) => f.text).map((f) => [f.filename, { text: f.text }]));
  const evaluate = await cpuMs(
    () =>
      evaluateLayout(layout, settings, {
        files: files.map((f) => ({ path: f.filename, status: "added" })),
        contents,
        directoryExists: () => true,
        title: "feat(bench): add objects",
      }),
    5,
  );
  const annotations = evaluateLayout(layout, settings, {
    files: files.map((f) => ({ path: f.filename, status: "added" })),
    contents,
    directoryExists: () => true,
    title: null,
  }).findings.length;
  const minimum = {
    list: 1 + Math.ceil(3000 / 100),
    blobs: Math.ceil(500 / 100),
    writes: Math.ceil(annotations / 50),
  };
  const made = { list: calls.list + calls.tree, blobs: calls.blobs, writes: calls.writes };
  return [
    "## Folder layout",
    "",
    "Path rules (`checkLayoutPath`, default templates, compiled once):",
    "",
    "| workload | CPU ms | ratio | µs per path |",
    "|---|---|---|---|",
    ...rows,
    "",
    `Synthetic 10,000 paths (above, every area, 1 in 20 misplaced): ${fmt(tenThousandSynthetic)} ms.`,
    "",
    "Real-shaped tree: argoproj/argo-cd's 5,574 paths (code, docs, UI, test data, manifests; bench/data) cycled to",
    `${real.length.toLocaleString("en")} paths, under the templates and \`allowed\` globs such a repository would set: ` +
      `${kinds.allowed.toLocaleString("en")} allowed, ${kinds.match.toLocaleString("en")} matched, ` +
      `${kinds.mismatch.toLocaleString("en")} misplaced.`,
    "",
    "| workload | CPU ms | ratio | µs per path |",
    "|---|---|---|---|",
    `| ${real.length.toLocaleString("en")} real-shaped paths, repository's configuration | ${fmt(realMs)} | ${fmt(realMs / baselineMs, 3)} | ${fmt((realMs * 1000) / real.length)} |`,
    `| ${real.length.toLocaleString("en")} real-shaped paths, default configuration (almost all misplaced, each explained) | ${fmt(realDefaultsMs)} | ${fmt(realDefaultsMs / baselineMs, 3)} | ${fmt((realDefaultsMs * 1000) / real.length)} |`,
    "",
    `Target: 10,000 real paths in under 100 ms of CPU — ${fmt(perTenThousand)} ms per 10,000 real-shaped paths: ${perTenThousand < 100 ? "met" : "NOT met"}.`,
    "",
    `A 3,000-file PR with 500 YAML files (${annotations} findings):`,
    "",
    "| measure | value | ratio |",
    "|---|---|---|",
    `| rules only (parse 500 manifests + 3,000 paths), CPU ms | ${fmt(evaluate)} | ${fmt(evaluate / baselineMs, 3)} |`,
    `| rules only, CPU µs per file | ${fmt((evaluate * 1000) / 3000)} | |`,
    `| whole delivery through the app (the Folder layout listener, nock in place of GitHub), CPU ms | ${fmt(endToEnd)} | ${fmt(endToEnd / baselineMs, 3)} |`,
    "",
    "| API calls | made | minimum |",
    "|---|---|---|",
    `| list (files pages + head tree) | ${made.list} | ${minimum.list} |`,
    `| blob reads (GraphQL queries of up to 100 blobs) | ${made.blobs} | ${minimum.blobs} |`,
    `| Folder layout check-run writes | ${made.writes} | ${minimum.writes} |`,
    `| check-run list of the head SHA (the upsert finds its run there) | ${calls.runLists} | 1 |`,
    "",
    "A small PR opened, every PR check loaded (PR title, Config, Folder layout, Squash title), first delivery on the",
    "installation: the checks share one list of the head SHA's check runs (one look-up per check name before) and one",
    "configuration read (repository, then the organization's `.github`, whose 404 is remembered for later deliveries).",
    "",
    "| API calls of the delivery | made | minimum |",
    "|---|---|---|",
    ...(await allChecksRun()),
    "",
  ].join("\n");
}

/** A one-file PR opened through every PR check; counts the check-run look-ups, config reads and all calls. */
async function allChecksRun() {
  clearConfigCache();
  const groups = require("@octokit/webhooks-examples/api.github.com/index.json");
  const example = groups.find((g) => g.name === "pull_request").examples.find((e) => e.action === "opened");
  const payload = structuredClone(example);
  payload.installation = { id: 3 };
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const sha = payload.pull_request.head.sha;
  const { receive } = await benchApp(["prTitle", "configCheck", "folderLayout", "squashTitle"]);
  nock.cleanAll();
  nock.disableNetConnect();
  const requests = [];
  const api = nock(API).persist();
  api.on("request", (req) => {
    const url = new URL(req.url);
    if (!url.pathname.includes("access_tokens")) requests.push(`${req.method} ${url.pathname}${url.search}`);
  });
  api.post(/access_tokens/).reply(201, { token: "t", expires_at: "2099-01-01T00:00:00Z" });
  optIn(api);
  api
    .get(`/repos/${owner}/${repo}/pulls/${payload.number}/files`)
    .query(true)
    .reply(200, [{ filename: "README.md", sha: "a".repeat(40), status: "modified" }]);
  api
    .get(`/repos/${owner}/${repo}/git/trees/${sha}`)
    .query(true)
    .reply(200, {
      sha,
      truncated: false,
      tree: [{ path: "README.md", type: "blob", sha: "a".repeat(40), size: 9 }],
    });
  api.get(`/repos/${owner}/${repo}`).reply(200, {
    allow_squash_merge: true,
    allow_merge_commit: false,
    allow_rebase_merge: false,
    squash_merge_commit_title: "PR_TITLE",
    squash_merge_commit_message: "PR_BODY",
  });
  api
    .get(/\/check-runs/)
    .query(true)
    .reply(200, { total_count: 0, check_runs: [] });
  api.post(`/repos/${owner}/${repo}/check-runs`).reply(201, { id: 9 });
  await receive({ name: "pull_request", id: "all-checks", payload });
  nock.cleanAll();
  nock.enableNetConnect();
  const count = (test) => requests.filter(test).length;
  return [
    `| check-run look-ups (lists of the head SHA) | ${count((r) => r.startsWith("GET") && r.includes("/check-runs"))} | 1 |`,
    `| check-run writes | ${count((r) => r.startsWith("POST") && r.includes("/check-runs"))} | 3 |`,
    `| configuration reads | ${count((r) => r.includes("/contents/"))} | 1 |`,
    `| all calls | ${requests.length} | 8 (config 1, files 1, tree 1, repository 1, check list 1, check writes 3) |`,
  ];
}

/** The repository opted in with its own configuration file (every option at its default): one read per delivery. */
function optIn(api) {
  api.get(/\/contents\/\.github%2Fgitops-release-bot\.yml/).reply(200, OPT_IN_FILE, RAW_FILE_HEADERS);
}

// `node bench/layout.bench.js` (after `npm run build`): this section alone, printed.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await layoutBench({ baselineMs: await measureBaseline() })}\n`);
}
