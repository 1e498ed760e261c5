import { readdirSync, readFileSync } from "node:fs";

/**
 * Linux's process table as /proc shows it: who is whose child, CPU time and
 * proportional memory. Other systems have no /proc; callers measure the
 * machine there instead (machine-sampler.ts).
 */

/** USER_HZ: /proc counts CPU time in these ticks, 100 a second on every Linux we run on. */
export const TICKS_PER_SECOND = 100;

export type ProcEntry = { pid: number; ppid: number; cpuTicks: number };

/** Every live process with its parent and its CPU time so far (user + system). */
export function readProcTable(proc = "/proc"): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const entry = parseStat(readFileSync(`${proc}/${name}/stat`, "utf8"));
      if (entry) out.push(entry);
    } catch {
      // It exited while we looked.
    }
  }
  return out;
}

/** One /proc/<pid>/stat line. The command sits in parentheses and may itself hold spaces and parentheses. */
export function parseStat(line: string): ProcEntry | null {
  const close = line.lastIndexOf(")");
  const pid = Number(line.slice(0, line.indexOf(" ")));
  const fields = line.slice(close + 2).trim().split(" ");
  // After the command: state, ppid, …; utime and stime are fields 14 and 15 of the whole line.
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (![pid, ppid, utime, stime].every(Number.isFinite)) return null;
  return { pid, ppid, cpuTicks: utime + stime };
}

/** `roots` and every process descended from them. */
export function descendants(roots: readonly number[], table: readonly ProcEntry[]): number[] {
  const pids = new Set(roots.filter((pid) => table.some((p) => p.pid === pid)));
  const children = new Map<number, number[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const queue = [...pids];
  while (queue.length) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (!pids.has(child)) {
        pids.add(child);
        queue.push(child);
      }
    }
  }
  return [...pids];
}

/**
 * A process's proportional set size in bytes: its private pages plus its
 * share of pages it shares (Chromium's processes share most of theirs), so
 * the figures of several processes add up to what they take together.
 * Falls back to the resident set when smaps_rollup is missing (Linux < 4.14).
 */
export function proportionalBytes(pid: number, proc = "/proc"): number {
  try {
    const rollup = readFileSync(`${proc}/${pid}/smaps_rollup`, "utf8");
    const kb = /^Pss:\s+(\d+) kB$/m.exec(rollup)?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // Not readable or gone: try the resident set.
  }
  try {
    const pages = Number(readFileSync(`${proc}/${pid}/statm`, "utf8").split(" ")[1]);
    return Number.isFinite(pages) ? pages * 4096 : 0;
  } catch {
    return 0;
  }
}
