import { describe, expect, test } from "@jest/globals";
import { formatConfigProblems, parseConfig } from "../../src/config/parse-config.js";

describe("parseConfig", () => {
  test("an empty or missing file gives the documented defaults", () => {
    const config = parseConfig({});
    expect(config.ok).toBe(true);
    expect(parseConfig(null)).toEqual(config);
    expect(config.ok && config.value).toMatchSnapshot();
  });

  test("`_extends` is resolved before validation and is not an unknown key", () => {
    expect(parseConfig({ _extends: ".github", prTitle: { requireScope: true } })).toMatchObject({
      ok: true,
      value: { prTitle: { requireScope: true, maxHeaderLength: 72 } },
    });
  });

  test("unknown keys are rejected with their path and the keys allowed there", () => {
    const config = parseConfig({ prTitle: { requireScopes: true }, prTitles: {} });
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(config.error.map((p) => p.path)).toEqual(["prTitle.requireScopes", "prTitles"]);
    expect(config.error[0]!.message).toContain(
      'unknown key "requireScopes"; allowed keys here: enabled, types, requireScope',
    );
    expect(config.error[1]!.message).toContain("allowed keys here: prTitle");
  });

  test("bad values are quoted with what is allowed", () => {
    const config = parseConfig({
      prTitle: { types: ["feat", "Fix Me"], subjectCase: "upper", maxHeaderLength: 5 },
    });
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(formatConfigProblems(config.error)).toBe(
      [
        '- `prTitle.types[1]`: got `"Fix Me"` — a type has no spaces: a name (`feat`, `hot-fix`) or a pattern (`[A-Z]+-\\d+`)',
        '- `prTitle.subjectCase`: got `"upper"` — must be one of "lower", "any"',
        "- `prTitle.maxHeaderLength`: got `5` — Too small: expected number to be >=20",
      ].join("\n"),
    );
  });

  test("a file that is not a mapping is one problem for the whole file", () => {
    expect(parseConfig(["a"])).toEqual({
      ok: false,
      error: [
        { path: "(file)", value: '["a"]', message: "the file must be a YAML mapping of keys to values" },
      ],
    });
  });
});

describe("documentation", () => {
  test("the README's example configuration is valid", async () => {
    const { readFileSync } = await import("node:fs");
    const { parse } = await import("yaml");
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const block = /```yaml\n(# \.github\/gitops-release-bot\.yml\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const config = parseConfig(parse(block!));
    expect(config.ok ? [] : formatConfigProblems(config.error)).toEqual([]);
  });
});
