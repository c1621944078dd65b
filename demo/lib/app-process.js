// @ts-check
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { superviseChild } from "./child-process.js";
import { waitUntil } from "./wait-until.js";

/** The repository root (demo/lib/../..). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A throwaway RSA key pair for the app: no credentials live in the repository. */
export function throwawayAppKey() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** A loopback port that was free a moment ago (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * @typedef {object} AppProcess
 * @property {string} url the app's base URL (http://127.0.0.1:PORT)
 * @property {string} webhookUrl POST target for webhooks
 * @property {number} pid
 * @property {() => string} logs everything the process wrote so far (stdout + stderr)
 * @property {() => Array<Record<string, any>>} logRecords the JSON log lines (LOG_FORMAT=json)
 * @property {(timeoutMs?: number) => Promise<void>} waitIdle resolves when the app's queue has nothing waiting,
 *   running or delayed (read from its /metrics; with Redis, across every replica)
 * @property {() => Promise<Record<string, number>>} queueCounts the queue's job counts by state, from /metrics
 * @property {() => Promise<string>} metrics the text of GET /metrics (Prometheus format)
 * @property {(signal?: NodeJS.Signals) => void} kill sends a signal (default SIGKILL) without cleaning up
 * @property {() => Promise<number | null>} exited resolves with the exit code once the process has ended
 * @property {() => Promise<void>} stop kills the process (SIGTERM, then SIGKILL) and removes its working folder
 * @property {number} port the port it listens on (a restart asks for the same one, so the webhook URL stays)
 * @property {AppOptions} options what it was started with: `startApp(app.options)` starts it again the same way
 */

/**
 * @typedef {object} AppOptions
 * @property {string} githubHost `127.0.0.1:PORT` of the fake GitHub
 * @property {number} appId
 * @property {string} privateKey
 * @property {string} webhookSecret
 * @property {string} [logLevel] LOG_LEVEL (default warn)
 * @property {number} [startTimeoutMs] how long to wait for GET /ping (default 20 s)
 * @property {string} [appEntry] the built app (default lib/index.js)
 * @property {"probot" | "server"} [entry] `probot` (default): `probot run <appEntry>`; `server`: `node lib/server.js`,
 *   the server entry `npm start` and the container run (it checks the environment before starting Probot)
 * @property {string[]} [unsetEnv] variables of the default environment to leave out (e.g. `WEBHOOK_SECRET`)
 * @property {Record<string, string>} [env] more variables, e.g. `REDIS_URL`, `RETRY_BASE_SECONDS`,
 *   `JOB_LOCK_SECONDS`, `SHUTDOWN_DEADLINE_SECONDS`, `QUEUE_CONCURRENCY` (docs/configuration.md, "Runtime")
 * @property {number} [port] listen on this port (e.g. the one of a replica being restarted); a free one when unset
 *   or taken
 */

/**
 * Runs the built app (`lib/index.js`) with `probot run` as a separate process, configured only through the
 * environment, in an empty temp folder (no `.env` can override anything), and waits until GET /ping answers PONG.
 * The process is killed if it does not come up in time.
 * @param {AppOptions} options
 * @returns {Promise<AppProcess>}
 */
export async function startApp(options) {
  const appEntry = options.appEntry ?? path.join(REPO_ROOT, "lib/index.js");
  if (!existsSync(appEntry)) throw new Error(`${appEntry} is missing: run \`npm run build\` first`);
  const probotBin = path.join(REPO_ROOT, "node_modules/probot/bin/probot.js");
  const command =
    options.entry === "server" ? [path.join(REPO_ROOT, "lib/server.js")] : [probotBin, "run", appEntry];
  // The chosen port can be taken between probing and binding: try again on EADDRINUSE.
  for (let attempt = 1; ; attempt++) {
    const port = attempt === 1 && options.port ? options.port : /** @type {number} */ (await freePort());
    const cwd = mkdtempSync(path.join(tmpdir(), "grb-app-"));
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: cwd,
      NODE_ENV: "production",
      APP_ID: String(options.appId),
      PRIVATE_KEY: options.privateKey,
      WEBHOOK_SECRET: options.webhookSecret,
      GHE_HOST: options.githubHost,
      GHE_PROTOCOL: "http",
      PORT: String(port),
      HOST: "127.0.0.1",
      NO_SMEE_SETUP: "true",
      LOG_LEVEL: options.logLevel ?? "warn",
      LOG_FORMAT: "json",
      // The stand-in delivers one event at a time and waits for its work: no burst to wait for.
      DASHBOARD_DELAY_MS: "100",
      ...options.env,
    };
    for (const name of options.unsetEnv ?? []) delete (/** @type {Record<string, string>} */ (env)[name]);
    const child = spawn(process.execPath, command, {
      cwd,
      // probot narrows some variables' types in NodeJS.ProcessEnv; these are plain strings.
      env: /** @type {NodeJS.ProcessEnv} */ (/** @type {unknown} */ (env)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const watched = superviseChild(child, { workdir: cwd });
    const { stop } = watched;
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntil(
        "the app to answer GET /ping with PONG",
        async () => {
          if (watched.exitCode() !== undefined)
            throw new Error(`the app exited (code ${watched.exitCode()}):\n${watched.output()}`);
          try {
            const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
            return (await response.text()) === "PONG";
          } catch {
            return false;
          }
        },
        { timeoutMs: options.startTimeoutMs ?? 20_000, intervalMs: 25 },
      );
    } catch (error) {
      await stop();
      if (attempt < 3 && watched.output().includes("EADDRINUSE")) continue;
      throw new Error(`${error instanceof Error ? error.message : error}\napp output:\n${watched.output()}`);
    }
    const metrics = async () => {
      // A dead replica says so (and how it ended) instead of a bare "fetch failed".
      const exitCode = watched.exitCode();
      if (exitCode !== undefined) {
        const signal = watched.exitSignal();
        throw new Error(
          `the app (pid ${child.pid}) has exited (code ${exitCode}${signal ? `, signal ${signal}` : ""}); ` +
            `its last output:\n${watched.output().slice(-4000)}`,
        );
      }
      // METRICS_TOKEN set: /metrics answers only with the bearer token.
      const token = options.env?.METRICS_TOKEN;
      const response = await fetch(`${url}/metrics`, {
        signal: AbortSignal.timeout(5000),
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });
      if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
      return response.text();
    };
    const queueCounts = async () => {
      /** @type {Record<string, number>} */
      const counts = {};
      for (const match of (await metrics()).matchAll(/^grb_queue_jobs\{state="(\w+)"\} (\d+)/gm)) {
        counts[match[1] ?? ""] = Number(match[2]);
      }
      return counts;
    };
    return {
      url,
      webhookUrl: `${url}/api/github/webhooks`,
      pid: child.pid ?? 0,
      port,
      options,
      queueCounts,
      metrics,
      waitIdle: async (timeoutMs = 30_000) => {
        await waitUntil(
          "the app's queue to be idle",
          async () => {
            try {
              const c = await queueCounts();
              return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0;
            } catch (error) {
              // A busy app (a loaded machine) may miss one poll's time limit: ask again; a dead one ends the wait.
              if (watched.exitCode() !== undefined) throw error;
              return false;
            }
          },
          { timeoutMs, intervalMs: 20 },
        );
      },
      kill: (signal = "SIGKILL") => {
        child.kill(signal);
      },
      exited: async () => {
        await watched.exited;
        return watched.exitCode() ?? null;
      },
      logs: watched.output,
      logRecords: () =>
        watched
          .output()
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => {
            try {
              return JSON.parse(line);
            } catch {
              return { msg: line };
            }
          }),
      stop,
    };
  }
}

/**
 * Starts the app like `startApp` and waits for it to exit on its own (a start-up refusal): its exit code and output.
 * Fails if it is still running after `timeoutMs` (then it would have served).
 * @param {AppOptions} options @param {number} [timeoutMs]
 * @returns {Promise<{ code: number | null; output: string }>}
 */
export async function runAppUntilExit(options, timeoutMs = 20_000) {
  const cwd = mkdtempSync(path.join(tmpdir(), "grb-app-"));
  const command =
    options.entry === "server"
      ? [path.join(REPO_ROOT, "lib/server.js")]
      : [
          path.join(REPO_ROOT, "node_modules/probot/bin/probot.js"),
          "run",
          options.appEntry ?? path.join(REPO_ROOT, "lib/index.js"),
        ];
  /** @type {Record<string, string>} */
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: cwd,
    NODE_ENV: "production",
    APP_ID: String(options.appId),
    PRIVATE_KEY: options.privateKey,
    WEBHOOK_SECRET: options.webhookSecret,
    GHE_HOST: options.githubHost,
    GHE_PROTOCOL: "http",
    PORT: String(options.port ?? (await freePort())),
    HOST: "127.0.0.1",
    NO_SMEE_SETUP: "true",
    LOG_LEVEL: options.logLevel ?? "warn",
    LOG_FORMAT: "json",
    ...options.env,
  };
  for (const name of options.unsetEnv ?? []) delete env[name];
  const child = spawn(process.execPath, command, {
    cwd,
    env: /** @type {NodeJS.ProcessEnv} */ (/** @type {unknown} */ (env)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const watched = superviseChild(child, { workdir: cwd });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await watched.exited;
  clearTimeout(timer);
  await watched.stop();
  if (watched.exitSignal() === "SIGKILL") {
    throw new Error(`the app was still running after ${timeoutMs} ms; its output:\n${watched.output()}`);
  }
  return { code: watched.exitCode() ?? null, output: watched.output() };
}

/**
 * Whether process `pid` holds the TCP connection from local port `localPort` to `remotePort` (Linux: the socket's
 * inode in /proc/net/tcp{,6} among the process's file descriptors). The end-to-end tests use it to tell which
 * replica is waiting for a given answer of the fake GitHub (e.g. a `slow` fault), i.e. which one runs that job.
 * @param {number} pid @param {number} localPort @param {number} remotePort @returns {boolean}
 */
export function processOwnsConnection(pid, localPort, remotePort) {
  /** @type {Set<string>} */
  const inodes = new Set();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let table = "";
    try {
      table = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of table.split("\n").slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const columns = line.trim().split(/\s+/);
      const local = parseInt(columns[1]?.split(":")[1] ?? "", 16);
      const remote = parseInt(columns[2]?.split(":")[1] ?? "", 16);
      if (local === localPort && remote === remotePort && columns[9]) inodes.add(columns[9]);
    }
  }
  if (!inodes.size) return false;
  let fds = /** @type {string[]} */ ([]);
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      return inode !== undefined && inodes.has(inode);
    } catch {
      return false;
    }
  });
}
