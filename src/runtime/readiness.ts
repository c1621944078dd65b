/** The last answer of a check, kept `maxAgeMs`: probes read it, and at most one check runs per `maxAgeMs`. */
export interface CachedCheck {
  /** `ok`, or why not; runs the check when the last result is older than `maxAgeMs` (one at a time). */
  status(): Promise<{ ok: true } | { ok: false; reason: string }>;
}

/**
 * Readiness of the App's credentials (GitHub accepted its JWT within the last minute) without costing a request per
 * probe: a kubelet probing every 5 s on 2 replicas costs 2 requests a minute, whatever the probe rate. A failed
 * check is kept as long as a good one (a pod whose key GitHub refuses stays unready until the next minute).
 */
export function createCachedCheck(
  check: () => Promise<void>,
  options: { maxAgeMs: number; now?: () => number; describe?: (error: unknown) => string },
): CachedCheck {
  const now = options.now ?? Date.now;
  let last: { at: number; result: { ok: true } | { ok: false; reason: string } } | null = null;
  let running: Promise<void> | null = null;
  const describe =
    options.describe ?? ((error: unknown) => (error instanceof Error ? error.message : String(error)));
  return {
    async status() {
      if (last && now() - last.at < options.maxAgeMs) return last.result;
      running ??= check()
        .then(
          () => ({ ok: true }) as const,
          (error: unknown) => ({ ok: false, reason: describe(error) }) as const,
        )
        .then((result) => {
          last = { at: now(), result };
        })
        .finally(() => {
          running = null;
        });
      await running;
      return last!.result;
    },
  };
}
