const memos = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * Memoises `compute` for one webhook delivery. Probot hands the same payload object to every listener of a delivery,
 * so features that need the same data (configuration, the PR's files) fetch it once; a redelivery is a new object and
 * reads fresh data.
 */
export function memoizeForEvent<T>(payload: object, key: string, compute: () => Promise<T>): Promise<T> {
  let memo = memos.get(payload);
  if (!memo) memos.set(payload, (memo = new Map()));
  let value = memo.get(key) as Promise<T> | undefined;
  if (!value) {
    value = compute();
    memo.set(key, value);
    // A failed read is not cached: another listener may try again.
    value.catch(() => memo?.delete(key));
  }
  return value;
}

/** Whether `key` is memoised (or being computed) for this delivery. */
export function hasEventMemo(payload: object, key: string): boolean {
  return memos.get(payload)?.has(key) ?? false;
}
