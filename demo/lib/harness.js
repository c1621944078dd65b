// @ts-check
import { randomBytes } from "node:crypto";
import { FakeGitHub } from "./fake-github.js";
import { processOwnsConnection, startApp, throwawayAppKey } from "./app-process.js";
import { startRedisServer } from "./redis-process.js";
import { WebhookSender } from "./webhook-sender.js";
import { waitUntil } from "./wait-until.js";

export const APP_ID = 4242;

/**
 * @typedef {Awaited<ReturnType<typeof startHarness>>} Harness
 * @typedef {import("./webhook-sender.js").DeliveryResult & { cause: string; replica: number }} Delivered
 * @typedef {import("./webhook-sender.js").Delivery} Delivery
 * @typedef {import("./fake-github.js").GitHubEvent} GitHubEvent
 * @typedef {"one" | "all" | "spread" | number} Route where a delivery goes: `one` = the first running replica (what
 *   GitHub does: one URL), `all` = the same delivery (same bytes and GUID) to every running replica at the same
 *   instant, `spread` = the running replicas in turn (a load balancer), a number = that replica
 */

/**
 * Everything the end-to-end story needs: the fake GitHub (seeded from the fixture's history), the app running as
 * separate `probot run` processes pointed at it (one by default; several share one Redis), and a webhook sender.
 * `stop()` ends them all, also after a failure.
 * @param {{ appLogLevel?: string; startTimeoutMs?: number;
 *   fake?: Omit<import("./fake-github.js").FakeGitHubOptions, "appId" | "appPublicKey">;
 *   replicas?: number; redis?: boolean | string; appEnv?: Record<string, string>; deliverTo?: Route }} [options]
 *   `fake`: options of the fake GitHub (e.g. `withoutRefs`, `settings`); `replicas`: how many app processes (default
 *   1); `redis`: `true` starts a private `redis-server` that every replica uses (`REDIS_URL`; required for more than
 *   one replica), a string is the URL of one to use instead; `appEnv`: more environment for every replica (e.g.
 *   `RETRY_BASE_SECONDS`, `JOB_LOCK_SECONDS`, `SHUTDOWN_DEADLINE_SECONDS`); `deliverTo`: where `deliver` and
 *   `deliverPending` send by default (`one`)
 */
export async function startHarness(options = {}) {
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`replicas=${replicas}: give 1 or more`);
  if (replicas > 1 && !options.redis) {
    throw new Error(
      `replicas=${replicas} needs { redis: true }: replicas share their queue and locks through Redis`,
    );
  }
  const key = throwawayAppKey();
  const secret = randomBytes(16).toString("hex");
  /** @type {import("./redis-process.js").RedisProcess | null} */
  const redis = options.redis === true ? await startRedisServer() : null;
  const redisUrl = typeof options.redis === "string" ? options.redis : (redis?.url ?? null);
  /** @type {FakeGitHub} */
  let fake;
  try {
    fake = await FakeGitHub.start({ ...options.fake, appId: APP_ID, appPublicKey: key.publicKey });
  } catch (error) {
    await redis?.stop();
    throw error;
  }
  /** @type {Record<string, string>} */
  const env = { ...(redisUrl ? { REDIS_URL: redisUrl } : {}), ...options.appEnv };
  /** @type {import("./app-process.js").AppOptions} */
  const appOptions = {
    githubHost: fake.host,
    appId: APP_ID,
    privateKey: key.privateKey,
    webhookSecret: secret,
    env,
    ...(options.appLogLevel ? { logLevel: options.appLogLevel } : {}),
    ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
  };

  /**
   * One slot per replica: its process (null while killed and not restarted), and a sender to its webhook URL. Only
   * the first copy of a delivery goes into the fake's App delivery log (GitHub sends a delivery once; the copies to
   * other replicas stand for a duplicate delivery, e.g. a proxy's retry).
   * @type {Array<{ app: import("./app-process.js").AppProcess | null; sender: WebhookSender; exits: number }>}
   */
  const slots = [];
  /** Every distinct delivery (in order), whichever replica got it: what "redeliver everything" sends again. */
  /** @type {Delivery[]} */
  const deliveries = [];
  /** The URL that gets the logged copy of each delivery under way (by delivery GUID). */
  /** @type {Map<string, string>} */
  const loggedCopy = new Map();
  /** @type {import("./webhook-sender.js").OnDelivered} */
  const record = (delivery, result) => {
    if (loggedCopy.get(delivery.id) === result.url) fake.recordDelivery(delivery, result);
  };

  const stopAll = async () => {
    await Promise.all(slots.map((slot) => slot.app?.stop()));
    await fake.close();
    await redis?.stop();
  };
  try {
    // One at a time: replicas starting together race for nothing, but two cold starts at once double the wait.
    for (let i = 0; i < replicas; i++) {
      const app = await startApp(appOptions);
      slots.push({
        app,
        sender: new WebhookSender({ url: app.webhookUrl, secret, appId: APP_ID, onDelivered: record }),
        exits: 0,
      });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  const running = () => slots.flatMap((slot, i) => (slot.app ? [i] : []));
  /** @param {number} i */
  const appOf = (i) => {
    const app = slots[i]?.app;
    if (!app)
      throw new Error(`replica ${i} is not running (${slots.length} replicas; killed ones need restartApp)`);
    return app;
  };
  /** The fake's "Redeliver" (POST /app/hook/deliveries/:id/attempts) goes to the first running replica. */
  const pointWebhookTarget = () => {
    const first = running()[0];
    if (first !== undefined) fake.setWebhookTarget({ url: appOf(first).webhookUrl, secret });
  };
  pointWebhookTarget();

  /**
   * The replicas a delivery goes to.
   * @param {Route} route @param {number} turn
   */
  const targets = (route, turn) => {
    const live = running();
    if (!live.length) throw new Error("no replica is running");
    if (route === "all") return live;
    if (route === "one") return [live[0] ?? 0];
    if (route === "spread") return [live[turn % live.length] ?? 0];
    appOf(route);
    return [route];
  };
  let turns = 0;

  /**
   * Posts a delivery to the replicas of `route` at the same instant. `delivery` null = a new delivery of
   * `name`/`payload` (a new GUID); otherwise a redelivery of it (same bytes, same GUID).
   * @param {{ name: string; payload: Record<string, any> } | Delivery} what
   * @param {Route} route @param {{ redelivery: boolean }} kind
   */
  const post = async (what, route, kind) => {
    const [first, ...others] = targets(route, turns++);
    const firstSlot = /** @type {(typeof slots)[number]} */ (slots[first ?? 0]);
    /** @type {Promise<import("./webhook-sender.js").DeliveryResult>} */
    let sent;
    /** @type {Delivery} */
    let delivery;
    if (kind.redelivery) {
      delivery = /** @type {Delivery} */ (what);
      loggedCopy.set(delivery.id, firstSlot.sender.url);
      sent = firstSlot.sender.redeliver(delivery);
    } else {
      const event = /** @type {{ name: string; payload: Record<string, any> }} */ (what);
      sent = firstSlot.sender.send(event.name, event.payload);
      // `send` records the delivery before its first await: the copies below are the same bytes and GUID.
      delivery = /** @type {Delivery} */ (
        firstSlot.sender.deliveries[firstSlot.sender.deliveries.length - 1]
      );
      loggedCopy.set(delivery.id, firstSlot.sender.url);
      deliveries.push(delivery);
    }
    const copies = others.map((i) =>
      /** @type {(typeof slots)[number]} */ (slots[i]).sender.redeliver(delivery),
    );
    const results = await Promise.all([sent, ...copies]);
    return results.map((result, n) => ({
      ...result,
      replica: n === 0 ? (first ?? 0) : (others[n - 1] ?? 0),
    }));
  };

  /**
   * Sends events (each to the replicas of `route`) without waiting for the work; throws, with the app's log, when a
   * replica does not answer 2xx.
   * @param {GitHubEvent[]} events @param {{ to?: Route; concurrently?: boolean }} [sendOptions]
   *   `concurrently`: all events at once instead of one after the other
   * @returns {Promise<Delivered[]>} one result per event and replica
   */
  const send = async (events, sendOptions = {}) => {
    const route = sendOptions.to ?? options.deliverTo ?? "one";
    const one = async (/** @type {GitHubEvent} */ event) => {
      const results = await post(event, route, { redelivery: false });
      for (const result of results) {
        if (result.status < 200 || result.status > 299) {
          throw new Error(
            `replica ${result.replica} answered ${result.status} to ${event.cause}: ${result.response}\n` +
              `app log:\n${slots[result.replica]?.app?.logs() ?? "(not running)"}`,
          );
        }
      }
      return results.map((result) => ({ ...result, cause: event.cause }));
    };
    if (sendOptions.concurrently) return (await Promise.all(events.map(one))).flat();
    /** @type {Delivered[]} */
    const all = [];
    for (const event of events) all.push(...(await one(event)));
    return all;
  };

  /** Resolves when no running replica has work waiting, running or delayed (with Redis: the shared queue). */
  const waitIdle = async (timeoutMs = 30_000) => {
    await Promise.all(running().map((i) => appOf(i).waitIdle(timeoutMs)));
  };

  /**
   * Delivers events in order, like GitHub, waiting after each until the work it started is done (the story reads
   * what the features wrote). Returns one result per event: the first replica's (a delivery sent to several
   * replicas is one delivery).
   * @param {GitHubEvent[]} events @param {{ to?: Route }} [deliverOptions]
   * @returns {Promise<Delivered[]>}
   */
  const deliver = async (events, deliverOptions = {}) => {
    /** @type {Delivered[]} */
    const results = [];
    for (const event of events) {
      const [first] = await send([event], deliverOptions);
      if (first) results.push(first);
      // Generous: under injected faults one delivery's work can wait out a few retries and an 11 s answer.
      await waitIdle(60_000);
    }
    return results;
  };

  /**
   * Ends replica `i` with SIGKILL (`kill -9`: no drain, no cleanup) and waits for it to be gone. Its jobs stay in
   * Redis, locked until their BullMQ lock expires (JOB_LOCK_SECONDS); then another replica takes them.
   * @param {number} i
   */
  const killApp = async (i) => {
    const app = appOf(i);
    app.kill("SIGKILL");
    await app.exited();
    await app.stop(); // removes its working folder
    /** @type {(typeof slots)[number]} */ (slots[i]).app = null;
    /** @type {(typeof slots)[number]} */ (slots[i]).exits++;
    pointWebhookTarget();
  };

  /**
   * Starts replica `i` again with the same environment (REDIS_URL, RETRY_BASE_SECONDS… and the same port when it is
   * free, so its webhook URL stays): after `killApp(i)`, or, when it is running, after stopping it (`kill: true` =
   * SIGKILL, otherwise SIGTERM, which drains its queue up to SHUTDOWN_DEADLINE_SECONDS). `env` adds to or
   * overrides its environment from now on.
   * @param {number} i @param {{ kill?: boolean; env?: Record<string, string> }} [restartOptions]
   */
  const restartApp = async (i, restartOptions = {}) => {
    const slot = slots[i];
    if (!slot) throw new Error(`there is no replica ${i} (${slots.length} replicas)`);
    const previous = slot.app;
    if (previous) {
      if (restartOptions.kill) await killApp(i);
      else {
        await previous.stop();
        slot.app = null;
        slot.exits++;
      }
    }
    const app = await startApp({
      ...appOptions,
      env: { ...appOptions.env, ...restartOptions.env },
      ...(previous ? { port: previous.port } : { port: Number(new URL(slot.sender.url).port) }),
    });
    if (restartOptions.env) appOptions.env = { ...appOptions.env, ...restartOptions.env };
    slot.app = app;
    slot.sender.url = app.webhookUrl;
    pointWebhookTarget();
    return app;
  };

  /**
   * The replica waiting for a `slow` answer of the fake right now (so the one running the job that made that
   * request), or -1. Linux only (/proc): the fake knows the client port of the delayed answer's connection.
   */
  const replicaAwaitingSlowAnswer = () => {
    for (const late of fake.lateAnswers) {
      const socket = late.res.socket;
      if (!socket?.remotePort) continue;
      const found = running().find((i) =>
        processOwnsConnection(appOf(i).pid, /** @type {number} */ (socket.remotePort), fake.port),
      );
      if (found !== undefined) return found;
    }
    return -1;
  };

  /**
   * What the story and the tests use to send and redeliver webhooks, shaped like a `WebhookSender`: `deliveries`
   * holds every distinct delivery; `redeliver` and `sendWithBadSignature` follow the harness's `deliverTo` route.
   */
  const sender = {
    /** The webhook secret (e.g. to sign a hand-made delivery). */
    secret,
    appId: APP_ID,
    /** The first running replica's webhook URL. */
    get url() {
      return appOf(running()[0] ?? 0).webhookUrl;
    },
    get deliveries() {
      return deliveries;
    },
    /**
     * Sends one new delivery (a new GUID) following `deliverTo`, without waiting for the work; the first replica's
     * answer (any non-2xx one when it went to several).
     * @param {string} name @param {Record<string, any>} payload
     */
    send: async (name, payload) => {
      const results = await post({ name, payload }, options.deliverTo ?? "one", { redelivery: false });
      return results.find((r) => r.status < 200 || r.status > 299) ?? /** @type {Delivered} */ (results[0]);
    },
    /** @param {Delivery} delivery */
    redeliver: async (delivery) => {
      const results = await post(delivery, options.deliverTo ?? "one", { redelivery: true });
      return results.find((r) => r.status < 200 || r.status > 299) ?? /** @type {Delivered} */ (results[0]);
    },
    /** @param {string} name @param {Record<string, any>} payload */
    sendWithBadSignature: async (name, payload) => {
      const results = await Promise.all(
        targets(options.deliverTo ?? "one", turns++).map((i) =>
          /** @type {(typeof slots)[number]} */ (slots[i]).sender.sendWithBadSignature(name, payload),
        ),
      );
      return results.find((r) => r.status !== 400) ?? /** @type {(typeof results)[number]} */ (results[0]);
    },
  };

  return {
    fake,
    /** The first replica (the only one by default). */
    get app() {
      return appOf(0);
    },
    /** Every replica's process, by index; null while killed. */
    get apps() {
      return slots.map((slot) => slot.app);
    },
    /** The private Redis (`redis: true`), or null. */
    redis,
    redisUrl,
    /** The app's private key (PEM), e.g. to sign an app JWT with `appJwt` for the `/app/…` endpoints. */
    appPrivateKey: key.privateKey,
    sender,
    send,
    deliver,
    /**
     * Delivers every event the fake queued since the last call (what GitHub would have sent).
     * @param {{ to?: Route }} [deliverOptions]
     */
    deliverPending: (deliverOptions = {}) => deliver(fake.takeEvents(), deliverOptions),
    waitIdle,
    /** How many times a replica was killed or stopped and started again (its /metrics counters restart at 0). */
    get restarts() {
      return slots.reduce((n, slot) => n + slot.exits, 0);
    },
    /** Replicas that were never killed or restarted (their /metrics counters cover the whole run). */
    get neverRestarted() {
      return slots.flatMap((slot, i) => (slot.exits === 0 ? [i] : []));
    },
    killApp,
    restartApp,
    replicaAwaitingSlowAnswer,
    /** Every replica's log, labelled (for failure messages). */
    logs: () =>
      slots
        .map((slot, i) => `--- replica ${i}${slot.app ? "" : " (not running)"}\n${slot.app?.logs() ?? ""}`)
        .join("\n"),
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
    stop: stopAll,
  };
}
