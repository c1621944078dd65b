// The implementation is plain ESM under demo/lib so that the fake GitHub of `npm run demo` shares it with the tests.
export { findOperation, requestProblems } from "../../demo/lib/github-rest-schema.js";
