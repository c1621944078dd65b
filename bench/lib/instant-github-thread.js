// @ts-check
// The instant GitHub stand-in in a worker thread: the benchmark's own event loop (sending webhooks, timing the
// answers) then never waits while the stand-in answers the app.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { InstantGitHub } from "./instant-github.js";

if (!isMainThread && parentPort) {
  const port = parentPort;
  const github = await InstantGitHub.start(workerData);
  const handlers = {
    /** @param {number} installation @param {number} n */
    openPullRequest: (installation, n) => github.openPullRequest(installation, n),
    /** @param {string} sha */
    checksOn: (sha) => github.checksOn(sha),
    /** @param {string} sha */
    lastWriteOn: (sha) => github.lastWriteOn(sha),
    progress: () => github.progress(),
    report: () => ({ problems: github.problems, requests: github.requestCount }),
    close: () => github.close(),
  };
  port.on("message", async (/** @type {{ id: number; method: keyof typeof handlers; args: any[] }} */ m) => {
    try {
      // @ts-expect-error the arguments are those of the method named
      port.postMessage({ id: m.id, value: await handlers[m.method](...m.args) });
    } catch (error) {
      port.postMessage({ id: m.id, error: String(error instanceof Error ? error.stack : error) });
    }
  });
  port.postMessage({ ready: github.host });
}

/**
 * Starts the stand-in in a worker thread; every method answers through a message.
 * @param {{ installations: number; appId: number }} options
 */
export async function startInstantGitHub(options) {
  const worker = new Worker(new URL(import.meta.url), { workerData: options });
  /** @type {Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>} */
  const pending = new Map();
  let nextId = 1;
  /** @type {string} */
  const host = await new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m) => {
      if (m.ready) return resolve(m.ready);
      const call = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) call?.reject(new Error(m.error));
      else call?.resolve(m.value);
    });
  });
  /** @param {string} method @param {unknown[]} args */
  const call = (method, ...args) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args });
    });
  return {
    host,
    /** @param {number} installation @param {number} n @returns {Promise<{ name: string; payload: Record<string, any>; headSha: string }>} */
    openPullRequest: (installation, n) => /** @type {any} */ (call("openPullRequest", installation, n)),
    /** @param {string} sha @returns {Promise<Record<string, number>>} */
    checksOn: (sha) => /** @type {any} */ (call("checksOn", sha)),
    /** @param {string} sha @returns {Promise<number>} */
    lastWriteOn: (sha) => /** @type {any} */ (call("lastWriteOn", sha)),
    /** @returns {Promise<{ distinct: number; total: number; lastAt: number }>} */
    progress: () => /** @type {any} */ (call("progress")),
    /** @returns {Promise<{ problems: string[]; requests: number }>} */
    report: () => /** @type {any} */ (call("report")),
    close: async () => {
      await call("close");
      await worker.terminate();
    },
  };
}
