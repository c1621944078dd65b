// @ts-check
// A local stand-in for GitHub's REST API, for the end-to-end test and `npm run demo`. Never part of the runtime image.
// Code lives in a real git repository (GitStore); pull requests, check runs, releases, issues and labels live in
// memory. Every request and every JSON answer is validated against GitHub's REST schema and recorded; unknown routes
// answer 404 and are recorded as "unhandled" so that a test can assert there were none.
import { createHash, createPublicKey, randomBytes, randomUUID, verify } from "node:crypto";
import { createServer } from "node:http";
import { buildHistoryRepo } from "./history-repo.js";
import { EMPTY_TREE, GitStore } from "./git-store.js";
import { requestProblems, responseProblems } from "./github-rest-schema.js";
import { defineRoutes } from "./fake-github-routes.js";
import { FAULT_MODES, decideFault, faultResponse, faultRule } from "./fake-faults.js";
import { WebhookSender, signature } from "./webhook-sender.js";
import { HttpError, validationFailed } from "./http-error.js";
import { examplePayload } from "./webhook-examples.js";
import { statusEventFields } from "./fake-github-statuses.js";
import {
  checkRunJson,
  commitJson,
  idOf,
  issueJson,
  pullJson,
  releaseJson,
  repositoryJson,
  userJson,
} from "./github-shapes.js";

/**
 * @typedef {import("./github-shapes.js").PullState} PullState
 * @typedef {import("./github-shapes.js").IssueState} IssueState
 * @typedef {import("./github-shapes.js").ReleaseState} ReleaseState
 * @typedef {import("./github-shapes.js").CheckRunState} CheckRunState
 * @typedef {import("./github-shapes.js").RepoSettings} RepoSettings
 * @typedef {{ method: string; path: string; prefix: string; body: unknown; status: number; route: string | null;
 *   actor: string | null; problems: string[]; fault: string | null; faultAfter?: boolean }} RecordedRequest
 *   `fault`: the injected fault of this request (a `FaultMode`), or null; `faultAfter`: it struck after the work
 *   (`after: true`)
 * @typedef {{ name: string; payload: Record<string, any>; cause: string }} GitHubEvent
 * @typedef {{ status: number; body?: unknown; headers?: Record<string, string>; raw?: Buffer | string }} FakeResponse
 * @typedef {import("./fake-faults.js").FaultMode} FaultMode
 * @typedef {import("./fake-faults.js").FaultOptions} FaultOptions
 * @typedef {import("./webhook-sender.js").Delivery} Delivery
 * @typedef {import("./webhook-sender.js").DeliveryResult} DeliveryResult
 * @typedef {{ id: number; guid: string; delivered_at: string; redelivery: boolean; duration: number; status: string;
 *   status_code: number; event: string; action: string | null; installation_id: number | null;
 *   repository_id: number | null; throttled_at: null }} HookDeliveryItem GitHub's `hook-delivery-item`
 * @typedef {{ item: HookDeliveryItem; delivery: Delivery; url: string; responseHeaders: Record<string, string>;
 *   responseBody: string }} DeliveryLogEntry one line of the App's delivery log, with what a redelivery needs
 */

/**
 * @typedef {object} FakeGitHubOptions
 * @property {string} [owner] repository owner (default: the fixture's `berndonline`)
 * @property {string} [repo] repository name (default: `k8s-gitops-at-scale`)
 * @property {string | null} [orgConfig] the organization's `.github` repository's `.github/gitops-release-bot.yml`
 *   (org-level opt-in); default: a file listing this repository under `repositories`, so that the bot is on for it
 *   as a platform team would set it up; null: no such file (404), the repository is not opted in
 * @property {number} [appId] the GitHub App id the JWTs must carry
 * @property {string} [appPublicKey] PEM; when given, app JWTs are verified with it (RS256)
 * @property {string} [appSlug]
 * @property {number} [installationId]
 * @property {Partial<RepoSettings>} [settings] merge settings of the repository
 * @property {import("./history-repo.js").History} [history] seed history (default: the fixture's history.json)
 * @property {string[]} [withoutRefs] refs of the history to leave out, e.g. `["refs/tags/v0.0.3"]` so that a story
 *   step can push that tag itself
 * @property {FaultOptions | FaultOptions[]} [faults] faults to inject from the start (see `injectFaults`)
 * @property {{ url: string; secret: string }} [webhook] the app's webhook URL and secret (see `setWebhookTarget`)
 * @property {Array<{ tag: string; prerelease?: boolean }>} [releases] published releases that exist from the start
 *   (of tags of the history; no events)
 */

export class FakeGitHub {
  /**
   * Builds the repository from the history, seeds the merged pull requests it records, and listens on a random free
   * loopback port.
   * @param {FakeGitHubOptions} [options]
   */
  static async start(options = {}) {
    const built = buildHistoryRepo({
      checkout: false,
      ...(options.history ? { history: options.history } : {}),
    });
    const fake = new FakeGitHub(options, built);
    // A crashed test or demo must not leave the repository behind.
    process.once("exit", fake.removeRepository);
    for (const ref of options.withoutRefs ?? []) await fake.git.deleteRef(ref);
    await fake.#seedPullRequests();
    for (const seed of options.releases ?? []) {
      const at = fake.now();
      fake.releases.push({
        id: fake.newId(),
        tagName: seed.tag,
        target: fake.repo.defaultBranch,
        name: seed.tag,
        body: null,
        draft: false,
        prerelease: Boolean(seed.prerelease),
        author: fake.repo.owner,
        createdAt: at,
        publishedAt: at,
      });
    }
    await new Promise((resolve, reject) => {
      fake.server.once("error", reject);
      fake.server.listen(0, "127.0.0.1", () => resolve(undefined));
    });
    const address = fake.server.address();
    if (!address || typeof address === "string") throw new Error("the fake GitHub has no port");
    fake.port = address.port;
    return fake;
  }

  /**
   * @param {FakeGitHubOptions} options
   * @param {ReturnType<typeof buildHistoryRepo>} built
   */
  constructor(options, built) {
    this.git = new GitStore(built.dir);
    // Plumbing only from here on: no working tree, like GitHub's storage.
    this.git.run(["config", "core.bare", "true"]).catch(() => undefined);
    this.history = built.history;
    this.shaOf = built.shaOf;
    this.appId = options.appId ?? 123;
    this.appSlug = options.appSlug ?? "gitops-release-bot";
    this.botLogin = `${this.appSlug}[bot]`;
    this.installationId = options.installationId ?? 2;
    this.publicKey = options.appPublicKey ? createPublicKey(options.appPublicKey) : null;
    /** @type {RepoSettings} */
    this.repo = {
      owner: options.owner ?? "berndonline",
      name: options.repo ?? "k8s-gitops-at-scale",
      defaultBranch: "main",
      allow_squash_merge: true,
      allow_merge_commit: true,
      allow_rebase_merge: true,
      squash_merge_commit_title: "COMMIT_OR_PR_TITLE",
      squash_merge_commit_message: "COMMIT_MESSAGES",
      merge_commit_title: "MERGE_MESSAGE",
      merge_commit_message: "PR_TITLE",
      delete_branch_on_merge: false,
      ...options.settings,
    };
    this.port = 0;
    /** The organization's `.github` configuration file (org-level opt-in), or null (404). */
    this.orgConfig =
      options.orgConfig === undefined ? `repositories:\n  - ${this.repo.name}\n` : options.orgConfig;
    /** Other repositories of the same owner and installation (`addRepository`), by lower-case name. */
    /** @type {Map<string, FakeGitHub>} */
    this.siblings = new Map();
    /** @type {Map<number, PullState>} */
    this.pulls = new Map();
    /** @type {Map<number, IssueState>} */
    this.issues = new Map();
    /** PRs GitHub closed because their head was reset to the base: GitHub will not reopen them. */
    /** @type {Set<number>} */
    this.unreopenable = new Set();
    /** @type {CheckRunState[]} */
    this.checkRuns = [];
    /** Commit statuses, oldest first (Flux's reports). @type {import("./fake-github-statuses.js").CommitStatusState[]} */
    this.commitStatuses = [];
    /** @type {ReleaseState[]} */
    this.releases = [];
    /** @type {Set<string>} */
    this.labels = new Set();
    /** @type {Map<string, string>} login → admin | maintain | write | triage | read | none */
    this.permissions = new Map([[this.repo.owner, "admin"]]);
    /** @type {Map<string, string>} installation token → bot login */
    this.tokens = new Map();
    /** @type {RecordedRequest[]} */
    this.requests = [];
    /** @type {Array<{ method: string; path: string }>} */
    this.unhandled = [];
    /** Events GitHub would send after a change; the test decides when (and whether) to deliver them. */
    /** @type {GitHubEvent[]} */
    this.outbox = [];
    this.nextNumber = 1;
    this.nextId = 1000;
    this.routes = defineRoutes(this);
    /** @type {import("./fake-faults.js").FaultRule[]} */
    this.faultRules = [];
    /** How many requests each fault mode failed (or delayed) so far. */
    /** @type {Record<FaultMode, number>} */
    this.faults = /** @type {Record<FaultMode, number>} */ (
      Object.fromEntries(FAULT_MODES.map((m) => [m, 0]))
    );
    if (options.faults) this.injectFaults(options.faults);
    /** GET answers that were `304 Not Modified` (a matching `If-None-Match`). */
    this.notModified = 0;
    /** Answers of `slow` faults waiting to be written (cleared by `close()`). */
    /** @type {Set<{ timer: NodeJS.Timeout; res: import("node:http").ServerResponse }>} */
    this.lateAnswers = new Set();
    /** The App's webhook delivery log, oldest first (GitHub lists it newest first). */
    /** @type {DeliveryLogEntry[]} */
    this.deliveryLog = [];
    // GitHub's delivery ids are beyond 32 bits: code that stores them as int32 breaks here too.
    this.nextDeliveryId = 2 ** 32;
    /** @type {{ url: string; secret: string } | null} */
    this.webhookTarget = null;
    /** @type {WebhookSender | null} */
    this.redeliverySender = null;
    if (options.webhook) this.setWebhookTarget(options.webhook);
    /** Redeliveries under way (they run outside the request queue: the app calls the fake while handling them). */
    /** @type {Set<Promise<unknown>>} */
    this.redeliveries = new Set();
    this.queue = Promise.resolve();
    this.server = createServer((req, res) => {
      // One request at a time: the fake's state stays consistent; the app's own races still show (find and create are
      // separate requests).
      this.queue = this.queue.then(() => this.#handle(req, res)).catch(() => undefined);
    });
  }

  /** Where the app should point: `http://127.0.0.1:PORT` (GHE_HOST is `127.0.0.1:PORT`). */
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get host() {
    return `127.0.0.1:${this.port}`;
  }

  /** URL bases used inside JSON answers (the GHES layout that probot uses with GHE_HOST). */
  get urls() {
    return { api: `${this.url}/api/v3`, web: this.url };
  }

  /** A fresh id for a check run, release, issue comment… */
  newId() {
    return ++this.nextId;
  }

  now() {
    return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** @param {string} login */
  person(login) {
    return { name: login, email: `${login.replace(/\[bot\]$/, "")}@users.noreply.fake`, date: gitDate() };
  }

  /** @param {string} login @param {string} permission */
  setPermission(login, permission) {
    this.permissions.set(login, permission);
  }

  async close() {
    for (const late of this.lateAnswers) {
      clearTimeout(late.timer);
      late.res.destroy();
    }
    this.lateAnswers.clear();
    await new Promise((resolve) => {
      this.server.closeAllConnections?.();
      this.server.close(() => resolve(undefined));
    });
    process.removeListener("exit", this.removeRepository);
    this.removeRepository();
  }

  /** Deletes the git repository's folder (bound, so it can be an exit handler). */
  removeRepository = () => {
    this.git.cleanup();
    for (const sibling of this.siblings.values()) sibling.git.cleanup();
  };

  /**
   * A second repository of the same owner in the installation, from `files` (one initial commit on `main`), with its
   * own git storage, pull requests and check runs, served by this stand-in's server under `/repos/<owner>/<name>`.
   * It shares this stand-in's tokens, request log and outbox (its events are delivered like this repository's).
   * @param {string} name @param {Record<string, string>} files path → content
   */
  addRepository(name, files) {
    const date = "2024-05-01T09:00:00+00:00";
    const person = { name: this.repo.owner, email: `${this.repo.owner}@users.noreply.fake`, date };
    const sha = createHash("sha1").update(`${name}:initial`).digest("hex");
    const built = buildHistoryRepo({
      checkout: false,
      history: {
        refs: { "refs/heads/main": sha },
        commits: [
          {
            sha,
            parents: [],
            author: person,
            committer: person,
            subject: "Initial commit",
            body: "",
            changes: Object.entries(files).map(([path, content]) => ({ status: "A", path, content })),
          },
        ],
      },
    });
    const sibling = new FakeGitHub(
      {
        appId: this.appId,
        installationId: this.installationId,
        owner: this.repo.owner,
        repo: name,
        orgConfig: null,
      },
      built,
    );
    sibling.git.run(["config", "core.bare", "true"]).catch(() => undefined);
    sibling.port = this.port;
    sibling.tokens = this.tokens;
    sibling.requests = this.requests;
    sibling.outbox = this.outbox;
    sibling.publicKey = this.publicKey;
    this.siblings.set(name.toLowerCase(), sibling);
    return sibling;
  }

  // ---------------------------------------------------------------- request handling

  /** @param {import("node:http").IncomingMessage} req @param {import("node:http").ServerResponse} res */
  async #handle(req, res) {
    const url = new URL(req.url ?? "/", "http://fake");
    // REST under GHE_HOST is `/api/v3/…`; GraphQL there is `/api/graphql` (recorded as `/graphql`, prefix `/api`).
    const prefix = url.pathname.startsWith("/api/v3/")
      ? "/api/v3"
      : url.pathname === "/api/graphql"
        ? "/api"
        : "";
    const pathname = url.pathname.slice(prefix.length);
    const method = req.method ?? "GET";
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString("utf8");
    /** @type {RecordedRequest} */
    const record = {
      method,
      path: pathname + url.search,
      prefix,
      body: undefined,
      status: 0,
      route: null,
      actor: null,
      problems: [],
      fault: null,
    };
    this.requests.push(record);
    /** @type {FakeResponse} */
    let response;
    /** @type {import("./fake-faults.js").FaultDecision | null} */
    let fault = null;
    try {
      if (text) {
        try {
          record.body = JSON.parse(text);
        } catch {
          record.problems.push(`${method} ${pathname}: body is not JSON: ${text.slice(0, 80)}`);
          throw new HttpError(400, "Problems parsing JSON");
        }
      }
      // GraphQL is not in the REST description: its route validates the query against GitHub's GraphQL schema.
      if (pathname !== "/graphql") record.problems.push(...requestProblems(method, pathname, record.body));
      const match = this.#match(method, pathname);
      if (!match) {
        this.unhandled.push({ method, path: pathname + url.search });
        throw new HttpError(404, `Not Found (the fake GitHub has no route for ${method} ${pathname})`);
      }
      record.route = match.route.template;
      record.actor = this.#authenticate(req, match.route.auth, record);
      // Faults strike after authentication and before the route's handler: a failed request changes nothing
      // (except `slow`, which runs normally and answers late).
      fault = decideFault(this.faultRules, { method, pathname, template: match.route.template });
      if (fault) {
        record.fault = fault.mode;
        this.faults[fault.mode]++;
      }
      // `after`: the request is carried out, then its answer is lost (below).
      const lostAnswer = fault?.rule.options.after === true;
      if (lostAnswer) record.faultAfter = true;
      if (fault?.mode === "reset" && !lostAnswer) {
        this.#reset(req, record);
        return;
      }
      if (fault && fault.mode !== "slow" && !lostAnswer) {
        response = faultResponse(fault, { installationId: this.installationId, requestId: requestId() });
      } else {
        response = await match.route.handler({
          params: match.params,
          query: url.searchParams,
          body: /** @type {any} */ (record.body) ?? {},
          headers: req.headers,
          actor: record.actor ?? "",
          pathname,
          linkBase: `http://${req.headers.host ?? this.host}${prefix}${pathname}`,
          problems: record.problems,
        });
        if (fault && lostAnswer) {
          if (fault.mode === "reset") {
            this.#reset(req, record);
            return;
          }
          response = faultResponse(fault, { installationId: this.installationId, requestId: requestId() });
        }
      }
    } catch (error) {
      if (error instanceof HttpError) {
        response = {
          status: error.status,
          body: {
            message: error.message,
            ...(error.errors ? { errors: error.errors } : {}),
            documentation_url: "https://docs.github.com/rest",
            status: String(error.status),
          },
        };
      } else {
        const message = error instanceof Error ? error.message : String(error);
        record.problems.push(`${method} ${pathname}: the fake GitHub failed: ${message}`);
        response = { status: 500, body: { message: `fake GitHub error: ${message}` } };
      }
    }
    // The answer must be what GitHub would send: its JSON matches the operation's schema for that status. A 200 that
    // becomes a 304 below is checked as the 200 it would have been (a 304 has no body to check).
    if (response.raw === undefined && pathname !== "/graphql") {
      record.problems.push(...responseProblems(method, pathname, response.status, response.body));
    }
    response = this.#conditional(req, method, response);
    record.status = response.status;
    if (fault?.mode === "slow") {
      // Decided and computed in turn; only the write is late, so the queue moves on to the next request.
      const late = {
        res,
        timer: setTimeout(() => {
          this.lateAnswers.delete(late);
          if (!res.destroyed) this.#write(res, response);
        }, fault.rule.options.delayMs ?? 11_000),
      };
      this.lateAnswers.add(late);
      return;
    }
    this.#write(res, response);
  }

  /**
   * A connection reset: no answer at all (a TCP RST where the platform has it).
   * @param {import("node:http").IncomingMessage} req @param {RecordedRequest} record
   */
  #reset(req, record) {
    record.status = 0;
    const socket = req.socket;
    if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
    else socket.destroy();
  }

  /**
   * GitHub's conditional requests: a successful GET carries an `ETag` (here a hash of the answer's bytes, weak like
   * most of GitHub's), and a request whose `If-None-Match` lists it is answered `304 Not Modified` without a body.
   * Such a 304 does not count against the rate limit (see `rateLimitedCalls`).
   * @param {import("node:http").IncomingMessage} req @param {string} method @param {FakeResponse} response
   * @returns {FakeResponse}
   */
  #conditional(req, method, response) {
    if (method !== "GET" || response.status !== 200) return response;
    const bytes = response.raw ?? (response.body === undefined ? undefined : JSON.stringify(response.body));
    if (bytes === undefined) return response;
    const etag = `W/"${createHash("sha256").update(bytes).digest("hex")}"`;
    const headers = { ...response.headers, etag, vary: "Accept, Authorization, Cookie, X-GitHub-OTP" };
    const ifNoneMatch = req.headers["if-none-match"];
    // If-None-Match uses the weak comparison: `W/` is ignored on both sides.
    const strip = (/** @type {string} */ tag) => tag.trim().replace(/^W\//, "");
    const listed = (ifNoneMatch ?? "").split(",").map(strip);
    if (ifNoneMatch !== undefined && (listed.includes("*") || listed.includes(strip(etag)))) {
      this.notModified++;
      return { status: 304, headers };
    }
    return { ...response, headers };
  }

  /** @param {import("node:http").ServerResponse} res @param {FakeResponse} response */
  #write(res, response) {
    // GitHub's rate-limit headers on every answer (the app's metrics read them); never exhausted unless a fault says so.
    const rateLimit = {
      "x-ratelimit-limit": "15000",
      "x-ratelimit-remaining": String(Math.max(1000, 15000 - this.requests.length)),
      "x-ratelimit-resource": "core",
    };
    const headers = { "x-github-media-type": "github.v3; format=json", ...rateLimit, ...response.headers };
    if (response.status === 304) {
      res.writeHead(304, headers);
      res.end();
    } else if (response.raw !== undefined) {
      res.writeHead(response.status, { "content-type": "application/octet-stream", ...headers });
      res.end(response.raw);
    } else if (response.body === undefined) {
      res.writeHead(response.status, headers);
      res.end();
    } else {
      res.writeHead(response.status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(response.body));
    }
  }

  /**
   * @param {string} method @param {string} pathname
   * @returns {{ route: import("./fake-github-routes.js").Route; params: Record<string, string> } | null}
   */
  #match(method, pathname) {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      /** @type {Record<string, string>} */
      const params = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? "");
      });
      if (params.owner !== undefined && !this.#isOurRepo(params.owner, params.repo ?? "")) {
        const owner = params.owner.toLowerCase() === this.repo.owner.toLowerCase();
        const repo = (params.repo ?? "").toLowerCase();
        if (owner && repo === ".github" && route.template === "/repos/:owner/:repo/contents/*path") {
          return { route: this.#orgConfigRoute(route), params };
        }
        const sibling = owner ? this.siblings.get(repo) : undefined;
        if (sibling) return sibling.#match(method, pathname);
        throw new HttpError(404, "Not Found");
      }
      return { route, params };
    }
    return null;
  }

  /**
   * The organization's `.github` repository holds one file: `.github/gitops-release-bot.yml` (org-level opt-in).
   * @param {import("./fake-github-routes.js").Route} contents the contents route, whose template and auth it keeps
   * @returns {import("./fake-github-routes.js").Route}
   */
  #orgConfigRoute(contents) {
    return {
      ...contents,
      handler: async (ctx) => {
        if (this.orgConfig === null || ctx.params.path !== ".github/gitops-release-bot.yml") {
          throw new HttpError(404, "Not Found");
        }
        const raw = /application\/vnd\.github(\.v3)?\.raw/.test(String(ctx.headers.accept ?? ""));
        if (!raw) throw new HttpError(415, "the stand-in serves the organization's file raw only");
        return {
          status: 200,
          raw: Buffer.from(this.orgConfig),
          headers: { "content-type": "application/vnd.github.v3.raw; charset=utf-8" },
        };
      },
    };
  }

  /** @param {string} owner @param {string} repo */
  #isOurRepo(owner, repo) {
    return (
      owner.toLowerCase() === this.repo.owner.toLowerCase() &&
      repo.toLowerCase() === this.repo.name.toLowerCase()
    );
  }

  /**
   * App endpoints need the app's JWT (checked against its public key when known); the rest an installation token
   * this fake issued. Returns the acting login.
   * @param {import("node:http").IncomingMessage} req @param {"app" | "installation"} kind @param {RecordedRequest} record
   */
  #authenticate(req, kind, record) {
    const header = req.headers.authorization ?? "";
    const [scheme = "", credential = ""] = header.split(" ");
    if (kind === "app") {
      const problem = scheme.toLowerCase() === "bearer" ? this.#jwtProblem(credential) : "no Bearer JWT";
      if (problem) {
        record.problems.push(`${req.method} ${record.path}: app authentication failed: ${problem}`);
        throw new HttpError(401, `A JSON web token could not be decoded (${problem})`);
      }
      return `app:${this.appId}`;
    }
    const actor = this.tokens.get(credential);
    if (!["token", "bearer"].includes(scheme.toLowerCase()) || !actor) {
      record.problems.push(`${req.method} ${record.path}: no valid installation token`);
      throw new HttpError(401, "Bad credentials");
    }
    return actor;
  }

  /** @param {string} jwt @returns {string | null} */
  #jwtProblem(jwt) {
    const [head = "", body = "", signature = ""] = jwt.split(".");
    let claims;
    try {
      claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return "malformed JWT";
    }
    if (String(claims.iss) !== String(this.appId)) return `iss ${claims.iss} is not app ${this.appId}`;
    if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) return "expired";
    if (this.publicKey) {
      const ok = verify(
        "RSA-SHA256",
        Buffer.from(`${head}.${body}`),
        this.publicKey,
        Buffer.from(signature, "base64url"),
      );
      if (!ok) return "signature does not match the app's key";
    }
    return null;
  }

  /**
   * Issues an installation access token (the only secret this fake knows; tests check it never reaches logs); `login`
   * is who acts with it (another App's bot, e.g. Flux's notification-controller authenticated as a GitHub App).
   */
  issueToken(login = this.botLogin) {
    const token = `ghs_fake${randomBytes(16).toString("hex")}`;
    this.tokens.set(token, login);
    return token;
  }

  // ---------------------------------------------------------------- misbehaving like GitHub

  /**
   * Makes requests fail like GitHub's do (replacing the faults injected before): `5xx`, `secondary-rate-limit` (403
   * with `retry-after`), `429`, `primary-rate-limit` (403 with `x-ratelimit-remaining: 0`), `reset` (the connection
   * is dropped unanswered) or `slow` (answered `delayMs` late, without holding other requests). `fraction`, `seed`,
   * `on`, `route` and `maxFaults` choose which requests; with several rules the first one that matches decides. A
   * faulted request never reaches its route's handler, so it changes nothing (`slow` excepted). The installation
   * token endpoint is spared unless `route` names it (see `ruleMatches` in fake-faults.js).
   * @param {FaultOptions | FaultOptions[]} options
   */
  injectFaults(options) {
    this.faultRules = (Array.isArray(options) ? options : [options]).map(faultRule);
  }

  /** No more faults (the counts in `faults` stay). */
  clearFaults() {
    this.faultRules = [];
  }

  /**
   * How many of the recorded requests GitHub would charge against the rate limit. GitHub's documented rule
   * (docs.github.com, "Best practices for using the REST API" → conditional requests): a `304 Not Modified` answered
   * to an authorized request with a matching `If-None-Match` does not count. Our choice for injected faults: a
   * `reset` never got an answer and a `primary-rate-limit` refusal found nothing left to charge (remaining is 0),
   * so neither counts (unless the reset came after the work, `after: true`); a 5xx, a secondary limit, a 429 and a
   * `slow` answer do count (GitHub processed and authenticated them; a retry budget that assumes failures are free
   * would be too optimistic).
   * @param {{ since?: number }} [options] `since`: index in `requests` to count from
   */
  rateLimitedCalls(options = {}) {
    return this.requests
      .slice(options.since ?? 0)
      .filter(
        (r) => r.status !== 304 && (r.fault !== "reset" || r.faultAfter) && r.fault !== "primary-rate-limit",
      ).length;
  }

  // ---------------------------------------------------------------- the App's webhook delivery log

  /**
   * Where the app receives webhooks, and their secret: needed to redeliver (`POST /app/hook/deliveries/:id/attempts`).
   * @param {{ url: string; secret: string }} target
   */
  setWebhookTarget(target) {
    this.webhookTarget = { ...target };
    this.redeliverySender = new WebhookSender({
      url: target.url,
      secret: target.secret,
      appId: this.appId,
      onDelivered: (delivery, result) => this.recordDelivery(delivery, result),
    });
  }

  /**
   * Adds a delivery to the log, as GitHub's "Recent Deliveries" shows it (`WebhookSender`'s `onDelivered` hook).
   * `status` is `OK` for a 2xx answer, `Invalid HTTP Response: N` otherwise, `timed out` / `failed to connect` when
   * there was no answer (status code 0).
   * @param {Delivery} delivery @param {DeliveryResult} result
   */
  recordDelivery(delivery, result) {
    /** @type {Record<string, any>} */
    let payload = {};
    try {
      payload = JSON.parse(delivery.body);
    } catch {
      // a delivery is always JSON; keep the log entry anyway
    }
    const ok = result.status >= 200 && result.status <= 299;
    let status = ok ? "OK" : `Invalid HTTP Response: ${result.status}`;
    if (result.status === 0)
      status = /timeout|aborted/i.test(result.error ?? "") ? "timed out" : "failed to connect";
    /** @type {DeliveryLogEntry} */
    const entry = {
      item: {
        id: ++this.nextDeliveryId,
        guid: delivery.id,
        delivered_at: result.deliveredAt.replace(/\.\d{3}Z$/, "Z"),
        redelivery: result.redelivery,
        duration: Math.round(result.durationMs) / 1000,
        status,
        status_code: result.status,
        event: delivery.name,
        action: typeof payload.action === "string" ? payload.action : null,
        installation_id: typeof payload.installation?.id === "number" ? payload.installation.id : null,
        repository_id: typeof payload.repository?.id === "number" ? payload.repository.id : null,
        throttled_at: null,
      },
      delivery,
      url: result.url,
      responseHeaders: result.headers,
      responseBody: result.response,
    };
    this.deliveryLog.push(entry);
    return entry;
  }

  /**
   * Sends a logged delivery again (same bytes, same GUID, same signature), in the background like GitHub: the answer
   * to `POST …/attempts` is 202 at once, and the new log entry (`redelivery: true`) appears when the app answered.
   * `settled()` waits for it.
   * @param {DeliveryLogEntry} entry
   */
  redeliver(entry) {
    const sender = this.redeliverySender;
    const target = this.webhookTarget;
    if (!sender || !target) {
      throw new HttpError(422, "The fake GitHub does not know the app's webhook URL (setWebhookTarget)");
    }
    const signed = entry.delivery.headers["x-hub-signature-256"];
    if (signed !== signature(target.secret, entry.delivery.body)) {
      throw new HttpError(422, "The logged delivery was not signed with the app's webhook secret");
    }
    const attempt = sender.redeliver(entry.delivery).catch(() => undefined);
    this.redeliveries.add(attempt);
    void attempt.finally(() => this.redeliveries.delete(attempt));
  }

  /** Resolves when every redelivery under way has been answered (or failed) and logged. */
  async settled() {
    while (this.redeliveries.size) await Promise.all([...this.redeliveries]);
  }

  // ---------------------------------------------------------------- what tests assert on

  /** Schema failures, auth failures and fake errors of every request so far. */
  problems() {
    return this.requests.flatMap((r) => r.problems);
  }

  /**
   * The fake's observable state (refs, PRs, issues, check runs, releases, labels) as JSON, to compare before and
   * after something that must change nothing.
   */
  async snapshot() {
    const refs = await this.git.refs("refs/");
    return JSON.stringify({
      refs,
      pulls: [...this.pulls.values()],
      issues: [...this.issues.values()],
      checkRuns: this.checkRuns,
      releases: this.releases,
      labels: [...this.labels],
    });
  }

  /**
   * Check runs (state objects), optionally filtered by name and head SHA.
   * @param {{ name?: string; headSha?: string }} [filter]
   */
  findCheckRuns(filter = {}) {
    return this.checkRuns.filter(
      (run) =>
        (filter.name === undefined || run.name === filter.name) &&
        (filter.headSha === undefined || run.headSha === filter.headSha),
    );
  }

  /** Takes the queued events (oldest first), leaving the outbox empty. */
  takeEvents() {
    return this.outbox.splice(0);
  }

  // ---------------------------------------------------------------- git-backed writes shared by routes and test actions

  /**
   * Moves a ref like a push would (compare-and-swap on `expected`), then queues the events GitHub sends: `push`,
   * `create`/`delete`, and `pull_request.synchronize` for open PRs whose head is that branch.
   * @param {string} ref full ref name
   * @param {string | null} sha new commit, or null to delete
   * @param {{ expected?: string | null; actor: string; forced?: boolean }} options
   */
  async moveRef(ref, sha, options) {
    const before = (await this.git.refTarget(ref))?.sha ?? null;
    if (options.expected !== undefined && options.expected !== before) {
      throw new HttpError(409, `Reference ${ref} moved (expected ${options.expected}, found ${before})`);
    }
    if (sha) await this.git.updateRef(ref, sha, before ?? "0".repeat(40));
    else await this.git.deleteRef(ref);
    await this.#queuePush(ref, before, sha, options);
    const branch = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
    if (!branch || !sha) return;
    for (const pr of this.pulls.values()) {
      if (pr.state !== "open" || pr.head !== branch || pr.headSha === sha) continue;
      const previous = pr.headSha;
      pr.headSha = sha;
      pr.updatedAt = this.now();
      await this.git.updateRef(`refs/pull/${pr.number}/head`, sha);
      await this.queuePullRequestEvent(pr, "synchronize", options.actor, { before: previous, after: sha });
      // GitHub closes a PR whose head no longer has a commit its base lacks (e.g. the head branch reset to the base),
      // and will not reopen it.
      const baseSha = await this.git.resolveCommit(`refs/heads/${pr.base}`);
      if (baseSha && (await this.git.isAncestor(sha, baseSha))) {
        const now = this.now();
        Object.assign(pr, { state: "closed", closedAt: now, updatedAt: now, baseSha });
        this.unreopenable.add(pr.number);
        await this.queuePullRequestEvent(pr, "closed", options.actor);
      }
    }
  }

  /**
   * A commit on `branch` (created from `from` when missing) that writes and deletes files; returns its SHA.
   * @param {{ branch: string; from?: string; message: string; files: Record<string, string | null>; actor: string;
   *   expected?: string | null }} change
   */
  async commitFiles(change) {
    const ref = `refs/heads/${change.branch}`;
    const current = await this.git.resolveCommit(ref);
    const parent = current ?? (await this.git.resolveRef(change.from ?? this.repo.defaultBranch));
    if (!parent) throw new HttpError(404, `Branch ${change.from ?? this.repo.defaultBranch} not found`);
    const entries = [];
    for (const [file, content] of Object.entries(change.files)) {
      entries.push({ path: file, sha: content === null ? null : await this.git.writeBlob(content) });
    }
    const tree = await this.git.writeTree(parent, entries);
    const sha = await this.git.commitTree({
      tree,
      parents: [parent],
      message: change.message,
      author: this.person(change.actor),
    });
    await this.moveRef(ref, sha, {
      expected: change.expected === undefined ? current : change.expected,
      actor: change.actor,
    });
    return sha;
  }

  /**
   * @param {string} ref @param {string | null} before @param {string | null} after
   * @param {{ actor: string; forced?: boolean }} options
   */
  async #queuePush(ref, before, after, options) {
    const zero = "0".repeat(40);
    const isTag = ref.startsWith("refs/tags/");
    /** @type {import("./git-store.js").GitCommit[]} */
    let commits = [];
    if (after && !isTag) {
      commits = before
        ? await this.git.commitsBetween(before, after)
        : await this.git.log([after, "--not", `refs/heads/${this.repo.defaultBranch}`], ["--reverse"]);
    }
    const pushCommits = [];
    for (const commit of commits.slice(-20)) pushCommits.push(await this.#pushCommit(commit));
    const head = after ? await this.git.commit(after) : null;
    const payload = examplePayload("push", undefined, { installationId: this.installationId });
    delete payload.organization;
    delete payload.enterprise;
    Object.assign(payload, {
      ref,
      before: before ?? zero,
      after: after ?? zero,
      created: !before,
      deleted: !after,
      forced: Boolean(options.forced),
      base_ref: null,
      compare: `${this.url}/${this.repo.owner}/${this.repo.name}/compare/${(before ?? zero).slice(0, 12)}...${(after ?? zero).slice(0, 12)}`,
      commits: pushCommits,
      head_commit: head
        ? (pushCommits.find((c) => c.id === head.sha) ?? (await this.#pushCommit(head)))
        : null,
      repository: repositoryJson(this.urls, this.repo, { forPush: true }),
      pusher: { name: options.actor, email: this.person(options.actor).email },
      sender: userJson(this.urls, options.actor),
    });
    this.outbox.push({ name: "push", payload, cause: `push ${ref}` });
    const short = ref.replace(/^refs\/(heads|tags)\//, "");
    if (!before || !after) {
      const name = !before ? "create" : "delete";
      const event = examplePayload(name === "create" ? "create" : "delete", undefined, {
        installationId: this.installationId,
      });
      delete event.organization;
      delete event.enterprise;
      Object.assign(event, {
        ref: short,
        ref_type: isTag ? "tag" : "branch",
        ...(name === "create" ? { master_branch: this.repo.defaultBranch, description: null } : {}),
        pusher_type: "user",
        repository: repositoryJson(this.urls, this.repo),
        sender: userJson(this.urls, options.actor),
      });
      this.outbox.push({ name, payload: event, cause: `${name} ${ref}` });
    }
  }

  /** @param {import("./git-store.js").GitCommit} commit */
  async #pushCommit(commit) {
    const parent = commit.parents[0] ?? EMPTY_TREE;
    const files = await this.git.diff(parent, commit.sha);
    const pick = (/** @type {string} */ status) =>
      files.filter((f) => f.status === status).map((f) => f.filename);
    return {
      id: commit.sha,
      tree_id: commit.tree,
      distinct: true,
      message: commit.message,
      timestamp: new Date(commit.committer.date).toISOString().replace(/\.\d{3}Z$/, "Z"),
      url: `${this.url}/${this.repo.owner}/${this.repo.name}/commit/${commit.sha}`,
      author: { name: commit.author.name, email: commit.author.email, username: commit.author.name },
      committer: {
        name: commit.committer.name,
        email: commit.committer.email,
        username: commit.committer.name,
      },
      added: [...pick("added"), ...pick("renamed")],
      removed: [
        ...pick("removed"),
        ...files.filter((f) => f.previous_filename).map((f) => f.previous_filename),
      ],
      modified: pick("modified"),
    };
  }

  // ---------------------------------------------------------------- releases

  /** 422 like GitHub when another published release has the tag. @param {string} tag @param {number} [except] */
  assertTagFree(tag, except) {
    if (this.releases.some((r) => !r.draft && r.tagName === tag && r.id !== except)) {
      throw validationFailed("tag_name", "already_exists");
    }
  }

  /**
   * Creates the release's tag at `target_commitish` when it does not exist yet (queues its push and create).
   * @param {ReleaseState} release @param {string} actor
   */
  async ensureTag(release, actor) {
    const ref = `refs/tags/${release.tagName}`;
    if (await this.git.refTarget(ref)) return;
    const sha = await this.git.resolveRef(release.target);
    if (!sha) throw validationFailed("target_commitish", "invalid");
    await this.moveRef(ref, sha, { expected: null, actor });
  }

  /**
   * Publishes a draft (a maintainer's "Publish release", or PATCH with `draft: false`): the tag is created when
   * missing, then `release.published` (and `release.released` unless a pre-release) are queued, like GitHub.
   * @param {ReleaseState} release @param {string} actor
   */
  async publishRelease(release, actor) {
    if (!release.draft) throw new HttpError(422, `Release ${release.tagName} is already published`);
    this.assertTagFree(release.tagName, release.id);
    await this.ensureTag(release, actor);
    release.draft = false;
    release.publishedAt = this.now();
    this.queueReleasePublished(release, actor);
  }

  /** @param {ReleaseState} release @param {string} actor */
  queueReleasePublished(release, actor) {
    this.queueEvent("release", "published", actor, { release: this.releaseJson(release) });
    if (!release.prerelease)
      this.queueEvent("release", "released", actor, { release: this.releaseJson(release) });
  }

  // ---------------------------------------------------------------- pull requests

  /**
   * The pull requests GitHub associates with a commit: the PR it is the merge commit or the head of, and open PRs
   * whose head contains it while their base does not (REST `GET /commits/{sha}/pulls`, GraphQL
   * `Commit.associatedPullRequests`).
   * @param {string} sha
   */
  async associatedPulls(sha) {
    /** @type {PullState[]} */
    const found = [];
    for (const pr of this.pulls.values()) {
      if (pr.mergeCommitSha === sha || pr.headSha === sha) found.push(pr);
      else if (pr.state === "open" && (await this.git.isAncestor(sha, pr.headSha))) {
        const base = await this.baseShaOf(pr);
        if (!(await this.git.isAncestor(sha, base))) found.push(pr);
      }
    }
    return found;
  }

  /** The SHA the PR's base branch points at now (open PRs) or pointed at when it closed. @param {PullState} pr */
  async baseShaOf(pr) {
    if (pr.state !== "open") return pr.baseSha;
    return (await this.git.resolveCommit(`refs/heads/${pr.base}`)) ?? pr.baseSha;
  }

  /** The PR as the REST API shows it (live base SHA, commit and line counts). @param {PullState} pr */
  async pullJson(pr) {
    pr.baseSha = await this.baseShaOf(pr);
    const base = pr.merged ? (pr.mergeCommitSha ? `${pr.mergeCommitSha}^1` : pr.baseSha) : pr.baseSha;
    const mergeBase = (await this.git.mergeBase(base, pr.headSha)) ?? pr.baseSha;
    const commits = await this.git.commitsBetween(mergeBase, pr.headSha);
    const files = await this.git.diff(mergeBase, pr.headSha);
    return pullJson(this.urls, this.repo, pr, {
      commits: commits.length,
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0),
      changed_files: files.length,
    });
  }

  /**
   * Opens a pull request (the developer's action in GitHub's UI, or the app's POST /pulls). Queues
   * `pull_request.opened`. 422 like GitHub when the head is missing, has no new commits, or already has an open PR.
   * @param {{ head: string; base?: string; title: string; body?: string | null; draft?: boolean; actor: string }} input
   */
  async openPullRequest(input) {
    const base = input.base ?? this.repo.defaultBranch;
    const head = input.head.includes(":") ? (input.head.split(":")[1] ?? "") : input.head;
    const headSha = await this.git.resolveCommit(`refs/heads/${head}`);
    const baseSha = await this.git.resolveCommit(`refs/heads/${base}`);
    if (!headSha) throw validationFailed("head", "invalid");
    if (!baseSha) throw validationFailed("base", "invalid");
    const existing = [...this.pulls.values()].find(
      (p) => p.state === "open" && p.head === head && p.base === base,
    );
    if (existing) {
      throw validationFailed(
        "head",
        "custom",
        `A pull request already exists for ${this.repo.owner}:${head}.`,
      );
    }
    if (await this.git.isAncestor(headSha, baseSha)) {
      throw validationFailed("head", "custom", `No commits between ${base} and ${head}`);
    }
    const now = this.now();
    /** @type {PullState} */
    const pr = {
      number: this.nextNumber++,
      id: this.newId(),
      title: input.title,
      body: input.body ?? null,
      state: "open",
      draft: Boolean(input.draft),
      user: input.actor,
      head,
      base,
      headSha,
      baseSha,
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
    this.pulls.set(pr.number, pr);
    await this.git.updateRef(`refs/pull/${pr.number}/head`, headSha);
    await this.queuePullRequestEvent(pr, "opened", input.actor);
    return pr;
  }

  /**
   * Changes a PR's title, body, base or state (the UI's edit, or PATCH /pulls/:n). Queues `edited` (with `changes`),
   * `closed` or `reopened`.
   * @param {PullState} pr
   * @param {{ title?: string; body?: string | null; base?: string; state?: "open" | "closed" }} change
   * @param {string} actor
   */
  async updatePullRequest(pr, change, actor) {
    /** @type {Record<string, any>} */
    const changes = {};
    if (change.title !== undefined && change.title !== pr.title) {
      changes.title = { from: pr.title };
      pr.title = change.title;
    }
    if (change.body !== undefined && change.body !== pr.body) {
      changes.body = { from: pr.body ?? "" };
      pr.body = change.body;
    }
    if (change.base !== undefined && change.base !== pr.base) {
      const sha = await this.git.resolveCommit(`refs/heads/${change.base}`);
      if (!sha)
        throw validationFailed("base", "invalid", `Proposed base branch '${change.base}' was not found`);
      changes.base = { ref: { from: pr.base }, sha: { from: pr.baseSha } };
      pr.base = change.base;
      pr.baseSha = sha;
    }
    pr.updatedAt = this.now();
    if (Object.keys(changes).length) await this.queuePullRequestEvent(pr, "edited", actor, { changes });
    if (change.state && change.state !== pr.state) {
      if (pr.merged)
        throw validationFailed("state", "custom", "Cannot change the state of a merged pull request");
      const baseSha = await this.git.resolveCommit(`refs/heads/${pr.base}`);
      const empty = baseSha !== null && (await this.git.isAncestor(pr.headSha, baseSha));
      if (change.state === "open" && (empty || this.unreopenable.has(pr.number))) {
        throw validationFailed(
          "state",
          "custom",
          `Could not open the pull request: ${pr.head} was reset or recreated`,
        );
      }
      pr.state = change.state;
      pr.closedAt = change.state === "closed" ? this.now() : null;
      await this.queuePullRequestEvent(pr, change.state === "closed" ? "closed" : "reopened", actor);
    }
  }

  /**
   * Merges a PR like GitHub: `squash` makes ONE commit `title (#N)` on the base whose tree is the merge of base and
   * head (git merge-tree); `merge` makes a two-parent merge commit. Moves the base branch (queues `push`), closes the
   * PR (queues `pull_request.closed` with merged true).
   * @param {PullState} pr
   * @param {{ method?: "merge" | "squash" | "rebase"; title?: string; message?: string; sha?: string; actor: string }} options
   */
  async mergePullRequest(pr, options) {
    const method = options.method ?? "merge";
    if (pr.state !== "open") throw new HttpError(405, "Pull Request is not mergeable");
    if (options.sha && options.sha !== pr.headSha) {
      throw new HttpError(409, "Head branch was modified. Review and try the merge again.");
    }
    if (method === "rebase") throw new HttpError(405, "Rebase merges are not supported by the fake GitHub");
    const allowed = method === "squash" ? this.repo.allow_squash_merge : this.repo.allow_merge_commit;
    if (!allowed) throw new HttpError(405, `${method} merges are not allowed on this repository`);
    const baseRef = `refs/heads/${pr.base}`;
    const baseSha = await this.git.resolveCommit(baseRef);
    if (!baseSha) throw new HttpError(405, "Base branch was deleted");
    const tree = await this.git.mergeTree(baseSha, pr.headSha);
    if (!tree) throw new HttpError(405, "Pull Request is not mergeable (merge conflict)");
    const commits = await this.git.commitsBetween(baseSha, pr.headSha);
    let message;
    /** @type {string[]} */
    let parents;
    if (method === "squash") {
      const single = commits.length === 1 && this.repo.squash_merge_commit_title === "COMMIT_OR_PR_TITLE";
      const defaultTitle = `${single ? (commits[0]?.message.split("\n")[0] ?? pr.title) : pr.title} (#${pr.number})`;
      const defaultBody = commits.map((c) => `* ${c.message}`).join("\n\n");
      message = `${options.title ?? defaultTitle}\n\n${options.message ?? defaultBody}`.trimEnd();
      parents = [baseSha];
    } else {
      const defaultTitle = `Merge pull request #${pr.number} from ${this.repo.owner}/${pr.head}`;
      message = `${options.title ?? defaultTitle}\n\n${options.message ?? pr.title}`.trimEnd();
      parents = [baseSha, pr.headSha];
    }
    const sha = await this.git.commitTree({
      tree,
      parents,
      message: `${message}\n`,
      author: this.person(options.actor),
      committer: { name: "GitHub", email: "noreply@github.com", date: gitDate() },
    });
    await this.moveRef(baseRef, sha, { expected: baseSha, actor: options.actor });
    const now = this.now();
    Object.assign(pr, {
      state: "closed",
      merged: true,
      mergedAt: now,
      mergedBy: options.actor,
      mergeCommitSha: sha,
      closedAt: now,
      updatedAt: now,
      baseSha,
    });
    await this.queuePullRequestEvent(pr, "closed", options.actor);
    return sha;
  }

  /**
   * @param {PullState} pr @param {string} action @param {string} actor
   * @param {Record<string, unknown>} [extra] e.g. `changes`, `before`/`after`
   */
  async queuePullRequestEvent(pr, action, actor, extra = {}) {
    const source = ["opened", "closed", "reopened", "synchronize"].includes(action) ? action : "opened";
    const payload = examplePayload("pull_request", action, { source, installationId: this.installationId });
    delete payload.organization;
    delete payload.enterprise;
    Object.assign(payload, {
      number: pr.number,
      pull_request: await this.pullJson(pr),
      repository: repositoryJson(this.urls, this.repo),
      sender: userJson(this.urls, actor),
      ...extra,
    });
    this.outbox.push({ name: "pull_request", payload, cause: `pull_request.${action} #${pr.number}` });
  }

  /**
   * The merged pull requests the history records (`refs/pull/N/head` plus the squash commit `… (#N)` on main), so
   * that "which PR brought this commit" answers like GitHub for the fixture's past.
   */
  async #seedPullRequests() {
    const mainCommits = await this.git.log([`refs/heads/${this.repo.defaultBranch}`]);
    const numbers = Object.keys(this.history.refs)
      .map((ref) => /^refs\/pull\/(\d+)\/head$/.exec(ref)?.[1])
      .filter((n) => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const number of numbers) {
      const headSha = this.shaOf(this.history.refs[`refs/pull/${number}/head`] ?? "");
      const squash = mainCommits.find((c) => c.message.split("\n")[0]?.endsWith(`(#${number})`));
      const subject = squash?.message.split("\n")[0] ?? `Pull request #${number}`;
      const date = new Date((squash ?? mainCommits[0])?.committer.date ?? Date.now()).toISOString();
      const at = date.replace(/\.\d{3}Z$/, "Z");
      this.pulls.set(number, {
        number,
        id: idOf(`pull:${number}`),
        title: subject.replace(/ \(#\d+\)$/, ""),
        body: null,
        state: "closed",
        draft: false,
        user: this.repo.owner,
        head: `pull-${number}`,
        base: this.repo.defaultBranch,
        headSha,
        baseSha: squash?.parents[0] ?? headSha,
        labels: [],
        requestedReviewers: [],
        merged: Boolean(squash),
        mergedAt: squash ? at : null,
        mergedBy: squash ? this.repo.owner : null,
        mergeCommitSha: squash?.sha ?? null,
        createdAt: at,
        updatedAt: at,
        closedAt: at,
        seeded: true,
      });
      this.nextNumber = Math.max(this.nextNumber, number + 1);
    }
  }

  /**
   * A commit status, as Flux's notification-controller posts it (`POST /statuses/{sha}`), recorded and announced with
   * the `status` webhook GitHub sends (`branches`: the branches whose head contains the commit, at most 10).
   * @param {string} sha @param {Record<string, any>} input `state`, `context`, `description`, `target_url`
   * @param {string} creator
   */
  async createCommitStatus(sha, input, creator) {
    /** @type {import("./fake-github-statuses.js").CommitStatusState} */
    const status = {
      id: this.newId(),
      sha,
      state: input.state,
      context: typeof input.context === "string" ? input.context : "default",
      description: typeof input.description === "string" ? input.description : null,
      targetUrl: typeof input.target_url === "string" ? input.target_url : null,
      creator,
      createdAt: this.now(),
    };
    this.commitStatuses.push(status);
    const commit = /** @type {import("./git-store.js").GitCommit} */ (await this.git.commit(sha));
    const branches = [];
    for (const { ref, sha: head } of await this.git.refs("refs/heads/")) {
      if (branches.length < 10 && (head === sha || (await this.git.isAncestor(sha, head)))) {
        branches.push(ref.replace(/^refs\/heads\//, ""));
      }
    }
    const payload = examplePayload("status", undefined, { installationId: this.installationId });
    delete payload.organization;
    delete payload.enterprise;
    Object.assign(
      payload,
      statusEventFields(this.urls, this.repo, status, this.commitJson(commit), branches),
    );
    this.outbox.push({ name: "status", payload, cause: `status ${status.context} ${status.state}` });
    return status;
  }

  // ---------------------------------------------------------------- JSON helpers used by routes

  /** @param {CheckRunState} run */
  checkRunJson(run) {
    const pulls = [...this.pulls.values()]
      .filter((pr) => pr.state === "open" && pr.headSha === run.headSha)
      .map((pr) => ({
        url: `${this.urls.api}/repos/${this.repo.owner}/${this.repo.name}/pulls/${pr.number}`,
        id: pr.id,
        number: pr.number,
        head: { ref: pr.head, sha: pr.headSha, repo: this.#repoRef() },
        base: { ref: pr.base, sha: pr.baseSha, repo: this.#repoRef() },
      }));
    return checkRunJson(this.urls, this.repo, run, pulls);
  }

  #repoRef() {
    const fullName = `${this.repo.owner}/${this.repo.name}`;
    return { id: idOf(fullName), url: `${this.urls.api}/repos/${fullName}`, name: this.repo.name };
  }

  /** @param {ReleaseState} release */
  releaseJson(release) {
    return releaseJson(this.urls, this.repo, release);
  }

  /** An issue, or a PR seen through the issues API (with its `pull_request` key). @param {number} number */
  issueOrPullJson(number) {
    const issue = this.issues.get(number);
    if (issue) return issueJson(this.urls, this.repo, issue);
    const pr = this.pulls.get(number);
    if (!pr) return null;
    const api = `${this.urls.api}/repos/${this.repo.owner}/${this.repo.name}`;
    return {
      ...issueJson(this.urls, this.repo, {
        number: pr.number,
        id: pr.id,
        title: pr.title,
        body: pr.body,
        state: pr.state,
        stateReason: null,
        user: pr.user,
        labels: pr.labels,
        assignees: [],
        comments: [],
        createdAt: pr.createdAt,
        updatedAt: pr.updatedAt,
        closedAt: pr.closedAt,
      }),
      pull_request: {
        url: `${api}/pulls/${pr.number}`,
        html_url: `${this.url}/${this.repo.owner}/${this.repo.name}/pull/${pr.number}`,
        diff_url: `${this.url}/${this.repo.owner}/${this.repo.name}/pull/${pr.number}.diff`,
        patch_url: `${this.url}/${this.repo.owner}/${this.repo.name}/pull/${pr.number}.patch`,
        merged_at: pr.mergedAt,
      },
    };
  }

  /**
   * A person edits an issue's body in the web UI (e.g. ticks a box of the release dashboard): queues `issues.edited`
   * with `changes.body.from`, as GitHub sends it.
   * @param {number} number @param {string} body @param {string} actor
   */
  editIssue(number, body, actor) {
    const issue = this.issues.get(number);
    if (!issue) throw new Error(`no issue #${number}`);
    const from = issue.body ?? "";
    issue.body = body;
    issue.updatedAt = this.now();
    this.queueEvent("issues", "edited", actor, {
      issue: this.issueOrPullJson(number),
      changes: { body: { from } },
    });
  }

  /** @param {import("./git-store.js").GitCommit} commit @param {import("./git-store.js").GitFileChange[]} [files] */
  commitJson(commit, files) {
    return commitJson(this.urls, this.repo, commit, files);
  }

  /**
   * Queues a webhook for an issue or release change.
   * @param {string} name @param {string} action @param {string} actor @param {Record<string, unknown>} fields
   */
  queueEvent(name, action, actor, fields) {
    const actions = examplePayload(name, undefined, { installationId: this.installationId });
    let payload;
    try {
      payload = examplePayload(name, action, { installationId: this.installationId });
    } catch {
      payload = { ...actions, action };
    }
    delete payload.organization;
    delete payload.enterprise;
    delete payload.changes;
    Object.assign(payload, {
      repository: repositoryJson(this.urls, this.repo),
      sender: userJson(this.urls, actor),
      ...fields,
    });
    this.outbox.push({ name, payload, cause: `${name}.${action}` });
  }
}

/** A GitHub-like request id (`X-GitHub-Request-Id`), quoted in rate-limit messages. */
function requestId() {
  return randomUUID()
    .replaceAll("-", "")
    .slice(0, 20)
    .toUpperCase()
    .replace(/(.{4})(.{4})(.{6})/, "$1:$2:$3:");
}

/** Now, in the raw format git accepts for author and committer dates. */
function gitDate() {
  return `${Math.floor(Date.now() / 1000)} +0000`;
}
