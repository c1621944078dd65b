// @ts-check
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./app-process.js";
import { superviseChild } from "./child-process.js";
import { waitUntil } from "./wait-until.js";

/** Thrown when Debian's `redis-server` is not on the PATH; the message says how to install it. */
export class RedisNotInstalledError extends Error {
  constructor() {
    super(
      "redis-server is not installed: install it with `apt-get install redis-server` (Debian/Ubuntu) or " +
        "`brew install redis` (macOS), then run this again.",
    );
    this.name = "RedisNotInstalledError";
  }
}

/** Whether `redis-server` can be started here. */
export function redisServerInstalled() {
  return !spawnSync("redis-server", ["--version"], { stdio: "ignore" }).error;
}

/**
 * @typedef {object} RedisProcess
 * @property {string} url `redis://127.0.0.1:PORT`
 * @property {number} port
 * @property {number} pid
 * @property {(command: string[]) => Promise<string>} command one command (RESP), its raw answer
 * @property {() => Promise<void>} stop ends the server and removes its folder
 */

/**
 * A private, throwaway Redis for the end-to-end runs: Debian's `redis-server` on a free loopback port, nothing saved
 * to disk, in a temp folder. Private, so that the app's BullMQ queue and locks (fixed key names) never meet another
 * test's or a real deployment's keys. Killed when the parent exits.
 * @param {{ startTimeoutMs?: number }} [options]
 * @returns {Promise<RedisProcess>}
 */
export async function startRedisServer(options = {}) {
  if (!redisServerInstalled()) throw new RedisNotInstalledError();
  for (let attempt = 1; ; attempt++) {
    const port = /** @type {number} */ (await freePort());
    const dir = mkdtempSync(path.join(tmpdir(), "grb-redis-"));
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const watched = superviseChild(child, { workdir: dir });
    const { stop } = watched;
    /** @param {string[]} args */
    const command = (args) => redisCommand(port, args);
    try {
      await waitUntil(
        `redis-server on port ${port} to answer PING`,
        async () => {
          if (watched.exitCode() !== undefined)
            throw new Error(`redis-server exited (code ${watched.exitCode()}):\n${watched.output()}`);
          return (await command(["PING"]).catch(() => "")).startsWith("+PONG");
        },
        { timeoutMs: options.startTimeoutMs ?? 10_000, intervalMs: 20 },
      );
    } catch (error) {
      await stop();
      if (attempt < 3 && /already in use/i.test(watched.output())) continue;
      throw error;
    }
    return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid ?? 0, command, stop };
  }
}

/**
 * Sends one command in RESP and returns the raw answer (enough for PING, DBSIZE, HGET in tests and the demo).
 * @param {number} port @param {string[]} args @returns {Promise<string>}
 */
export function redisCommand(port, args) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.setTimeout(2000, () => socket.destroy(new Error("redis did not answer in 2 s")));
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      answer += chunk;
      if (answer.endsWith("\r\n")) socket.end();
    });
    socket.on("close", () => resolve(answer));
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
  });
}
