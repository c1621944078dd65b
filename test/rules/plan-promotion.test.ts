import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promotionTargetSchema } from "../../src/config/sections/promotion.js";
import { planPromotion, type GatheredPromotion } from "../../src/rules/plan-promotion.js";
import { err, ok } from "../../src/util/result.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/promotion");
const PROD = "clusters/production/release.yaml";
const text = readFileSync(path.join(FIXTURES, "fleet", PROD), "utf8"); // pinned to v1.4.0

const gathered = (over: Partial<GatheredPromotion> = {}): GatheredPromotion => ({
  target: promotionTargetSchema.parse({ id: "prod", path: PROD }),
  tag: "v1.5.0",
  explicit: false,
  located: ok({ path: PROD, text }),
  openPull: null,
  repository: "https://github.com/example/fleet",
  ...over,
});

describe("planPromotion", () => {
  test("write: the edited file, the branch, the title, a new PR", () => {
    const plan = planPromotion(gathered());
    if (plan.action !== "write") throw new Error(JSON.stringify(plan));
    expect(plan).toMatchObject({
      path: PROD,
      branch: "promote/prod",
      title: "chore(release): promote v1.5.0 to prod",
      pull: { open: true },
      unblocks: "promotion-blocked:prod",
    });
    expect(plan.edit.text).toBe(text.replace("tag: v1.4.0", "tag: v1.5.0"));
  });

  test("an open PR moves to the new tag; one already at the tag is left alone", () => {
    const open = { number: 7, url: "https://github.com/example/fleet/pull/7", tag: "v1.4.1" };
    expect(planPromotion(gathered({ openPull: open }))).toMatchObject({
      action: "write",
      pull: { update: { number: 7 } },
    });
    expect(planPromotion(gathered({ openPull: { ...open, tag: "v1.5.0" } }))).toEqual({
      action: "skip",
      reason: "PR #7 already promotes `v1.5.0`",
    });
  });

  test("an older release never replaces a newer open PR automatically; an explicit one does", () => {
    const open = { number: 7, url: "u", tag: "v1.6.0" };
    expect(planPromotion(gathered({ openPull: open }))).toMatchObject({ action: "skip" });
    expect(planPromotion(gathered({ openPull: open, explicit: true }))).toMatchObject({ action: "write" });
  });

  test("production already at the tag → skip", () => {
    expect(planPromotion(gathered({ tag: "v1.4.0" }))).toEqual({
      action: "skip",
      reason: "production is already at `v1.4.0`",
    });
  });

  test("block: discovery's refusal or the edit's refusal, as the one issue of the target", () => {
    const ambiguous = planPromotion(
      gathered({
        target: promotionTargetSchema.parse({ id: "prod" }),
        located: err({ code: "ambiguous", message: "2 files hold GitRepository `flux-system/release`: …" }),
      }),
    );
    expect(ambiguous).toMatchObject({ action: "block", code: "ambiguous", path: null });
    if (ambiguous.action !== "block") return;
    expect(ambiguous.issue.key).toBe("promotion-blocked:prod");
    expect(ambiguous.issue.title).toBe("Promotion of v1.5.0 to prod is blocked");
    expect(ambiguous.issue.body).toContain("2 files hold GitRepository");
    // A release older than production (a late or redelivered `release.published`) is not blocked: nothing to do.
    // `/promote` of an older tag is a rollback on purpose: it writes.
    expect(planPromotion(gathered({ tag: "v1.3.0" }))).toMatchObject({ action: "skip" });
    expect(planPromotion(gathered({ tag: "v1.3.0", explicit: true }))).toMatchObject({
      action: "write",
      path: PROD,
    });
  });
});

describe("target configuration", () => {
  test("File needs path and field; field is checked; valueFormat only where a value format makes sense", () => {
    expect(promotionTargetSchema.safeParse({ kind: "File", path: "a.yaml" }).error?.issues[0]).toMatchObject({
      path: ["field"],
    });
    expect(
      promotionTargetSchema.safeParse({ kind: "File", path: "a.yaml", field: "images[name=x.newTag" }).error
        ?.issues[0]?.message,
    ).toContain("Cannot read the YAML path");
    expect(promotionTargetSchema.safeParse({ kind: "FluxInstance", valueFormat: "{version}" }).success).toBe(
      false,
    );
    expect(
      promotionTargetSchema.safeParse({
        kind: "File",
        path: "apps/production/kustomization.yaml",
        field: "images[name=ghcr.io/example/app].newTag",
        valueFormat: "{version}",
      }).success,
    ).toBe(true);
  });
});
