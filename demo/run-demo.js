#!/usr/bin/env node
// @ts-check
// `npm run demo`: the end-to-end story, narrated. Builds nothing itself (npm run demo builds first), needs no network
// beyond loopback and no credentials: a local fake GitHub (real git repository rebuilt from the fixture's history),
// the app as a separate `probot run` process with a throwaway key, and signed webhooks between them.
// `npm run demo -- --redis`: the same story on two replicas sharing a local redis-server, every delivery sent to both.
import { startHarness } from "./lib/harness.js";
import { redisServerInstalled } from "./lib/redis-process.js";
import { STORY_STEPS, storySeed } from "./lib/story.js";

const started = Date.now();
const out = (/** @type {string} */ line = "") => process.stdout.write(`${line}\n`);

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--redis");
if (unknown.length) {
  out(`Unknown argument ${JSON.stringify(unknown[0])}. Usage: npm run demo [-- --redis]`);
  process.exit(2);
}
const withRedis = args.includes("--redis");
if (withRedis && !redisServerInstalled()) {
  out(
    "`npm run demo -- --redis` runs two replicas on a local Redis, but redis-server is not installed.\n" +
      "Install it (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`) and run it again.\n" +
      "The demo starts its own throwaway redis-server on a free loopback port; nothing else is needed.",
  );
  process.exit(2);
}

out("gitops-release-bot demo: a fake GitHub on loopback, the app as a real `probot run` process.");
const h = withRedis
  ? await startHarness({ fake: storySeed(), replicas: 2, redis: true, deliverTo: "all" })
  : await startHarness({ fake: storySeed() });
let failed = false;
try {
  out(
    `Fake GitHub ${h.fake.url} (repository ${h.fake.repo.owner}/${h.fake.repo.name}, rebuilt from the fixture)`,
  );
  if (withRedis) {
    h.apps.forEach((app, i) =>
      out(`App replica ${i} ${app?.url} (GHE_HOST=${h.fake.host}, REDIS_URL=${h.redisUrl})`),
    );
    out(
      "Two replicas share one Redis (their BullMQ queue, identity locks and rate-limit state). Every delivery below " +
        "is sent to BOTH at the same instant, same bytes and delivery GUID, as a duplicate delivery would arrive.",
    );
  } else out(`App ${h.app.url} (GHE_HOST=${h.fake.host}, GHE_PROTOCOL=http)`);
  /** @type {Record<string, any>} */
  const memory = {};
  let number = 0;
  for (const step of STORY_STEPS) {
    number++;
    out();
    out(`${number}. ${step.title}`);
    if (!step.run) {
      out(`   (not on this branch yet: needs ${step.needs})`);
      continue;
    }
    const report = await step.run(h, memory);
    for (const line of report.lines) out(`   ${line}`);
  }
  const problems = h.fake.problems();
  out();
  out(
    `GitHub saw ${h.fake.requests.length} API requests from the bot: ${problems.length} failed GitHub's REST schema, ` +
      `${h.fake.unhandled.length} had no route.`,
  );
  for (const problem of problems) out(`   ! ${problem}`);
  for (const route of h.fake.unhandled) out(`   ! unhandled: ${route.method} ${route.path}`);
  failed = problems.length > 0 || h.fake.unhandled.length > 0;
  if (withRedis) failed = (await proveReplicas()) || failed;
  if (memory.finalPromotion) {
    // Step "promotion-merged-rollout" merges it; the summary says what production now runs, or what waits.
    const pr = h.fake.pulls.get(memory.finalPromotion.number);
    const merged = Boolean(pr?.merged);
    out();
    out(
      `${merged ? "The promotion merged and rolled out" : "The promotion waiting for review"}: ` +
        `PR #${memory.finalPromotion.number} "${memory.finalPromotion.title}"`,
    );
    for (const line of String(memory.finalPromotion.diff).trimEnd().split("\n")) out(`   ${line}`);
  }
} catch (error) {
  failed = true;
  out(`\nThe demo failed: ${error instanceof Error ? error.stack : error}`);
  out(`App log:\n${h.app.logs()}`);
} finally {
  await h.stop();
}
out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
process.exitCode = failed ? 1 : 0;

/**
 * What two replicas proved: each got every delivery, the shared queue ran each delivery once (on one replica or the
 * other), both did work, and nothing the bot owns exists twice. Returns true when something does not hold.
 */
async function proveReplicas() {
  const { FEATURES, handlersFor } = await import("../lib/features.js");
  const sum = (/** @type {string} */ text, /** @type {RegExp} */ pattern) =>
    [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
  const metrics = await Promise.all(h.apps.map((app) => app?.metrics() ?? Promise.resolve("")));
  const received = metrics.map((text) => sum(text, /^grb_deliveries_received_total\{[^}]*\} (\S+)$/gm));
  const ran = metrics.map((text) =>
    sum(text, /^grb_feature_runs_total\{[^}]*outcome="done"[^}]*\} (\S+)$/gm),
  );
  /** How many features take a delivery (the queue makes a job of it when one does). */
  const takers = (/** @type {{ name: string; action?: string }} */ d) =>
    Object.values(FEATURES).filter(
      (feature) => handlersFor(/** @type {any} */ (feature), d.name, d.action).length,
    ).length;
  const expected = h.sender.deliveries.map(takers).reduce((a, b) => a + b, 0);
  const jobs = h.sender.deliveries.filter((d) => takers(d) > 0).length;
  const twice = (/** @type {string[]} */ keys) => keys.filter((key, i) => keys.indexOf(key) !== i);
  const duplicates = [
    ...twice(h.fake.checkRuns.map((run) => `check run "${run.name}" on ${run.headSha.slice(0, 7)}`)),
    ...twice(h.fake.releases.map((release) => `release ${release.tagName}`)),
    ...twice(
      [...h.fake.pulls.values()].filter((pr) => pr.state === "open").map((pr) => `open PR from ${pr.head}`),
    ),
    ...twice([...h.fake.issues.values()].map((issue) => `issue "${issue.title}"`)),
  ];
  const total = ran.reduce((a, b) => a + b, 0);
  out();
  out("What the two replicas proved:");
  out(
    `   Each of the ${h.sender.deliveries.length} deliveries, and its redelivery in step 7, reached both replicas: ` +
      `replica 0 queued ${received[0]}, replica 1 queued ${received[1]} (the ${jobs} that concern a feature, twice).`,
  );
  out(
    `   The shared queue ran each one once: ${total} feature runs (${ran[0]} on replica 0, ${ran[1]} on replica 1) ` +
      `for the ${expected} that the deliveries call for` +
      (h.restarts
        ? ` (counted since the last restart of a replica)`
        : total === expected
          ? ""
          : " — MISMATCH") +
      ".",
  );
  out(
    `   ${h.fake.checkRuns.length} check runs, ${h.fake.releases.length} releases, ` +
      `${[...h.fake.pulls.values()].filter((pr) => pr.head === "promote/release").length} promotion PR, ` +
      `${h.fake.issues.size} tracking issue: ${duplicates.length ? `DUPLICATES: ${duplicates.join(", ")}` : "none twice"}.`,
  );
  out(
    "   So a duplicate delivery, a load balancer's retry or a redelivery reaching another replica does the work once; " +
      "replicas share it; and look-up-then-write under the Redis lock never creates an artifact twice.",
  );
  return (!h.restarts && total !== expected) || duplicates.length > 0;
}
