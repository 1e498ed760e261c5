import { cpus, totalmem } from "node:os";
import type { DesktopResources } from "@deskfleet/protocol";
import { descendants, proportionalBytes, readProcTable, TICKS_PER_SECOND, type ProcEntry } from "./proc-table.ts";

export type CpuSnapshot = { at: number; ticks: Map<number, number> };

/**
 * CPU used between two snapshots, in % of one core. A process present in
 * both counts its difference; a new one counts all its time (it started
 * within the window); one that exited counts nothing.
 */
export function cpuPercentBetween(before: CpuSnapshot, after: CpuSnapshot): number {
  const elapsedSeconds = (after.at - before.at) / 1000;
  if (elapsedSeconds <= 0) return 0;
  let ticks = 0;
  for (const [pid, now] of after.ticks) ticks += Math.max(0, now - (before.ticks.get(pid) ?? 0));
  return (ticks / TICKS_PER_SECOND / elapsedSeconds) * 100;
}

export type DesktopSamplerOptions = {
  /** The desktop's own processes now (X server, window manager, VNC server, browser, host); their descendants count too. */
  roots: () => number[];
  now?: () => number;
  readTable?: () => ProcEntry[];
  memoryOf?: (pid: number) => number;
};

/**
 * Measures one desktop of a pool: the processes that make it up and their
 * children, from /proc (Linux). Each `sample()` reports CPU since the
 * previous one (the first covers the processes' lives so far).
 */
export class DesktopSampler {
  readonly #o: DesktopSamplerOptions;
  #previous: CpuSnapshot | null = null;

  constructor(options: DesktopSamplerOptions) {
    this.#o = options;
  }

  sample(): DesktopResources {
    const now = (this.#o.now ?? Date.now)();
    const table = (this.#o.readTable ?? readProcTable)();
    const pids = descendants(this.#o.roots(), table);
    const byPid = new Map(table.map((p) => [p.pid, p.cpuTicks]));
    const snapshot: CpuSnapshot = { at: now, ticks: new Map(pids.map((pid) => [pid, byPid.get(pid) ?? 0])) };
    // The first sample has no window to measure CPU over: 0 until the next.
    const cpuPercent = this.#previous ? cpuPercentBetween(this.#previous, snapshot) : 0;
    this.#previous = snapshot;
    const memoryOf = this.#o.memoryOf ?? proportionalBytes;
    return {
      scope: "desktop",
      cpuPercent: round1(cpuPercent),
      memoryBytes: pids.reduce((sum, pid) => sum + memoryOf(pid), 0),
      cpus: Math.max(1, cpus().length),
      machineMemoryBytes: totalmem(),
      at: now,
    };
  }
}

export const round1 = (x: number) => Math.round(x * 10) / 10;
