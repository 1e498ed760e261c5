/**
 * What `wrangler dev` puts around the Worker, for benchmarks that separate our
 * code from the local harness. wrangler dev runs two workerd processes: one
 * behind the public port with its proxy worker, which forwards every request
 * and WebSocket to the other, where the Worker and its Durable Objects run on
 * a port of their own. Production has neither the proxy nor wrangler.
 */
import { execFileSync } from "node:child_process";
import type { LocalControlPlane } from "../../scripts/lib/local-control-plane.ts";
import { processes, tree } from "./process-cpu.ts";

/** wrangler and every process it started (both workerds), found by the control plane's state directory. */
export function controlPlanePids(cp: Pick<LocalControlPlane, "persistTo">): number[] {
  const all = processes();
  const roots = all.filter((p) => p.args.includes("wrangler") && p.args.includes(` dev `) && p.args.includes(cp.persistTo)).map((p) => p.pid);
  return tree(roots, all);
}

/**
 * The Worker's own origin (its workerd's entry socket), skipping wrangler's
 * proxy; null when it cannot be found (not Linux, no `ss`). It changes when
 * wrangler reloads the Worker, so look it up again after a reload.
 */
export async function workerOrigin(cp: Pick<LocalControlPlane, "persistTo" | "port">): Promise<string | null> {
  const workerds = new Set(controlPlanePids(cp).filter((pid) => processes().find((p) => p.pid === pid)?.args.includes("workerd serve")));
  let listing: string;
  try {
    listing = execFileSync("ss", ["-Hltnp"], { encoding: "utf8" });
  } catch {
    return null;
  }
  const ports = listing
    .split("\n")
    .map((line) => /127\.0\.0\.1:(\d+)\b.*pid=(\d+),/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && workerds.has(Number(m[2])) && Number(m[1]) !== cp.port)
    .map((m) => Number(m[1]));
  for (const port of ports) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return `http://127.0.0.1:${port}`;
    } catch {
      // the inspector or another internal socket
    }
  }
  return null;
}

/** How often wrangler has reloaded the Worker so far (it watches the source tree; a reload drops every WebSocket). */
export function reloads(cp: Pick<LocalControlPlane, "logs">): number {
  return cp.logs().split("Reloading local server").length - 1;
}
