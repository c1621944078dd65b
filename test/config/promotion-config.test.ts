import { describe, expect, test } from "@jest/globals";
import { parseConfig } from "../../src/config/parse-config.js";

describe("promotion config", () => {
  test("defaults: one target, the GitRepository release in flux-system, discovered", () => {
    const config = parseConfig({});
    if (!config.ok) throw new Error("invalid");
    expect(config.value.promotion.targets).toEqual([
      expect.objectContaining({
        id: null,
        kind: "GitRepository",
        name: "release",
        namespace: "flux-system",
        path: null,
        title: "chore(release): promote {tag} to {target}",
        labels: ["promotion"],
        draft: false,
        prereleases: false,
      }),
    ]);
  });

  test("a target's inner defaults apply", () => {
    const config = parseConfig({ promotion: { targets: [{ id: "aws-prod", displayName: "aws prod" }] } });
    if (!config.ok) throw new Error("invalid");
    expect(config.value.promotion.targets[0]).toMatchObject({
      id: "aws-prod",
      name: "release",
      labels: ["promotion"],
    });
  });

  test("a bad kind is reported with the allowed values", () => {
    const config = parseConfig({ promotion: { targets: [{ kind: "HelmRepository" }] } });
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(config.error[0]).toMatchObject({ path: "promotion.targets[0].kind", value: '"HelmRepository"' });
    expect(config.error[0]!.message).toContain('"OCIRepository"');
  });
});
