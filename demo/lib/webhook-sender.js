// @ts-check
import { createHmac, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";

/**
 * A webhook delivery exactly as sent: redelivering it sends the same bytes with the same delivery id, like GitHub's
 * "Redeliver" button.
 * @typedef {{ id: string; name: string; action: string | undefined; body: string; headers: Record<string, string> }} Delivery
 * @typedef {{ delivery: Delivery; status: number; response: string; headers: Record<string, string>; url: string;
 *   redelivery: boolean; deliveredAt: string; durationMs: number; error?: string }} DeliveryResult
 *   `status` 0 when the app did not answer (`error` says why: connection refused, timeout)
 * @typedef {(delivery: Delivery, result: DeliveryResult) => void} OnDelivered
 */

/** Signs a body the way GitHub does: `sha256=` + HMAC-SHA256(secret, body) in hex. */
export function signature(/** @type {string} */ secret, /** @type {string} */ body) {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Sends webhooks to the app like GitHub: JSON body, `X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256`.
 * Every delivery is recorded in `deliveries` (in order) so that a test can redeliver all of them.
 */
export class WebhookSender {
  /**
   * @param {{ url: string; secret: string; appId: number; timeoutMs?: number; onDelivered?: OnDelivered }} options
   *   `url` is the app's `/api/github/webhooks` endpoint; `onDelivered` hears of every delivery and redelivery once
   *   it is answered or failed (e.g. the fake GitHub's delivery log, `FakeGitHub.recordDelivery`); forged ones
   *   (`sendWithBadSignature`) are not reported
   */
  constructor(options) {
    this.url = options.url;
    this.secret = options.secret;
    this.appId = options.appId;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.onDelivered = options.onDelivered;
    /** @type {Delivery[]} */
    this.deliveries = [];
  }

  /**
   * Sends one event; resolves with the app's HTTP status (probot answers when its handlers are done, or 202 after 9 s).
   * @param {string} name event name (`pull_request`, `push`…)
   * @param {Record<string, any>} payload
   * @returns {Promise<DeliveryResult>}
   */
  async send(name, payload) {
    const body = JSON.stringify(payload);
    const id = randomUUID();
    /** @type {Delivery} */
    const delivery = {
      id,
      name,
      action: typeof payload.action === "string" ? payload.action : undefined,
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/fake",
        "x-github-event": name,
        "x-github-delivery": id,
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-type": "integration",
        "x-github-hook-installation-target-id": String(this.appId),
        "x-hub-signature-256": signature(this.secret, body),
      },
    };
    this.deliveries.push(delivery);
    return this.#post(delivery, { redelivery: false });
  }

  /**
   * Sends a recorded delivery again, byte for byte, with the same delivery id.
   * @param {Delivery} delivery
   */
  redeliver(delivery) {
    return this.#post(delivery, { redelivery: true });
  }

  /**
   * Sends an event signed with the wrong secret (not recorded as a delivery): the app must answer 400 and do nothing.
   * @param {string} name @param {Record<string, any>} payload
   */
  sendWithBadSignature(name, payload) {
    const body = JSON.stringify(payload);
    const id = randomUUID();
    return this.#post({
      id,
      name,
      action: payload.action,
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": name,
        "x-github-delivery": id,
        "x-hub-signature-256": signature(`not-${this.secret}`, body),
      },
    });
  }

  /**
   * Posts a delivery; tells `onDelivered` (unless `redelivery` is null: a forged delivery) and rethrows when the app
   * could not be reached.
   * @param {Delivery} delivery @param {{ redelivery: boolean | null }} kind @returns {Promise<DeliveryResult>}
   */
  async #post(delivery, kind = { redelivery: null }) {
    const started = performance.now();
    const deliveredAt = new Date().toISOString();
    /** @type {DeliveryResult} */
    const result = {
      delivery,
      status: 0,
      response: "",
      headers: {},
      url: this.url,
      redelivery: kind.redelivery ?? false,
      deliveredAt,
      durationMs: 0,
    };
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      result.status = response.status;
      result.headers = Object.fromEntries(response.headers);
      result.response = await response.text();
      return result;
    } catch (error) {
      result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw error;
    } finally {
      result.durationMs = performance.now() - started;
      if (kind.redelivery !== null) this.onDelivered?.(delivery, result);
    }
  }
}
