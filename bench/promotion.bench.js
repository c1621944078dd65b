// Promotion: CPU of the pure edit on a 1 MiB multi-document file, and GitHub API calls per promotion of the real
// repository (v0.0.2 → v0.0.3, just before PR #14) against the minimum the feature needs.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { setSourceRef } from "../lib/gitops/set-source-ref.js";
import { promoteTarget } from "../lib/handlers/promote-target.js";
import { parseConfig } from "../lib/config/parse-config.js";
import { cpuMs, fmt } from "./bench-lib.js";

const RELEASE_PATH = "providers/aws/v1/mgmt/namespaced/flux-system/gitrepository-release.yaml";
const history = JSON.parse(
  readFileSync(new URL("../test/fixtures/k8s-gitops-at-scale/history.json", import.meta.url), "utf8"),
);

function filesAt(sha) {
  const byId = new Map(history.commits.map((c) => [c.sha, c]));
  const chain = [];
  for (let c = byId.get(sha); c; c = c.parents[0] ? byId.get(c.parents[0]) : undefined) chain.unshift(c);
  const files = new Map();
  for (const commit of chain)
    for (const ch of commit.changes) {
      if (ch.status === "D") files.delete(ch.path);
      else {
        const content = ch.content ?? files.get(ch.from);
        if (ch.status === "R") files.delete(ch.from);
        files.set(ch.path, content);
      }
    }
  return files;
}
const blobSha = (t) =>
  createHash("sha1")
    .update(`blob ${Buffer.byteLength(t)}\0`)
    .update(t)
    .digest("hex");

function bigFile(kind = "ConfigMap") {
  const release = filesAt(history.refs["refs/heads/main"]).get(RELEASE_PATH).replace("v0.0.3", "v0.0.2");
  const docs = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024; i++) {
    const doc = `# object ${i}\napiVersion: ${kind === "ConfigMap" ? "v1" : "source.toolkit.fluxcd.io/v1"}\nkind: ${kind}\nmetadata:\n  name: obj-${i}\n  namespace: apps\ndata:\n  key: "value ${i}" # comment\n  other: [a, b, c]\n`;
    docs.push(doc);
    size += doc.length + 4;
    if (i === 2000) docs.push(release);
  }
  return docs.join("---\n");
}

async function apiCalls() {
  const main = filesAt(history.commits.find((c) => c.sha === history.refs["refs/heads/main"]).parents[0]);
  const tags = Object.fromEntries(
    ["v0.0.2", "v0.0.3"].map((t) => [t, filesAt(history.refs[`refs/tags/${t}`])]),
  );
  const blobs = new Map([...main.values()].map((t) => [blobSha(t), t]));
  const calls = [];
  nock.disableNetConnect();
  const api = nock("https://api.github.com").persist();
  const reply = (method) =>
    api.intercept(/.*/, method).reply(async (request) => {
      const url = new URL(request.url);
      const path = decodeURIComponent(url.pathname).replace(/^\/repos\/o\/r/, "");
      calls.push(`${method} ${path}`);
      let m;
      if (path === "/git/ref/heads/main") return [200, { object: { sha: "a".repeat(40) } }];
      if (path.startsWith("/git/commits/"))
        return [200, { sha: "a".repeat(40), tree: { sha: "b".repeat(40) } }];
      if (path === "/git/trees" && method === "POST") return [201, { sha: "c".repeat(40) }];
      if (path === "/git/commits" && method === "POST") return [201, { sha: "d".repeat(40) }];
      if (path.startsWith("/git/trees/"))
        return [
          200,
          { truncated: false, tree: [...main].map(([p, t]) => ({ path: p, type: "blob", sha: blobSha(t) })) },
        ];
      if ((m = /^\/git\/blobs\/(\w+)/.exec(path)))
        return [200, { content: Buffer.from(blobs.get(m[1])).toString("base64"), encoding: "base64" }];
      if ((m = /^\/compare\/(.+)\.\.\.(.+)$/.exec(path))) {
        const [a, b] = [tags[m[1]], tags[m[2]]];
        const files = [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p));
        return [200, { files: files.map((filename) => ({ filename })) }];
      }
      if (path === "/pulls" && method === "GET") return [200, []];
      if (path === "/issues" && method === "GET") return [200, []];
      if (path === "/pulls") return [201, { number: 1, html_url: "https://github.com/o/r/pull/1" }];
      return [200, {}];
    });
  ["GET", "POST", "PUT", "PATCH"].forEach(reply);
  const octokit = new ProbotOctokit({
    auth: { token: "t" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });
  const config = parseConfig({}).value.promotion;
  await promoteTarget(
    octokit,
    {
      repo: { owner: "o", repo: "r" },
      defaultBranch: "main",
      htmlUrl: "https://github.com/o/r",
      tag: "v0.0.3",
      explicit: false,
      release: { body: "notes", url: null },
      config,
    },
    config.targets[0],
  );
  nock.cleanAll();
  // Leave nock active: the other benches in this process intercept through it too.
  return calls;
}

export default async function promotionBench({ baselineMs }) {
  const text = bigFile();
  const target = { kind: "GitRepository", name: "release", namespace: "flux-system" };
  const check = setSourceRef(text, target, "v0.0.3");
  if (!check.ok || !check.value.changed) throw new Error("bench edit failed");
  const editMs = await cpuMs(() => setSourceRef(text, target, "v0.0.3"), 5);
  // Every document a GitRepository: the kind no longer filters, the name still does.
  const worst = bigFile("GitRepository");
  const worstMs = await cpuMs(() => setSourceRef(worst, target, "v0.0.3"), 3);
  const calls = await apiCalls();
  const reads = calls.filter((c) => c.startsWith("GET /git/blobs")).length;
  const writes = calls.filter((c) => !c.startsWith("GET")).length;
  // Minimum with `path` configured and no production section: ref, file, open PR, base commit, tree, commit,
  // branch, PR, labels.
  const minimum = 9;
  return [
    "## Promotion",
    "",
    "| measure | value | ratio |",
    "|---|---|---|",
    `| edit of a ${fmt(Buffer.byteLength(text) / 1048576)} MiB file of ${text.split("\n---\n").length} documents (only documents mentioning the kind and name are parsed) | ${fmt(editMs)} ms | ${fmt(editMs / baselineMs)} |`,
    `| the same size, every document a GitRepository (other names) | ${fmt(worstMs)} ms | ${fmt(worstMs / baselineMs)} |`,
    `| API calls, promotion v0.0.2 → v0.0.3 of the real repository (default config: discovery + production section) | ${calls.length} (${writes} writes, ${reads} blob reads) | ${fmt(calls.length / minimum)} × the minimum of ${minimum} |`,
    "",
    "The minimum (9) is: default-branch ref, the file, open PR lookup, the base commit (its tree), the new tree, the",
    "commit, the branch (created or moved once: never reset to the base first), PR, labels. The extra calls are the",
    "tree (discovery), the blob reads for the Kustomizations that use the source (bounded by `consumerReads`), one",
    "compare, and the tracking-issue lookup that closes a blocked-promotion issue.",
    "",
  ].join("\n");
}
