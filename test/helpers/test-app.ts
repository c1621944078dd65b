import { generateKeyPairSync } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import app from "../../src/index.js";

let privateKey: string | undefined;

/** A throwaway RSA key, made once per test file: no credentials live in the repository. */
export function testPrivateKey(): string {
  privateKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  return privateKey;
}

export const TEST_APP_ID = 123;

/** A Probot instance with the app loaded, retries and throttling off (a missing mock must fail fast, not back off). */
export async function createTestApp(): Promise<Probot> {
  const probot = new Probot({
    appId: TEST_APP_ID,
    privateKey: testPrivateKey(),
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
  });
  await probot.load(app);
  return probot;
}
