// @ts-check
// GitHub's GraphQL schema (the public description shipped by @octokit/graphql-schema), for checking the queries the
// app sends, as github-rest-schema.js does for REST: the fake GitHub and the nock helpers validate every query with it.
import { schema as githubSchema } from "@octokit/graphql-schema";
import { buildSchema, parse, validate } from "graphql";

/** @type {import("graphql").GraphQLSchema | undefined} */
let built;

/** GitHub's schema, built once on first use (about a second: the description is 1.2 MB of SDL). */
export function graphqlSchema() {
  // The published description defines two fields twice (EnterpriseOwnerInfo.repositoryDeployKeySetting…); GitHub
  // serves it as is, so it is built without re-validating the SDL itself (queries are still validated against it).
  built ??= buildSchema(githubSchema.idl, { assumeValidSDL: true });
  return built;
}

/**
 * What is wrong with a GraphQL request body (`{ query, variables?, operationName? }`) against GitHub's schema: not
 * parseable, unknown types or fields, wrong argument types, undeclared or unused variables. Empty when valid.
 * @param {unknown} body
 * @returns {string[]}
 */
export function graphqlRequestProblems(body) {
  const request = /** @type {{ query?: unknown; variables?: unknown }} */ (body ?? {});
  if (typeof request.query !== "string") return ["POST /graphql: the body has no `query` string"];
  let document;
  try {
    document = parse(request.query);
  } catch (error) {
    return [`POST /graphql: the query does not parse: ${error instanceof Error ? error.message : error}`];
  }
  return validate(graphqlSchema(), document).map(
    (error) => `POST /graphql: the query does not match GitHub's GraphQL schema: ${error.message}`,
  );
}
