import { createPrivateKey } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

/** NODE_ENV values under which a missing WEBHOOK_SECRET is tolerated (Probot then verifies with `development`). */
const LAX_ENVIRONMENTS = new Set(["development", "test"]);

export type StartMode = "app" | "setup";

export interface StartupCheck {
  /** `app`: credentials are there, run the App; `setup`: none at all, run Probot's registration wizard. */
  mode: StartMode;
  /** What stops the start, each naming the variable and how to fix it (empty: start). */
  problems: string[];
}

/**
 * What Probot would do with this environment, made strict. Probot falls back silently to its setup wizard when
 * PRIVATE_KEY is not PEM-shaped, and verifies webhooks with its public default secret `development` when
 * WEBHOOK_SECRET is unset (forged deliveries are then accepted, also with NODE_ENV=production). Here both stop the
 * start with a message naming the variable. `cwd` resolves PRIVATE_KEY_PATH as Probot does.
 */
export function checkStartupEnvironment(env: NodeJS.ProcessEnv, cwd = process.cwd()): StartupCheck {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV ?? "";
  const lax = LAX_ENVIRONMENTS.has(nodeEnv);
  const hasAppId = Boolean(env.APP_ID?.trim());
  const hasKey = Boolean(env.PRIVATE_KEY?.trim() || env.PRIVATE_KEY_PATH?.trim());

  // 1. No credentials at all: the registration wizard, which only a developer runs (it writes .env).
  if (!hasAppId && !hasKey) {
    if (lax) return { mode: "setup", problems };
    return {
      mode: "setup",
      problems: [
        "APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are not set. Set them from the App's settings page; " +
          "to register a new App with Probot's setup wizard instead, start once with NODE_ENV=development " +
          "(README.md, 'Register the GitHub App').",
      ],
    };
  }

  // 2. The App's identity.
  if (!hasAppId) {
    problems.push("APP_ID is not set: copy the App ID from the App's settings page (General → About).");
  } else if (!/^\d+$/.test(env.APP_ID!.trim())) {
    problems.push(
      `APP_ID=${JSON.stringify(env.APP_ID)} is not a number: use the numeric App ID, not its name.`,
    );
  }
  const keyProblem = privateKeyProblem(env, cwd);
  if (keyProblem) problems.push(keyProblem);

  // 3. Webhook signatures.
  if (!env.WEBHOOK_SECRET) {
    if (!lax) {
      problems.push(
        `WEBHOOK_SECRET is not set (NODE_ENV=${JSON.stringify(nodeEnv)}): without it Probot checks signatures ` +
          "with its public default secret, so anyone could send forged webhooks. Set it to the App's webhook " +
          "secret (App settings → Webhook secret); only NODE_ENV=development or test run without one.",
      );
    }
  } else if (env.WEBHOOK_SECRET === "development" && !lax) {
    problems.push(
      "WEBHOOK_SECRET is \"development\", Probot's public default: set the App's own webhook secret.",
    );
  }
  return { mode: "app", problems };
}

/** Why the key Probot would read (PRIVATE_KEY first, then PRIVATE_KEY_PATH) is unusable, or null. */
function privateKeyProblem(env: NodeJS.ProcessEnv, cwd: string): string | null {
  let pem: string;
  let name: string;
  if (env.PRIVATE_KEY?.trim()) {
    name = "PRIVATE_KEY";
    pem = normalisePem(env.PRIVATE_KEY);
  } else if (env.PRIVATE_KEY_PATH?.trim()) {
    name = "PRIVATE_KEY_PATH";
    const file = resolve(cwd, env.PRIVATE_KEY_PATH);
    if (!existsSync(file)) {
      return `PRIVATE_KEY_PATH=${JSON.stringify(env.PRIVATE_KEY_PATH)}: no such file (resolved to ${file}).`;
    }
    pem = readFileSync(file, "utf8");
  } else {
    return "PRIVATE_KEY (or PRIVATE_KEY_PATH) is not set: download a private key from the App's settings page.";
  }
  const how =
    "give the .pem file GitHub generated (-----BEGIN RSA PRIVATE KEY----- …), with real newlines, \\n, or base64-encoded";
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem) || !/-----END (RSA )?PRIVATE KEY-----/.test(pem)) {
    // Never quote the value: it may be a real key pasted wrongly.
    return `${name} is not a PEM private key (${pem.trim().length} characters, no BEGIN/END PRIVATE KEY lines): ${how}.`;
  }
  try {
    createPrivateKey(pem);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `${name} has PEM lines but is not a readable private key (${reason}): ${how}.`;
  }
  return null;
}

/** The same decoding as @probot/get-private-key: base64, escaped newlines, one-line PEM. */
function normalisePem(raw: string): string {
  let key = raw.trim();
  if (Buffer.from(key, "base64").toString("base64") === key) key = Buffer.from(key, "base64").toString();
  if (key.includes("\\n")) key = key.replace(/\\n/g, "\n");
  const match =
    /^(-----BEGIN (?:RSA )?PRIVATE KEY-----)\s*([\s\S]*?)\s*(-----END (?:RSA )?PRIVATE KEY-----)$/.exec(key);
  if (match && !key.includes("\n")) key = `${match[1]}\n${match[2]!.replace(/\s+/g, "\n")}\n${match[3]}`;
  return key;
}
