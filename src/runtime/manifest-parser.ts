import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { LayoutFinding } from "../rules/layout-finding.js";
import { fromPortable, type PortableManifest } from "../rules/manifest-transfer.js";
import type { ParsedManifest } from "../rules/parse-manifests.js";

/**
 * Parses manifests on a thread of their own. A YAML file costs tens of milliseconds per 50 KB to parse (seconds for a
 * megabyte), and a PR may change hundreds: on the main thread that stalls every other webhook, `/healthz` and the
 * queue's heartbeats. Here the main thread only waits; files go one at a time, so memory holds one file's syntax tree,
 * and a file that takes too long or too much memory (a hostile one) ends the thread, becomes a finding, and the
 * next file gets a fresh thread.
 */
export interface ManifestParserOptions {
  /** A file still parsing after this long is given up (the thread is ended). */
  timeoutMs: number;
  /** The thread's heap limit; a file needing more is given up. */
  maxMemoryMb: number;
}

interface Job {
  path: string;
  text: string;
  resolve: (parsed: ParsedManifest) => void;
}

export class ManifestParser {
  private worker: Worker | null = null;
  private readonly jobs: Job[] = [];
  private running: { job: Job; timer: NodeJS.Timeout } | null = null;

  constructor(private readonly options: ManifestParserOptions) {}

  /** The file's objects and syntax findings; never rejects (a file it cannot parse gets a finding saying why). */
  parse(path: string, text: string): Promise<ParsedManifest> {
    return new Promise((resolve) => {
      this.jobs.push({ path, text, resolve });
      this.next();
    });
  }

  /** Ends the thread (shutdown, tests); files still queued are answered with a finding. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.fail("the app is shutting down");
    for (const job of this.jobs.splice(0)) job.resolve(givenUp(job.path, "the app is shutting down"));
    await worker?.terminate();
  }

  private next(): void {
    if (this.running) return;
    const job = this.jobs.shift();
    if (!job) {
      // Idle: the thread must not keep a finished CLI run or a draining process alive.
      this.worker?.unref();
      return;
    }
    const worker = this.thread();
    worker.ref();
    const timer = setTimeout(() => {
      this.fail(`parsing took longer than ${this.options.timeoutMs / 1000} s`);
      void this.restart();
    }, this.options.timeoutMs);
    this.running = { job, timer };
    worker.postMessage({ path: job.path, text: job.text });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerUrl(), {
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxMemoryMb },
    });
    worker.on("message", (message: { manifest: PortableManifest }) => {
      const running = this.running;
      if (!running || worker !== this.worker) return;
      clearTimeout(running.timer);
      this.running = null;
      running.job.resolve(fromPortable(message.manifest));
      this.next();
    });
    worker.on("error", (error: Error & { code?: string }) => {
      if (worker !== this.worker) return;
      this.fail(
        error.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `parsing needed more than ${this.options.maxMemoryMb} MB of memory`
          : `the parser failed (${error.message})`,
      );
    });
    worker.on("exit", () => {
      if (worker !== this.worker) return;
      this.worker = null;
      this.fail("the parser stopped");
      this.next();
    });
    this.worker = worker;
    return worker;
  }

  private async restart(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
    this.next();
  }

  private fail(reason: string): void {
    const running = this.running;
    if (!running) return;
    clearTimeout(running.timer);
    this.running = null;
    running.job.resolve(givenUp(running.job.path, reason));
  }
}

function givenUp(path: string, reason: string): ParsedManifest {
  const finding: LayoutFinding = {
    path,
    line: 1,
    column: 1,
    rule: "not-parsed",
    severity: "warning",
    message: `Not checked: ${reason}. Split the file into smaller manifests, or simplify it (anchors and aliases that expand to huge documents, very deep nesting).`,
  };
  return { objects: [], findings: [finding] };
}

/** The thread's module: beside this one in lib/; under ts-jest (which runs src/*.ts) the compiled lib/ copy. */
function workerUrl(): URL {
  const url = new URL("./manifest-parser-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(url))) return url;
  return new URL(url.href.replace(/\/src\/runtime\/[^/]*$/, "/lib/runtime/manifest-parser-worker.js"));
}

let shared: ManifestParser | null = null;

/** The process's parser (created on first use): what the "Folder layout" check parses changed manifests with. */
export function manifestParser(): ManifestParser {
  shared ??= new ManifestParser({ timeoutMs: 10_000, maxMemoryMb: 256 });
  return shared;
}

export async function closeManifestParser(): Promise<void> {
  await shared?.close();
  shared = null;
}
