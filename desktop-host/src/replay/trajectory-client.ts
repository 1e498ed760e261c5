import { ReplayLookup, type SaveTrajectoryBody } from "@deskfleet/protocol";
import type { TrajectoryStore } from "../task-runner.ts";

export type TrajectoryTarget = { server: string; token: string; fetch?: typeof fetch };

const ATTEMPTS = 3;

/** The control plane's trajectories for one task, over the host's token (`/api/hosts/tasks/:id/trajectory`). */
export function trajectoryStore(target: TrajectoryTarget, taskId: string, signal: AbortSignal): TrajectoryStore {
  const url = `${target.server.replace(/\/+$/, "")}/api/hosts/tasks/${encodeURIComponent(taskId)}/trajectory`;
  const doFetch = target.fetch ?? fetch;
  const call = async (init: RequestInit, expect: number): Promise<unknown> => {
    let last = "";
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      signal.throwIfAborted();
      try {
        const res = await doFetch(url, { ...init, headers: { authorization: `Bearer ${target.token}`, ...(init.body ? { "content-type": "application/json" } : {}) }, signal });
        const text = await res.text();
        if (res.status === expect) return JSON.parse(text) as unknown;
        last = `HTTP ${res.status}: ${text.slice(0, 300)}`;
        if (res.status !== 429 && res.status < 500) break;
      } catch (err) {
        if (signal.aborted) throw err;
        last = err instanceof Error ? err.message : String(err);
      }
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
    throw new Error(`the control plane's trajectory endpoint failed: ${last}`);
  };
  return {
    lookup: async () => ReplayLookup.parse(await call({ method: "GET" }, 200)),
    save: async (body: SaveTrajectoryBody) => (await call({ method: "POST", body: JSON.stringify(body) }, 201)) as { id: string; version: number },
  };
}
