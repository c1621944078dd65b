#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.js (each default-exports an async function returning a Markdown section)
// and writes BENCHMARKS.md. Run after `npm run build` (the benches measure lib/).
import { readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { baselineMs, fmt } from "./bench-lib.js";

const dir = new URL(".", import.meta.url);
const only = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.js") && (!only || f.includes(only)))
  .sort();
const base = await baselineMs();
const sections = [];
for (const file of files) {
  const { default: bench } = await import(new URL(file, dir).href);
  process.stderr.write(`running ${file}\n`);
  sections.push(await bench({ baselineMs: base }));
}
const header = [
  "# Benchmarks",
  "",
  "Written by `npm run bench` (do not edit by hand). CPU time is user+system time of the measured code (median of",
  "several runs); **ratio** = that time ÷ the baseline workload's time measured in the same run (SHA-256 of 4 MiB",
  "plus a JSON round trip of 10,000 small objects), so results compare across machines. API calls are counted on",
  "the requests the app really sends (through nock) and compared with the minimum the feature needs.",
  "",
  `Machine: ${os.cpus()[0]?.model ?? "unknown"} ×${os.cpus().length}, Node ${process.version}. Baseline: ${fmt(base)} ms.`,
  "",
];
const text = `${[...header, ...sections].join("\n")}\n`;
if (!only) writeFileSync(new URL("../BENCHMARKS.md", import.meta.url), text);
process.stdout.write(text);
