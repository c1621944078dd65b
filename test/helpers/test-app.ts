import { generateKeyPairSync } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import app, { FEATURES, type FeatureName } from "../../src/index.js";

let privateKey: string | undefined;

/** A throwaway RSA key, made once per test file: no credentials live in the repository. */
export function testPrivateKey(): string {
  privateKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  return privateKey;
}

export const TEST_APP_ID = 123;

/**
 * A Probot instance with the app loaded, retries and throttling off (a missing mock must fail fast, not back off).
 * `features` loads only those features' listeners, so a test of one check need not mock every other feature that
 * listens to the same event; without it, the whole app.
 */
export async function createTestApp(features?: FeatureName[]): Promise<Probot> {
  const probot = new Probot({
    appId: TEST_APP_ID,
    privateKey: testPrivateKey(),
    logLevel: "fatal",
    // The function form wins over the options Probot passes when it builds installation clients; the object form does
    // not, and the throttling plugin's 1 s spacing of write requests would then slow every test down.
    Octokit: ProbotOctokit.defaults((options: object) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  await probot.load(features ? (p: Probot) => features.forEach((name) => FEATURES[name](p)) : app);
  return probot;
}
