import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { runAppUntilExit, startApp, throwawayAppKey, type AppOptions } from "../../demo/lib/app-process.js";
import { FakeGitHub } from "../../demo/lib/fake-github.js";
import { ensureBuilt } from "./support/ensure-built.js";

/**
 * Security defaults at start-up, through the real processes: `node lib/server.js` (what `npm start` and the container
 * run) and a bare `probot run lib/index.js`. Probot alone accepts webhooks signed with its public default secret when
 * WEBHOOK_SECRET is unset, and silently starts its setup wizard when PRIVATE_KEY is not PEM-shaped.
 */
describe("start-up refusals (security defaults)", () => {
  let fake: FakeGitHub;
  const key = throwawayAppKey();
  const base = (): AppOptions => ({
    githubHost: fake.host,
    appId: 4242,
    privateKey: key.privateKey,
    webhookSecret: "a-real-secret",
  });

  beforeAll(async () => {
    ensureBuilt();
    fake = await FakeGitHub.start({ appId: 4242, appPublicKey: key.publicKey });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
  });

  test.each([
    ["the server entry", "server", "production"],
    ["the server entry", "server", ""],
    ["a bare `probot run`", "probot", "production"],
    ["a bare `probot run`", "probot", "staging"],
  ] as const)(
    "%s without WEBHOOK_SECRET, NODE_ENV=%p → exit 1, the variable named",
    async (_, entry, nodeEnv) => {
      const { code, output } = await runAppUntilExit({
        ...base(),
        entry,
        env: { NODE_ENV: nodeEnv },
        unsetEnv: ["WEBHOOK_SECRET"],
      });
      expect(code).toBe(1);
      expect(output).toContain("WEBHOOK_SECRET is not set");
      expect(output).toContain("forged webhooks");
    },
    30_000,
  );

  test("WEBHOOK_SECRET=development (Probot's public default) is refused in production", async () => {
    const { code, output } = await runAppUntilExit({
      ...base(),
      entry: "server",
      webhookSecret: "development",
    });
    expect(code).toBe(1);
    expect(output).toContain("Probot's public default");
  }, 30_000);

  test.each(["production", "development"])(
    "a PRIVATE_KEY that is not PEM-shaped is an error naming it (NODE_ENV=%s), never the setup wizard",
    async (nodeEnv) => {
      const { code, output } = await runAppUntilExit({
        ...base(),
        entry: "server",
        privateKey: "ssh-rsa AAAAB3NzaC1yc2E not a pem",
        env: { NODE_ENV: nodeEnv },
      });
      expect(code).toBe(1);
      expect(output).toContain("PRIVATE_KEY is not a PEM private key");
      expect(output).not.toContain("setup mode");
      // The value itself is never echoed (it may be a real key pasted wrongly).
      expect(output).not.toContain("AAAAB3NzaC1yc2E");
    },
    30_000,
  );

  test("a PEM-shaped PRIVATE_KEY whose body is garbage is an error naming it", async () => {
    const { code, output } = await runAppUntilExit({
      ...base(),
      entry: "server",
      privateKey: "-----BEGIN RSA PRIVATE KEY-----\nnot-base64-at-all\n-----END RSA PRIVATE KEY-----",
    });
    expect(code).toBe(1);
    expect(output).toContain("PRIVATE_KEY has PEM lines but is not a readable private key");
  }, 30_000);

  test("production without any credentials does not open the setup wizard", async () => {
    const { code, output } = await runAppUntilExit({
      ...base(),
      entry: "server",
      unsetEnv: ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"],
    });
    expect(code).toBe(1);
    expect(output).toContain("APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are not set");
    expect(output).not.toContain("setup mode");
  }, 30_000);

  test("NODE_ENV=development without WEBHOOK_SECRET starts (a developer's machine)", async () => {
    const app = await startApp({
      ...base(),
      entry: "server",
      env: { NODE_ENV: "development", RECONCILE_INTERVAL_MINUTES: "0" },
      unsetEnv: ["WEBHOOK_SECRET"],
    });
    try {
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  }, 60_000);

  test("the setup wizard, run from an empty folder, registers this package's app.yml and /api/github/webhooks", async () => {
    const app = await startApp({
      ...base(),
      entry: "server",
      env: { NODE_ENV: "development" },
      unsetEnv: ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"],
    });
    try {
      const page = await (await fetch(`${app.url}/probot`)).text();
      const value = /value='([^']*)'/.exec(page)?.[1];
      expect(value).toBeDefined();
      const manifest = JSON.parse(value!.replace(/&quot;/g, '"')) as {
        hook_attributes: { url: string };
        default_events: string[];
        default_permissions: Record<string, string>;
        name: string;
        public: boolean;
      };
      expect(manifest.hook_attributes.url).toBe(`${app.url}/api/github/webhooks`);
      expect(manifest.name).toBe("gitops-release-bot");
      expect(manifest.public).toBe(false);
      expect(manifest.default_events).toContain("merge_group");
      expect(manifest.default_permissions.merge_queues).toBe("read");
    } finally {
      await app.stop();
    }
  }, 60_000);
});
