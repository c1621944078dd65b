import { createHash } from "node:crypto";
import type nock from "nock";

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

/** One blob, base64 as the API returns it. */
export function mockBlob(api: nock.Scope, owner: string, repo: string, text: string): nock.Scope {
  const sha = blobSha(text);
  return api.get(`/repos/${owner}/${repo}/git/blobs/${sha}`).reply(200, {
    sha,
    node_id: "B_1",
    size: Buffer.byteLength(text),
    url: `https://api.github.com/repos/${owner}/${repo}/git/blobs/${sha}`,
    content: Buffer.from(text).toString("base64"),
    encoding: "base64",
  });
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
