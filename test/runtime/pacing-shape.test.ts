import { describe, expect, test } from "@jest/globals";
import { readRuntimeSettings } from "../../src/runtime/runtime-settings.js";
import { GITHUB_SECONDARY_LIMITS, GITHUB_SHAPED, maxInWindow } from "../../src/runtime/write-pacing.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("the default pacing stays inside GitHub's documented secondary limits (per installation token)", () => {
  const limits = GITHUB_SECONDARY_LIMITS;
  const { writes, content, concurrency } = GITHUB_SHAPED;

  test("writes: a small burst, then one a second (the older guidance), under 80 a minute even if all generate content", () => {
    expect(writes.burst).toBeGreaterThanOrEqual(3); // a PR's three checks go out at once
    expect(writes.refillMs).toBeGreaterThanOrEqual(1000);
    expect(maxInWindow(writes, MINUTE)).toBeLessThanOrEqual(limits.contentRequestsPerMinute);
  });

  test("points: writes leave at least half of the 900 points a minute to reads", () => {
    const writePoints = maxInWindow(writes, MINUTE) * limits.pointsPerWrite;
    expect(writePoints).toBeLessThanOrEqual(limits.restPointsPerMinute / 2);
  });

  test("content-generating writes: at most 500 in any hour and 80 in any minute", () => {
    expect(maxInWindow(content, HOUR)).toBeLessThanOrEqual(limits.contentRequestsPerHour);
    expect(maxInWindow(content, MINUTE)).toBeLessThanOrEqual(limits.contentRequestsPerMinute);
  });

  test("concurrency: ten replicas together stay within 100 requests in flight", () => {
    expect(concurrency * 10).toBeLessThanOrEqual(limits.concurrentRequests);
  });
});

describe("WRITE_PACING", () => {
  test("defaults to installation; takes the comparison modes; refuses anything else with the choices", () => {
    expect(readRuntimeSettings({}).writePacing).toBe("installation");
    expect(readRuntimeSettings({ WRITE_PACING: "process" }).writePacing).toBe("process");
    expect(readRuntimeSettings({ WRITE_PACING: " probot " }).writePacing).toBe("probot");
    expect(() => readRuntimeSettings({ WRITE_PACING: "fast" })).toThrow(
      'WRITE_PACING="fast" is not one of installation, probot, process; unset it for the default (installation).',
    );
  });
});
