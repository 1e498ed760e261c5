/** CPU time of process trees from /proc (Linux): which part of a benchmark ate the machine's cores. */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the benchmarks run on

type Proc = { pid: number; ppid: number; args: string; cpuSeconds: number };

/** Every live process, with its parent, command line and CPU seconds so far. */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // the command in parentheses may hold spaces
      const args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
      out.push({ pid: Number(name), ppid: Number(fields[1]), args, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** The pids of `roots` and all their descendants. */
export function tree(roots: number[], all = processes()): number[] {
  const pids = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (pids.has(p.ppid) && !pids.has(p.pid)) (pids.add(p.pid), (grew = true));
  }
  return [...pids];
}

/** CPU seconds used so far by each named group of pids (processes that exited are not counted). */
export function cpuSeconds(groups: Record<string, number[]>): Record<string, number> {
  const byPid = new Map(processes().map((p) => [p.pid, p.cpuSeconds]));
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids.reduce((s, pid) => s + (byPid.get(pid) ?? 0), 0)]));
}
