// @ts-check
// `npm run bench runtime`: the runtime as it runs in production, `probot run` of lib/index.js as a separate process,
// against a GitHub stand-in that answers at once (bench/lib/instant-github.js), on loopback only.
// (a) webhook answer latency of the app against a Probot no-op app, (b) PR opened → its three checks written,
// (c) a burst of 400 PRs over 40 installations: one replica vs two (on a local redis-server), the pacing per
// installation vs a shared queue. Every run is bounded in count and time.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { REPO_ROOT, throwawayAppKey } from "../demo/lib/app-process.js";
import { waitUntil } from "../demo/lib/wait-until.js";
import { WebhookSender } from "../demo/lib/webhook-sender.js";
import { fmt, withRealNetwork } from "./bench-lib.js";
import { startInstantGitHub } from "./lib/instant-github-thread.js";
import { startProbot } from "./lib/probot-process.js";
import { startRedis } from "./lib/redis-server.js";

const APP_ID = 4343;
const APP = path.join(REPO_ROOT, "lib/index.js");
const NOOP_APP = new URL("./lib/noop-app.js", import.meta.url).pathname;
const CHECKS = ["PR title", "Folder layout", "Squash title"];
const INSTALLATIONS = 40;
/** `BENCH_QUICK=1` shrinks every count (to try the bench itself, not to measure). */
const QUICK = process.env.BENCH_QUICK === "1";
/** (a) deliveries per app after WARMUP; (b) PRs per pacing mode; (c) the burst (10 per installation). */
const LATENCY_DELIVERIES = QUICK ? 20 : 300;
const SETTLED_DELIVERIES = QUICK ? 10 : 100;
const WARMUP = QUICK ? 5 : 20;
const SINGLE_PRS = QUICK ? 3 : 10;
const BURST = QUICK ? 80 : 400;
/** A run of the burst stops waiting after this long (the shared queue needs 1,200 s for 1,200 writes). */
const BURST_DEADLINE_MS = QUICK ? 30_000 : 120_000;
const SHARED_QUEUE_DEADLINE_MS = QUICK ? 5_000 : 45_000;

/** @param {number[]} values @param {number} p */
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const median = (/** @type {number[]} */ values) => percentile(values, 50);
/** Milliseconds since the epoch, sub-millisecond, on the clock the stand-in's thread records writes with. */
const now = () => performance.timeOrigin + performance.now();
/** @typedef {Awaited<ReturnType<typeof startInstantGitHub>>} StandIn */

export default async function runtimeBench() {
  return withRealNetwork(async () => {
    const key = throwawayAppKey();
    const secret = randomBytes(16).toString("hex");
    /** @type {string[]} */
    const problems = [];
    const latency = await answerLatency(key, secret, problems);
    const single = await prOpened(key, secret, problems);
    const burst = await burstRuns(key, secret, problems);
    return section(latency, single, burst, problems);
  });
}

/**
 * @param {{ privateKey: string }} key @param {string} secret
 * @param {StandIn} github @param {{ appEntry?: string; env?: Record<string, string> }} [options]
 */
function startApp(key, secret, github, options = {}) {
  return startProbot({
    appEntry: options.appEntry ?? APP,
    githubHost: github.host,
    appId: APP_ID,
    privateKey: key.privateKey,
    webhookSecret: secret,
    env: { QUEUE_CONCURRENCY: "8", ...options.env },
  });
}

/** @param {string} url @param {string} secret */
const senderFor = (url, secret) => new WebhookSender({ url, secret, appId: APP_ID, timeoutMs: 30_000 });

/**
 * (a) The same deliveries to both apps, alternately, one at a time: the time until each answers. Twice: back to
 * back (the app is still working earlier deliveries from its queue, in its own process, when the next arrives), and
 * settled (the next delivery only once the app has written the previous one's checks).
 * @param {{ privateKey: string }} key @param {string} secret @param {string[]} problems
 */
async function answerLatency(key, secret, problems) {
  const github = await startInstantGitHub({ installations: INSTALLATIONS, appId: APP_ID });
  const noop = await startApp(key, secret, github, { appEntry: NOOP_APP });
  const app = await startApp(key, secret, github).catch(async (error) => {
    await noop.stop();
    throw error;
  });
  try {
    const senders = { noop: senderFor(noop.webhookUrl, secret), app: senderFor(app.webhookUrl, secret) };
    let n = 1000;
    const measure = async (/** @type {number} */ count, /** @type {boolean} */ settle) => {
      /** @type {{ noop: number[]; app: number[] }} */
      const times = { noop: [], app: [] };
      for (let i = 0; i < WARMUP + count; i++) {
        const pr = await github.openPullRequest((i % INSTALLATIONS) + 1, n++);
        /** @type {Array<"noop" | "app">} */
        const order = i % 2 ? ["noop", "app"] : ["app", "noop"];
        for (const which of order) {
          const result = await senders[which].send(pr.name, pr.payload);
          if (result.status < 200 || result.status > 299) {
            throw new Error(`the ${which} app answered ${result.status}: ${result.response}`);
          }
          if (i >= WARMUP) times[which].push(result.durationMs);
        }
        if (settle) {
          await waitUntil(
            "the app's checks of the delivery",
            async () => Object.keys(await github.checksOn(pr.headSha)).length === CHECKS.length,
            { timeoutMs: 30_000, intervalMs: 2 },
          );
        }
      }
      const stats = (/** @type {number[]} */ t) => ({ p50: percentile(t, 50), p99: percentile(t, 99) });
      return { noop: stats(times.noop), app: stats(times.app) };
    };
    const busy = await measure(LATENCY_DELIVERIES, false);
    const settled = await measure(SETTLED_DELIVERIES, true);
    problems.push(...(await github.report()).problems);
    return { busy, settled };
  } finally {
    await Promise.all([noop.stop(), app.stop()]);
    await github.close();
  }
}

/**
 * (b) One PR at a time, each on its own installation (tokens already cached, as in steady use): webhook sent → the
 * last of its three checks written on the stand-in.
 * @param {{ privateKey: string }} key @param {string} secret @param {string[]} problems
 */
async function prOpened(key, secret, problems) {
  /** @type {Record<string, { answered: number[]; checks: number[] }>} */
  const results = {};
  for (const mode of ["installation", "probot"]) {
    const github = await startInstantGitHub({ installations: INSTALLATIONS, appId: APP_ID });
    const app = await startApp(key, secret, github, { env: { WRITE_PACING: mode } });
    try {
      const sender = senderFor(app.webhookUrl, secret);
      const run = async (/** @type {number} */ installation, /** @type {number} */ n) => {
        const pr = await github.openPullRequest(installation, n);
        const start = now();
        const result = await sender.send(pr.name, pr.payload);
        await waitUntil(
          `the three checks of PR ${n} on installation ${installation}`,
          async () => {
            const written = await github.checksOn(pr.headSha);
            return CHECKS.every((name) => written[name]);
          },
          { timeoutMs: 30_000, intervalMs: 2 },
        );
        return { answered: result.durationMs, checks: (await github.lastWriteOn(pr.headSha)) - start };
      };
      for (let i = 1; i <= SINGLE_PRS; i++) await run(i, 1); // warm-up: tokens, code paths
      results[mode] = { answered: [], checks: [] };
      for (let i = 1; i <= SINGLE_PRS; i++) {
        const r = await run(i, 2);
        results[mode].answered.push(r.answered);
        results[mode].checks.push(r.checks);
      }
      problems.push(...(await github.report()).problems);
    } finally {
      await app.stop();
      await github.close();
    }
  }
  return results;
}

/**
 * (c) 400 `pull_request.opened` (10 per installation), sent 16 at a time, round-robin to the replicas.
 * @param {{ privateKey: string }} key @param {string} secret @param {string[]} problems
 */
async function burstRuns(key, secret, problems) {
  const redis = await startRedis();
  /** @type {Array<{ label: string; replicas: number; mode: string; result?: Awaited<ReturnType<typeof burst>>; skipped?: string }>} */
  const runs = [
    { label: "per installation (bucket)", mode: "installation", replicas: 1 },
    { label: "per installation (bucket)", mode: "installation", replicas: 2 },
    { label: "per installation, 1 s apart (Probot's `app.auth`)", mode: "probot", replicas: 1 },
    { label: "one shared queue, 1 s apart (Probot's webhook context)", mode: "process", replicas: 1 },
    { label: "one shared queue, 1 s apart (Probot's webhook context)", mode: "process", replicas: 2 },
  ];
  try {
    for (const run of runs) {
      if (run.replicas > 1 && !redis) {
        run.skipped = "redis-server is not installed";
        continue;
      }
      await redis?.flush();
      const github = await startInstantGitHub({ installations: INSTALLATIONS, appId: APP_ID });
      const env = {
        WRITE_PACING: run.mode,
        ...(run.replicas > 1 && redis ? { REDIS_URL: redis.url } : {}),
      };
      const apps = [];
      try {
        for (let r = 0; r < run.replicas; r++) apps.push(await startApp(key, secret, github, { env }));
        const cpuBefore = apps.reduce((sum, a) => sum + a.cpuSeconds(), 0);
        run.result = await burst(
          github,
          apps.map((a) => senderFor(a.webhookUrl, secret)),
          run.mode === "process" ? SHARED_QUEUE_DEADLINE_MS : BURST_DEADLINE_MS,
        );
        run.result.appCpuSeconds = apps.reduce((sum, a) => sum + a.cpuSeconds(), 0) - cpuBefore;
        problems.push(...(await github.report()).problems);
      } finally {
        await Promise.all(apps.map((a) => a.stop()));
        await github.close();
      }
    }
  } finally {
    await redis?.stop();
  }
  return runs;
}

/**
 * @param {StandIn} github @param {WebhookSender[]} senders @param {number} deadlineMs
 */
async function burst(github, senders, deadlineMs) {
  /** @type {Array<{ name: string; payload: Record<string, any>; headSha: string }>} */
  const prs = [];
  for (let i = 0; i < BURST; i++) {
    prs.push(await github.openPullRequest((i % INSTALLATIONS) + 1, 1 + Math.floor(i / INSTALLATIONS)));
  }
  const start = now();
  /** @type {number[]} */
  const answers = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < prs.length) {
        const i = next++;
        const pr = prs[i];
        if (!pr) break;
        const sender = /** @type {WebhookSender} */ (senders[i % senders.length]);
        const result = await sender.send(pr.name, pr.payload);
        if (result.status < 200 || result.status > 299) throw new Error(`answered ${result.status}`);
        answers.push(result.durationMs);
      }
    }),
  );
  const expected = BURST * CHECKS.length;
  let progress = await github.progress();
  while (progress.distinct < expected && now() < start + deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    progress = await github.progress();
  }
  const finished = progress.distinct === expected;
  const elapsed = (finished ? progress.lastAt : now()) - start;
  return {
    answerP99: percentile(answers, 99),
    written: progress.distinct,
    expected,
    duplicates: progress.total - progress.distinct,
    elapsedMs: elapsed,
    finished,
    writesPerSecond: progress.distinct / (elapsed / 1000),
    appCpuSeconds: NaN,
  };
}

/**
 * @param {Awaited<ReturnType<typeof answerLatency>>} latency @param {Awaited<ReturnType<typeof prOpened>>} single
 * @param {Awaited<ReturnType<typeof burstRuns>>} runs @param {string[]} problems
 */
function section(latency, single, runs, problems) {
  const ratio = (/** @type {"busy" | "settled"} */ which, /** @type {"p50" | "p99"} */ p) =>
    latency[which].app[p] / latency[which].noop[p];
  /** @type {Array<["busy" | "settled", "p50" | "p99"]>} */
  const cases = [
    ["busy", "p50"],
    ["busy", "p99"],
    ["settled", "p50"],
    ["settled", "p99"],
  ];
  const verdicts = cases.map(([which, p]) => {
    const r = ratio(which, p);
    return `${which === "busy" ? "back to back" : "settled"} ${p} ${fmt(r)}×: ${r <= 1.5 ? "met" : "NOT met"}`;
  });
  const inst = single.installation ?? { answered: [], checks: [] };
  const probot = single.probot ?? { answered: [], checks: [] };
  const seconds = (/** @type {number} */ ms) => fmt(ms / 1000, 1);
  const burstRow = (/** @type {(typeof runs)[number]} */ run) => {
    if (!run.result) return `| ${run.label} | ${run.replicas} | skipped: ${run.skipped} | | | | |`;
    const r = run.result;
    const time = r.finished
      ? `${seconds(r.elapsedMs)} s`
      : `not done after ${seconds(r.elapsedMs)} s (${r.written} of ${r.expected}; at this rate ≈ ${fmt(r.expected / r.writesPerSecond, 0)} s)`;
    return `| ${run.label} | ${run.replicas} | ${time} | ${fmt(r.writesPerSecond, 1)} | ${r.duplicates} | ${fmt(r.answerP99, 1)} | ${fmt(r.appCpuSeconds, 1)} |`;
  };
  return [
    "## Runtime (webhook answers, PR checks, bursts)",
    "",
    "`probot run` of the built app as a separate process, against a GitHub stand-in on loopback that answers at once",
    "(`bench/lib/instant-github.js`: requests checked against GitHub's REST description). Times are wall-clock",
    "milliseconds on a shared machine (they vary from run to run more than the CPU figures above).",
    "",
    `Webhook answer latency: \`pull_request.opened\` deliveries one at a time to each app, alternately (after ${WARMUP} warm-up each); "back to back": ${LATENCY_DELIVERIES} deliveries while the app is still working on the earlier ones from its queue; "settled": ${SETTLED_DELIVERIES} deliveries, each once the app has written the previous one's checks:`,
    "",
    "| app | back to back p50 ms | p99 ms | settled p50 ms | p99 ms |",
    "|---|---|---|---|---|",
    `| Probot no-op app (\`app.onAny(async () => {})\`) | ${fmt(latency.busy.noop.p50)} | ${fmt(latency.busy.noop.p99)} | ${fmt(latency.settled.noop.p50)} | ${fmt(latency.settled.noop.p99)} |`,
    `| gitops-release-bot (verify, enqueue, answer; the work runs from the queue) | ${fmt(latency.busy.app.p50)} | ${fmt(latency.busy.app.p99)} | ${fmt(latency.settled.app.p50)} | ${fmt(latency.settled.app.p99)} |`,
    `| ratio | ${fmt(ratio("busy", "p50"))}× | ${fmt(ratio("busy", "p99"))}× | ${fmt(ratio("settled", "p50"))}× | ${fmt(ratio("settled", "p99"))}× |`,
    "",
    `Target ≤ 1.5× the no-op app — ${verdicts.join("; ")}.`,
    "",
    `PR opened → all three checks (PR title, Folder layout, Squash title) written, ${SINGLE_PRS} PRs one at a time, each on its own installation (token cached):`,
    "",
    "| pacing (`WRITE_PACING`) | webhook answered, median ms | checks written, median ms | max ms |",
    "|---|---|---|---|",
    `| \`installation\` (bucket per installation) | ${fmt(median(inst.answered))} | ${fmt(median(inst.checks))} | ${fmt(Math.max(...inst.checks))} |`,
    `| \`probot\` (1 s between writes) | ${fmt(median(probot.answered))} | ${fmt(median(probot.checks))} | ${fmt(Math.max(...probot.checks))} |`,
    "",
    `Target < 1 s — ${fmt(median(inst.checks))} ms: ${median(inst.checks) < 1000 ? "met" : "NOT met"}.`,
    "",
    `A burst of ${BURST} \`pull_request.opened\` over ${INSTALLATIONS} installations (${BURST / INSTALLATIONS} each, ${BURST * CHECKS.length} check runs), sent 16 at a time round-robin to the replicas; time until the last check run is written (QUEUE_CONCURRENCY 8 per replica; two replicas share BullMQ, locks and write buckets on one local redis-server):`,
    "",
    "| pacing | replicas | last check written | check writes/s | duplicates | webhook answer p99 ms | app CPU s |",
    "|---|---|---|---|---|---|---|",
    ...runs.map(burstRow),
    "",
    `The floor the bucket sets: ${BURST / INSTALLATIONS} PRs × 3 checks per installation, 10 at once and then one a second,`,
    `take ${Math.max(0, (BURST / INSTALLATIONS) * 3 - 10)} s with one replica or two (replicas share the bucket through Redis: together they`,
    "write no faster than GitHub allows one token). Above that floor the time is the app's CPU (the column: all",
    "replicas' CPU during the burst) on the machine's cores. With Probot's 1 s spacing each job holds a queue worker",
    "while its three writes wait about 2 s, so 8 workers finish about 4 PRs a second. A shared queue of one write a",
    `second needs ${BURST * CHECKS.length} s for the ${BURST * CHECKS.length} writes.`,
    ...(problems.length
      ? ["", `**Stand-in problems (${problems.length})**: ${[...new Set(problems)].slice(0, 10).join("; ")}`]
      : []),
    "",
  ].join("\n");
}
