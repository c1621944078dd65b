// @ts-check
// The REST endpoints of the fake GitHub: GitHub's paths, status codes, error answers and pagination.
// Add a route with `route(method, "/repos/:owner/:repo/…", handler)`; `:name` matches one segment, `*name` the rest.
import { combinedStatusJson, statusJson } from "./fake-github-statuses.js";
import { EMPTY_TREE } from "./git-store.js";
import {
  APP_PERMISSIONS,
  appJson,
  fileJson,
  fullRepositoryJson,
  installationJson,
  issueCommentJson,
  labelJson,
  userJson,
} from "./github-shapes.js";
import { HttpError, validationFailed } from "./http-error.js";
import { answerGraphql } from "./fake-graphql.js";

/**
 * @typedef {import("./fake-github.js").FakeGitHub} FakeGitHub
 * @typedef {import("./fake-github.js").FakeResponse} FakeResponse
 * @typedef {{ params: Record<string, string>; query: URLSearchParams; body: Record<string, any>;
 *   headers: import("node:http").IncomingHttpHeaders; actor: string; pathname: string; linkBase: string;
 *   problems: string[] }} RouteContext `problems`: the request's recorded problems (GraphQL adds its own)
 * @typedef {{ method: string; template: string; pattern: RegExp; names: string[]; auth: "app" | "installation";
 *   handler: (ctx: RouteContext) => Promise<FakeResponse> }} Route
 */

/**
 * One page of `items` with GitHub's `Link` header (octokit's paginate follows it).
 * @template T
 * @param {RouteContext} ctx @param {T[]} items
 * @param {{ perPage?: number; max?: number }} [options] default page size and the API's cap on `per_page`
 */
export function paginate(ctx, items, options = {}) {
  const perPage = Math.min(
    Number(ctx.query.get("per_page") ?? options.perPage ?? 30) || 30,
    options.max ?? 100,
  );
  const page = Math.max(Number(ctx.query.get("page") ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (/** @type {number} */ n) => {
    const query = new URLSearchParams(ctx.query);
    query.set("page", String(n));
    query.set("per_page", String(perPage));
    return `<${ctx.linkBase}?${query}>`;
  };
  const links = [];
  if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length ? { link: links.join(", ") } : /** @type {Record<string, string>} */ ({}),
  };
}

/** @param {unknown} body @param {number} [status] @param {Record<string, string>} [headers] @returns {FakeResponse} */
const json = (body, status = 200, headers = {}) => ({ status, body, headers });

/** @param {FakeGitHub} fake @returns {Route[]} */
export function defineRoutes(fake) {
  /** @type {Route[]} */
  const routes = [];
  /**
   * @param {string} method @param {string} template @param {Route["handler"]} handler
   * @param {"app" | "installation"} [auth]
   */
  const route = (method, template, handler, auth = "installation") => {
    /** @type {string[]} */
    const names = [];
    const source = template.replace(/[:*](\w+)/g, (whole, name) => {
      names.push(name);
      return whole.startsWith("*") ? "(.+)" : "([^/]+)";
    });
    routes.push({ method, template, pattern: new RegExp(`^${source}$`), names, auth, handler });
  };
  const R = "/repos/:owner/:repo";
  // GraphQL (the same path under GHE_HOST's `/api` prefix): queries validated against GitHub's GraphQL schema.
  route("POST", "/graphql", (ctx) => answerGraphql(fake, ctx.body, ctx.problems));
  const git = fake.git;
  const api = () => `${fake.urls.api}/repos/${fake.repo.owner}/${fake.repo.name}`;

  /** @param {string} rev */
  const commitOr404 = async (rev) => {
    const sha = await git.resolveRef(rev);
    if (!sha) throw new HttpError(404, `No commit found for the ref ${rev}`);
    return sha;
  };
  /** @param {string} number */
  const pullOr404 = (number) => {
    const pr = fake.pulls.get(Number(number));
    if (!pr) throw new HttpError(404, "Not Found");
    return pr;
  };
  /** @param {string} id */
  const checkRunOr404 = (id) => {
    const run = fake.checkRuns.find((r) => r.id === Number(id));
    if (!run) throw new HttpError(404, "Not Found");
    return run;
  };
  /** @param {string} id */
  const releaseOr404 = (id) => {
    const release = fake.releases.find((r) => r.id === Number(id));
    if (!release) throw new HttpError(404, "Not Found");
    return release;
  };
  /** @param {string} ref full ref */
  const refJson = async (ref) => {
    const target = await git.refTarget(ref);
    if (!target) return null;
    return {
      ref,
      node_id: Buffer.from(`03:Ref${ref}`).toString("base64"),
      url: `${api()}/git/${ref}`,
      object: { sha: target.sha, type: target.type, url: `${api()}/git/${target.type}s/${target.sha}` },
    };
  };
  /** @param {import("./git-store.js").GitCommit} commit */
  const gitCommitJson = (commit) => {
    const full = fake.commitJson(commit);
    return {
      sha: commit.sha,
      node_id: full.node_id,
      url: `${api()}/git/commits/${commit.sha}`,
      html_url: full.html_url,
      author: full.commit.author,
      committer: full.commit.committer,
      message: commit.message,
      tree: full.commit.tree,
      parents: full.parents,
      verification: full.commit.verification,
    };
  };
  /** @param {string} filePath @param {import("./git-store.js").GitTreeEntry} entry @param {string} ref */
  const contentEntryJson = (filePath, entry, ref) => {
    const type = entry.type === "tree" ? "dir" : entry.type === "commit" ? "submodule" : "file";
    const encoded = filePath.split("/").map(encodeURIComponent).join("/");
    const self = `${api()}/contents/${encoded}?ref=${encodeURIComponent(ref)}`;
    const html = `${fake.url}/${fake.repo.owner}/${fake.repo.name}/${type === "dir" ? "tree" : "blob"}/${ref}/${encoded}`;
    const gitUrl = `${api()}/git/${type === "dir" ? "trees" : "blobs"}/${entry.sha}`;
    return {
      type,
      size: entry.size ?? 0,
      name: filePath.split("/").pop() ?? filePath,
      path: filePath,
      sha: entry.sha,
      url: self,
      git_url: gitUrl,
      html_url: html,
      download_url:
        type === "file" ? `${fake.url}/raw/${fake.repo.owner}/${fake.repo.name}/${ref}/${encoded}` : null,
      _links: { self, git: gitUrl, html },
    };
  };

  // -------------------------------------------------------------- app authentication
  route(
    "POST",
    "/app/installations/:installation_id/access_tokens",
    async (ctx) => {
      if (Number(ctx.params.installation_id) !== fake.installationId) throw new HttpError(404, "Not Found");
      return json(
        {
          token: fake.issueToken(),
          expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
          permissions: { ...APP_PERMISSIONS },
          repository_selection: "all",
        },
        201,
      );
    },
    "app",
  );
  route(
    "GET",
    "/app",
    async () => json(appJson(fake.urls, fake.repo.owner, { id: fake.appId, slug: fake.appSlug })),
    "app",
  );
  route(
    "GET",
    `${R}/installation`,
    async () =>
      json(
        installationJson(fake.urls, fake.repo.owner, {
          id: fake.appId,
          slug: fake.appSlug,
          installationId: fake.installationId,
        }),
      ),
    "app",
  );

  // The App's installations (app JWT) and the repositories an installation can access (installation token): one
  // installation on the repository's owner, with this one repository. The reconciliation sweep starts here.
  route(
    "GET",
    "/app/installations",
    async (ctx) => {
      const installation = installationJson(fake.urls, fake.repo.owner, {
        id: fake.appId,
        slug: fake.appSlug,
        installationId: fake.installationId,
      });
      // GitHub's description of this list writes the account as `allOf: [simple-user, enterprise]` (the single
      // installation's is `anyOf`), so a conforming account also carries the enterprise's required fields.
      const account = {
        ...installation.account,
        name: fake.repo.owner,
        slug: fake.repo.owner.toLowerCase(),
        created_at: installation.created_at,
        updated_at: installation.updated_at,
      };
      const page = paginate(ctx, [{ ...installation, account }]);
      return json(page.items, 200, page.headers);
    },
    "app",
  );
  route("GET", "/installation/repositories", async (ctx) => {
    const page = paginate(ctx, [fullRepositoryJson(fake.urls, fake.repo)]);
    return json({ total_count: 1, repository_selection: "all", repositories: page.items }, 200, page.headers);
  });

  // -------------------------------------------------------------- the App's webhook delivery log (app JWT)
  /** @param {string} id */
  const deliveryOr404 = (id) => {
    const entry = fake.deliveryLog.find((e) => e.item.id === Number(id));
    if (!entry) throw new HttpError(404, "Not Found");
    return entry;
  };
  // Newest first, paginated by an opaque `cursor` (GitHub's look like `v1_12077215967`) and a `Link` header with
  // `rel="next"` only; `status=success|failure` splits on status_code 200-399 / 400-599.
  route(
    "GET",
    "/app/hook/deliveries",
    async (ctx) => {
      const perPage = Math.min(Math.max(Number(ctx.query.get("per_page") ?? 30) || 30, 1), 100);
      const wanted = ctx.query.get("status");
      if (wanted !== null && wanted !== "success" && wanted !== "failure") {
        throw validationFailed("status", "invalid", "status must be success or failure");
      }
      const cursor = ctx.query.get("cursor");
      let from = Infinity;
      if (cursor !== null && cursor !== "") {
        const m = /^v1_(\d+)$/.exec(cursor);
        if (!m) throw new HttpError(400, "Invalid cursor");
        from = Number(m[1]);
      }
      const matching = [...fake.deliveryLog]
        .reverse()
        .map((e) => e.item)
        .filter((item) => {
          if (wanted === "success") return item.status_code >= 200 && item.status_code <= 399;
          if (wanted === "failure") return item.status_code >= 400 && item.status_code <= 599;
          return true;
        })
        .filter((item) => item.id <= from);
      const page = matching.slice(0, perPage);
      const next = matching[perPage];
      /** @type {Record<string, string>} */
      const headers = {};
      if (next) {
        const query = new URLSearchParams(ctx.query);
        query.set("per_page", String(perPage));
        query.set("cursor", `v1_${next.id}`);
        headers.link = `<${ctx.linkBase}?${query}>; rel="next"`;
      }
      return json(page, 200, headers);
    },
    "app",
  );
  route(
    "GET",
    "/app/hook/deliveries/:delivery_id",
    async (ctx) => {
      const entry = deliveryOr404(ctx.params.delivery_id ?? "");
      let payload = null;
      try {
        payload = JSON.parse(entry.delivery.body);
      } catch {
        // stays null, as GitHub shows a payload it cannot parse
      }
      return json({
        ...entry.item,
        url: entry.url,
        request: { headers: { ...entry.delivery.headers }, payload },
        response: { headers: entry.responseHeaders, payload: entry.responseBody },
      });
    },
    "app",
  );
  route(
    "POST",
    "/app/hook/deliveries/:delivery_id/attempts",
    async (ctx) => {
      fake.redeliver(deliveryOr404(ctx.params.delivery_id ?? ""));
      return json({}, 202);
    },
    "app",
  );

  // -------------------------------------------------------------- repository
  route("GET", R, async () => json(fullRepositoryJson(fake.urls, fake.repo)));
  route("GET", `${R}/collaborators/:username/permission`, async (ctx) => {
    const permission = fake.permissions.get(ctx.params.username ?? "") ?? "none";
    const legacy = permission === "maintain" ? "write" : permission === "triage" ? "read" : permission;
    return json({
      permission: legacy,
      role_name: permission,
      // GitHub's collaborator: the user with their role and what it allows.
      user: {
        ...userJson(fake.urls, ctx.params.username ?? ""),
        permissions: {
          admin: permission === "admin",
          maintain: ["admin", "maintain"].includes(permission),
          push: ["admin", "maintain", "write"].includes(permission),
          triage: ["admin", "maintain", "write", "triage"].includes(permission),
          pull: permission !== "none",
        },
        role_name: permission,
      },
    });
  });

  // -------------------------------------------------------------- contents
  route("GET", `${R}/contents/*path`, async (ctx) => {
    const ref = ctx.query.get("ref") ?? fake.repo.defaultBranch;
    const sha = await commitOr404(ref);
    const found = await git.pathAt(sha, ctx.params.path ?? "");
    if (!found) throw new HttpError(404, "Not Found");
    const raw = /application\/vnd\.github(\.v3)?\.raw/.test(String(ctx.headers.accept ?? ""));
    if (found.type === "dir") return json(found.entries.map((e) => contentEntryJson(e.path, e, ref)));
    const content = await git.readBlob(found.entry.sha);
    if (raw) {
      return {
        status: 200,
        raw: content,
        headers: { "content-type": "application/vnd.github.v3.raw; charset=utf-8" },
      };
    }
    const base64 = content.toString("base64").replace(/.{60}/g, "$&\n");
    return json({
      ...contentEntryJson(found.entry.path, found.entry, ref),
      content: base64,
      encoding: "base64",
    });
  });
  /** @param {RouteContext} ctx @param {"put" | "delete"} kind */
  const writeContents = async (ctx, kind) => {
    const filePath = (ctx.params.path ?? "").replace(/^\/+/, "");
    const branch = ctx.body.branch ?? fake.repo.defaultBranch;
    const parent = await git.resolveCommit(`refs/heads/${branch}`);
    if (!parent) throw new HttpError(404, `Branch ${branch} not found`);
    const existing = await git.pathAt(parent, filePath);
    if (existing?.type === "dir") throw validationFailed("path", "invalid", `${filePath} is a directory`);
    const current = existing?.type === "file" ? existing.entry.sha : null;
    if (current && !ctx.body.sha) throw validationFailed("sha", "missing_field", `"sha" wasn't supplied.`);
    if ((ctx.body.sha ?? null) !== current) {
      if (kind === "delete" && !current) throw new HttpError(404, "Not Found");
      throw new HttpError(409, `${filePath} does not match ${ctx.body.sha ?? "(no sha)"}`);
    }
    const blob =
      kind === "put" ? await git.writeBlob(Buffer.from(String(ctx.body.content ?? ""), "base64")) : null;
    const tree = await git.writeTree(parent, [{ path: filePath, sha: blob }]);
    const botPerson = fake.person(ctx.actor);
    /** @param {Record<string, any> | undefined} p */
    const person = (p) => (p ? { name: p.name, email: p.email, date: botPerson.date } : botPerson);
    const sha = await git.commitTree({
      tree,
      parents: [parent],
      message: String(ctx.body.message),
      author: person(ctx.body.author ?? ctx.body.committer),
      committer: person(ctx.body.committer),
    });
    await fake.moveRef(`refs/heads/${branch}`, sha, { expected: parent, actor: ctx.actor });
    const commit = /** @type {import("./git-store.js").GitCommit} */ (await git.commit(sha));
    const written = blob ? await git.pathAt(sha, filePath) : null;
    return json(
      {
        content: written?.type === "file" ? contentEntryJson(filePath, written.entry, branch) : null,
        commit: gitCommitJson(commit),
      },
      kind === "put" && !current ? 201 : 200,
    );
  };
  route("PUT", `${R}/contents/*path`, (ctx) => writeContents(ctx, "put"));
  route("DELETE", `${R}/contents/*path`, (ctx) => writeContents(ctx, "delete"));

  // -------------------------------------------------------------- git data: refs, trees, blobs, commits
  route("GET", `${R}/git/ref/*ref`, async (ctx) => {
    const found = await refJson(`refs/${ctx.params.ref}`);
    if (!found) throw new HttpError(404, "Not Found");
    return json(found);
  });
  route("GET", `${R}/git/matching-refs/*ref`, async (ctx) => {
    const refs = await git.refs(`refs/${ctx.params.ref}`);
    const out = [];
    for (const r of refs) out.push(await refJson(r.ref));
    return json(out);
  });
  route("POST", `${R}/git/refs`, async (ctx) => {
    const ref = String(ctx.body.ref ?? "");
    if (!/^refs\/[^/]+\/.+/.test(ref)) {
      throw validationFailed(
        "ref",
        "invalid",
        "Reference name must start with 'refs/' and have at least two slashes.",
      );
    }
    if (!(await git.objectType(String(ctx.body.sha))))
      throw validationFailed("sha", "invalid", "Object does not exist");
    if (await git.refTarget(ref)) throw validationFailed("ref", "already_exists", "Reference already exists");
    await fake.moveRef(ref, String(ctx.body.sha), { expected: null, actor: ctx.actor });
    return json(await refJson(ref), 201);
  });
  route("PATCH", `${R}/git/refs/*ref`, async (ctx) => {
    const ref = `refs/${ctx.params.ref}`;
    const current = await git.refTarget(ref);
    if (!current) throw validationFailed("ref", "invalid", "Reference does not exist");
    const sha = String(ctx.body.sha);
    if (!(await git.objectType(sha))) throw validationFailed("sha", "invalid", "Object does not exist");
    const fastForward = await git.isAncestor(current.sha, sha);
    if (!fastForward && !ctx.body.force)
      throw validationFailed("sha", "custom", "Update is not a fast forward");
    await fake.moveRef(ref, sha, { expected: current.sha, actor: ctx.actor, forced: !fastForward });
    return json(await refJson(ref));
  });
  route("DELETE", `${R}/git/refs/*ref`, async (ctx) => {
    const ref = `refs/${ctx.params.ref}`;
    const current = await git.refTarget(ref);
    if (!current) throw validationFailed("ref", "invalid", "Reference does not exist");
    await fake.moveRef(ref, null, { expected: current.sha, actor: ctx.actor });
    return { status: 204 };
  });
  route("GET", `${R}/git/trees/:tree_sha`, async (ctx) => {
    const rev = ctx.params.tree_sha ?? "";
    const type = await git.objectType(rev);
    const tree = type === "tree" ? rev : await git.resolveRef(rev);
    if (!tree) throw new HttpError(404, "Not Found");
    const recursive = Boolean(ctx.query.get("recursive")) && ctx.query.get("recursive") !== "false";
    const entries = await git.lsTree(tree, { recursive });
    const treeSha = type === "tree" ? rev : ((await git.commit(tree))?.tree ?? tree);
    return json({
      sha: treeSha,
      url: `${api()}/git/trees/${treeSha}`,
      tree: entries.map((e) => ({
        path: e.path,
        mode: e.mode,
        type: e.type,
        sha: e.sha,
        ...(e.size !== null ? { size: e.size } : {}),
        url: `${api()}/git/${e.type}s/${e.sha}`,
      })),
      truncated: false,
    });
  });
  route("POST", `${R}/git/trees`, async (ctx) => {
    /** @type {Array<{ path: string; sha: string | null; mode?: string }>} */
    const changes = [];
    for (const item of ctx.body.tree ?? []) {
      const sha = typeof item.content === "string" ? await git.writeBlob(item.content) : (item.sha ?? null);
      changes.push({ path: item.path, sha, mode: item.mode });
    }
    const sha = await git.writeTree(ctx.body.base_tree ?? null, changes);
    const entries = await git.lsTree(sha);
    return json(
      {
        sha,
        url: `${api()}/git/trees/${sha}`,
        tree: entries.map((e) => ({
          ...e,
          size: e.size ?? undefined,
          url: `${api()}/git/${e.type}s/${e.sha}`,
        })),
        truncated: false,
      },
      201,
    );
  });
  route("GET", `${R}/git/blobs/:file_sha`, async (ctx) => {
    const sha = ctx.params.file_sha ?? "";
    if ((await git.objectType(sha)) !== "blob") throw new HttpError(404, "Not Found");
    const content = await git.readBlob(sha);
    return json({
      sha,
      node_id: Buffer.from(`04:Blob${sha}`).toString("base64"),
      size: content.length,
      url: `${api()}/git/blobs/${sha}`,
      content: content.toString("base64").replace(/.{60}/g, "$&\n"),
      encoding: "base64",
    });
  });
  route("POST", `${R}/git/blobs`, async (ctx) => {
    const encoding = ctx.body.encoding === "base64" ? "base64" : "utf8";
    const sha = await git.writeBlob(Buffer.from(String(ctx.body.content ?? ""), encoding));
    return json({ sha, url: `${api()}/git/blobs/${sha}` }, 201);
  });
  route("GET", `${R}/git/commits/:commit_sha`, async (ctx) => {
    const commit = await git.commit(ctx.params.commit_sha ?? "");
    if (!commit || !/^[0-9a-f]{40}$/.test(ctx.params.commit_sha ?? "")) throw new HttpError(404, "Not Found");
    return json(gitCommitJson(commit));
  });
  route("POST", `${R}/git/commits`, async (ctx) => {
    if ((await git.objectType(String(ctx.body.tree))) !== "tree") throw validationFailed("tree", "invalid");
    const actor = fake.person(ctx.actor);
    /** @param {Record<string, any> | undefined} p */
    const person = (p) =>
      p ? { name: p.name, email: p.email, date: p.date ? String(p.date) : actor.date } : actor;
    const sha = await git.commitTree({
      tree: String(ctx.body.tree),
      parents: ctx.body.parents ?? [],
      message: String(ctx.body.message),
      author: person(ctx.body.author),
      committer: person(ctx.body.committer ?? ctx.body.author),
    });
    return json(
      gitCommitJson(/** @type {import("./git-store.js").GitCommit} */ (await git.commit(sha))),
      201,
    );
  });

  // -------------------------------------------------------------- commits, compare, tags, branches
  route("GET", `${R}/commits`, async (ctx) => {
    const sha = await commitOr404(ctx.query.get("sha") ?? fake.repo.defaultBranch);
    const filePath = ctx.query.get("path");
    const commits = await git.log(filePath ? [sha, "--", filePath] : [sha]);
    const page = paginate(ctx, commits);
    return json(
      page.items.map((c) => fake.commitJson(c)),
      200,
      page.headers,
    );
  });
  route("GET", `${R}/commits/*ref/check-runs`, async (ctx) => {
    const sha = await commitOr404(ctx.params.ref ?? "");
    const name = ctx.query.get("check_name");
    const status = ctx.query.get("status");
    let runs = fake.checkRuns
      .filter((r) => r.headSha === sha && (!name || r.name === name) && (!status || r.status === status))
      .sort((a, b) => b.id - a.id);
    if ((ctx.query.get("filter") ?? "latest") === "latest") {
      const seen = new Set();
      runs = runs.filter((r) => !seen.has(r.name) && seen.add(r.name));
    }
    const page = paginate(ctx, runs);
    return json(
      { total_count: runs.length, check_runs: page.items.map((r) => fake.checkRunJson(r)) },
      200,
      page.headers,
    );
  });
  // Commit statuses (Flux's notification-controller posts one per Kustomization): create, and the combined status.
  route("POST", `${R}/statuses/:sha`, async (ctx) => {
    const sha = /^[0-9a-f]{40}$/.test(ctx.params.sha ?? "")
      ? await git.resolveCommit(ctx.params.sha ?? "")
      : null;
    if (!sha) throw validationFailed("sha", "invalid", `No commit found for SHA: ${ctx.params.sha}`);
    if (!["error", "failure", "pending", "success"].includes(String(ctx.body.state))) {
      throw validationFailed("state", "invalid", "state is not included in the list");
    }
    const status = await fake.createCommitStatus(sha, ctx.body, ctx.actor);
    return json(statusJson(fake.urls, fake.repo, status), 201);
  });
  route("GET", `${R}/commits/*ref/status`, async (ctx) => {
    const sha = await commitOr404(ctx.params.ref ?? "");
    const perPage = Math.min(Number(ctx.query.get("per_page") ?? 100) || 100, 100);
    const page = Math.max(Number(ctx.query.get("page") ?? 1) || 1, 1);
    return json(combinedStatusJson(fake.urls, fake.repo, sha, fake.commitStatuses, { page, perPage }));
  });
  route("GET", `${R}/commits/:commit_sha/pulls`, async (ctx) => {
    const sha = await commitOr404(ctx.params.commit_sha ?? "");
    const found = (await fake.associatedPulls(sha)).sort((a, b) => b.number - a.number);
    const page = paginate(ctx, found);
    const out = [];
    for (const pr of page.items) out.push(await fake.pullJson(pr));
    return json(out, 200, page.headers);
  });
  route("GET", `${R}/commits/*ref`, async (ctx) => {
    const sha = await commitOr404(ctx.params.ref ?? "");
    const commit = /** @type {import("./git-store.js").GitCommit} */ (await git.commit(sha));
    const files = await git.diff(commit.parents[0] ?? EMPTY_TREE, sha);
    return json(fake.commitJson(commit, files.slice(0, 300)));
  });
  route("GET", `${R}/compare/*basehead`, async (ctx) => {
    const [baseRev = "", headRev = ""] = (ctx.params.basehead ?? "").split("...");
    const strip = (/** @type {string} */ rev) => (rev.includes(":") ? rev.slice(rev.indexOf(":") + 1) : rev);
    const base = await commitOr404(strip(baseRev));
    const head = await commitOr404(strip(headRev));
    const mergeBase = (await git.mergeBase(base, head)) ?? base;
    const commits = await git.commitsBetween(base, head);
    const behind = (await git.commitsBetween(head, base)).length;
    const files = await git.diff(mergeBase, head);
    const paged = ctx.query.has("page") || ctx.query.has("per_page");
    const page = paged ? paginate(ctx, commits) : { items: commits.slice(0, 250), headers: {} };
    const mergeBaseCommit = /** @type {import("./git-store.js").GitCommit} */ (await git.commit(mergeBase));
    const baseCommit = /** @type {import("./git-store.js").GitCommit} */ (await git.commit(base));
    const status =
      commits.length && behind ? "diverged" : commits.length ? "ahead" : behind ? "behind" : "identical";
    return json(
      {
        url: `${api()}/compare/${ctx.params.basehead}`,
        html_url: `${fake.url}/${fake.repo.owner}/${fake.repo.name}/compare/${ctx.params.basehead}`,
        permalink_url: `${fake.url}/${fake.repo.owner}/${fake.repo.name}/compare/${base}...${head}`,
        diff_url: `${fake.url}/${fake.repo.owner}/${fake.repo.name}/compare/${ctx.params.basehead}.diff`,
        patch_url: `${fake.url}/${fake.repo.owner}/${fake.repo.name}/compare/${ctx.params.basehead}.patch`,
        base_commit: fake.commitJson(baseCommit),
        merge_base_commit: fake.commitJson(mergeBaseCommit),
        status,
        ahead_by: commits.length,
        behind_by: behind,
        total_commits: commits.length,
        commits: page.items.map((c) => fake.commitJson(c)),
        files: files.slice(0, 300).map((f) => fileJson(fake.urls, fake.repo, head, f)),
      },
      200,
      page.headers,
    );
  });
  route("GET", `${R}/tags`, async (ctx) => {
    const tags = (await git.refs("refs/tags/"))
      .map((t) => ({ name: t.ref.slice("refs/tags/".length), sha: t.sha, type: t.type }))
      .sort((a, b) => b.name.localeCompare(a.name, "en", { numeric: true }));
    const out = [];
    for (const tag of tags) {
      const sha = tag.type === "commit" ? tag.sha : ((await git.resolveCommit(tag.sha)) ?? tag.sha);
      out.push({
        name: tag.name,
        commit: { sha, url: `${api()}/commits/${sha}` },
        zipball_url: `${api()}/zipball/refs/tags/${tag.name}`,
        tarball_url: `${api()}/tarball/refs/tags/${tag.name}`,
        node_id: Buffer.from(`03:Ref refs/tags/${tag.name}`).toString("base64"),
      });
    }
    const page = paginate(ctx, out);
    return json(page.items, 200, page.headers);
  });
  /** @param {string} name */
  const branchJson = async (name) => {
    const sha = await git.resolveCommit(`refs/heads/${name}`);
    if (!sha) return null;
    const commit = /** @type {import("./git-store.js").GitCommit} */ (await git.commit(sha));
    return {
      name,
      commit: fake.commitJson(commit),
      protected: false,
      _links: {
        self: `${api()}/branches/${name}`,
        html: `${fake.url}/${fake.repo.owner}/${fake.repo.name}/tree/${name}`,
      },
      protection: {
        enabled: false,
        required_status_checks: { enforcement_level: "off", contexts: [], checks: [] },
      },
      protection_url: `${api()}/branches/${name}/protection`,
    };
  };
  route("GET", `${R}/branches`, async (ctx) => {
    const names = (await git.refs("refs/heads/")).map((r) => r.ref.slice("refs/heads/".length));
    const page = paginate(ctx, names);
    const out = [];
    for (const name of page.items) {
      const sha = await git.resolveCommit(`refs/heads/${name}`);
      out.push({ name, commit: { sha, url: `${api()}/commits/${sha}` }, protected: false });
    }
    return json(out, 200, page.headers);
  });
  route("GET", `${R}/branches/*branch`, async (ctx) => {
    const found = await branchJson(ctx.params.branch ?? "");
    if (!found) throw new HttpError(404, "Branch not found");
    return json(found);
  });

  // -------------------------------------------------------------- pull requests
  route("GET", `${R}/pulls`, async (ctx) => {
    const state = ctx.query.get("state") ?? "open";
    const head = ctx.query.get("head");
    const base = ctx.query.get("base");
    const headBranch = head?.includes(":") ? head.slice(head.indexOf(":") + 1) : head;
    const headOwner = head?.includes(":") ? head.slice(0, head.indexOf(":")) : fake.repo.owner;
    const direction = ctx.query.get("direction") ?? "desc";
    const pulls = [...fake.pulls.values()]
      .filter(
        (pr) =>
          (state === "all" || pr.state === state) &&
          (!headBranch ||
            (pr.head === headBranch && headOwner.toLowerCase() === fake.repo.owner.toLowerCase())) &&
          (!base || pr.base === base),
      )
      .sort((a, b) => (direction === "asc" ? a.number - b.number : b.number - a.number));
    const page = paginate(ctx, pulls);
    const out = [];
    for (const pr of page.items) out.push(await fake.pullJson(pr));
    return json(out, 200, page.headers);
  });
  route("POST", `${R}/pulls`, async (ctx) => {
    const pr = await fake.openPullRequest({
      head: String(ctx.body.head ?? ""),
      base: String(ctx.body.base ?? ""),
      title: String(ctx.body.title ?? ""),
      body: ctx.body.body ?? null,
      draft: Boolean(ctx.body.draft),
      actor: ctx.actor,
    });
    return json(await fake.pullJson(pr), 201);
  });
  route("GET", `${R}/pulls/:pull_number`, async (ctx) =>
    json(await fake.pullJson(pullOr404(ctx.params.pull_number ?? ""))),
  );
  route("PATCH", `${R}/pulls/:pull_number`, async (ctx) => {
    const pr = pullOr404(ctx.params.pull_number ?? "");
    await fake.updatePullRequest(pr, ctx.body, ctx.actor);
    return json(await fake.pullJson(pr));
  });
  /** @param {import("./github-shapes.js").PullState} pr */
  const pullRange = async (pr) => {
    const base = pr.merged && pr.mergeCommitSha ? `${pr.mergeCommitSha}^1` : await fake.baseShaOf(pr);
    return { base: (await git.mergeBase(base, pr.headSha)) ?? base, head: pr.headSha };
  };
  route("GET", `${R}/pulls/:pull_number/files`, async (ctx) => {
    const pr = pullOr404(ctx.params.pull_number ?? "");
    const range = await pullRange(pr);
    const files = (await git.diff(range.base, range.head)).slice(0, 3000);
    const page = paginate(ctx, files);
    return json(
      page.items.map((f) => fileJson(fake.urls, fake.repo, range.head, f)),
      200,
      page.headers,
    );
  });
  route("GET", `${R}/pulls/:pull_number/commits`, async (ctx) => {
    const pr = pullOr404(ctx.params.pull_number ?? "");
    const range = await pullRange(pr);
    const commits = (await git.commitsBetween(range.base, range.head)).slice(0, 250);
    const page = paginate(ctx, commits);
    return json(
      page.items.map((c) => fake.commitJson(c)),
      200,
      page.headers,
    );
  });
  route("PUT", `${R}/pulls/:pull_number/merge`, async (ctx) => {
    const pr = pullOr404(ctx.params.pull_number ?? "");
    const sha = await fake.mergePullRequest(pr, {
      method: ctx.body.merge_method,
      title: ctx.body.commit_title,
      message: ctx.body.commit_message,
      sha: ctx.body.sha,
      actor: ctx.actor,
    });
    return json({ sha, merged: true, message: "Pull Request successfully merged" });
  });
  route("GET", `${R}/pulls/:pull_number/merge`, async (ctx) => {
    if (!pullOr404(ctx.params.pull_number ?? "").merged) throw new HttpError(404, "Not Found");
    return { status: 204 };
  });
  route("GET", `${R}/pulls/:pull_number/requested_reviewers`, async (ctx) => {
    const pr = pullOr404(ctx.params.pull_number ?? "");
    return json({ users: pr.requestedReviewers.map((login) => userJson(fake.urls, login)), teams: [] });
  });
  route("POST", `${R}/pulls/:pull_number/requested_reviewers`, async (ctx) => {
    const pr = pullOr404(ctx.params.pull_number ?? "");
    /** @type {string[]} */
    const reviewers = ctx.body.reviewers ?? [];
    if (reviewers.includes(pr.user)) {
      throw validationFailed("reviewers", "custom", "Review cannot be requested from pull request author.");
    }
    for (const login of reviewers)
      if (!pr.requestedReviewers.includes(login)) pr.requestedReviewers.push(login);
    return json(await fake.pullJson(pr), 201);
  });
  route("DELETE", `${R}/pulls/:pull_number/requested_reviewers`, async (ctx) => {
    const pr = pullOr404(ctx.params.pull_number ?? "");
    /** @type {string[]} */
    const reviewers = ctx.body.reviewers ?? [];
    pr.requestedReviewers = pr.requestedReviewers.filter((login) => !reviewers.includes(login));
    return json(await fake.pullJson(pr));
  });

  // -------------------------------------------------------------- check runs
  /** @param {Record<string, any> | undefined} output @param {import("./github-shapes.js").CheckRunState} run */
  const applyOutput = (output, run) => {
    if (!output) return;
    const annotations = output.annotations ?? [];
    if (annotations.length > 50)
      throw validationFailed("output.annotations", "custom", "at most 50 per request");
    run.output = {
      title: output.title ?? run.output.title,
      summary: output.summary ?? run.output.summary,
      text: output.text ?? run.output.text,
    };
    // GitHub appends the annotations of every create/update request.
    run.annotations.push(...annotations);
  };
  route("POST", `${R}/check-runs`, async (ctx) => {
    const headSha = String(ctx.body.head_sha ?? "");
    if (!/^[0-9a-f]{40}$/.test(headSha) || !(await git.resolveCommit(headSha))) {
      throw validationFailed("head_sha", "invalid", `No commit found for SHA: ${headSha}`);
    }
    const completed = ctx.body.conclusion !== undefined || ctx.body.status === "completed";
    /** @type {import("./github-shapes.js").CheckRunState} */
    const run = {
      id: fake.newId(),
      name: String(ctx.body.name),
      headSha,
      status: completed ? "completed" : (ctx.body.status ?? "queued"),
      conclusion: ctx.body.conclusion ?? null,
      externalId: ctx.body.external_id ?? null,
      detailsUrl: ctx.body.details_url ?? null,
      startedAt: ctx.body.started_at ?? fake.now(),
      completedAt: completed ? (ctx.body.completed_at ?? fake.now()) : null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      appId: fake.appId,
      appSlug: fake.appSlug,
    };
    applyOutput(ctx.body.output, run);
    fake.checkRuns.push(run);
    return json(fake.checkRunJson(run), 201);
  });
  route("PATCH", `${R}/check-runs/:check_run_id`, async (ctx) => {
    const run = checkRunOr404(ctx.params.check_run_id ?? "");
    for (const [field, key] of /** @type {const} */ ([
      ["name", "name"],
      ["status", "status"],
      ["conclusion", "conclusion"],
      ["external_id", "externalId"],
      ["details_url", "detailsUrl"],
      ["started_at", "startedAt"],
      ["completed_at", "completedAt"],
    ])) {
      if (ctx.body[field] !== undefined) /** @type {Record<string, unknown>} */ (run)[key] = ctx.body[field];
    }
    if (ctx.body.conclusion !== undefined) {
      run.status = "completed";
      run.completedAt ??= fake.now();
    }
    applyOutput(ctx.body.output, run);
    return json(fake.checkRunJson(run));
  });
  route("GET", `${R}/check-runs/:check_run_id`, async (ctx) =>
    json(fake.checkRunJson(checkRunOr404(ctx.params.check_run_id ?? ""))),
  );
  route("GET", `${R}/check-runs/:check_run_id/annotations`, async (ctx) => {
    const run = checkRunOr404(ctx.params.check_run_id ?? "");
    const page = paginate(ctx, run.annotations);
    return json(
      page.items.map((a) => ({
        path: a.path,
        blob_href: `${fake.url}/${fake.repo.owner}/${fake.repo.name}/blob/${run.headSha}/${a.path}`,
        start_line: a.start_line,
        end_line: a.end_line,
        start_column: a.start_column ?? null,
        end_column: a.end_column ?? null,
        annotation_level: a.annotation_level,
        title: a.title ?? null,
        message: a.message,
        raw_details: a.raw_details ?? null,
      })),
      200,
      page.headers,
    );
  });

  // -------------------------------------------------------------- releases
  route("GET", `${R}/releases`, async (ctx) => {
    const releases = [...fake.releases].sort((a, b) => b.id - a.id);
    const page = paginate(ctx, releases);
    return json(
      page.items.map((r) => fake.releaseJson(r)),
      200,
      page.headers,
    );
  });
  route("GET", `${R}/releases/latest`, async () => {
    const latest = fake.releases.filter((r) => !r.draft && !r.prerelease).sort((a, b) => b.id - a.id)[0];
    if (!latest) throw new HttpError(404, "Not Found");
    return json(fake.releaseJson(latest));
  });
  route("GET", `${R}/releases/tags/*tag`, async (ctx) => {
    const release = fake.releases.find((r) => !r.draft && r.tagName === ctx.params.tag);
    if (!release) throw new HttpError(404, "Not Found");
    return json(fake.releaseJson(release));
  });
  route("GET", `${R}/releases/:release_id`, async (ctx) =>
    json(fake.releaseJson(releaseOr404(ctx.params.release_id ?? ""))),
  );
  route("POST", `${R}/releases`, async (ctx) => {
    const draft = Boolean(ctx.body.draft);
    const tagName = String(ctx.body.tag_name ?? "");
    if (!draft) fake.assertTagFree(tagName);
    /** @type {import("./github-shapes.js").ReleaseState} */
    const release = {
      id: fake.newId(),
      tagName,
      target: ctx.body.target_commitish ?? fake.repo.defaultBranch,
      name: ctx.body.name ?? null,
      body: ctx.body.body ?? null,
      draft,
      prerelease: Boolean(ctx.body.prerelease),
      author: ctx.actor,
      createdAt: fake.now(),
      publishedAt: draft ? null : fake.now(),
    };
    if (!draft) await fake.ensureTag(release, ctx.actor);
    fake.releases.push(release);
    fake.queueEvent("release", "created", ctx.actor, { release: fake.releaseJson(release) });
    if (!draft) fake.queueReleasePublished(release, ctx.actor);
    return json(fake.releaseJson(release), 201);
  });
  route("PATCH", `${R}/releases/:release_id`, async (ctx) => {
    const release = releaseOr404(ctx.params.release_id ?? "");
    const wasDraft = release.draft;
    /** @type {Record<string, any>} */
    const changes = {};
    if (ctx.body.body !== undefined && ctx.body.body !== release.body)
      changes.body = { from: release.body ?? "" };
    if (ctx.body.name !== undefined && ctx.body.name !== release.name)
      changes.name = { from: release.name ?? "" };
    if (ctx.body.tag_name !== undefined) release.tagName = ctx.body.tag_name;
    if (ctx.body.target_commitish !== undefined) release.target = ctx.body.target_commitish;
    if (ctx.body.name !== undefined) release.name = ctx.body.name;
    if (ctx.body.body !== undefined) release.body = ctx.body.body;
    if (ctx.body.prerelease !== undefined) release.prerelease = Boolean(ctx.body.prerelease);
    if (ctx.body.draft === true) release.draft = true;
    const publish = wasDraft && ctx.body.draft === false;
    if (publish) fake.assertTagFree(release.tagName, release.id);
    if (Object.keys(changes).length) {
      fake.queueEvent("release", "edited", ctx.actor, { release: fake.releaseJson(release), changes });
    }
    if (publish) await fake.publishRelease(release, ctx.actor);
    return json(fake.releaseJson(release));
  });
  route("DELETE", `${R}/releases/:release_id`, async (ctx) => {
    const release = releaseOr404(ctx.params.release_id ?? "");
    fake.releases.splice(fake.releases.indexOf(release), 1);
    fake.queueEvent("release", "deleted", ctx.actor, { release: fake.releaseJson(release) });
    return { status: 204 };
  });

  // -------------------------------------------------------------- issues, comments, labels
  /** @param {string} number */
  const issueOr404 = (number) => {
    const found = fake.issueOrPullJson(Number(number));
    if (!found) throw new HttpError(404, "Not Found");
    return found;
  };
  /** @param {unknown} labels */
  const labelNames = (labels) =>
    Array.isArray(labels) ? labels.map((l) => (typeof l === "string" ? l : String(l?.name ?? ""))) : [];
  route("GET", `${R}/issues`, async (ctx) => {
    const state = ctx.query.get("state") ?? "open";
    const wanted = (ctx.query.get("labels") ?? "").split(",").filter(Boolean);
    const numbers = [...fake.issues.keys(), ...fake.pulls.keys()].sort((a, b) => b - a);
    const all = numbers
      .map((n) => fake.issueOrPullJson(n))
      .filter((i) => i !== null)
      .filter((i) => state === "all" || i.state === state)
      .filter((i) => wanted.every((name) => i.labels.some((l) => l.name === name)));
    const page = paginate(ctx, all);
    return json(page.items, 200, page.headers);
  });
  route("POST", `${R}/issues`, async (ctx) => {
    const now = fake.now();
    const labels = labelNames(ctx.body.labels);
    labels.forEach((l) => fake.labels.add(l));
    /** @type {import("./github-shapes.js").IssueState} */
    const issue = {
      number: fake.nextNumber++,
      id: fake.newId(),
      title: String(ctx.body.title ?? ""),
      body: ctx.body.body ?? null,
      state: "open",
      stateReason: null,
      user: ctx.actor,
      labels,
      assignees: ctx.body.assignees ?? [],
      comments: [],
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    };
    fake.issues.set(issue.number, issue);
    const created = issueOr404(String(issue.number));
    fake.queueEvent("issues", "opened", ctx.actor, { issue: created });
    return json(created, 201);
  });
  route("GET", `${R}/issues/comments/:comment_id`, async (ctx) => {
    for (const issue of fake.issues.values()) {
      const comment = issue.comments.find((c) => c.id === Number(ctx.params.comment_id));
      if (comment) return json(issueCommentJson(fake.urls, fake.repo, issue.number, comment));
    }
    throw new HttpError(404, "Not Found");
  });
  route("GET", `${R}/issues/:issue_number`, async (ctx) => json(issueOr404(ctx.params.issue_number ?? "")));
  route("PATCH", `${R}/issues/:issue_number`, async (ctx) => {
    const number = Number(ctx.params.issue_number);
    issueOr404(String(number));
    const issue = fake.issues.get(number);
    if (!issue) {
      // A PR through the issues API: title, body, state and labels are the PR's.
      const pr = pullOr404(String(number));
      if (ctx.body.labels !== undefined) pr.labels = labelNames(ctx.body.labels);
      await fake.updatePullRequest(pr, ctx.body, ctx.actor);
      return json(issueOr404(String(number)));
    }
    const wasOpen = issue.state === "open";
    if (ctx.body.title !== undefined) issue.title = ctx.body.title;
    if (ctx.body.body !== undefined) issue.body = ctx.body.body;
    if (ctx.body.labels !== undefined) {
      issue.labels = labelNames(ctx.body.labels);
      issue.labels.forEach((l) => fake.labels.add(l));
    }
    if (ctx.body.assignees !== undefined) issue.assignees = ctx.body.assignees;
    if (ctx.body.state !== undefined) {
      issue.state = ctx.body.state;
      issue.stateReason = issue.state === "closed" ? (ctx.body.state_reason ?? "completed") : "reopened";
      issue.closedAt = issue.state === "closed" ? fake.now() : null;
    }
    issue.updatedAt = fake.now();
    const updated = issueOr404(String(number));
    if (wasOpen && issue.state === "closed")
      fake.queueEvent("issues", "closed", ctx.actor, { issue: updated });
    else if (!wasOpen && issue.state === "open")
      fake.queueEvent("issues", "reopened", ctx.actor, { issue: updated });
    else fake.queueEvent("issues", "edited", ctx.actor, { issue: updated });
    return json(updated);
  });
  route("GET", `${R}/issues/:issue_number/comments`, async (ctx) => {
    issueOr404(ctx.params.issue_number ?? "");
    const number = Number(ctx.params.issue_number);
    const comments = fake.issues.get(number)?.comments ?? [];
    const page = paginate(ctx, comments);
    return json(
      page.items.map((c) => issueCommentJson(fake.urls, fake.repo, number, c)),
      200,
      page.headers,
    );
  });
  route("POST", `${R}/issues/:issue_number/comments`, async (ctx) => {
    issueOr404(ctx.params.issue_number ?? "");
    const number = Number(ctx.params.issue_number);
    const issue = fake.issues.get(number);
    if (!issue) throw new HttpError(422, "Comments on pull requests are not modelled by the fake GitHub");
    const comment = {
      id: fake.newId(),
      body: String(ctx.body.body ?? ""),
      user: ctx.actor,
      createdAt: fake.now(),
    };
    issue.comments.push(comment);
    return json(issueCommentJson(fake.urls, fake.repo, number, comment), 201);
  });
  route("GET", `${R}/issues/:issue_number/labels`, async (ctx) =>
    json(issueOr404(ctx.params.issue_number ?? "").labels),
  );
  route("POST", `${R}/issues/:issue_number/labels`, async (ctx) => {
    issueOr404(ctx.params.issue_number ?? "");
    const number = Number(ctx.params.issue_number);
    const target = fake.issues.get(number) ?? pullOr404(String(number));
    const added = labelNames(Array.isArray(ctx.body) ? ctx.body : ctx.body.labels);
    for (const name of added) {
      fake.labels.add(name);
      if (!target.labels.includes(name)) target.labels.push(name);
    }
    return json(target.labels.map((name) => labelJson(fake.urls, fake.repo, name)));
  });
  route("DELETE", `${R}/issues/:issue_number/labels/:name`, async (ctx) => {
    issueOr404(ctx.params.issue_number ?? "");
    const number = Number(ctx.params.issue_number);
    const target = fake.issues.get(number) ?? pullOr404(String(number));
    if (!target.labels.includes(ctx.params.name ?? "")) throw new HttpError(404, "Label does not exist");
    target.labels = target.labels.filter((l) => l !== ctx.params.name);
    return json(target.labels.map((name) => labelJson(fake.urls, fake.repo, name)));
  });
  route("GET", `${R}/labels`, async (ctx) => {
    const page = paginate(ctx, [...fake.labels].sort());
    return json(
      page.items.map((name) => labelJson(fake.urls, fake.repo, name)),
      200,
      page.headers,
    );
  });
  route("GET", `${R}/labels/:name`, async (ctx) => {
    if (!fake.labels.has(ctx.params.name ?? "")) throw new HttpError(404, "Not Found");
    return json(labelJson(fake.urls, fake.repo, ctx.params.name ?? ""));
  });
  route("POST", `${R}/labels`, async (ctx) => {
    const name = String(ctx.body.name ?? "");
    if (fake.labels.has(name)) throw validationFailed("name", "already_exists");
    fake.labels.add(name);
    return json(
      {
        ...labelJson(fake.urls, fake.repo, name, ctx.body.description ?? ""),
        color: ctx.body.color ?? "ededed",
      },
      201,
    );
  });

  return routes;
}
