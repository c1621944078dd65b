/** The run of each key that has not started yet (callers join it), and the one running. */
const queued = new Map<string, Promise<void>>();
const running = new Map<string, Promise<void>>();

/**
 * Coalesces bursts per key: the first caller schedules `task` after `delayMs` and waits for it (its failure is that
 * caller's, so the queue retries it); every caller that arrives before the run starts returns at once: the run
 * starts after its event, so it sees that event's state, and the caller does not hold a queue slot meanwhile. A
 * caller that arrives while it runs schedules the next run, which starts after it. So a burst of events makes one
 * run that sees the state after all of them. Per process: replicas each coalesce their own.
 */
export function coalesce(key: string, delayMs: number, task: () => Promise<void>): Promise<void> {
  if (queued.has(key)) return Promise.resolve();
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
