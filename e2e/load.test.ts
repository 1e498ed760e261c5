import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../test-support/control-plane.ts";
import { runFleetLoad } from "../bench/lib/simulated-fleet.ts";
import { median, percentile } from "../bench/lib/results.ts";

/**
 * The fleet under load on the real Worker (`wrangler dev`): 200 simulated
 * hosts speaking the real host protocol, 50 tasks in flight at all times, 20
 * dashboard watchers (16 on task feeds, 4 on the fleet feed). Correctness
 * only; `npm run bench -- fleet` reports the latencies against an unloaded
 * baseline.
 */

let cp: TestControlPlane;

beforeAll(async () => {
  cp = await startTestControlPlane();
}, 120_000);

afterAll(async () => {
  await cp?.dispose();
});

describe("a fleet under load", () => {
  it("loses no event with 200 hosts, 50 concurrent tasks and 20 watchers for 60 s", async () => {
    const report = await runFleetLoad(cp, {
      name: "load",
      hosts: 200,
      concurrentTasks: 50,
      taskWatchers: 16,
      fleetWatchers: 4,
      durationMs: 60_000, // the 60 s
      plan: { events: 16, intervalMs: 500 },
    });
    const ms = (xs: number[]) => `median ${median(xs).toFixed(0)} ms, p99 ${percentile(xs, 99).toFixed(0)} ms`;
    console.log(
      `load: ${report.tasks} tasks, ${report.events} host events, ${report.watchedTasks} watched; dispatch ${ms(report.dispatchMs)}; host→watcher ${ms(report.eventMs)}; ` +
        `reconnects: hosts ${report.hostReconnects}, watchers ${report.watcherReconnects}`,
    );
    expect(report.problems).toEqual([]);
    // The load really ran: the lanes kept 50 tasks going, each watcher slot followed several tasks.
    expect(report.tasks).toBeGreaterThanOrEqual(100);
    expect(report.events).toBe(report.tasks * 16);
    expect(report.watchedTasks).toBeGreaterThanOrEqual(32);
    expect(report.eventMs.length).toBeGreaterThanOrEqual(report.watchedTasks * 16 * 0.9);
  }, 300_000);
});
