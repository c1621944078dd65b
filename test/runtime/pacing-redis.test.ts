import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { createWritePacing, type PacingShape, type WritePacing } from "../../src/runtime/write-pacing.js";
import { mockGitHub, resetNock } from "../helpers/mock-github.js";
import { startTestRedis, type TestRedis } from "../helpers/redis-server.js";
import {
  acceptWrites,
  bucketViolations,
  burstOfWrites,
  pacedProbot,
  recordingLog,
  refuseWithSecondaryLimit,
  warmClient,
  warmUp,
  type WriteLog,
} from "./pacing-helpers.js";

const SHAPE: PacingShape = {
  writes: { burst: 3, refillMs: 250 },
  content: { burst: 50, refillMs: 1000 },
  concurrency: 10,
};

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.stop();
});

describe("write pacing shared through Redis (two replicas, one Redis)", () => {
  let replicas: WritePacing[] = [];
  /** Each test's buckets under their own Redis keys. */
  const replicasOnRedis = () => {
    const prefix = `test-${Math.random().toString(36).slice(2)}-`;
    replicas = [0, 1].map(() =>
      createWritePacing({
        mode: "installation",
        redisUrl: redis.url,
        log: recordingLog(),
        shape: SHAPE,
        prefix,
      }),
    );
    return replicas;
  };
  beforeEach(() => resetNock());
  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    replicas = [];
    resetNock();
  });

  test("two replicas share one installation's bucket: together they get what one would", async () => {
    const [a, b] = replicasOnRedis();
    const [probotA, probotB] = [pacedProbot(), pacedProbot()];
    const gh = mockGitHub();
    await warmUp(gh.api, probotA, a!);
    await warmUp(gh.api, probotB, b!);
    const clientA = await warmClient(gh.api, probotA, a!, 7);
    const clientB = await warmClient(gh.api, probotB, b!, 7);
    const log: WriteLog = [];
    acceptWrites(gh.api, 7, 12, log);
    await Promise.all([burstOfWrites(clientA, 7, 6), burstOfWrites(clientB, 7, 6)]);
    gh.finish();
    const times = log.map((w) => w.at).sort((a, b) => a - b);
    expect(bucketViolations(times, SHAPE.writes, 60)).toEqual([]);
    // One bucket for both: 12 writes need 9 refills. Two separate buckets would have let each replica's 6 through
    // after 3 refills (750 ms).
    expect(times[11]! - times[0]!).toBeGreaterThanOrEqual(9 * SHAPE.writes.refillMs - 60);
  });

  test("a secondary limit met by one replica pauses the installation's writes on the other, not other installations", async () => {
    const [a, b] = replicasOnRedis();
    const [probotA, probotB] = [pacedProbot(), pacedProbot()];
    const gh = mockGitHub();
    await warmUp(gh.api, probotA, a!);
    await warmUp(gh.api, probotB, b!);
    const clientA = await warmClient(gh.api, probotA, a!, 7);
    const clientB = await warmClient(gh.api, probotB, b!, 7);
    const otherB = await warmClient(gh.api, probotB, b!, 8);
    refuseWithSecondaryLimit(gh.api, 7, 2);
    const log: WriteLog = [];
    acceptWrites(gh.api, 7, 1, log);
    acceptWrites(gh.api, 8, 1, log);
    const refused = await burstOfWrites(clientA, 7, 1).then(
      () => null,
      (error: { status?: number }) => error,
    );
    const refusedAt = Date.now();
    expect(refused?.status).toBe(403);
    await Promise.all([burstOfWrites(clientB, 7, 1), burstOfWrites(otherB, 8, 1)]);
    gh.finish();
    const at = (installation: number) => log.find((w) => w.installation === installation)!.at - refusedAt;
    expect(at(7)).toBeGreaterThanOrEqual(2000 - 60);
    expect(at(8)).toBeLessThan(500);
  });
});
