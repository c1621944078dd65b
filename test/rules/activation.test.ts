import { describe, expect, test } from "@jest/globals";
import { decideActivation } from "../../src/rules/activation.js";

const repo = { owner: "acme", repo: "platform-gitops" };
const own = (config: unknown) => ({ owner: "acme", repo: "platform-gitops", config });
const org = (config: unknown) => ({ owner: "acme", repo: ".github", config });

describe("opt-in (decideActivation)", () => {
  test("the repository's own file turns it on, whatever it holds", () => {
    expect(decideActivation(repo, [own({})])).toEqual({ active: true, reason: "own-file" });
    expect(decideActivation(repo, [own({ _extends: ".github" }), org({ repositories: [] })])).toMatchObject({
      active: true,
    });
  });

  test("no file anywhere: off", () => {
    expect(decideActivation(repo, [own(null), org(null)])).toEqual({ active: false, reason: "no-file" });
  });

  test("the organization's file turns on the repositories it lists, by name or glob, without case", () => {
    expect(decideActivation(repo, [own(null), org({ repositories: ["Platform-GitOps"] })]).active).toBe(true);
    expect(decideActivation(repo, [own(null), org({ repositories: ["platform-*"] })])).toEqual({
      active: true,
      reason: "org-list",
    });
    expect(decideActivation(repo, [own(null), org({ repositories: ["*"] })]).active).toBe(true);
    expect(decideActivation(repo, [own(null), org({ repositories: ["apps-*"] })])).toEqual({
      active: false,
      reason: "not-listed",
    });
    // An organization file without a list is the shared defaults, not an opt-in for every repository.
    expect(decideActivation(repo, [own(null), org({ prTitle: { requireScope: true } })]).active).toBe(false);
  });

  test("the .github repository itself follows the list when its file has one", () => {
    const dotGithub = { owner: "acme", repo: ".github" };
    expect(decideActivation(dotGithub, [org({ repositories: ["platform-*"] })]).active).toBe(false);
    expect(decideActivation(dotGithub, [org({ repositories: [".github", "platform-*"] })]).active).toBe(true);
    expect(decideActivation(dotGithub, [org({})]).active).toBe(true);
  });
});
