// `npm run bench big-pr`: a PR of 500 manifests of 50 KB through the Folder layout check, measured as it runs now
// and as the previous algorithm ran it (bench/lib/big-pr-run.js), each alone in a child process so that its peak
// memory is its own. Targets (issue 12): no event-loop stall over 100 ms, peak memory under 300 MB, blob reads
// batched.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fmt } from "./bench-lib.js";

const run = promisify(execFile);

async function measure(mode) {
  const script = new URL("./lib/big-pr-run.js", import.meta.url).pathname;
  const { stdout } = await run(process.execPath, [script, mode], {
    maxBuffer: 1 << 20,
    timeout: 15 * 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop());
}

export default async function bigPrBench({ baselineMs }) {
  const before = await measure("before");
  const after = await measure("after");
  const row = (label, key, digits = 0) =>
    `| ${label} | ${fmt(before[key], digits)} | ${fmt(after[key], digits)} | ${fmt(after[key] / before[key], 2)} |`;
  const stallMet = after.maxStallMs < 100;
  const memoryMet = after.peakRssMb < 300;
  return [
    "## Big pull requests (Folder layout)",
    "",
    "A PR adding 500 Deployments of 50 KB each (25 MB of YAML). **before**: the previous algorithm, replayed with the",
    "same library functions: one REST blob read per manifest, every text held, then all parsed at once on the main",
    "thread, keeping their syntax trees. **now**: the app's Folder layout listener through Probot (nock in place of",
    "GitHub): blobs read by GraphQL in batches of up to 100 objects or 1 MB, parsed one at a time on the parser thread",
    "as each batch arrives; only the parsed objects are kept. Each run alone in a child process; peak memory is the",
    "process's maximum resident set (Node itself and the bench's 25 MB of stand-in answers included).",
    "",
    "| measure | before | now | now ÷ before |",
    "|---|---|---|---|",
    row("longest event-loop stall, ms", "maxStallMs"),
    row("event-loop delay p99, ms", "p99StallMs"),
    row("peak memory (max RSS), MB", "peakRssMb"),
    row("blob read requests", "blobRequests"),
    row("CPU ms (all threads)", "cpuMs"),
    row("wall ms", "wallMs"),
    "",
    `CPU now ÷ baseline workload: ${fmt(after.cpuMs / baselineMs, 1)}. Targets: stall under 100 ms — ${stallMet ? "met" : "NOT met"}; peak memory under 300 MB — ${memoryMet ? "met" : "NOT met"}.`,
    "",
  ].join("\n");
}
