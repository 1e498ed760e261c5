import type { ReplayLookup, SaveTrajectoryBody } from "@deskfleet/protocol";
import type { TrajectoryStore } from "../task-runner.ts";

/**
 * Trajectories kept in memory, versioned as the control plane versions them
 * (the newest replays; the "instead of" cost is the first, model-made run's):
 * for benchmarks and tests that run the host without a control plane.
 */
export class MemoryTrajectoryStore implements TrajectoryStore {
  readonly saved: SaveTrajectoryBody[] = [];

  async lookup(): Promise<ReplayLookup> {
    const last = this.saved.at(-1);
    if (!last) return { trajectory: null, reason: "no successful run has been recorded yet" };
    const first = this.saved.find((s) => s.basedOn === null) ?? last;
    const version = this.saved.length;
    return { trajectory: { id: `trj_memory${version}`, version, screen: last.screen, steps: last.steps, final: last.final, result: last.result, modelCostUsd: first.costUsd }, reason: `version ${version}` };
  }

  async save(body: SaveTrajectoryBody): Promise<{ id: string; version: number }> {
    this.saved.push(body);
    return { id: `trj_memory${this.saved.length}`, version: this.saved.length };
  }
}
