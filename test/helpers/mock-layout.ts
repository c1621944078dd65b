import { createHash } from "node:crypto";
import type nock from "nock";
import { BLOB_BATCH } from "../../src/github/git-data.js";

/** A git blob SHA of a text, as GitHub would report it. */
export function blobSha(text: string): string {
  return createHash("sha1")
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest("hex");
}

/** The recursive tree of `sha` listing these files (folders derived), as `GET /git/trees/:sha?recursive=1` answers. */
export function mockTree(
  api: nock.Scope,
  owner: string,
  repo: string,
  sha: string,
  files: Array<{ path: string; sha?: string; size?: number }>,
  truncated = false,
): nock.Scope {
  const folders = new Set<string>();
  for (const file of files) {
    const parts = file.path.split("/");
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join("/"));
  }
  const tree = [
    ...[...folders].map((path) => ({ path, mode: "040000", type: "tree", sha: blobSha(`tree:${path}`) })),
    ...files.map((file) => ({
      path: file.path,
      mode: "100644",
      type: "blob",
      sha: file.sha ?? blobSha(file.path),
      size: file.size ?? 100,
    })),
  ];
  return api
    .get(`/repos/${owner}/${repo}/git/trees/${sha}`)
    .query({ recursive: "1" })
    .reply(200, {
      sha,
      url: `https://api.github.com/repos/${owner}/${repo}/git/trees/${sha}`,
      tree,
      truncated,
    });
}

/**
 * GitHub's answers to one batch of the app's blob reads: for more than `BLOB_BATCH.restAtMost` blobs one GraphQL
 * `blobTexts` query, where every aliased `bN: object(oid: $bN)` gets its text and the query must ask for exactly the
 * blobs of `texts` (`queries` receives it); for a few blobs one REST `GET /git/blobs/{sha}` each.
 */
export function mockBlobs(
  api: nock.Scope,
  texts: string[],
  queries: Array<{ query: string; variables: Record<string, string> }> = [],
): nock.Scope {
  const bySha = new Map(texts.map((text) => [blobSha(text), text]));
  if (bySha.size <= BLOB_BATCH.restAtMost) {
    for (const [sha, text] of bySha)
      api.get(new RegExp(`/git/blobs/${sha}$`)).reply(200, {
        sha,
        node_id: "B",
        url: `https://api.github.com/git/blobs/${sha}`,
        size: Buffer.byteLength(text),
        content: Buffer.from(text).toString("base64"),
        encoding: "base64",
      });
    return api;
  }
  return api
    .post("/graphql", (body) => {
      if (typeof body !== "object" || !/query blobTexts/.test(String(body.query))) return false;
      const asked = Object.entries(body.variables as Record<string, string>).filter(([name]) =>
        /^b\d+$/.test(name),
      );
      return asked.length === bySha.size && asked.every(([, sha]) => bySha.has(sha));
    })
    .reply(200, (async (request: Request) => {
      const body = (await request.json()) as { query: string; variables: Record<string, string> };
      queries.push(body);
      const repository: Record<string, unknown> = {};
      for (const [name, sha] of Object.entries(body.variables)) {
        const text = bySha.get(sha);
        if (/^b\d+$/.test(name) && text !== undefined)
          repository[name] = { text, isTruncated: false, byteSize: Buffer.byteLength(text) };
      }
      return { data: { repository } };
    }) as never);
}

/**
 * No "Folder layout" run on `sha` yet (list the runs with `mockCheckRunList`, once per delivery); captures the create body into `created` and every later update (more
 * annotations) into `updates`. Register it before generic check-run mocks (nock tries interceptors in order).
 */
export function mockLayoutCheckRun(
  api: nock.Scope,
  owner: string,
  repo: string,
  sha: string,
  captured: { created: Array<Record<string, any>>; updates: Array<Record<string, any>> },
  updates = 0,
  id = 77,
): nock.Scope {
  api
    .post(`/repos/${owner}/${repo}/check-runs`, (body: Record<string, any>) => {
      // nock may try a body matcher on requests of other methods and paths: match on the body alone.
      if (body?.name !== "Folder layout") return false;
      captured.created.push(body);
      return true;
    })
    .reply(201, { id });
  for (let i = 0; i < updates; i++) {
    api
      .patch(`/repos/${owner}/${repo}/check-runs/${id}`, (body: Record<string, any>) => {
        if (typeof body !== "object" || !body?.output || body.name) return false;
        captured.updates.push(body);
        return true;
      })
      .reply(200, { id });
  }
  return api;
}

/** The "PR title" check's calls, for tests about other checks: any title, one created run. */
export function mockTitleCheckRun(api: nock.Scope, owner: string, repo: string, sha: string): nock.Scope {
  return api
    .post(
      `/repos/${owner}/${repo}/check-runs`,
      (body: Record<string, any>) => body?.name === "PR title" && body.head_sha === sha,
    )
    .reply(201, { id: 1 });
}
