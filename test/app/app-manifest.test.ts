import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { wizardManifest } from "../../src/runtime/wizard-manifest.js";

const APP_YML = readFileSync(new URL("../../app.yml", import.meta.url), "utf8");
const manifest = parse(APP_YML) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};

/**
 * The permission GitHub requires before it sends each event to an App (GitHub docs, "Webhook events and payloads":
 * each event's "availability" names it). An event whose permission is missing is silently never delivered.
 */
const PERMISSION_OF_EVENT: Record<string, string[]> = {
  pull_request: ["pull_requests"],
  check_run: ["checks"],
  check_suite: ["checks"],
  merge_group: ["merge_queues"],
  push: ["contents"],
  release: ["contents"],
  issue_comment: ["issues", "pull_requests"],
  status: ["statuses"],
  issues: ["issues"],
};

/** What each permission is for; anything else is more than the features need. */
const NEEDED: Record<string, string> = {
  checks: "write", // the checks' runs
  contents: "write", // release drafts, the promotion branch's commits, merge settings readable
  pull_requests: "write", // promotion PRs, reviewers
  issues: "write", // tracking issues, /promote answers, labels
  metadata: "read",
  merge_queues: "read", // merge_group deliveries
  statuses: "read", // Flux's commit statuses: the Rollout section and check (never written)
};

describe("app.yml (the App's registration)", () => {
  test.each(manifest.default_events)("event %s has the permission GitHub requires for it", (event) => {
    const needs = PERMISSION_OF_EVENT[event];
    expect(needs).toBeDefined();
    expect(needs!.some((permission) => manifest.default_permissions[permission])).toBe(true);
  });

  test("asks for nothing more than the features need, each permission explained by a comment", () => {
    expect(manifest.default_permissions).toEqual(NEEDED);
    // Each `  name: level` line under default_permissions follows a comment line saying why.
    const lines = APP_YML.split("\n");
    const from = lines.indexOf("default_permissions:");
    for (const name of Object.keys(NEEDED)) {
      const at = lines.findIndex((line, i) => i > from && line === `  ${name}: ${NEEDED[name]}`);
      expect([name, lines[at - 1]]).toEqual([name, expect.stringMatching(/^ {2}# \S.{10,}/)]);
    }
  });

  test("the wizard's manifest: this app.yml, the webhook route, private", () => {
    const json = JSON.parse(wizardManifest(APP_YML, "https://bot.example.com", {})) as Record<string, any>;
    expect(json.hook_attributes.url).toBe("https://bot.example.com/api/github/webhooks");
    expect(json.redirect_url).toBe("https://bot.example.com/probot/setup");
    expect(json.default_permissions).toEqual(NEEDED);
    expect(json.public).toBe(false);
    const proxied = JSON.parse(
      wizardManifest(APP_YML, "http://localhost:3000", { WEBHOOK_PROXY_URL: "https://smee.io/abc" }),
    ) as Record<string, any>;
    expect(proxied.hook_attributes.url).toBe("https://smee.io/abc");
    const otherPath = JSON.parse(
      wizardManifest(APP_YML, "http://localhost:3000/", { WEBHOOK_PATH: "/hooks" }),
    ) as Record<string, any>;
    expect(otherPath.hook_attributes.url).toBe("http://localhost:3000/hooks");
  });
});
