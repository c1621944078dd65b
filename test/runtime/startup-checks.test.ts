import { describe, expect, test } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkStartupEnvironment } from "../../src/runtime/startup-checks.js";
import { artifactKind, isWrite } from "../../src/runtime/octokit-instruments.js";

const pem = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();
const ok = { NODE_ENV: "production", APP_ID: "42", WEBHOOK_SECRET: "s3cret-value" };

describe("checkStartupEnvironment", () => {
  test.each([
    ["PEM with newlines", pem],
    ["PEM with \\n escapes (a .env line)", pem.replace(/\n/g, "\\n")],
    ["base64 of the PEM", Buffer.from(pem).toString("base64")],
  ])("accepts the private key as %s", (_, key) => {
    expect(checkStartupEnvironment({ ...ok, PRIVATE_KEY: key })).toEqual({ mode: "app", problems: [] });
  });

  test("PRIVATE_KEY_PATH: a readable file is fine, a missing one is named", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "grb-key-"));
    try {
      writeFileSync(path.join(dir, "app.pem"), pem);
      expect(checkStartupEnvironment({ ...ok, PRIVATE_KEY_PATH: "app.pem" }, dir).problems).toEqual([]);
      expect(checkStartupEnvironment({ ...ok, PRIVATE_KEY_PATH: "gone.pem" }, dir).problems).toEqual([
        expect.stringContaining('PRIVATE_KEY_PATH="gone.pem": no such file'),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a non-numeric APP_ID and a missing APP_ID are named", () => {
    expect(checkStartupEnvironment({ ...ok, APP_ID: "my-app", PRIVATE_KEY: pem }).problems).toEqual([
      expect.stringContaining('APP_ID="my-app" is not a number'),
    ]);
    expect(checkStartupEnvironment({ ...ok, APP_ID: "", PRIVATE_KEY: pem }).problems).toEqual([
      expect.stringContaining("APP_ID is not set"),
    ]);
  });

  test("NODE_ENV=test and development tolerate a missing WEBHOOK_SECRET; anything else refuses it", () => {
    for (const NODE_ENV of ["test", "development"]) {
      expect(checkStartupEnvironment({ NODE_ENV, APP_ID: "1", PRIVATE_KEY: pem }).problems).toEqual([]);
    }
    for (const NODE_ENV of ["production", "staging", undefined]) {
      expect(checkStartupEnvironment({ NODE_ENV, APP_ID: "1", PRIVATE_KEY: pem }).problems).toEqual([
        expect.stringContaining("WEBHOOK_SECRET is not set"),
      ]);
    }
  });

  test("no credentials at all: the wizard in development only", () => {
    expect(checkStartupEnvironment({ NODE_ENV: "development" })).toEqual({ mode: "setup", problems: [] });
    expect(checkStartupEnvironment({ NODE_ENV: "production" }).problems).toHaveLength(1);
  });
});

describe("what DRY_RUN holds back", () => {
  test("writes are everything but GET/HEAD, token minting and GraphQL queries", () => {
    expect(isWrite("GET", "/repos/{owner}/{repo}/pulls", undefined)).toBe(false);
    expect(isWrite("POST", "/app/installations/{installation_id}/access_tokens", {})).toBe(false);
    expect(isWrite("POST", "/graphql", { query: "query { viewer { login } }" })).toBe(false);
    expect(isWrite("POST", "/graphql", { query: " mutation { x }" })).toBe(true);
    expect(isWrite("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", {})).toBe(true);
    expect(isWrite("DELETE", "/repos/{owner}/{repo}/releases/{release_id}", undefined)).toBe(true);
  });

  test("artifact kinds from route templates", () => {
    expect(artifactKind("/repos/{owner}/{repo}/check-runs")).toBe("check_run");
    expect(artifactKind("/repos/{owner}/{repo}/issues/{issue_number}/comments")).toBe("comment");
    expect(artifactKind("/repos/{owner}/{repo}/issues/{issue_number}/labels")).toBe("label");
    expect(artifactKind("/repos/{owner}/{repo}/issues")).toBe("issue");
    expect(artifactKind("/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")).toBe(
      "review_request",
    );
    expect(artifactKind("/repos/{owner}/{repo}/pulls")).toBe("pull_request");
    expect(artifactKind("/repos/{owner}/{repo}/git/refs")).toBe("git");
    expect(artifactKind("/repos/{owner}/{repo}")).toBe("repository");
    expect(artifactKind("/app/hook/deliveries/{delivery_id}/attempts")).toBe("redelivery");
  });
});
