// @ts-check
// GitHub's GraphQL endpoint for the fake (`POST /graphql`, and `/api/graphql` where Octokit sends it under GHE_HOST).
// Queries are parsed and validated against GitHub's real GraphQL schema, then executed with graphql-js against that
// schema, answered from the fake's own data (git and its pull requests). Only the fields the app reads are backed:
// a valid query that asks for another field gets GitHub's `errors` shape and a recorded problem, so a new query in
// the app fails loudly here until the fake learns it.
import { execute, parse, validate } from "graphql";
import { graphqlSchema } from "./github-graphql-schema.js";

/**
 * @typedef {import("./fake-github.js").FakeGitHub} FakeGitHub
 * @typedef {import("./fake-github.js").FakeResponse} FakeResponse
 * @typedef {import("./github-shapes.js").PullState} PullState
 */

/**
 * Answers one GraphQL request as GitHub does: HTTP 200 with `{ data, errors? }`; a body without a query is a 400.
 * Every validation or execution error is also pushed to `problems` (the request's recorded problems).
 * @param {FakeGitHub} fake @param {Record<string, any>} body @param {string[]} problems
 * @returns {Promise<FakeResponse>}
 */
export async function answerGraphql(fake, body, problems) {
  if (typeof body.query !== "string") {
    problems.push("POST /graphql: the body has no `query` string");
    return {
      status: 400,
      body: {
        message: "A query attribute must be specified and must be a string.",
        documentation_url: "https://docs.github.com/graphql",
      },
    };
  }
  let document;
  try {
    document = parse(body.query);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.push(`POST /graphql: the query does not parse: ${message}`);
    return { status: 200, body: { errors: [{ message }] } };
  }
  const invalid = validate(graphqlSchema(), document);
  if (invalid.length) {
    problems.push(
      ...invalid.map((e) => `POST /graphql: the query does not match GitHub's GraphQL schema: ${e.message}`),
    );
    return { status: 200, body: { errors: invalid.map((e) => e.toJSON()) } };
  }
  const result = await execute({
    schema: graphqlSchema(),
    document,
    rootValue: queryRoot(fake),
    variableValues: body.variables ?? {},
    operationName: body.operationName ?? null,
  });
  for (const error of result.errors ?? []) {
    problems.push(
      `POST /graphql: the fake cannot answer ${error.path?.join(".") ?? "the query"}: ${error.message}`,
    );
  }
  return { status: 200, body: JSON.parse(JSON.stringify(result)) };
}

/**
 * The `Query` root. graphql-js's default resolvers read each field from these objects (calling functions with the
 * field's arguments), and resolve interfaces (`GitObject`, `Actor`) by `__typename`.
 * @param {FakeGitHub} fake
 */
function queryRoot(fake) {
  return {
    /** @param {{ owner: string; name: string }} args */
    repository: ({ owner, name }) => {
      const ours =
        owner.toLowerCase() === fake.repo.owner.toLowerCase() &&
        name.toLowerCase() === fake.repo.name.toLowerCase();
      // GitHub answers `repository: null` with an error for a repository it cannot see.
      if (!ours) throw new Error(`Could not resolve to a Repository with the name '${owner}/${name}'.`);
      return repositoryNode(fake);
    },
  };
}

/** @param {FakeGitHub} fake */
function repositoryNode(fake) {
  const repo = fake.repo;
  return {
    __typename: "Repository",
    name: repo.name,
    nameWithOwner: `${repo.owner}/${repo.name}`,
    squashMergeAllowed: repo.allow_squash_merge,
    mergeCommitAllowed: repo.allow_merge_commit,
    rebaseMergeAllowed: repo.allow_rebase_merge,
    squashMergeCommitTitle: repo.squash_merge_commit_title,
    squashMergeCommitMessage: repo.squash_merge_commit_message,
    /** @param {{ oid?: string; expression?: string }} args */
    object: async ({ oid, expression }) => {
      // A blob by its id (the app reads manifests this way, many per query).
      if (oid && (await fake.git.objectType(oid.toLowerCase())) === "blob")
        return blobNode(fake, oid.toLowerCase());
      const sha = await fake.git.resolveCommit(oid ?? expression ?? "");
      // `object(oid:)` needs the full object id; an unknown one is null (no error), as on GitHub.
      if (!sha || (oid && sha !== oid.toLowerCase())) return null;
      return commitNode(fake, sha);
    },
  };
}

/**
 * GitHub's Blob: `text` is null for binary content (a NUL byte in the first 8 KB, as git decides); the fake never
 * truncates.
 * @param {FakeGitHub} fake @param {string} sha
 */
async function blobNode(fake, sha) {
  const content = await fake.git.readBlob(sha);
  const binary = content.subarray(0, 8000).includes(0);
  return {
    __typename: "Blob",
    oid: sha,
    byteSize: content.length,
    isBinary: binary,
    isTruncated: false,
    text: binary ? null : content.toString("utf8"),
  };
}

/** @param {FakeGitHub} fake @param {string} sha */
function commitNode(fake, sha) {
  return {
    __typename: "Commit",
    oid: sha,
    /** @param {{ first?: number | null; last?: number | null }} args */
    associatedPullRequests: async ({ first, last }) => {
      for (const [name, value] of Object.entries({ first, last })) {
        // GitHub's connection limit: 1..100 nodes.
        if (value !== null && value !== undefined && (value < 1 || value > 100)) {
          throw new Error(
            `Requesting ${value} records on the \`associatedPullRequests\` connection exceeds the \`${name}\` limit of 100 records.`,
          );
        }
      }
      if (first == null && last == null) {
        throw new Error(
          "You must provide a `first` or `last` value to properly paginate the `associatedPullRequests` connection.",
        );
      }
      // GitHub's default order is CREATED_AT ascending.
      const all = (await fake.associatedPulls(sha)).sort((a, b) => a.number - b.number);
      const nodes = first != null ? all.slice(0, first) : all.slice(-(last ?? all.length));
      return {
        totalCount: all.length,
        nodes: nodes.map((pr) => pullNode(fake, pr)),
        pageInfo: { hasNextPage: nodes.length < all.length, hasPreviousPage: false },
      };
    },
  };
}

/** @param {FakeGitHub} fake @param {PullState} pr */
function pullNode(fake, pr) {
  const bot = pr.user.endsWith("[bot]");
  return {
    __typename: "PullRequest",
    number: pr.number,
    title: pr.title,
    state: pr.merged ? "MERGED" : pr.state === "open" ? "OPEN" : "CLOSED",
    merged: pr.merged,
    isDraft: pr.draft,
    baseRefName: pr.base,
    headRefName: pr.head,
    headRefOid: pr.headSha,
    mergeCommit: pr.mergeCommitSha ? commitNode(fake, pr.mergeCommitSha) : null,
    // GraphQL's Bot login is the app's slug, without the `[bot]` REST adds.
    author: { __typename: bot ? "Bot" : "User", login: bot ? pr.user.slice(0, -"[bot]".length) : pr.user },
    url: `${fake.url}/${fake.repo.owner}/${fake.repo.name}/pull/${pr.number}`,
    createdAt: pr.createdAt,
    updatedAt: pr.updatedAt,
    mergedAt: pr.mergedAt,
  };
}
