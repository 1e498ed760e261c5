/**
 * Dispatch and event latency of the fleet under load, against the same
 * measurement unloaded, side by side on one `wrangler dev` control plane:
 * baseline 1 simulated host / 1 task at a time / 1 task watcher; loaded 200
 * hosts / 50 tasks in flight / 20 watchers (16 task feeds, 4 fleet feeds).
 * Both use the same task (16 events, one every 500 ms) for the same time.
 */
import { startTestControlPlane } from "../test-support/control-plane.ts";
import { runFleetLoad, type FleetLoadReport } from "./lib/simulated-fleet.ts";
import { machineLine, median, percentile, round, writeSection } from "./lib/results.ts";

const SECONDS = Number(process.env["BENCH_FLEET_SECONDS"] ?? 60);
const PLAN = { events: 16, intervalMs: 500 };

type Stats = { n: number; median: number; p99: number };
const stats = (xs: number[]): Stats => ({ n: xs.length, median: round(median(xs), 1), p99: round(percentile(xs, 99), 1) });

function summary(r: FleetLoadReport) {
  return { tasks: r.tasks, hostEvents: r.events, dispatchMs: stats(r.dispatchMs), hostToWatcherMs: stats(r.eventMs), problems: r.problems.length, hostReconnects: r.hostReconnects, watcherReconnects: r.watcherReconnects };
}

export async function run(): Promise<unknown> {
  const cp = await startTestControlPlane();
  try {
    const durationMs = SECONDS * 1000;
    const baseline = summary(await runFleetLoad(cp, { name: "base", hosts: 1, concurrentTasks: 1, taskWatchers: 1, fleetWatchers: 0, durationMs, plan: PLAN }));
    const loadedReport = await runFleetLoad(cp, { name: "fleet", hosts: 200, concurrentTasks: 50, taskWatchers: 16, fleetWatchers: 4, durationMs, plan: PLAN });
    const loaded = summary(loadedReport);
    const ratio = (a: number, b: number) => round(a / b, 2);
    const ratios = {
      dispatchMedian: ratio(loaded.dispatchMs.median, baseline.dispatchMs.median),
      dispatchP99: ratio(loaded.dispatchMs.p99, baseline.dispatchMs.p99),
      eventMedian: ratio(loaded.hostToWatcherMs.median, baseline.hostToWatcherMs.median),
      eventP99: ratio(loaded.hostToWatcherMs.p99, baseline.hostToWatcherMs.p99),
    };
    const row = (name: string, s: ReturnType<typeof summary>) =>
      `| ${name} | ${s.tasks} | ${s.hostEvents} | ${s.dispatchMs.median} | ${s.dispatchMs.p99} | ${s.hostToWatcherMs.median} | ${s.hostToWatcherMs.p99} | ${s.problems} |`;
    writeSection(
      "fleet",
      [
        `Simulated hosts (the real host protocol over real WebSockets, each its own desktop and host token) against the Worker under \`wrangler dev\`, ${SECONDS} s per run, each task 16 events 500 ms apart. ` +
          "Dispatch: task created (before the POST) → `assign` received by the host. Event: host sent → a `/api/tasks/:id/live` watcher received it. " +
          "The baseline is the same measurement unloaded: 1 host, 1 task at a time, 1 watcher.",
        "",
        "| run | tasks | host events | dispatch median ms | dispatch p99 ms | host→watcher median ms | host→watcher p99 ms | problems |",
        "|---|---|---|---|---|---|---|---|",
        row("baseline (1 host / 1 task / 1 watcher)", baseline),
        row("loaded (200 hosts / 50 tasks / 20 watchers)", loaded),
        "",
        `Loaded ÷ baseline: dispatch median ${ratios.dispatchMedian}×, p99 ${ratios.dispatchP99}×; host→watcher median ${ratios.eventMedian}×, p99 ${ratios.eventP99}×. ` +
          `Samples: dispatch ${baseline.dispatchMs.n} / ${loaded.dispatchMs.n}, events ${baseline.hostToWatcherMs.n} / ${loaded.hostToWatcherMs.n}. ` +
          `Reconnects under load: hosts ${loaded.hostReconnects}, watchers ${loaded.watcherReconnects}. Local \`wrangler dev\` on a shared machine: compare ratios, not absolute times.`,
        "",
        machineLine(),
      ].join("\n"),
    );
    return { seconds: SECONDS, baseline, loaded, ratios, loadedProblems: loadedReport.problems.slice(0, 10) };
  } finally {
    await cp.dispose();
  }
}
