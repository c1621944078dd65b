/** The run of each key that has not started yet (callers join it), and the one running. */
const queued = new Map<string, Promise<void>>();
const running = new Map<string, Promise<void>>();

/**
 * Coalesces bursts per key: the first caller schedules `task` after `delayMs`; every caller that arrives before it
 * starts joins that same run (and resolves or rejects with it); a caller that arrives while it runs schedules the
 * next one, which starts after it. So a burst of events makes one run that sees the state after all of them, and
 * the last event is always followed by a run that started after it. Per process: replicas each coalesce their own.
 */
export function coalesce(key: string, delayMs: number, task: () => Promise<void>): Promise<void> {
  const waiting = queued.get(key);
  if (waiting) return waiting;
  const run = (async () => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await running.get(key)?.catch(() => undefined);
    queued.delete(key);
    const current = task();
    running.set(key, current);
    try {
      await current;
    } finally {
      if (running.get(key) === current) running.delete(key);
    }
  })();
  queued.set(key, run);
  return run;
}
