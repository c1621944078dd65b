// @ts-check
import { rmSync } from "node:fs";

/**
 * @typedef {object} SupervisedChild
 * @property {() => string} output everything the process wrote so far (stdout + stderr)
 * @property {() => number | null | undefined} exitCode undefined while running; -1 when ended by a signal
 * @property {() => NodeJS.Signals | null} exitSignal the signal that ended it, if any
 * @property {Promise<void>} exited resolves once the process has ended
 * @property {() => Promise<void>} stop SIGTERM, then SIGKILL after `graceMs`; removes `workdir`
 */

/**
 * Watches a child process started with piped stdout/stderr: keeps its output, knows when and how it ended, and
 * kills it (and removes its working folder) when the parent exits without cleaning up, so no test run, demo or
 * benchmark leaves an app or a redis-server behind.
 * @param {import("node:child_process").ChildProcess} child
 * @param {{ workdir: string; graceMs?: number }} options
 * @returns {SupervisedChild}
 */
export function superviseChild(child, options) {
  let output = "";
  child.stdout?.on("data", (/** @type {Buffer} */ chunk) => (output += chunk));
  child.stderr?.on("data", (/** @type {Buffer} */ chunk) => (output += chunk));
  /** @type {number | null | undefined} */
  let exitCode;
  /** @type {NodeJS.Signals | null} */
  let exitSignal = null;
  /** @type {Promise<void>} */
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      exitSignal = signal;
      resolve();
    }),
  );
  const removeWorkdir = () => rmSync(options.workdir, { recursive: true, force: true });
  const killOnExit = () => {
    child.kill("SIGKILL");
    removeWorkdir();
  };
  process.once("exit", killOnExit);
  return {
    output: () => output,
    exitCode: () => exitCode,
    exitSignal: () => exitSignal,
    exited,
    async stop() {
      process.removeListener("exit", killOnExit);
      if (exitCode === undefined) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), options.graceMs ?? 3000);
        await exited;
        clearTimeout(timer);
      }
      removeWorkdir();
    },
  };
}
