// Shared measuring tools for `npm run bench`. Every number is reported twice: raw, and as a ratio against a
// baseline measured in the same run on the same machine, so results compare across machines.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

/** CPU time (user + system, ms) of `fn`, the median of `runs` runs after one warm-up. */
export async function cpuMs(fn, runs = 5) {
  await fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

let baseline;
/**
 * The reference workload: SHA-256 of 4 MiB plus JSON round trips of 10,000 small objects (~what a handler does with
 * payloads). Its CPU time is the unit the ratios are expressed in.
 */
export async function baselineMs() {
  if (baseline !== undefined) return baseline;
  const data = Buffer.alloc(4 * 1024 * 1024, 7);
  const objects = Array.from({ length: 10_000 }, (_, i) => ({
    path: `providers/aws/v1/clusters/prod/${i}.yaml`,
    i,
  }));
  baseline = await cpuMs(() => {
    createHash("sha256").update(data).digest("hex");
    JSON.parse(JSON.stringify(objects));
  }, 7);
  return baseline;
}

/** Formats a number with a fixed number of decimals. */
export const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/**
 * The app as it runs (the queue-based runtime on the in-process queue), with retries and throttling off so that
 * nock answers at once. `receive` resolves when the queue has run the delivery, so the calls it made can be counted.
 * @param {string[]} [features] load only these features (default: all)
 */
export async function benchApp(features) {
  const { Probot, ProbotOctokit } = await import("probot");
  const { createGitopsReleaseBot } = await import("../lib/index.js");
  const { createMemoryQueue } = await import("../lib/runtime/memory-queue.js");
  const { generateKeyPairSync } = await import("node:crypto");
  const probot = new Probot({
    appId: 1,
    privateKey: generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString(),
    logLevel: process.env.BENCH_LOG_LEVEL ?? "fatal",
    Octokit: ProbotOctokit.defaults((options) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  const queue = createMemoryQueue();
  await probot.load(
    createGitopsReleaseBot({
      ...(features ? { features } : {}),
      queue,
      env: { RETRY_DEADLINE_MINUTES: "0" },
    }),
  );
  return {
    probot,
    /** @param {Parameters<typeof probot.receive>[0]} event */
    receive: async (event) => {
      await probot.receive(event);
      await queue.idle();
    },
  };
}

/**
 * Runs `fn` with nock out of the way: benches before it leave nock intercepting (and refusing) connections, and
 * this one talks to real local servers.
 * @template T @param {() => Promise<T>} fn @returns {Promise<T>}
 */
export async function withRealNetwork(fn) {
  const { default: nock } = await import("nock");
  const wasActive = nock.isActive();
  if (wasActive) nock.restore();
  try {
    return await fn();
  } finally {
    if (wasActive) nock.activate();
  }
}

/**
 * The configuration file every benchmark repository has: it opts the repository in (an inactive repository costs one
 * configuration read and nothing else) and leaves every option at its default. GitHub answers it raw.
 */
export const OPT_IN_FILE = "# gitops-release-bot: on, every option at its default\n";
export const RAW_FILE_HEADERS = { "content-type": "application/vnd.github.raw; charset=utf-8" };
