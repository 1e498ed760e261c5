import type { DesktopResources } from "@deskfleet/protocol";
import type { PoolStatus } from "./pool.ts";

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

/** CPU as cores in use and memory, as the dashboard shows them. */
export function describeResources(r: DesktopResources | null): string {
  if (!r) return "not measured yet";
  return `CPU ${(r.cpuPercent / 100).toFixed(2)} of ${r.cpus} cores, memory ${mb(r.memoryBytes)} of ${mb(r.machineMemoryBytes)}`;
}

/** The pool as a person reads it: one line per desktop. */
export function describeStatus(status: PoolStatus): string {
  const lines = [`Pool ${status.name}: ${status.count} desktop${status.count === 1 ? "" : "s"}`];
  for (const d of status.desktops) {
    const restarts = Object.entries(d.processes).filter(([, p]) => p.restarts > 0).map(([name, p]) => `${name} ${p.restarts}`);
    const down = Object.entries(d.processes).filter(([, p]) => p.pid === null).map(([name]) => name);
    const state = d.running ? "up" : `restarting (${down.join(", ")} down)`;
    lines.push(`  ${d.id}: ${state}, VNC 127.0.0.1:${d.vncPort}${d.display !== null ? `, display :${d.display}` : ""}; ${describeResources(d.resources)}${restarts.length ? `; restarts: ${restarts.join(", ")}` : ""}`);
  }
  return lines.join("\n");
}
