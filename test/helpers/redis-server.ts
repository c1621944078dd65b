import { Redis } from "ioredis";
import { redisServerInstalled, startRedisServer } from "../../demo/lib/redis-process.js";

export interface TestRedis {
  url: string;
  /** A new client on this server (one per simulated replica). */
  client(): Redis;
  stop(): Promise<void>;
}

/**
 * A real Redis for tests: the one `.ci/run` started (`TEST_REDIS_URL`), or Debian's `redis-server` started here on
 * a free loopback port. Never skipped: without either, the test fails and says how to install Redis.
 * `dedicated`: always a server of its own, for tests that use the app's fixed key names (its `deliveries` queue)
 * or inspect every client (`CLIENT LIST`), which other test files running at the same time would disturb.
 */
export async function startTestRedis(options: { dedicated?: boolean } = {}): Promise<TestRedis> {
  const clients: Redis[] = [];
  const client = (url: string) => () => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    clients.push(redis);
    return redis;
  };
  const closeClients = async () => {
    await Promise.all(clients.map((redis) => redis.quit().catch(() => redis.disconnect())));
  };
  const given = process.env.TEST_REDIS_URL;
  if (given && !options.dedicated) return { url: given, client: client(given), stop: closeClients };

  if (!redisServerInstalled()) {
    throw new Error(
      "These tests need a real Redis: install Debian's redis-server (apt-get install -y redis-server) " +
        "or set TEST_REDIS_URL=redis://127.0.0.1:<port>.",
    );
  }
  const server = await startRedisServer();
  return {
    url: server.url,
    client: client(server.url),
    stop: async () => {
      await closeClients();
      await server.stop();
    },
  };
}
