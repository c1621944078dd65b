import type { Redis } from "ioredis";
import { listHookDeliveries, redeliverHookDelivery, type HookDelivery } from "../github/apps.js";
import type { ConditionalReader, ReadCounts } from "../github/conditional-reads.js";
import type { Octokit } from "../github/types.js";

/**
 * Which deliveries of the App's log to send again: the GUIDs whose every attempt failed in a way the app did not
 * choose (no answer, or a 5xx/429: the app was down, or could not store the delivery), within the age bound, one
 * attempt each (the newest). A 4xx is the app refusing the delivery on purpose (a bad signature, a malformed body):
 * sending it again would be refused again. Pure.
 */
export function pickRedeliveries(
  deliveries: readonly HookDelivery[],
  options: { now: number; maxAgeMs: number },
): HookDelivery[] {
  const byGuid = new Map<string, HookDelivery[]>();
  for (const delivery of deliveries) {
    byGuid.set(delivery.guid, [...(byGuid.get(delivery.guid) ?? []), delivery]);
  }
  const picked: HookDelivery[] = [];
  for (const attempts of byGuid.values()) {
    if (attempts.some((a) => a.statusCode >= 200 && a.statusCode < 400)) continue;
    const newest = attempts.reduce((a, b) => (b.id > a.id ? b : a));
    if (!isRetryableFailure(newest.statusCode)) continue;
    if (options.now - Date.parse(newest.deliveredAt) > options.maxAgeMs) continue;
    picked.push(newest);
  }
  return picked.sort((a, b) => a.id - b.id);
}

const isRetryableFailure = (status: number) => status === 0 || status === 429 || status >= 500;

/** Remembers which GUIDs were redelivered (so each is sent again at most once), in Redis or in this process. */
export interface RedeliveryMemory {
  /** True when the GUID was not claimed before (and is now, for `ttlMs`). */
  claim(guid: string, ttlMs: number): Promise<boolean>;
  /** Gives a claim back (the redelivery request itself failed: the next sweep may try again). */
  release(guid: string): Promise<void>;
  /** The newest log entry an earlier pass judged completely (older ones need no second look), or 0. */
  seen(): Promise<number>;
  markSeen(id: number): Promise<void>;
}

export function createRedeliveryMemory(redis: Redis | null, now: () => number = Date.now): RedeliveryMemory {
  if (redis) {
    const key = (guid: string) => `grb:redelivered:${guid}`;
    const SEEN = "grb:redelivery:seen";
    return {
      claim: async (guid, ttlMs) =>
        (await redis.set(key(guid), String(now()), "PX", Math.max(1, Math.round(ttlMs)), "NX")) === "OK",
      release: async (guid) => void (await redis.del(key(guid))),
      seen: async () => Number((await redis.get(SEEN)) ?? 0) || 0,
      markSeen: async (id) => void (await redis.set(SEEN, String(id), "EX", 7 * 24 * 3600)),
    };
  }
  const claimed = new Map<string, number>();
  let seen = 0;
  return {
    seen: async () => seen,
    async markSeen(id) {
      seen = id;
    },
    async claim(guid, ttlMs) {
      const at = now();
      for (const [known, until] of claimed) if (until < at) claimed.delete(known);
      if (claimed.has(guid)) return false;
      claimed.set(guid, at + ttlMs);
      return true;
    },
    async release(guid) {
      claimed.delete(guid);
    },
  };
}

export interface RedeliveryReport {
  scanned: number;
  redelivered: string[];
  failed: string[];
}

/**
 * One pass over the App's delivery log: reads it newest first (conditionally: with no new delivery, a 304) down to
 * the entries an earlier pass judged, or the age bound, and asks GitHub to redeliver each failed delivery once. A
 * busy app's log holds thousands of entries a day: each pass reads only the pages that are new since the last one.
 */
export async function redeliverFailed(
  reader: ConditionalReader,
  appOctokit: Octokit,
  memory: RedeliveryMemory,
  options: { now: number; maxAgeMs: number; counts: ReadCounts; log: (msg: string, error?: unknown) => void },
): Promise<RedeliveryReport> {
  const seen = await memory.seen();
  const done = (d: HookDelivery) =>
    d.id <= seen || options.now - Date.parse(d.deliveredAt) > options.maxAgeMs;
  const deliveries = (await listHookDeliveries(reader, appOctokit, done)).filter((d) => d.id > seen);
  const report: RedeliveryReport = { scanned: deliveries.length, redelivered: [], failed: [] };
  for (const delivery of pickRedeliveries(deliveries, options)) {
    if (!(await memory.claim(delivery.guid, options.maxAgeMs))) continue;
    options.counts.calls++;
    try {
      await redeliverHookDelivery(appOctokit, delivery.id);
      report.redelivered.push(delivery.guid);
    } catch (error) {
      await memory.release(delivery.guid);
      report.failed.push(delivery.guid);
      options.log(`could not redeliver ${delivery.guid} (${delivery.event})`, error);
    }
  }
  // A redelivery request that failed is looked at again by the next pass: the mark does not move past it.
  const newest = Math.max(seen, ...deliveries.map((d) => d.id));
  if (!report.failed.length && newest > seen) await memory.markSeen(newest);
  return report;
}
