// @ts-check
import { createHmac, randomUUID } from "node:crypto";

/**
 * A webhook delivery exactly as sent: redelivering it sends the same bytes with the same delivery id, like GitHub's
 * "Redeliver" button.
 * @typedef {{ id: string; name: string; action: string | undefined; body: string; headers: Record<string, string> }} Delivery
 * @typedef {{ delivery: Delivery; status: number; response: string }} DeliveryResult
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
   * @param {{ url: string; secret: string; appId: number; timeoutMs?: number }} options `url` is the app's
   *   `/api/github/webhooks` endpoint
   */
  constructor(options) {
    this.url = options.url;
    this.secret = options.secret;
    this.appId = options.appId;
    this.timeoutMs = options.timeoutMs ?? 30_000;
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
    return this.#post(delivery);
  }

  /**
   * Sends a recorded delivery again, byte for byte, with the same delivery id.
   * @param {Delivery} delivery
   */
  redeliver(delivery) {
    return this.#post(delivery);
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

  /** @param {Delivery} delivery @returns {Promise<DeliveryResult>} */
  async #post(delivery) {
    const response = await fetch(this.url, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { delivery, status: response.status, response: await response.text() };
  }
}
