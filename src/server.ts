#!/usr/bin/env node
/**
 * The server entry (`npm start`, the container's command): checks the environment, then starts Probot's server with
 * the App. Probot's own `probot run` falls back to its setup wizard when PRIVATE_KEY is malformed and accepts
 * webhooks signed with its public default secret when WEBHOOK_SECRET is unset; here both stop the start (exit 1).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { run } from "probot";
import app from "./index.js";
import { checkStartupEnvironment } from "./runtime/startup-checks.js";
import { wizardManifest } from "./runtime/wizard-manifest.js";

// 1. A `.env` in the working folder overrides the environment, as in Probot's `run` (it loads it again: same result).
const dotEnv = join(process.cwd(), ".env");
if (existsSync(dotEnv)) Object.assign(process.env, parseEnv(readFileSync(dotEnv, "utf8")));

// 2. Refuse what Probot would run unsafely or misread.
const check = checkStartupEnvironment(process.env);
if (check.problems.length) {
  console.error(
    `gitops-release-bot cannot start:\n${check.problems.map((p) => `  - ${p}`).join("\n")}\n` +
      "Every variable: .env.example and docs/configuration.md.",
  );
  process.exit(1);
}

// 3. The registration wizard (no credentials, NODE_ENV=development): register with this package's app.yml.
if (check.mode === "setup") await useThisPackagesManifest();

// 4. The App.
await run(app, { env: process.env });

async function useThisPackagesManifest(): Promise<void> {
  const appYml = readFileSync(fileURLToPath(new URL("../app.yml", import.meta.url)), "utf8");
  // Probot 14's ManifestCreation is not exported; its module is the one the wizard uses (same URL, same instance).
  const modulePath = new URL("./manifest-creation.js", import.meta.resolve("probot")).href;
  const { ManifestCreation } = (await import(modulePath)) as {
    ManifestCreation: { prototype: { getManifest: (options: { baseUrl: string }) => string } };
  };
  ManifestCreation.prototype.getManifest = ({ baseUrl }) => wizardManifest(appYml, baseUrl, process.env);
}
