import { afterAll, describe, expect, test } from "@jest/globals";
import { buildHistoryRepo, git } from "../helpers/history-repo.js";
import { runCli } from "../../src/cli/run-cli.js";

/** Runs the CLI and returns [exit code, stdout, stderr]. */
async function cli(args: string[]): Promise<[number, string, string]> {
  let out = "";
  let errText = "";
  const code = await runCli(
    args,
    (t) => (out += `${t}\n`),
    (t) => (errText += `${t}\n`),
  );
  return [code, out, errText];
}

describe("notes for the real repository's tags (rebuilt history)", () => {
  const repo = buildHistoryRepo();
  afterAll(() => repo.cleanup());
  const initial = () => repo.shaOf(repo.history.commits[0]!.sha).slice(0, 7);

  test("v0.0.1: the first release lists every PR, the initial commit as a plain commit, everything as impact", async () => {
    const [code, out] = await cli(["notes", "--repo", repo.dir, "--tag", "v0.0.1"]);
    expect(code).toBe(0);
    expect(out).toBe(
      [
        "### Features",
        "",
        "- **helloworld:** add operator deployment (#1)",
        "- **ingress:** add nginx controller deployment (#2)",
        "- **access-control:** add namespace admin and reader clusterroles (#3)",
        "",
        "### Providers",
        "",
        "- **aws:** add prod and non-prod cluster configuration (#4)",
        "- **aws:** add flux-system self-management (#5)",
        "- **aws:** add cluster deployment non-prod eu-west-1 (#6)",
        "- **aws:** add cluster deployment prod eu-west-1 (#7)",
        "",
        "### Tenants",
        "",
        "- **dummy:** onboarding namespace to aws (#8)",
        "",
        "### Other changes",
        "",
        `- Initial commit (${initial()})`,
        "",
        "### Platform impact",
        "",
        "- **Features:** `access-control`, `helloworld-operator`, `ingress-nginx`",
        "- **Clusters:** aws mgmt: `flux-system`, `non-prod-eu-west-1`, `prod-eu-west-1`; aws non-prod: `common`, `non-prod-eu-west-1`; aws prod: `common`, `prod-eu-west-1`",
        "- **Tenants:** aws common: `dummy`; aws non-prod: `dummy`; aws prod: `dummy`",
        "- **Other files:** `README.md`",
        "",
        "### Contributors",
        "",
        "Bernd Malmqvist (first contribution)",
        "",
        "**Full changelog:** every commit up to `v0.0.1`",
        "",
      ].join("\n"),
    );
  });

  test("v0.0.2 (off main): #10 only; the promotion #9 is left out", async () => {
    const [code, out] = await cli(["notes", "--repo", repo.dir, "--tag", "v0.0.2"]);
    expect(code).toBe(0);
    expect(out).toBe(
      [
        "### Tenants",
        "",
        "- **dummy:** increase compute quota (#10)",
        "",
        "### Platform impact",
        "",
        "- **Clusters:** aws mgmt: `flux-system`",
        "- **Tenants:** aws common: `dummy`",
        "",
        "### Contributors",
        "",
        "Bernd Malmqvist",
        "",
        "**Full changelog:** `v0.0.1...v0.0.2`",
        "",
      ].join("\n"),
    );
  });

  test("v0.0.3: exactly #12 and #13 — #9/#10 are in v0.0.2 (re-listed by ancestry), #11 is a promotion", async () => {
    // By ancestry, v0.0.2..v0.0.3 re-lists #9 and #10: the previous tag is off main.
    const byAncestry = git(repo.dir, ["log", "--format=%s", "v0.0.2..v0.0.3"]);
    expect(byAncestry).toContain("(#10)");
    const [code, out] = await cli(["notes", "--repo", repo.dir, "--tag", "v0.0.3", "--json"]);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.tag).toBe("v0.0.3");
    expect(json.previousTag).toBe("v0.0.2");
    expect(json.pullRequests).toEqual([
      {
        number: 12,
        type: "providers",
        scope: "aws",
        subject: "apply access-control feature to mgmt cluster",
        breaking: false,
      },
      {
        number: 13,
        type: "fix",
        scope: "aws",
        subject: "correct non-prod-eu-west-1 filenames",
        breaking: false,
      },
    ]);
    expect(json.impact).toEqual({
      lines: [
        { heading: "Clusters", groups: [{ name: "aws mgmt", items: ["flux-system", "non-prod-eu-west-1"] }] },
      ],
      otherPaths: [],
      complete: true,
    });
    expect(json.markdown).toBe(
      [
        "### Providers",
        "",
        "- **aws:** apply access-control feature to mgmt cluster (#12)",
        "",
        "### Fixes",
        "",
        "- **aws:** correct non-prod-eu-west-1 filenames (#13)",
        "",
        "### Platform impact",
        "",
        "- **Clusters:** aws mgmt: `flux-system`, `non-prod-eu-west-1`",
        "",
        "### Contributors",
        "",
        "Bernd Malmqvist",
        "",
        "**Full changelog:** `v0.0.2...v0.0.3`",
        "",
      ].join("\n"),
    );
  });

  test("--previous overrides the semver choice; the promotion filter is configurable", async () => {
    const dir = repo.dir;
    const config = `${dir}/.git/notes-config.yml`;
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      config,
      "release:\n  excludeTitles: []\n  contributors: false\n  impact:\n    enabled: false\n",
    );
    const [code, out] = await cli([
      "notes",
      "--repo",
      dir,
      "--tag",
      "v0.0.3",
      "--previous",
      "v0.0.1",
      "--config",
      config,
      "--json",
    ]);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.previousTag).toBe("v0.0.1");
    expect(json.pullRequests.map((pr: { number: number }) => pr.number)).toEqual([12, 10, 13, 9, 11]); // section order: Providers, Tenants, Fixes, Other
    expect(json.impact).toBeNull();
    expect(json.markdown).not.toContain("### Contributors");
  });

  test("bad usage exits 2 with a message quoting the value", async () => {
    expect(await cli(["notes", "--repo", repo.dir, "--tag", "release-1"])).toEqual([
      2,
      "",
      'error: "release-1" is not a version tag: expected "v" followed by a semantic version, e.g. "v1.2.3", or a calendar version, e.g. "v2024.06.1" (set release.tagPrefix for another prefix, release.versionScheme for the scheme)\n',
    ]);
    expect((await cli(["notes", "--repo", repo.dir, "--tag", "v9.9.9"]))[2]).toContain('no tag "v9.9.9"');
    expect((await cli(["notes", "--tag", "v0.0.3"]))[2]).toContain("--repo and --tag are required");
  });
});
