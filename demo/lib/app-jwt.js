// @ts-check
import { createSign } from "node:crypto";

/**
 * A GitHub App JWT (RS256) as GitHub documents it: `iat` 60 s in the past (clock drift), `exp` at most 10 minutes
 * ahead, `iss` = the app id. For calling the fake's `/app/…` endpoints (e.g. the webhook delivery log) in tests.
 * @param {{ appId: number | string; privateKey: string; now?: number }} options `now` in ms (default Date.now())
 */
export function appJwt(options) {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const encode = (/** @type {object} */ part) => Buffer.from(JSON.stringify(part)).toString("base64url");
  const unsigned = `${encode({ alg: "RS256", typ: "JWT" })}.${encode({ iat: now - 60, exp: now + 540, iss: String(options.appId) })}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(options.privateKey, "base64url");
  return `${unsigned}.${signature}`;
}
