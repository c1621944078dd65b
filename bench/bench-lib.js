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
