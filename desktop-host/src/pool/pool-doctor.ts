import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { MachineSampler } from "../resources/machine-sampler.ts";
import { askPool, CONTROL_SOCKET } from "./pool-control.ts";
import { describeResources } from "./pool-status.ts";

type Check = { name: string; ok: boolean; warning?: boolean; detail: string; fix?: string };

/**
 * `doctor`'s figures: this machine's CPU and memory (over half a second), and
 * each desktop of every pool running here under this user, as its pool
 * measures them (the same figures its host sends with its heartbeats).
 */
export async function resourceChecks(env: Record<string, string | undefined>, sampleMs = 500): Promise<Check[]> {
  const machine = new MachineSampler();
  machine.sample();
  await new Promise((r) => setTimeout(r, sampleMs));
  const checks: Check[] = [{ name: "this machine", ok: true, detail: describeResources(machine.sample()) }];
  const pools = join(env["DESKFLEET_HOME"] || join(homedir(), ".deskfleet"), "pools");
  const names = existsSync(pools) ? readdirSync(pools).filter((n) => existsSync(join(pools, n, CONTROL_SOCKET))) : [];
  for (const name of names.sort()) {
    const answer = await askPool(join(pools, name, CONTROL_SOCKET), { op: "status" }, 10_000).catch(() => null);
    if (!answer?.ok) continue; // a socket left by a pool that is gone
    for (const d of answer.status.desktops) {
      const down = Object.entries(d.processes).filter(([, p]) => p.pid === null).map(([n]) => n);
      checks.push({
        name: `pool desktop ${d.id}`,
        ok: true,
        ...(down.length ? { warning: true } : {}),
        detail: `${d.running ? "up" : `restarting (${down.join(", ")} down)`}; ${describeResources(d.resources)}`,
      });
    }
  }
  return checks;
}
