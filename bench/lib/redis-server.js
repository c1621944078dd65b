// @ts-check
// A throwaway redis-server for the two-replica runs (demo/lib/redis-process.js), or null when Redis is not installed.
import { redisServerInstalled, startRedisServer } from "../../demo/lib/redis-process.js";

export async function startRedis() {
  if (!redisServerInstalled()) return null;
  const redis = await startRedisServer();
  return {
    url: redis.url,
    /** Empties every key (queue, locks, buckets) between runs. */
    flush: async () => {
      const answer = await redis.command(["FLUSHALL"]);
      if (!answer.startsWith("+OK")) throw new Error(`FLUSHALL answered ${JSON.stringify(answer)}`);
    },
    stop: redis.stop,
  };
}
