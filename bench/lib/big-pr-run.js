// @ts-check
// One measurement of the big-PR benchmark (bench/big-pr.bench.js), alone in its own process so that its peak memory
// is its own: `node bench/lib/big-pr-run.js before|after` prints one JSON line.
//   before: the previous algorithm of the Folder layout check, replayed with the same library functions: every
//           manifest read (one REST request each), then all parsed at once on the main thread, syntax trees kept.
//   after:  the app as it runs now (the Folder layout listener through Probot, nock in place of GitHub).
import nock from "nock";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { clearInterval, setImmediate, setInterval, setTimeout } from "node:timers";
import { benchApp } from "../bench-lib.js";
import { answerBlobTexts, isBlobTextsQuery } from "./graphql-blobs.js";

const require = createRequire(import.meta.url);
const API = "https://api.github.com";
export const MANIFESTS = Number(process.env.BIG_PR_MANIFESTS ?? 500);
export const MANIFEST_KB = 50;

const blobSha = (/** @type {string} */ text) =>
  createHash("sha1")
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest("hex");

/** A ~50 KB Deployment: many containers with env and probes, the nesting of real generated manifests. */
function manifest(/** @type {number} */ i) {
  const lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", `  name: app-${i}`, "  labels:"];
  lines.push(
    `    app.kubernetes.io/name: app-${i}`,
    "spec:",
    "  template:",
    "    spec:",
    "      containers:",
  );
  for (let c = 0; lines.join("\n").length < MANIFEST_KB * 1024; c++) {
    lines.push(
      `        - name: container-${c}`,
      `          image: registry.example.com/app-${i}:1.${c}.0`,
      "          env:",
    );
    for (let e = 0; e < 10; e++)
      lines.push(`            - name: VAR_${e}`, `              value: "value ${i}-${c}-${e}"`);
    lines.push("          readinessProbe:", "            httpGet: { path: /readyz, port: 8080 }");
  }
  return `${lines.join("\n")}\n`;
}

export function pullRequestFiles() {
  return Array.from({ length: MANIFESTS }, (_, i) => {
    const text = manifest(i);
    return { filename: `features/app-${i % 20}/namespaced/app-${i}.yaml`, text, sha: blobSha(text) };
  });
}

async function measure(/** @type {() => Promise<Record<string, number>>} */ work) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  // The longest gap between two ticks of a 10 ms interval: a blocked loop shows here even when the histogram's timer
  // never ran during the block.
  let last = performance.now();
  let longestGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last - 10);
    last = now;
  }, 10);
  const startRss = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const started = performance.now();
  loop.enable();
  const counts = await work();
  // Let the timers see the end of a block the work may have ended with.
  await new Promise((resolve) => setTimeout(resolve, 50));
  loop.disable();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  clearInterval(ticker);
  return {
    ...counts,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    maxStallMs: Math.max(loop.max / 1e6, longestGap),
    p99StallMs: loop.percentile(99) / 1e6,
    startRssMb: startRss / 2 ** 20,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function before() {
  const { parseConfig } = await import("../../lib/config/parse-config.js");
  const { compileLayoutTemplates } = await import("../../lib/rules/layout-templates.js");
  const { evaluateLayout, parseManifestContents } = await import("../../lib/rules/evaluate-layout.js");
  const config = /** @type {any} */ (parseConfig({}));
  if (!config.ok) throw new Error("defaults invalid");
  const settings = config.value.layout;
  const layout = /** @type {any} */ (compileLayoutTemplates(settings));
  if (!layout.ok) throw new Error("defaults do not compile");
  const files = pullRequestFiles();
  return measure(async () => {
    // One REST read per manifest, all held; then one synchronous loop parses them all.
    const contents = new Map();
    for (const file of files) {
      const body = { content: Buffer.from(file.text).toString("base64"), encoding: "base64" };
      contents.set(file.filename, { text: Buffer.from(body.content, "base64").toString("utf8") });
      await new Promise((resolve) => setImmediate(resolve));
    }
    const parsed = parseManifestContents(contents);
    const evaluation = evaluateLayout(
      layout.value,
      settings,
      {
        files: files.map((f) => ({ path: f.filename, status: "added" })),
        contents,
        directoryExists: () => true,
        title: null,
      },
      parsed,
    );
    return {
      blobRequests: files.length,
      objects: [...parsed.values()].flatMap((p) => p.objects).length,
      findings: evaluation.findings.length,
    };
  });
}

async function after() {
  /** @type {any[]} */
  const groups = require("@octokit/webhooks-examples/api.github.com/index.json");
  const example = groups
    .find((/** @type {any} */ g) => g.name === "pull_request")
    .examples.find((/** @type {any} */ e) => e.action === "opened");
  /** @type {any} */
  const payload = structuredClone(example);
  payload.installation = { id: 2 };
  payload.pull_request.changed_files = MANIFESTS;
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const files = pullRequestFiles();
  const probot = await benchApp(["folderLayout"]);
  /** @type {string[]} */
  const requests = [];
  nock.disableNetConnect();
  const api = nock(API).persist();
  api.on("request", (/** @type {Request} */ req) =>
    requests.push(`${req.method} ${new URL(req.url).pathname}`),
  );
  api.post(/access_tokens/).reply(201, { token: "t", expires_at: "2099-01-01T00:00:00Z" });
  api.get(/\/contents\//).reply(404);
  for (let page = 1; page <= MANIFESTS / 100; page++) {
    const body = files.slice((page - 1) * 100, page * 100).map((f) => ({
      filename: f.filename,
      sha: f.sha,
      status: "added",
      additions: 1,
      deletions: 0,
      changes: 1,
    }));
    const next = `<${API}/repos/${owner}/${repo}/pulls/${payload.number}/files?per_page=100&page=${page + 1}>; rel="next"`;
    api
      .get(`/repos/${owner}/${repo}/pulls/${payload.number}/files`)
      .query(page === 1 ? { per_page: "100" } : { per_page: "100", page: String(page) })
      .reply(200, body, page < MANIFESTS / 100 ? { link: next } : {});
  }
  api
    .get(`/repos/${owner}/${repo}/git/trees/${payload.pull_request.head.sha}`)
    .query(true)
    .reply(200, {
      sha: payload.pull_request.head.sha,
      truncated: false,
      tree: files.map((f) => ({
        path: f.filename,
        type: "blob",
        mode: "100644",
        sha: f.sha,
        size: f.text.length,
      })),
    });
  api
    .post("/graphql", isBlobTextsQuery)
    .reply(200, answerBlobTexts(new Map(files.map((f) => [f.sha, f.text]))));
  api
    .get(/\/check-runs/)
    .query(true)
    .reply(200, { total_count: 0, check_runs: [] });
  api.post(/\/check-runs$/).reply(201, { id: 9 });
  api.patch(/\/check-runs\/\d+/).reply(200, { id: 9 });
  const result = await measure(async () => {
    await probot.receive({ name: "pull_request", id: "big-pr", payload });
    return {
      blobRequests: requests.filter((r) => r.includes("/git/blobs/") || r === "POST /graphql").length,
      checkRunWrites: requests.filter((r) => /check-runs/.test(r) && !r.startsWith("GET")).length,
    };
  });
  const { closeManifestParser } = await import("../../lib/runtime/manifest-parser.js");
  await closeManifestParser();
  return result;
}

const mode = process.argv[2];
const result = mode === "before" ? await before() : mode === "after" ? await after() : null;
if (!result) throw new Error(`usage: node bench/lib/big-pr-run.js before|after (got ${mode})`);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
