import { createHmac, timingSafeEqual, type Hmac } from "node:crypto";
import diagnosticsChannel from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import { emitterEventNames } from "@octokit/webhooks";

/** GitHub caps webhook payloads at 25 MB ("Webhook events and payloads": larger ones are not delivered). */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/** After refusing a body, at most this much of it is read and thrown away (so the client reads the 413 instead of
 *  a connection reset); beyond it the connection is closed. */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface WebhookGuardOptions {
  /** The webhook route (`WEBHOOK_PATH`, default `/api/github/webhooks`). */
  path: string;
  /** Probot's webhook middleware (signature, JSON, listeners), called once the guard has read the body. */
  middleware: () => Promise<Handler>;
  /** Checks `X-Hub-Signature-256` against the body (Probot's `webhooks.verify`): a forged delivery is refused here,
   *  because Probot logs the whole payload of every delivery it refuses. */
  verify: (payload: string, signature: string) => Promise<boolean>;
  /** The webhook secret, when known: the signature is then computed while the body streams in (one pass over the
   *  bytes, nothing read twice) instead of by `verify` once it is whole. */
  secret?: string;
  /** Probot's `addHandler` (only under `probot run`). */
  addHandler: (handler: Handler) => void;
  maxBytes?: number;
  /** Hears of every refused request (status and why), for logs and metrics. */
  onRefused?: (status: number, reason: string) => void;
}

/** Webhook event names GitHub sends (from @octokit/webhooks, generated from GitHub's webhook schema), plus `ping`. */
const KNOWN_EVENTS = new Set<string>(["ping", ...emitterEventNames.filter((name) => !name.includes("."))]);
const REQUIRED_HEADERS = ["x-github-event", "x-hub-signature-256", "x-github-delivery"] as const;
const JSON_TYPE = /^\s*application\/json\s*(?:;|$)/u;
const SIGNATURE = /^sha256=[0-9a-f]{64}$/iu;

const utf8 = new TextDecoder("utf-8", { fatal: false });

const GUARDED = Symbol("grb.webhook-guard.url");
type Guarded = IncomingMessage & { [GUARDED]?: string; rawBody?: Buffer; body?: unknown };

/**
 * Guards the webhook route of `probot run` before Probot's middleware reads a byte of the body:
 * - a body larger than GitHub's 25 MB cap → 413, refused on `content-length` before reading, or while counting the
 *   bytes of a body sent without one (Probot reads any body whole into memory, then checks the signature);
 * - missing `X-GitHub-Event` / `X-Hub-Signature-256` / `X-GitHub-Delivery`, or not JSON → 400 / 415, unread;
 * - an event name GitHub does not send → 400 (Probot answers 200 to any name);
 * - a signature header that is not `sha256=` and 64 hex digits → 400, unread;
 * - a bad signature → 400 (Probot answers 400 too, but logs the whole payload, up to 25 MB, at error level); with the
 *   secret known, the signature is computed while the body arrives;
 * - a body that is not a JSON object → 400 (Probot answers 500 to `null`).
 * What passes goes to Probot's middleware with the body already read (it verifies again; malformed JSON → 400).
 *
 * Why a diagnostics channel: `probot run` puts its webhook middleware before every handler an app adds, so an added
 * handler never sees the webhook route. Node publishes `http.server.request.start` synchronously before the
 * request reaches any listener; the guard moves a webhook POST to a private route there, and its own handler (added
 * like any other) takes it back. Returns the function that removes the guard.
 */
export function guardWebhookRoute(options: WebhookGuardOptions): () => void {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  const path = normalizePath(options.path);
  const privatePath = `/__grb_guarded_webhook_${Math.random().toString(36).slice(2)}`;
  let middleware: Promise<Handler> | undefined;
  // The secret is used for streaming only once `verify` (Probot's own secret) agrees with it on a probe.
  let confirmed: Promise<boolean> | undefined;
  const secretConfirmed = () => {
    if (confirmed) return confirmed;
    const probe = "{}";
    const signature = `sha256=${createHmac("sha256", options.secret ?? "")
      .update(probe)
      .digest("hex")}`;
    return (confirmed = options.verify(probe, signature).catch(() => false));
  };

  const refuse = (req: Guarded, res: ServerResponse, status: number, error: string): true => {
    options.onRefused?.(status, error);
    const body = JSON.stringify({ error });
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
    discardRest(req);
    return true;
  };

  const handler: Handler = async (req: Guarded, res) => {
    const url = req[GUARDED];
    if (url === undefined) return false;
    req.url = url;
    delete req[GUARDED];
    // 1. What the headers alone decide: nothing is read.
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      return refuse(req, res, 413, tooLarge(maxBytes, `content-length: ${declared}`));
    }
    const contentType = req.headers["content-type"];
    if (typeof contentType !== "string" || !JSON_TYPE.test(contentType)) {
      return refuse(req, res, 415, 'Unsupported "Content-Type" header value. Must be "application/json"');
    }
    const missing = REQUIRED_HEADERS.filter((name) => req.headers[name] === undefined);
    if (missing.length) return refuse(req, res, 400, `Required headers missing: ${missing.join(", ")}`);
    const event = String(req.headers["x-github-event"]);
    if (!KNOWN_EVENTS.has(event)) {
      return refuse(
        req,
        res,
        400,
        `Unknown event ${JSON.stringify(event.slice(0, 100))} in X-GitHub-Event: GitHub sends no such webhook`,
      );
    }
    const signature = String(req.headers["x-hub-signature-256"]);
    if (!SIGNATURE.test(signature)) {
      return refuse(
        req,
        res,
        400,
        `X-Hub-Signature-256 ${JSON.stringify(signature.slice(0, 80))} is not "sha256=" followed by 64 hexadecimal ` +
          "digits: sign the body with HMAC-SHA256 and the webhook secret, as GitHub does",
      );
    }
    // 2. The body, counted (and, with the secret, signed) while it arrives.
    const hmac = options.secret && (await secretConfirmed()) ? createHmac("sha256", options.secret) : null;
    const body = await readLimited(req, maxBytes, hmac);
    if (body === "aborted") return true; // the client went away: nobody to answer
    if (body === "too-large") return refuse(req, res, 413, tooLarge(maxBytes, "body"));
    const signed = hmac
      ? timingSafeEqual(hmac.digest(), Buffer.from(signature.slice("sha256=".length), "hex"))
      : // Decoded as Probot decodes it, so both verify the same text.
        await options.verify(utf8.decode(body), signature).catch(() => false);
    if (!signed) return refuse(req, res, 400, "signature does not match event payload and secret");
    if (body[firstNonSpace(body)] !== 0x7b /* { */) {
      return refuse(req, res, 400, "The payload must be a JSON object");
    }
    // 3. Probot's middleware: signature, JSON, then the listeners (the runtime stores the delivery as a job).
    req.rawBody = body;
    req.body = {};
    middleware ??= options.middleware();
    return (await middleware)(req, res);
  };
  options.addHandler(handler);

  const onRequestStart = (message: unknown) => {
    const { request } = message as { request: Guarded };
    if (request.method !== "POST" || normalizePath(pathOf(request.url)) !== path) return;
    request[GUARDED] = request.url!;
    request.url = privatePath;
  };
  diagnosticsChannel.subscribe("http.server.request.start", onRequestStart);
  return () => diagnosticsChannel.unsubscribe("http.server.request.start", onRequestStart);
}

function tooLarge(maxBytes: number, what: string): string {
  return `Payload too large (${what}): GitHub sends at most ${maxBytes} bytes`;
}

/**
 * The body, or "too-large" as soon as it passes `maxBytes` (what was read is dropped), or "aborted". Each chunk also
 * goes into `hmac` as it arrives.
 */
function readLimited(
  req: IncomingMessage,
  maxBytes: number,
  hmac: Hmac | null,
): Promise<Buffer | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | "too-large" | "aborted") => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        done("too-large");
      } else {
        chunks.push(chunk);
        hmac?.update(chunk);
      }
    };
    const onEnd = () => done(Buffer.concat(chunks, size));
    const onError = () => done("aborted");
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onError);
  });
}

/**
 * After an early answer, reads the rest of the body into nothing, so that a client still sending it reads the answer
 * (closing at once makes the kernel reset the connection, and the answer is lost); a body larger than
 * DISCARD_LIMIT_BYTES has its connection closed.
 */
function discardRest(req: IncomingMessage): void {
  if (req.complete) return;
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) req.socket.destroy();
  });
  req.on("error", () => undefined);
  req.resume();
}

function firstNonSpace(body: Buffer): number {
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09))
    i++;
  return i;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "";
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}

/** `/api/github/webhooks/` and `/api/github/webhooks` are one route (as in @octokit/webhooks). */
function normalizePath(path: string): string {
  return path.replace(/\/+$/, "") || "/";
}
