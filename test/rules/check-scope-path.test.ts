import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";
import { checkScopePath } from "../../src/rules/check-scope-path.js";
import {
  compileLayoutTemplates,
  matchLayoutPath,
  type LayoutMatch,
} from "../../src/rules/layout-templates.js";
import { splitPullRequestSuffix } from "../../src/rules/parse-conventional-commit.js";
import { loadHistory } from "../helpers/history-repo.js";

const parsed = parseConfig({});
if (!parsed.ok) throw new Error("defaults invalid");
const settings = parsed.value.layout;
const compiled = compileLayoutTemplates(settings);
if (!compiled.ok) throw new Error("defaults do not compile");
const layout = compiled.value;

function matchesOf(paths: string[]): LayoutMatch[] {
  return paths.map((p) => matchLayoutPath(layout, p)).filter((m): m is LayoutMatch => m !== null);
}

describe("scope ↔ path consistency", () => {
  // The squash commits on main carry the PR titles (with `(#N)`) and exactly the files each PR changed.
  const history = loadHistory();
  const pulls = history.commits
    .map((commit) => ({ ...splitPullRequestSuffix(commit.subject), commit }))
    .filter((pr) => pr.number !== null)
    .filter((pr, index, all) => all.findLastIndex((other) => other.number === pr.number) === index);

  test("the history has the 14 real PRs", () => {
    expect(pulls.map((pr) => pr.number).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    ]);
  });

  test.each(
    pulls.map((pr): [string, string[]] => [
      pr.title,
      pr.commit.changes.flatMap((c) => [c.path, ...(c.from ? [c.from] : [])]),
    ]),
  )("%s passes with the files it changed", (title, paths) => {
    const matches = matchesOf(paths);
    expect(matches.length).toBeGreaterThan(0);
    expect(checkScopePath(title, matches, settings)).toBeNull();
  });

  test.each([
    ["tenants(dummy): x", ["tenants/aws/prod/dummy/a.yaml"], null],
    ["providers(aws): x", ["providers/aws/v1/mgmt/namespaced/flux-system/a.yaml"], null],
    ["feat(helloworld): x", ["features/helloworld-operator/namespaced/a.yaml"], null],
    ["feat(hello): x", ["features/helloworld-operator/namespaced/a.yaml"], "`hello`"],
    ["feat(ingress): x", ["tenants/aws/prod/dummy/a.yaml"], "`ingress`"],
    ["chore(release): promote", ["providers/aws/v1/mgmt/namespaced/flux-system/a.yaml"], null],
    ["chore(deps): bump", ["features/x/namespaced/a.yaml"], null],
    ["docs(readme): x", ["README.md"], null],
    ["fix: no scope", ["features/x/namespaced/a.yaml"], null],
    ["fix(aws,dummy): x", ["tenants/aws/prod/dummy/a.yaml"], null],
    ["fix(aws,gcp): x", ["tenants/aws/prod/dummy/a.yaml"], "`gcp`"],
  ])("%s with %j", (title, paths, offending) => {
    const finding = checkScopePath(title, matchesOf(paths), settings);
    if (offending === null) expect(finding).toBeNull();
    else {
      expect(finding).toMatchObject({ path: "", rule: "scope-path", severity: "warning" });
      expect(finding?.message).toContain(`The title's scope ${offending} names no folder`);
    }
  });

  test("off disables the rule, error makes it an error, exempt scopes are configurable", () => {
    const matches = matchesOf(["tenants/aws/prod/dummy/a.yaml"]);
    expect(checkScopePath("feat(x): y", matches, { ...settings, scopePath: "off" })).toBeNull();
    expect(checkScopePath("feat(x): y", matches, { ...settings, scopePath: "error" })?.severity).toBe(
      "error",
    );
    expect(checkScopePath("feat(x): y", matches, { ...settings, scopePathExempt: ["x"] })).toBeNull();
  });
});
