// @ts-check
import { setTimeout as delay } from "node:timers/promises";

/**
 * Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs` with `what`
 * (and the last value) in the message. Waits on state, never on a fixed delay: the poll interval only bounds latency.
 * @template T
 * @param {string} what what is awaited, for the error message
 * @param {() => T | Promise<T>} probe
 * @param {{ timeoutMs?: number; intervalMs?: number }} [options]
 * @returns {Promise<Exclude<T, undefined | false | null>>}
 */
export async function waitUntil(what, probe, options = {}) {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let interval = options.intervalMs ?? 10;
  let last;
  for (;;) {
    last = await probe();
    if (last !== undefined && last !== false && last !== null) return /** @type {any} */ (last);
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${options.timeoutMs ?? 15_000} ms waiting for ${what} (last value: ${String(last)})`,
      );
    }
    await delay(interval);
    interval = Math.min(interval * 2, 200);
  }
}
