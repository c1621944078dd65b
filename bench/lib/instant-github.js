// @ts-check
// A GitHub stand-in for the runtime benchmarks that answers at once: only what a `pull_request.opened` needs (an
// installation token per installation, the configuration file's 404, the PR's files and commits, the head tree and
// blobs, the repository's merge settings, check-run look-ups and writes), for many installations with one repository
// each. Every request is checked against GitHub's REST description (endpoint and body), every answer of each
// operation and status once (the same builders make the rest), and every call must carry the token of the
// installation that owns the repository. The demo's fake (demo/lib/fake-github.js) does far more (a real git
// repository, faults, ETags) and is slower per request: its latency would hide the app's own.
import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { requestProblems, responseProblems } from "../../demo/lib/github-rest-schema.js";
import { OPT_IN_FILE, RAW_FILE_HEADERS } from "../bench-lib.js";
import { graphqlRequestProblems } from "../../demo/lib/github-graphql-schema.js";
import {
  appJson,
  checkRunJson,
  commitJson,
  fileJson,
  fullRepositoryJson,
  pullJson,
  repositoryJson,
} from "../../demo/lib/github-shapes.js";

import { examplePayload } from "../../demo/lib/webhook-examples.js";

const DOCS = "https://docs.github.com/rest";
const DEVELOPER = "dev-one";

/** @param {string} text */
const blobSha = (text) =>
  createHash("sha1")
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest("hex");
/** @param {string} text */
const fakeSha = (text) => createHash("sha1").update(text).digest("hex");

/**
 * @typedef {{ name: string; headSha: string; installationId: number; repo: string; at: number; id: number }} CheckWrite
 *   `at`: when it was written, in ms since the epoch with sub-millisecond precision (same clock in every thread)
 * @typedef {import("../../demo/lib/github-shapes.js").RepoSettings} RepoSettings
 * @typedef {import("../../demo/lib/github-shapes.js").PullState} PullState
 * @typedef {import("../../demo/lib/github-shapes.js").CheckRunState} CheckRunState
 */

export class InstantGitHub {
  /**
   * @param {{ installations: number; appId: number }} options installations 1…N, each with the repository
   *   `org-<id>/platform`
   */
  static async start(options) {
    const github = new InstantGitHub(options);
    await new Promise((resolve) => github.server.listen(0, "127.0.0.1", () => resolve(undefined)));
    const address = github.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    github.host = `127.0.0.1:${port}`;
    github.urls = { api: `http://${github.host}/api/v3`, web: `http://${github.host}` };
    return github;
  }

  /** @param {{ installations: number; appId: number }} options */
  constructor(options) {
    this.appId = options.appId;
    this.host = "";
    /** @type {import("../../demo/lib/github-shapes.js").Urls} */
    this.urls = { api: "", web: "" };
    /** @type {Map<string, RepoSettings & { installationId: number }>} */
    this.repos = new Map();
    for (let id = 1; id <= options.installations; id++) {
      this.repos.set(`org-${id}/platform`, {
        installationId: id,
        owner: `org-${id}`,
        name: "platform",
        defaultBranch: "main",
        allow_squash_merge: true,
        allow_merge_commit: false,
        allow_rebase_merge: false,
        squash_merge_commit_title: "PR_TITLE",
        squash_merge_commit_message: "PR_BODY",
        merge_commit_title: "MERGE_MESSAGE",
        merge_commit_message: "PR_TITLE",
        delete_branch_on_merge: true,
      });
    }
    /** @type {Map<string, { repo: string; pr: PullState; files: Array<{ filename: string; text: string }> }>} */
    this.pulls = new Map();
    /** @type {Map<string, string>} blob SHA → text */
    this.blobs = new Map();
    /** @type {Map<number, CheckRunState & { repo: string }>} */
    this.checkRuns = new Map();
    /** Check runs created, in order, with the time they were written. @type {CheckWrite[]} */
    this.checkWrites = [];
    /** @type {Map<string, number>} token → installation */
    this.tokens = new Map();
    /** Requests GitHub would not accept, or that the stand-in does not serve. @type {string[]} */
    this.problems = [];
    /** @type {Set<string>} operation+status whose answer was checked against the schema */
    this.checkedAnswers = new Set();
    this.requestCount = 0;
    this.nextId = 1000;
    this.server = createServer((req, res) => {
      this.#handle(req, res).catch((error) => {
        this.problems.push(`stand-in error: ${error instanceof Error ? error.stack : error}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.server.keepAliveTimeout = 30_000;
  }

  /**
   * A new PR on installation `installationId`'s repository (a tenant manifest and a page of docs); returns its
   * `pull_request.opened` payload.
   * @param {number} installationId @param {number} n a number unique per installation
   */
  openPullRequest(installationId, n) {
    const repoKey = `org-${installationId}/platform`;
    const repo = this.repos.get(repoKey);
    if (!repo) throw new Error(`no installation ${installationId}`);
    const files = [
      {
        filename: `tenants/aws/prod/team-${n}/namespaced/configmap.yaml`,
        text: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-${n}\n  namespace: team-${n}\ndata:\n  owner: team-${n}\n`,
      },
      { filename: `docs/teams/team-${n}.md`, text: `# Team ${n}\n` },
    ];
    for (const file of files) this.blobs.set(blobSha(file.text), file.text);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    /** @type {PullState} */
    const pr = {
      number: n,
      id: this.nextId++,
      title: `feat(tenants): onboard team ${n}`,
      body: `Onboards team ${n}.`,
      state: "open",
      draft: false,
      user: DEVELOPER,
      head: `feat/team-${n}`,
      base: "main",
      headSha: fakeSha(`${repoKey}#${n}:head:${randomUUID()}`),
      baseSha: fakeSha(`${repoKey}:main`),
      labels: [],
      requestedReviewers: [],
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    };
    this.pulls.set(`${repoKey}#${n}`, { repo: repoKey, pr, files });
    const payload = examplePayload("pull_request", "opened", { installationId });
    payload.repository = repositoryJson(this.urls, repo);
    payload.pull_request = pullJson(this.urls, repo, pr, {
      commits: 1,
      additions: 8,
      deletions: 0,
      changed_files: files.length,
    });
    payload.number = n;
    payload.sender = payload.pull_request.user;
    delete payload.organization;
    return { name: "pull_request", payload, headSha: pr.headSha };
  }

  /** How far the writes are: distinct check runs (SHA + name), all writes, the time of the last one. */
  progress() {
    return {
      distinct: new Set(this.checkWrites.map((w) => `${w.headSha}#${w.name}`)).size,
      total: this.checkWrites.length,
      lastAt: this.checkWrites.length ? Math.max(...this.checkWrites.map((w) => w.at)) : NaN,
    };
  }

  /** The time of the last check run written on a SHA. @param {string} headSha */
  lastWriteOn(headSha) {
    return Math.max(...this.checkWrites.filter((w) => w.headSha === headSha).map((w) => w.at));
  }

  /** The checks written on a SHA, by name (how many times each). @param {string} headSha */
  checksOn(headSha) {
    /** @type {Record<string, number>} */
    const byName = {};
    for (const write of this.checkWrites) {
      if (write.headSha === headSha) byName[write.name] = (byName[write.name] ?? 0) + 1;
    }
    return byName;
  }

  close() {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve(undefined));
    });
  }

  /** @param {import("node:http").IncomingMessage} req @param {import("node:http").ServerResponse} res */
  async #handle(req, res) {
    this.requestCount++;
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://stand-in");
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? JSON.parse(text) : undefined;
    const path = url.pathname.replace(/^\/api\/v3/, "");
    const graphql = method === "POST" && /^\/(api\/)?graphql$/.test(url.pathname);
    this.problems.push(...(graphql ? graphqlRequestProblems(body) : requestProblems(method, path, body)));
    const [status, answer, headers] = this.#route(method, path, url.searchParams, body, req.headers);
    const key = `${method} ${path.replace(/\/[0-9a-f]{40}|\/\d+|org-\d+/g, "/:id")} ${status}`;
    // A configuration file is answered raw (`Accept: application/vnd.github.raw`), outside the JSON schema.
    const raw = typeof answer === "string" && /raw/.test(headers?.["content-type"] ?? "");
    if (answer !== undefined && !raw && !graphql && !this.checkedAnswers.has(key)) {
      this.checkedAnswers.add(key);
      this.problems.push(...responseProblems(method, path, status, answer));
    }
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      ...headers,
    });
    res.end(answer === undefined ? undefined : raw ? answer : JSON.stringify(answer));
  }

  /**
   * @param {string} method @param {string} path @param {URLSearchParams} query @param {any} body
   * @param {import("node:http").IncomingHttpHeaders} headers
   * @returns {[number, unknown, Record<string, string>?]}
   */
  #route(method, path, query, body, headers) {
    const notFound = /** @type {[number, unknown]} */ ([
      404,
      { message: "Not Found", documentation_url: DOCS },
    ]);
    let m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (m && method === "POST") {
      if (!/^bearer /i.test(headers.authorization ?? "")) {
        this.problems.push(`POST ${path} without the app's JWT`);
        return [401, { message: "A JSON web token could not be decoded", documentation_url: DOCS }];
      }
      const installationId = Number(m[1]);
      const token = `ghs_bench${installationId}_${randomUUID().replaceAll("-", "")}`;
      this.tokens.set(token, installationId);
      return [
        201,
        {
          token,
          expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
          permissions: { checks: "write", contents: "write", issues: "write", pull_requests: "write" },
          repository_selection: "all",
        },
      ];
    }
    // The app's start-up reconciliation sweep (app JWT): it finds nothing to sweep here, so the bench measures
    // deliveries only.
    if (method === "GET" && path === "/app") {
      return [200, appJson(this.urls, "gitops-platform", { id: this.appId, slug: "gitops-release-bot" })];
    }
    if (method === "GET" && (path === "/app/installations" || path === "/app/hook/deliveries"))
      return [200, []];
    // GraphQL (GHE's `/api/graphql`): the Folder layout's batched blob reads, answered like GitHub's Blob objects.
    if (method === "POST" && /^\/(api\/)?graphql$/.test(path)) {
      if (!/query blobTexts/.test(String(body?.query)))
        return this.#unexpected(method, `${path} (${String(body?.query).slice(0, 40)})`, notFound);
      /** @type {Record<string, unknown>} */
      const repository = {};
      for (const [name, sha] of Object.entries(body.variables ?? {})) {
        if (!/^b\d+$/.test(name)) continue;
        const text = this.blobs.get(String(sha));
        repository[name] =
          text === undefined ? null : { text, isTruncated: false, byteSize: Buffer.byteLength(text) };
      }
      return [200, { data: { repository } }];
    }
    m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return this.#unexpected(method, path, notFound);
    const repoKey = `${m[1]}/${m[2]}`;
    const rest = m[3] ?? "";
    const token = (headers.authorization ?? "").replace(/^token /i, "");
    const caller = this.tokens.get(token);
    // The organisation's `.github` repository: not installed here, so GitHub answers 404 like for a missing file.
    if (m[2] === ".github" && caller !== undefined && rest.startsWith("/contents/")) return notFound;
    const repo = this.repos.get(repoKey);
    if (!repo) return this.#unexpected(method, path, notFound);
    if (caller !== repo.installationId) {
      this.problems.push(`${method} ${path} with the token of installation ${caller ?? "none"}`);
      return [401, { message: "Bad credentials", documentation_url: DOCS }];
    }
    if (method === "GET" && rest === "") return [200, fullRepositoryJson(this.urls, repo)];
    // Every repository opted in with its own configuration file (every option at its default).
    if (method === "GET" && rest === "/contents/.github%2Fgitops-release-bot.yml")
      return [200, OPT_IN_FILE, RAW_FILE_HEADERS];
    if (method === "GET" && rest.startsWith("/contents/")) return notFound;
    m = /^\/pulls\/(\d+)\/(files|commits)$/.exec(rest);
    if (m && method === "GET") {
      const pull = this.pulls.get(`${repoKey}#${m[1]}`);
      if (!pull) return notFound;
      if (m[2] === "files") {
        return [
          200,
          pull.files.map((f) =>
            fileJson(this.urls, repo, pull.pr.headSha, {
              filename: f.filename,
              status: "added",
              sha: blobSha(f.text),
              additions: f.text.split("\n").length - 1,
              deletions: 0,
              changes: f.text.split("\n").length - 1,
            }),
          ),
        ];
      }
      const person = { name: DEVELOPER, email: `${DEVELOPER}@users.noreply.fake`, date: pull.pr.createdAt };
      return [
        200,
        [
          commitJson(this.urls, repo, {
            sha: pull.pr.headSha,
            tree: fakeSha(`tree:${pull.pr.headSha}`),
            parents: [pull.pr.baseSha],
            author: person,
            committer: person,
            message: pull.pr.title,
          }),
        ],
      ];
    }
    m = /^\/git\/trees\/([0-9a-f]{40})$/.exec(rest);
    if (m && method === "GET") {
      const pull = [...this.pulls.values()].find((p) => p.repo === repoKey && p.pr.headSha === m?.[1]);
      if (!pull) return notFound;
      return [200, this.#tree(repoKey, m[1] ?? "", pull.files)];
    }
    m = /^\/git\/blobs\/([0-9a-f]{40})$/.exec(rest);
    if (m && method === "GET") {
      const blob = this.blobs.get(m[1] ?? "");
      if (blob === undefined) return notFound;
      return [
        200,
        {
          sha: m[1],
          node_id: Buffer.from(`blob:${m[1]}`).toString("base64"),
          size: Buffer.byteLength(blob),
          url: `${this.urls.api}/repos/${repoKey}/git/blobs/${m[1]}`,
          content: Buffer.from(blob).toString("base64"),
          encoding: "base64",
        },
      ];
    }
    m = /^\/commits\/([0-9a-f]{40})\/check-runs$/.exec(rest);
    if (m && method === "GET") {
      const name = query.get("check_name");
      const runs = [...this.checkRuns.values()]
        .filter((r) => r.repo === repoKey && r.headSha === m?.[1] && (!name || r.name === name))
        .reverse();
      return [
        200,
        { total_count: runs.length, check_runs: runs.map((r) => checkRunJson(this.urls, repo, r, [])) },
      ];
    }
    if (rest === "/check-runs" && method === "POST") {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      /** @type {CheckRunState & { repo: string }} */
      const run = {
        repo: repoKey,
        id: this.nextId++,
        name: body.name,
        headSha: body.head_sha,
        status: body.status ?? (body.conclusion ? "completed" : "queued"),
        conclusion: body.conclusion ?? null,
        externalId: body.external_id ?? null,
        detailsUrl: body.details_url ?? null,
        startedAt: body.started_at ?? now,
        completedAt: body.completed_at ?? null,
        output: {
          title: body.output?.title ?? null,
          summary: body.output?.summary ?? null,
          text: body.output?.text ?? null,
        },
        annotations: body.output?.annotations ?? [],
        appId: this.appId,
        appSlug: "gitops-release-bot",
      };
      this.checkRuns.set(run.id, run);
      this.checkWrites.push({
        name: run.name,
        headSha: run.headSha,
        installationId: repo.installationId,
        repo: repoKey,
        at: performance.timeOrigin + performance.now(),
        id: run.id,
      });
      return [201, checkRunJson(this.urls, repo, run, [])];
    }
    m = /^\/check-runs\/(\d+)$/.exec(rest);
    if (m && method === "PATCH") {
      const run = this.checkRuns.get(Number(m[1]));
      if (!run || run.repo !== repoKey) return notFound;
      Object.assign(run, {
        status: body.status ?? run.status,
        conclusion: body.conclusion ?? run.conclusion,
        externalId: body.external_id ?? run.externalId,
        completedAt: body.completed_at ?? run.completedAt,
      });
      if (body.output) {
        run.output = {
          title: body.output.title ?? run.output.title,
          summary: body.output.summary ?? run.output.summary,
          text: body.output.text ?? run.output.text,
        };
        run.annotations.push(...(body.output.annotations ?? []));
      }
      return [200, checkRunJson(this.urls, repo, run, [])];
    }
    return this.#unexpected(method, path, notFound);
  }

  /**
   * The head tree (recursive): the PR's files, their folders and a README.
   * @param {string} repoKey @param {string} sha @param {Array<{ filename: string; text: string }>} files
   */
  #tree(repoKey, sha, files) {
    const api = `${this.urls.api}/repos/${repoKey}/git`;
    const all = [{ filename: "README.md", text: "# platform\n" }, ...files];
    const dirs = new Set();
    for (const f of all) {
      const parts = f.filename.split("/");
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    }
    const tree = [
      ...[...dirs].sort().map((dir) => {
        const treeSha = fakeSha(`tree:${repoKey}:${dir}`);
        return { path: dir, mode: "040000", type: "tree", sha: treeSha, url: `${api}/trees/${treeSha}` };
      }),
      ...all.map((f) => {
        const fileSha = blobSha(f.text);
        return {
          path: f.filename,
          mode: "100644",
          type: "blob",
          sha: fileSha,
          size: Buffer.byteLength(f.text),
          url: `${api}/blobs/${fileSha}`,
        };
      }),
    ];
    return { sha, url: `${api}/trees/${sha}`, tree, truncated: false };
  }

  /** @param {string} method @param {string} path @param {[number, unknown]} answer @returns {[number, unknown]} */
  #unexpected(method, path, answer) {
    this.problems.push(
      `${method} ${path}: not served by the benchmark's stand-in (add it to bench/lib/instant-github.js)`,
    );
    return answer;
  }
}
