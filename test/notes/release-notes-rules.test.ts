import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";
import type { Config } from "../../src/config/schema.js";
import { planReleaseNotes, renderPlannedNotes } from "../../src/notes/build-release-notes.js";
import type { ReleaseCommit } from "../../src/notes/collect-release-entries.js";
import { classifyTagPush } from "../../src/notes/classify-tag-push.js";
import { draftRelease, type GatheredNotes } from "../../src/notes/draft-release.js";
import { pickPreviousTag, readVersionTag } from "../../src/notes/version-tags.js";

function config(raw: object = {}): Config {
  const parsed = parseConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

const commit = (message: string, login: string | null = "dev", sha = "c".repeat(40)): ReleaseCommit => ({
  sha,
  message,
  author: { login, name: "Dev" },
});

const links = { compare: "https://x/compare", pull: (n: number) => `https://x/pull/${n}`, commit: null };

function notes(
  tag: string,
  previousTag: string | null,
  commits: ReleaseCommit[],
  raw: object = {},
  limit?: number,
) {
  const rules = config(raw).release;
  const version = readVersionTag(tag, rules.tagPrefix, rules.versionScheme);
  if (!version) throw new Error(`not a version: ${tag}`);
  const previousVersion = previousTag
    ? readVersionTag(previousTag, rules.tagPrefix, rules.versionScheme)
    : null;
  const plan = planReleaseNotes(
    { version, previousTag, previousVersion, commits, previousOnlyCommits: [] },
    rules,
  );
  return renderPlannedNotes(
    plan,
    {
      firstTimeContributors: new Set(),
      changedPaths: [],
      changedPathsComplete: true,
      matchLayout: null,
      links,
    },
    rules,
    limit,
  );
}

describe("pickPreviousTag: by semver, not ancestry", () => {
  const tags = ["v0.9.0", "v1.0.0-rc.1", "v1.0.0", "v1.1.0-rc.1", "v1.1.0", "v2.0.0", "release-3", "1.0.5"];
  test.each([
    ["v1.1.0", "v1.0.0"], // final release: skips v1.1.0-rc.1
    ["v1.1.0-rc.1", "v1.0.0"],
    ["v1.0.0", "v0.9.0"],
    ["v1.0.0-rc.1", "v0.9.0"],
    ["v1.1.0-rc.2", "v1.1.0-rc.1"], // not in the list: pre-release after pre-release
    ["v0.9.0", null],
    ["v3.0.0", "v2.0.0"],
  ])("%s → %s", (tag, previous) => {
    expect(pickPreviousTag(tags, tag, "v")).toBe(previous);
  });
  test("another prefix", () =>
    expect(pickPreviousTag(["app-1.0.0", "v9.0.0"], "app-1.1.0", "app-")).toBe("app-1.0.0"));
});

describe("classifyTagPush", () => {
  test.each([
    [{ ref: "refs/heads/main", deleted: false }, { kind: "not-a-tag" }],
    [
      { ref: "refs/tags/simple-tag", deleted: false },
      { kind: "not-a-version", tag: "simple-tag" },
    ],
    [
      { ref: "refs/tags/v1.2.3", deleted: true },
      { kind: "deleted", tag: "v1.2.3" },
    ],
    [
      { ref: "refs/tags/v1.2.3-rc.1", deleted: false },
      { kind: "pushed", tag: "v1.2.3-rc.1", version: { scheme: "semver", prerelease: true } },
    ],
    [
      { ref: "refs/tags/v2024.06.1", deleted: false },
      { kind: "pushed", tag: "v2024.06.1", version: { scheme: "calver", prerelease: false } },
    ],
  ])("%j → %j", (push, kind) => expect(classifyTagPush(push, "v")).toMatchObject(kind));
});

describe("entries and sections", () => {
  test("breaking changes are listed under Breaking changes and under their type; `BREAKING CHANGE:` footers count", () => {
    const result = notes("v2.0.0", "v1.0.0", [
      commit("feat(api)!: drop v1 (#3)"),
      commit("fix(db): rename column (#4)\n\nBREAKING CHANGE: the column is renamed"),
      commit("docs: typo (#5)", "bot[bot]"),
    ]);
    expect(result.markdown).toBe(
      [
        "### Breaking changes",
        "",
        "- **api:** drop v1 ([#3](https://x/pull/3)) by @dev",
        "- **db:** rename column ([#4](https://x/pull/4)) by @dev",
        "",
        "### Features",
        "",
        "- **api:** drop v1 ([#3](https://x/pull/3)) by @dev",
        "",
        "### Fixes",
        "",
        "- **db:** rename column ([#4](https://x/pull/4)) by @dev",
        "",
        "### Other changes",
        "",
        "- typo ([#5](https://x/pull/5)) by @bot[bot]",
        "",
        "### Contributors",
        "",
        "@dev, @bot[bot]",
        "",
        "**Full changelog:** [v1.0.0...v2.0.0](https://x/compare)",
        "",
      ].join("\n"),
    );
    expect(result.pullRequests.map((pr) => [pr.number, pr.breaking])).toEqual([
      [3, true],
      [4, true],
      [5, false],
    ]);
  });

  test("a PR listed twice is listed once; PRs without (#N) use the associated PR, else stay plain commits", () => {
    const result = notes("v1.0.1", "v1.0.0", [
      commit("fix: a (#7)"),
      commit("fix: a (#7)"),
      {
        ...commit("wip", "dev", "d".repeat(40)),
        associatedPullRequest: { number: 8, title: "fix(x): b", login: "eve" },
      },
      commit("Merge pull request #9 from o/branch\n\ntenants(t1): c"),
      commit("plain commit", null, "e".repeat(40)),
    ]);
    expect(result.pullRequests.map((pr) => pr.number)).toEqual([9, 7, 8]); // Tenants before Fixes; by number within a section
    expect(result.markdown).toContain("- **x:** b ([#8](https://x/pull/8)) by @eve");
    expect(result.markdown).toContain("- **t1:** c ([#9](https://x/pull/9)) by @dev");
    expect(result.markdown).toContain("- plain commit (eeeeeee)");
  });

  test("custom sections, heading and order; types no section names go to a final Other changes", () => {
    const result = notes("v1.0.1", "v1.0.0", [commit("fix: a (#1)"), commit("chore: b (#2)")], {
      release: { sections: [{ heading: "Bug fixes 🐛", types: ["fix"] }] },
    });
    expect(result.markdown).toMatch(/^### Bug fixes 🐛\n\n- a .*\n\n### Other changes\n\n- b /);
  });
});

describe("version check, template, length", () => {
  test("a breaking change released as a patch → a warning at the top naming the PR and the expected tag", () => {
    const result = notes("v1.4.1", "v1.4.0", [commit("feat!: new api (#9)")]);
    expect(result.markdown.split("\n\n")[0]).toBe(
      "> [!WARNING]\n> These changes need a **major** version bump (#9), but v1.4.1 is a patch release after v1.4.0. Consider tagging v2.0.0 instead.",
    );
    expect(notes("v2.0.0", "v1.4.0", [commit("feat!: new api (#9)")]).markdown).not.toContain("[!WARNING]");
    // Below 1.0.0 a breaking change needs a minor bump.
    expect(notes("v0.2.0", "v0.1.0", [commit("feat!: x (#1)")]).markdown).not.toContain("[!WARNING]");
    expect(notes("v0.1.1", "v0.1.0", [commit("feat: x (#1)")]).markdown).toContain(
      "need a **minor** version bump",
    );
  });

  test("a template places the parts", () => {
    const result = notes("v1.0.1", "v1.0.0", [commit("fix: a (#1)")], {
      release: { template: "Since $PREVIOUS_TAG:\n\n$CHANGES\n\nBy $CONTRIBUTORS — $COMPARE_URL" },
    });
    expect(result.markdown).toBe(
      "Since v1.0.0:\n\n### Fixes\n\n- a ([#1](https://x/pull/1)) by @dev\n\nBy @dev — https://x/compare\n",
    );
  });

  test("over the limit: the longest section is shortened, the link kept", () => {
    const many = Array.from({ length: 4000 }, (_, i) => commit(`fix(s): change number ${i + 1} (#${i + 1})`));
    const full = notes("v1.0.1", "v1.0.0", many, {}, Number.POSITIVE_INFINITY).markdown;
    expect(full.length).toBeGreaterThan(125_000);
    const short = notes("v1.0.1", "v1.0.0", many).markdown; // GitHub's limit by default
    expect(short.length).toBeLessThanOrEqual(125_000);
    expect(short).toMatch(/- … and \d+ more \(see the full changelog below\)/);
    expect(short.endsWith("**Full changelog:** [v1.0.0...v1.0.1](https://x/compare)\n")).toBe(true);
  });

  test("excludeTitles run on RE2: a backtracking pattern is safe to accept, lookaround is rejected with the fix", () => {
    expect(parseConfig({ release: { excludeTitles: ["^(a+)+$"] } }).ok).toBe(true);
    const parsed = parseConfig({ release: { excludeTitles: ["^(?!feat)"] } });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.error[0]).toMatchObject({ path: "release.excludeTitles[0]", value: '"^(?!feat)"' });
  });
});

describe("type aliases: emoji and gitmoji prefixes", () => {
  const titles = [
    commit(":bug: Fix the webhook port (#1)"),
    commit("🌱 Bump controller-runtime (#2)"),
    commit("✨ feat(api): add a field (#3)"),
    commit("⚠ Remove the v1alpha4 API (#4)"), // no variation selector: still Cluster API's ⚠️
    commit(":sparkles: Add MachineDrainRules (#5)"),
    commit("Update README (#6)"),
  ];

  test("the default aliases sort them like `type: …` titles; ⚠️ is a breaking change", () => {
    const result = notes("v2.0.0", "v1.0.0", titles);
    expect(result.pullRequests.map((pr) => [pr.number, pr.type, pr.scope, pr.subject, pr.breaking])).toEqual([
      [4, null, null, "Remove the v1alpha4 API", true],
      [3, "feat", "api", "add a field", false],
      [5, "feat", null, "Add MachineDrainRules", false],
      [1, "fix", null, "Fix the webhook port", false],
      [2, "chore", null, "Bump controller-runtime", false],
      [6, null, null, "Update README", false],
    ]);
    expect(result.markdown).toMatch(/^### Breaking changes\n\n- Remove the v1alpha4 API /);
    expect(result.markdown).toContain("### Fixes\n\n- Fix the webhook port ");
  });

  test("`typeAliases: {}` turns them off; a configured alias replaces the default", () => {
    const off = notes("v1.0.1", "v1.0.0", titles, { release: { typeAliases: {} } });
    expect(off.pullRequests.every((pr) => pr.type === null)).toBe(true);
    const own = notes("v1.0.1", "v1.0.0", [commit("[fix] correct it (#1)"), commit("🐛 x (#2)")], {
      release: { typeAliases: { "[fix]": "fix" } },
    });
    expect(own.pullRequests.map((pr) => [pr.number, pr.type])).toEqual([
      [1, "fix"],
      [2, null],
    ]);
  });

  test("a bad alias value is refused with the fix", () => {
    const parsed = parseConfig({ release: { typeAliases: { "🐛": "Fix it" } } });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.error[0]).toMatchObject({
        path: "release.typeAliases.🐛",
        message: expect.stringContaining("a type (`feat`), a type with `!`"),
      });
  });
});

describe("CalVer tags", () => {
  const tags = ["v2024.05.3", "v2024.06.0", "v2024.06.1-rc.1", "v2024.06.1", "v2024.10.0", "v1.2.3"];
  test.each([
    ["v2024.06.1", "v2024.06.0"], // a final release skips the release candidate
    ["v2024.06.1-rc.1", "v2024.06.0"],
    ["v2024.10.0", "v2024.06.1"], // by number, not by text (10 > 06)
    ["v2024.05.3", "v1.2.3"],
  ])("%s → previous %s", (tag, previous) => expect(pickPreviousTag(tags, tag, "v")).toBe(previous));

  test("auto: a four-digit first number is CalVer; `semver` refuses it; `calver` reads two-digit years", () => {
    expect(readVersionTag("v2024.06.1", "v")).toMatchObject({ scheme: "calver" });
    expect(readVersionTag("v2024.6", "v")).toMatchObject({ scheme: "calver" });
    expect(readVersionTag("v1.2.3", "v")).toMatchObject({ scheme: "semver" });
    expect(readVersionTag("v24.04.1", "v")).toBeNull(); // not SemVer (leading zero), not a year
    expect(readVersionTag("v2024.06.1", "v", "semver")).toBeNull();
    expect(readVersionTag("24.04.1", "", "calver")).toMatchObject({ scheme: "calver" });
    expect(pickPreviousTag(["23.10.2", "24.04.0", "24.04.1"], "24.04.1", "", "calver")).toBe("24.04.0");
  });

  test("no version-bump warning between CalVer tags: the number says when, not how much changed", () => {
    const result = notes("v2024.06.1", "v2024.06.0", [commit("feat!: drop the old API (#9)")]);
    expect(result.markdown).not.toContain("[!WARNING]");
    expect(result.markdown).toContain("### Breaking changes");
    // The same change between SemVer tags still warns.
    expect(notes("v1.4.1", "v1.4.0", [commit("feat!: drop the old API (#9)")]).markdown).toContain(
      "[!WARNING]",
    );
  });
});

describe("draftRelease: one pure step from what was gathered to the draft", () => {
  const gathered = (overrides: Partial<GatheredNotes> = {}): GatheredNotes => {
    const cfg = config();
    const version = readVersionTag("v1.0.1-rc.1", "v")!;
    const plan = planReleaseNotes(
      {
        version,
        previousTag: "v1.0.0",
        previousVersion: readVersionTag("v1.0.0", "v"),
        commits: [commit("fix: a (#1)")],
        previousOnlyCommits: [],
      },
      cfg.release,
    );
    return {
      plan,
      firstTimeContributors: new Set(),
      changedPaths: [],
      changedPathsComplete: true,
      layout: cfg.layout,
      configProblems: null,
      htmlUrl: "https://github.com/o/r",
      rules: cfg.release,
      ...overrides,
    };
  };

  test("the draft: tag, name, pre-release from the tag read once, links into the repository", () => {
    const draft = draftRelease(gathered());
    expect(draft).toMatchObject({ tag: "v1.0.1-rc.1", name: "v1.0.1-rc.1", prerelease: true });
    expect(draft.body).toContain("([#1](https://github.com/o/r/pull/1))");
    expect(draft.body).toContain(
      "**Full changelog:** [v1.0.0...v1.0.1-rc.1](https://github.com/o/r/compare/v1.0.0...v1.0.1-rc.1)",
    );
  });

  test("the notes own their warnings: an invalid file and an invalid layout go on top; no address, no links", () => {
    // A layout the schema would refuse (the defaults are used then): its problem still reaches the notes.
    const layout = { ...config().layout, templates: { x: "a/{file}/{file}" } };
    const draft = draftRelease(
      gathered({ configProblems: "- `release.x`: unknown key", layout, htmlUrl: null }),
    );
    const [first, second] = draft.body.split("\n\n");
    expect(first).toContain(
      "`.github/gitops-release-bot.yml` is invalid, so these notes use the default settings",
    );
    expect(first).toContain("> - `release.x`: unknown key");
    expect(second).toMatch(/^> \[!NOTE\]\n> No Platform impact: the layout configuration is invalid: /);
    expect(draft.body).toContain("- a (#1) by @dev");
  });
});
