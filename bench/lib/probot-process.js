// @ts-check
// `probot run` of an app as a separate process for the runtime benchmarks: demo/lib/app-process.js's `startApp`
// (configured through the environment only), plus the process' CPU time.
import { readFileSync } from "node:fs";
import { startApp } from "../../demo/lib/app-process.js";

/**
 * @param {{ appEntry: string; githubHost: string; appId: number; privateKey: string; webhookSecret: string;
 *   env?: Record<string, string> }} options
 */
export async function startProbot(options) {
  const app = await startApp({ ...options, logLevel: "error", startTimeoutMs: 30_000 });
  return {
    ...app,
    /** CPU seconds (user + system) the process used so far, from /proc (Linux), or NaN. */
    cpuSeconds: () => cpuSecondsOf(app.pid),
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
