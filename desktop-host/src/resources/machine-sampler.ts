import { cpus, freemem, totalmem, type CpuInfo } from "node:os";
import type { DesktopResources } from "@deskfleet/protocol";
import { round1 } from "./desktop-sampler.ts";

type CpuTimes = { busy: number; total: number };

function times(list: readonly CpuInfo[]): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times: t } of list) {
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

/**
 * Measures the whole machine the host runs on (Linux, macOS, Windows):
 * what a host that is not part of a pool reports, since its desktop is
 * usually this machine. CPU is the busy share of every core since the
 * previous sample, in % of one core.
 */
export class MachineSampler {
  readonly #cpus: () => CpuInfo[];
  readonly #now: () => number;
  #previous: CpuTimes | null = null;

  constructor(options: { cpus?: () => CpuInfo[]; now?: () => number } = {}) {
    this.#cpus = options.cpus ?? cpus;
    this.#now = options.now ?? Date.now;
  }

  sample(): DesktopResources {
    const list = this.#cpus();
    const current = times(list);
    const previous = this.#previous;
    this.#previous = current;
    const busyShare = previous && current.total > previous.total ? (current.busy - previous.busy) / (current.total - previous.total) : 0;
    const total = totalmem();
    return {
      scope: "machine",
      cpuPercent: round1(Math.max(0, busyShare) * 100 * Math.max(1, list.length)),
      memoryBytes: Math.max(0, total - freemem()),
      cpus: Math.max(1, list.length),
      machineMemoryBytes: total,
      at: this.#now(),
    };
  }
}
