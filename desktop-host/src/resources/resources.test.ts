import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { CpuInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { cpuPercentBetween, DesktopSampler } from "./desktop-sampler.ts";
import { MachineSampler } from "./machine-sampler.ts";
import { descendants, parseStat, readProcTable, type ProcEntry } from "./proc-table.ts";

describe("the process table", () => {
  it("reads a stat line whose command holds spaces and parentheses", () => {
    const line = "4242 (Web Content (x)) S 4200 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1000 0 0";
    expect(parseStat(line)).toEqual({ pid: 4242, ppid: 4200, cpuTicks: 300 });
  });

  it("takes a desktop's processes and all their descendants, and nothing else", () => {
    const table: ProcEntry[] = [
      { pid: 1, ppid: 0, cpuTicks: 0 },
      { pid: 10, ppid: 1, cpuTicks: 0 }, // the pool
      { pid: 11, ppid: 10, cpuTicks: 0 }, // Xvfb
      { pid: 12, ppid: 10, cpuTicks: 0 }, // chromium
      { pid: 13, ppid: 12, cpuTicks: 0 }, // its zygote
      { pid: 14, ppid: 13, cpuTicks: 0 }, // a renderer
      { pid: 20, ppid: 10, cpuTicks: 0 }, // another desktop's Xvfb
    ];
    expect(descendants([11, 12, 99], table).sort((a, b) => a - b)).toEqual([11, 12, 13, 14]);
  });
});

describe("CPU between two samples", () => {
  it("counts each process's difference, a new process's whole time, and nothing for one that exited", () => {
    const before = { at: 0, ticks: new Map([[1, 100], [2, 50], [3, 70]]) };
    const after = { at: 2_000, ticks: new Map([[1, 200], [2, 50], [4, 40]]) };
    // (100 + 0 + 40) ticks = 1.4 s of CPU in 2 s: 70 % of one core.
    expect(cpuPercentBetween(before, after)).toBeCloseTo(70, 5);
  });
});

describe("DesktopSampler", () => {
  it("adds up the desktop's processes' proportional memory and reports CPU from the second sample on", () => {
    let at = 1_000;
    let ticks = 0;
    const sampler = new DesktopSampler({
      roots: () => [11],
      now: () => at,
      readTable: () => [{ pid: 11, ppid: 1, cpuTicks: ticks }, { pid: 12, ppid: 11, cpuTicks: ticks }, { pid: 30, ppid: 1, cpuTicks: 9_999 }],
      memoryOf: (pid) => (pid === 11 ? 100_000_000 : pid === 12 ? 50_000_000 : 1),
    });
    expect(sampler.sample()).toMatchObject({ scope: "desktop", cpuPercent: 0, memoryBytes: 150_000_000, at: 1_000 });
    at += 5_000;
    ticks += 125; // 1.25 s each, 2.5 s in 5 s
    expect(sampler.sample()).toMatchObject({ cpuPercent: 50, memoryBytes: 150_000_000 });
  });

  it.skipIf(!existsSync("/proc/self/stat"))("measures a real busy process's CPU as the process itself counts it", async () => {
    // The child spins and prints its own CPU time (getrusage) every 50 ms: on a shared machine it gets
    // whatever share the others leave, so the sampler is compared with the child's own count, not with 100 %.
    const busy = spawn(process.execPath, ["-e", "const spin = () => { const t = Date.now(); while (Date.now() - t < 50); const u = process.cpuUsage(); console.log(u.user + u.system); setImmediate(spin); }; spin();"], { stdio: ["ignore", "pipe", "ignore"] });
    let ownMicros = 0;
    busy.stdout.on("data", (d: Buffer) => (ownMicros = Number(d.toString().trim().split("\n").at(-1))));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const sampler = new DesktopSampler({ roots: () => [busy.pid!] });
      sampler.sample();
      const from = { at: performance.now(), micros: ownMicros };
      await new Promise((r) => setTimeout(r, 2_000));
      const figures = sampler.sample();
      const own = ((ownMicros - from.micros) / 1000 / (performance.now() - from.at)) * 100;
      expect(figures.cpuPercent).toBeGreaterThan(own - 12);
      expect(figures.cpuPercent).toBeLessThan(own + 12);
      expect(figures.cpuPercent).toBeGreaterThan(1);
      expect(figures.memoryBytes).toBeGreaterThan(5_000_000);
      expect(readProcTable().some((p) => p.pid === busy.pid)).toBe(true);
    } finally {
      busy.kill("SIGKILL");
    }
  });
});

describe("MachineSampler", () => {
  const core = (busy: number, idle: number): CpuInfo => ({ model: "x", speed: 1, times: { user: busy, nice: 0, sys: 0, irq: 0, idle } });

  it("reports the busy share of every core since the previous sample, in % of one core", () => {
    let list = [core(0, 0), core(0, 0)];
    const sampler = new MachineSampler({ cpus: () => list, now: () => 7 });
    expect(sampler.sample()).toMatchObject({ scope: "machine", cpuPercent: 0, cpus: 2, at: 7 });
    list = [core(1_000, 0), core(0, 1_000)]; // one core busy, one idle
    const figures = sampler.sample();
    expect(figures.cpuPercent).toBe(100);
    expect(figures.memoryBytes).toBeGreaterThan(0);
    expect(figures.memoryBytes).toBeLessThanOrEqual(figures.machineMemoryBytes);
  });
});
