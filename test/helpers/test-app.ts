import { generateKeyPairSync } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import { createGitopsReleaseBot, type AppOptions, type FeatureName } from "../../src/index.js";
import { createMemoryQueue } from "../../src/runtime/memory-queue.js";

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
export async function createTestApp(
  features?: FeatureName[],
  options: Omit<AppOptions, "features" | "queue"> = {},
): Promise<Probot> {
  const probot = new Probot({
    appId: TEST_APP_ID,
    privateKey: testPrivateKey(),
    logLevel: (process.env.TEST_LOG_LEVEL as never) ?? "fatal",
    // The function form wins over the options Probot passes when it builds installation clients; the object form does
    // not, and the throttling plugin's 1 s spacing of write requests would then slow every test down.
    Octokit: ProbotOctokit.defaults((options: object) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  // The real runtime on the in-process queue, without retry delays (a failure is final at once: RETRY_DEADLINE 0).
  const queue = createMemoryQueue();
  await probot.load(
    createGitopsReleaseBot({
      ...options,
      ...(features ? { features } : {}),
      queue,
      env: { RETRY_DEADLINE_MINUTES: "0", ...options.env },
      keepLocks: options.keepLocks ?? features !== undefined,
    }),
  );
  // `receive` answers once the delivery is queued, as the webhook route does; tests assert on what the features
  // wrote, so here it also waits until the queue has run everything.
  const receive = probot.receive.bind(probot);
  probot.receive = async (event) => {
    await receive(event);
    await queue.idle();
  };
  return probot;
}
