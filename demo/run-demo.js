#!/usr/bin/env node
// @ts-check
// `npm run demo`: the end-to-end story, narrated. Builds nothing itself (npm run demo builds first), needs no network
// beyond loopback and no credentials: a local fake GitHub (real git repository rebuilt from the fixture's history),
// the app as a separate `probot run` process with a throwaway key, and signed webhooks between them.
import { startHarness } from "./lib/harness.js";
import { STORY_STEPS, storySeed } from "./lib/story.js";

const started = Date.now();
const out = (/** @type {string} */ line = "") => process.stdout.write(`${line}\n`);

out("gitops-release-bot demo: a fake GitHub on loopback, the app as a real `probot run` process.");
const h = await startHarness({ fake: storySeed() });
let failed = false;
try {
  out(
    `Fake GitHub ${h.fake.url} (repository ${h.fake.repo.owner}/${h.fake.repo.name}, rebuilt from the fixture)`,
  );
  out(`App ${h.app.url} (GHE_HOST=${h.fake.host}, GHE_PROTOCOL=http)`);
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
  if (memory.finalPromotion) {
    out();
    out(
      `The promotion waiting for review: PR #${memory.finalPromotion.number} "${memory.finalPromotion.title}"`,
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
