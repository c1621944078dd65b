// @ts-check
// `probot run` of an app as a separate process for the runtime benchmarks, configured through the environment only
// (like demo/lib/app-process.js, plus the runtime's own variables: REDIS_URL, WRITE_PACING, QUEUE_CONCURRENCY…).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, REPO_ROOT } from "../../demo/lib/app-process.js";
import { waitUntil } from "../../demo/lib/wait-until.js";

/**
 * @param {{ appEntry: string; githubHost: string; appId: number; privateKey: string; webhookSecret: string;
 *   env?: Record<string, string> }} options
 */
export async function startProbot(options) {
  const port = await freePort();
  const cwd = mkdtempSync(path.join(tmpdir(), "grb-bench-"));
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
    LOG_LEVEL: "error",
    LOG_FORMAT: "json",
    ...options.env,
  };
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, "node_modules/probot/bin/probot.js"), "run", options.appEntry],
    {
      cwd,
      // probot narrows some variables' types in NodeJS.ProcessEnv; these are plain strings.
      env: /** @type {NodeJS.ProcessEnv} */ (/** @type {unknown} */ (env)),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (/** @type {Buffer} */ chunk) => (output = (output + chunk).slice(-20_000)));
  child.stderr.on("data", (/** @type {Buffer} */ chunk) => (output = (output + chunk).slice(-20_000)));
  let exited = false;
  const exit = new Promise((resolve) => child.once("exit", () => resolve((exited = true))));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(cwd, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      "the app to answer GET /ping",
      async () => {
        if (exited) throw new Error(`the app exited:\n${output}`);
        try {
          return (
            (await (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })).text()) === "PONG"
          );
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, intervalMs: 25 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    webhookUrl: `${url}/api/github/webhooks`,
    /** CPU seconds (user + system) the process used so far, from /proc (Linux), or NaN. */
    cpuSeconds: () => cpuSecondsOf(child.pid),
    logs: () => output,
    stop,
  };
}

/** @param {number | undefined} pid */
function cpuSecondsOf(pid) {
  try {
    // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
