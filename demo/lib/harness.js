// @ts-check
import { randomBytes } from "node:crypto";
import { FakeGitHub } from "./fake-github.js";
import { startApp, throwawayAppKey } from "./app-process.js";
import { WebhookSender } from "./webhook-sender.js";
import { waitUntil } from "./wait-until.js";

export const APP_ID = 4242;

/**
 * @typedef {Awaited<ReturnType<typeof startHarness>>} Harness
 * @typedef {import("./webhook-sender.js").DeliveryResult & { cause: string }} Delivered
 */

/**
 * Everything the end-to-end story needs: the fake GitHub (seeded from the fixture's history), the app running as a
 * separate `probot run` process pointed at it, and a webhook sender. `stop()` ends both, also after a failure.
 * @param {{ appLogLevel?: string; startTimeoutMs?: number;
 *   fake?: Omit<import("./fake-github.js").FakeGitHubOptions, "appId" | "appPublicKey"> }} [options]
 *   `fake`: options of the fake GitHub (e.g. `withoutRefs`, `settings`)
 */
export async function startHarness(options = {}) {
  const key = throwawayAppKey();
  const secret = randomBytes(16).toString("hex");
  const fake = await FakeGitHub.start({ ...options.fake, appId: APP_ID, appPublicKey: key.publicKey });
  /** @type {import("./app-process.js").AppProcess} */
  let app;
  const appOptions = {
    githubHost: fake.host,
    appId: APP_ID,
    privateKey: key.privateKey,
    webhookSecret: secret,
    ...(options.appLogLevel ? { logLevel: options.appLogLevel } : {}),
    ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
  };
  try {
    app = await startApp(appOptions);
  } catch (error) {
    await fake.close();
    throw error;
  }
  // Every delivery (and redelivery) goes into the fake's App delivery log; the fake can redeliver from it.
  const sender = new WebhookSender({
    url: app.webhookUrl,
    secret,
    appId: APP_ID,
    onDelivered: (delivery, result) => fake.recordDelivery(delivery, result),
  });
  fake.setWebhookTarget({ url: app.webhookUrl, secret });

  /**
   * Delivers events in order, like GitHub; throws (with the app's log) when the app does not answer 2xx.
   * @param {import("./fake-github.js").GitHubEvent[]} events
   * @returns {Promise<Delivered[]>}
   */
  const deliver = async (events) => {
    /** @type {Delivered[]} */
    const results = [];
    for (const event of events) {
      const result = await sender.send(event.name, event.payload);
      if (result.status < 200 || result.status > 299) {
        throw new Error(
          `the app answered ${result.status} to ${event.cause}: ${result.response}\napp log:\n${app.logs()}`,
        );
      }
      results.push({ ...result, cause: event.cause });
      // The app answers once the delivery is queued; the story reads what the features wrote, so wait for them.
      await app.waitIdle();
    }
    return results;
  };

  /**
   * Sends events in order without waiting for the app to handle them (e.g. to kill it while it works).
   * @param {import("./fake-github.js").GitHubEvent[]} events
   */
  const send = async (events) => {
    /** @type {Delivered[]} */
    const results = [];
    for (const event of events)
      results.push({ ...(await sender.send(event.name, event.payload)), cause: event.cause });
    return results;
  };
  let killed = false;
  /**
   * Ends the app with SIGKILL (`kill -9`: no drain, no cleanup) and waits until it is gone. (One replica here: `i` is
   * 0.)
   * @param {number} i
   */
  const killApp = async (i) => {
    if (i !== 0) throw new Error(`there is no replica ${i}`);
    app.kill("SIGKILL");
    await app.exited();
    await app.stop();
    killed = true;
  };
  /**
   * Starts the app again with the same environment (after `killApp(0)`, or killing it first with `kill: true`); the
   * webhooks follow it to its new port.
   * @param {number} i @param {{ kill?: boolean }} [restartOptions]
   */
  const restartApp = async (i, restartOptions = {}) => {
    if (i !== 0) throw new Error(`there is no replica ${i}`);
    if (!killed) {
      if (restartOptions.kill) await killApp(0);
      else await app.stop();
    }
    app = await startApp(appOptions);
    killed = false;
    sender.url = app.webhookUrl;
    fake.setWebhookTarget({ url: app.webhookUrl, secret });
    return app;
  };

  return {
    fake,
    /** The app's process (a new one after `restartApp`). */
    get app() {
      return app;
    },
    /** The app's private key (PEM), e.g. to sign an app JWT with `appJwt` for the `/app/…` endpoints. */
    appPrivateKey: key.privateKey,
    sender,
    deliver,
    /** Delivers every event the fake queued since the last call (what GitHub would have sent). */
    deliverPending: () => deliver(fake.takeEvents()),
    send,
    killApp,
    restartApp,
    /** Resolves when the app's queue has nothing waiting, running or delayed. @param {number} [timeoutMs] */
    waitIdle: (timeoutMs) => app.waitIdle(timeoutMs),
    /**
     * Waits until the check run `name` on `headSha` is completed; returns it.
     * @param {string} name @param {string} headSha @param {number} [timeoutMs]
     */
    waitForCheckRun: (name, headSha, timeoutMs = 15_000) =>
      waitUntil(
        `check run "${name}" completed on ${headSha.slice(0, 7)}`,
        () => fake.findCheckRuns({ name, headSha }).find((run) => run.status === "completed"),
        { timeoutMs },
      ),
    /**
     * The latest check run per name on a commit.
     * @param {string} headSha
     */
    checksOn: (headSha) => {
      /** @type {Map<string, import("./github-shapes.js").CheckRunState>} */
      const latest = new Map();
      for (const run of fake.findCheckRuns({ headSha })) latest.set(run.name, run);
      return [...latest.values()];
    },
    async stop() {
      if (!killed) await app.stop();
      await fake.close();
    },
  };
}
