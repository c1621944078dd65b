import { createHash } from "node:crypto";
import type nock from "nock";
import type { History } from "./history-repo.js";

/** Git's blob SHA of a text, as GitHub reports it. */
export const blobSha = (text: string) =>
  createHash("sha1")
    .update(`blob ${Buffer.byteLength(text)}\0`)
    .update(text)
    .digest("hex");

/** The files of a commit of the recorded history (first-parent replay). */
export function filesAt(history: History, sha: string): Map<string, string> {
  const byId = new Map(history.commits.map((c) => [c.sha, c]));
  const chain = [];
  for (let c = byId.get(sha); c; c = c.parents[0] ? byId.get(c.parents[0]) : undefined) chain.unshift(c);
  // A merge's changes are relative to its first parent, so the first-parent chain rebuilds its tree.
  const files = new Map<string, string>();
  for (const commit of chain) {
    for (const change of commit.changes) {
      if (change.status === "D") files.delete(change.path);
      else {
        const content = change.content ?? (change.from ? files.get(change.from) : undefined);
        if (change.status === "R" && change.from) files.delete(change.from);
        if (content !== undefined) files.set(change.path, content);
      }
    }
  }
  return files;
}

interface FakePull {
  number: number;
  head: string;
  title: string;
  body: string;
  state: "open" | "closed";
  draft: boolean;
  labels: string[];
  reviewers: string[];
}
interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
}

/**
 * GitHub as far as promotions see it, kept in memory and served through nock (GitHub is the only thing faked):
 * the default branch's files, branches as file maps, tags, compare, pulls, issues and comments. Every request still
 * goes through the REST-schema validation of `mockGitHub`.
 */
export class FakeGitHubRepo {
  readonly owner: string;
  readonly repo: string;
  main: Map<string, string>;
  mainSha = "a".repeat(40);
  branches = new Map<string, Map<string, string>>();
  tags = new Map<string, Map<string, string>>();
  releases = new Map<string, { body: string; url: string }>();
  pulls: FakePull[] = [];
  issues: FakeIssue[] = [];
  comments: Array<{ issue: number; body: string }> = [];
  permissions = new Map<string, string>();
  /** The default branch's configuration file: opted in with every default (null: not opted in, a 404). */
  configYaml: string | null = "# gitops-release-bot: on, every option at its default\n";
  /** Trees and commits made through the Git data API, by SHA: their files. */
  objects = new Map<string, Map<string, string>>();
  /** Every move of a branch, in order: to which commit (to spot a PR left without commits). */
  refMoves: Array<{ branch: string; sha: string }> = [];
  private next = 1;

  constructor(owner: string, repo: string, main: Map<string, string>) {
    this.owner = owner;
    this.repo = repo;
    this.main = new Map(main);
  }

  /** Serves the repository on `api` (persisted; requests are checked through `mockGitHub`'s validation). */
  serve(api: nock.Scope): void {
    const base = `/repos/${this.owner}/${this.repo}`;
    api.persist();
    for (const method of ["GET", "POST", "PUT", "PATCH"]) {
      api
        .intercept(
          (uri) => uri.startsWith(`${base}/`) || uri.startsWith(`/repos/${this.owner}/.github/`),
          method,
        )
        .optionally()
        .reply(async (request: Request) => {
          const url = new URL(request.url);
          const body = method === "GET" ? undefined : await request.json();
          return this.route(method, decodeURIComponent(url.pathname.slice(base.length)), url, body as never);
        });
    }
  }

  openPulls(): FakePull[] {
    return this.pulls.filter((p) => p.state === "open");
  }

  private tree(ref: string): Map<string, string> | undefined {
    if (ref === this.mainSha || ref === "main") return this.main;
    return this.branches.get(ref) ?? this.tags.get(ref) ?? this.objects.get(ref);
  }

  /** Stores files as a new tree or commit object; its SHA is derived from the kind and content. */
  private store(kind: string, files: Map<string, string>, extra = ""): string {
    const sha = createHash("sha1")
      .update(`${kind}\0${extra}\0${JSON.stringify([...files].sort())}`)
      .digest("hex");
    this.objects.set(sha, new Map(files));
    return sha;
  }

  private moveBranch(branch: string, sha: string): void {
    this.branches.set(branch, new Map(this.tree(sha) ?? this.main));
    this.refMoves.push({ branch, sha });
  }

  private route(method: string, path: string, url: URL, body: Record<string, any>): [number, unknown] {
    const q = url.searchParams;
    let m: RegExpExecArray | null;
    if (url.pathname.startsWith(`/repos/${this.owner}/.github/`)) return [404, { message: "Not Found" }];
    if (method === "GET" && path === "/contents/.github/gitops-release-bot.yml") {
      return this.configYaml === null ? [404, { message: "Not Found" }] : [200, this.configYaml];
    }
    if (method === "GET" && (m = /^\/git\/ref\/(heads|tags)\/(.+)$/.exec(path))) {
      const sha =
        m[1] === "heads" && m[2] === "main"
          ? this.mainSha
          : this.branches.has(m[2]!) || this.tags.has(m[2]!)
            ? "c".repeat(40)
            : null;
      return sha
        ? [200, { ref: `refs/${m[1]}/${m[2]}`, object: { sha, type: "commit" } }]
        : [404, { message: "Not Found" }];
    }
    if (method === "GET" && (m = /^\/git\/trees\/(.+)$/.exec(path))) {
      const files = this.tree(m[1]!) ?? new Map();
      const tree = [...files].map(([p, text]) => ({
        path: p,
        mode: "100644",
        type: "blob",
        sha: blobSha(text),
        size: Buffer.byteLength(text),
      }));
      return [200, { sha: m[1], tree, truncated: false }];
    }
    if (method === "GET" && (m = /^\/git\/blobs\/(\w+)$/.exec(path))) {
      const text = [...this.main.values()].find((t) => blobSha(t) === m![1]);
      return text === undefined
        ? [404, { message: "Not Found" }]
        : [
            200,
            {
              sha: m[1],
              content: Buffer.from(text).toString("base64"),
              encoding: "base64",
              size: text.length,
            },
          ];
    }
    if (method === "GET" && (m = /^\/contents\/(.+)$/.exec(path))) {
      const text = this.tree(q.get("ref") ?? "main")?.get(m[1]!);
      return text === undefined
        ? [404, { message: "Not Found" }]
        : [
            200,
            {
              type: "file",
              path: m[1],
              sha: blobSha(text),
              content: Buffer.from(text).toString("base64"),
              encoding: "base64",
            },
          ];
    }
    if (method === "GET" && (m = /^\/compare\/(.+)\.\.\.(.+)$/.exec(path))) {
      const before = this.tree(m[1]!) ?? new Map();
      const after = this.tree(m[2]!) ?? new Map();
      const files = [...new Set([...before.keys(), ...after.keys()])]
        .filter((p) => before.get(p) !== after.get(p))
        .map((filename) => ({ filename, status: "modified" }));
      return [200, { files, commits: [], status: "ahead", total_commits: 1 }];
    }
    if (method === "GET" && (m = /^\/releases\/tags\/(.+)$/.exec(path))) {
      const release = this.releases.get(m[1]!);
      return release
        ? [200, { tag_name: m[1], body: release.body, html_url: release.url }]
        : [404, { message: "Not Found" }];
    }
    if (method === "GET" && (m = /^\/collaborators\/(.+)\/permission$/.exec(path))) {
      return [200, { permission: this.permissions.get(m[1]!) ?? "read", user: { login: m[1] } }];
    }
    if (method === "GET" && (m = /^\/git\/commits\/(\w+)$/.exec(path))) {
      const files = this.tree(m[1]!);
      if (!files) return [404, { message: "Not Found" }];
      return [200, { sha: m[1], tree: { sha: this.store("tree", files) }, parents: [] }];
    }
    if (method === "POST" && path === "/git/trees") {
      const files = new Map(this.tree(body.base_tree) ?? []);
      for (const entry of body.tree as Array<{ path: string; content: string }>)
        files.set(entry.path, entry.content);
      return [201, { sha: this.store("tree", files), tree: [], truncated: false }];
    }
    if (method === "POST" && path === "/git/commits") {
      const files = this.tree(body.tree);
      if (!files) return [422, { message: "Tree SHA does not exist" }];
      const sha = this.store("commit", files, `${body.message}\0${body.parents.join(",")}`);
      return [201, { sha, message: body.message, tree: { sha: body.tree }, parents: body.parents }];
    }
    if (method === "POST" && path === "/git/refs") {
      const name = String(body.ref).replace("refs/heads/", "");
      if (this.branches.has(name)) return [422, { message: "Reference already exists" }];
      this.moveBranch(name, body.sha);
      return [201, { ref: body.ref, object: { sha: body.sha } }];
    }
    if (method === "PATCH" && (m = /^\/git\/refs\/heads\/(.+)$/.exec(path))) {
      this.moveBranch(m[1]!, body.sha);
      return [200, { ref: `refs/heads/${m[1]}`, object: { sha: body.sha } }];
    }
    if (method === "GET" && path === "/pulls") {
      const head = q.get("head")?.split(":")[1];
      const found = this.openPulls().filter((p) => !head || p.head === head);
      return [200, found.map((p) => this.pullJson(p))];
    }
    if (method === "POST" && path === "/pulls") {
      if (this.openPulls().some((p) => p.head === body.head)) {
        return [
          422,
          { message: `Validation Failed: A pull request already exists for ${this.owner}:${body.head}.` },
        ];
      }
      const pull: FakePull = {
        number: this.next++,
        head: body.head,
        title: body.title,
        body: body.body,
        state: "open",
        draft: Boolean(body.draft),
        labels: [],
        reviewers: [],
      };
      this.pulls.push(pull);
      return [201, this.pullJson(pull)];
    }
    if (method === "PATCH" && (m = /^\/pulls\/(\d+)$/.exec(path))) {
      const pull = this.pulls.find((p) => p.number === Number(m![1]))!;
      Object.assign(pull, { title: body.title ?? pull.title, body: body.body ?? pull.body });
      return [200, this.pullJson(pull)];
    }
    if (method === "POST" && (m = /^\/pulls\/(\d+)\/requested_reviewers$/.exec(path))) {
      this.pulls
        .find((p) => p.number === Number(m![1]))!
        .reviewers.push(...(body.reviewers ?? []), ...(body.team_reviewers ?? []));
      return [201, {}];
    }
    if (method === "POST" && (m = /^\/issues\/(\d+)\/labels$/.exec(path))) {
      const item =
        this.pulls.find((p) => p.number === Number(m![1])) ??
        this.issues.find((i) => i.number === Number(m![1]))!;
      item.labels.push(...body.labels);
      return [200, []];
    }
    if (method === "GET" && path === "/issues") {
      const open = this.issues.filter((i) => i.state === "open");
      // GitHub returns labels as objects; the fake keeps their names.
      return [
        200,
        open.map((i) => ({
          number: i.number,
          title: i.title,
          body: i.body,
          state: i.state,
          labels: i.labels.map((name) => ({ name })),
        })),
      ];
    }
    if (method === "POST" && path === "/issues") {
      const issue: FakeIssue = {
        number: this.next++,
        title: body.title,
        body: body.body,
        state: "open",
        labels: body.labels ?? [],
      };
      this.issues.push(issue);
      return [201, issue];
    }
    if (method === "PATCH" && (m = /^\/issues\/(\d+)$/.exec(path))) {
      const issue = this.issues.find((i) => i.number === Number(m![1]))!;
      Object.assign(issue, body);
      return [200, issue];
    }
    if (method === "POST" && (m = /^\/issues\/(\d+)\/comments$/.exec(path))) {
      this.comments.push({ issue: Number(m[1]), body: body.body });
      return [201, { id: this.comments.length, body: body.body }];
    }
    return [500, { message: `fake GitHub has no route for ${method} ${path}` }];
  }

  private pullJson(p: FakePull) {
    return {
      number: p.number,
      title: p.title,
      body: p.body,
      state: p.state,
      draft: p.draft,
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${p.number}`,
      head: { ref: p.head, sha: "c".repeat(40) },
      base: { ref: "main", sha: this.mainSha },
    };
  }
}
