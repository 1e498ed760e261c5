import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { ScheduleTrajectory } from "@deskfleet/protocol";
import { TrajectoryTab } from "./TrajectoryTab.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

const ID = "sch_0000000000weekly01";
const TRJ = "trj_0000000000repair01";

/** What GET /api/schedules/:id/trajectory answers, checked against the API's own schema. */
function trajectory(forgotten = false) {
  const version = (v: number, id: string, origin: "model" | "repair", costUsd: number, modelCalls: number) => ({
    id, version: v, promptVersion: 1, origin, sourceTaskId: `tsk_000000000000run00${v}`, stepCount: 3, modelCalls, costUsd, wallMs: 14_000,
    createdAt: 1_700_000_000_000 + v, forgottenAt: forgotten ? 1_700_000_900_000 : null,
  });
  return ScheduleTrajectory.parse({
    replay: "auto",
    current: forgotten ? null : version(2, TRJ, "repair", 0.0217, 8),
    steps: forgotten ? [] : [
      { index: 1, action: { name: "left_click", coordinate: [120, 133] }, origin: "replayed", moved: null, thumb: "1-thumb.png" },
      { index: 2, action: { name: "left_click", coordinate: [210, 582] }, origin: "moved", moved: { dx: 80, dy: 0 }, thumb: "2-thumb.png" },
      { index: 3, action: { name: "type", text: "CC-1843" }, origin: "repaired", moved: null, thumb: "3-thumb.png" },
    ],
    versions: [version(2, TRJ, "repair", 0.0217, 8), version(1, "trj_0000000000model001", "model", 0.0365, 21)],
    runs: [
      {
        taskId: "tsk_000000000000run002", status: "completed", createdAt: 1_700_000_000_200, wallMs: 14_200, costUsd: 0.0217,
        replay: { trajectoryId: "trj_0000000000model001", version: 1, outcome: "repaired", stepsTotal: 3, stepsReplayed: 2, stepsMoved: 1, modelSteps: 1, modelCalls: 2, mismatchStep: 3, mismatch: "the target of this step is nowhere on the screen", costUsd: 0.0217, modelCostUsd: 0.0365, wallMs: 14_200 },
      },
      { taskId: "tsk_000000000000run001", status: "completed", createdAt: 1_700_000_000_100, wallMs: 9_100, costUsd: 0.0365, replay: null },
    ],
  });
}

describe("the schedule's Trajectory tab", () => {
  it("shows each step with the screen before it and how it came about, and each run's replay in words with its cost", async () => {
    fakeApi({ [`GET /api/schedules/${ID}/trajectory`]: () => ok(trajectory()) });
    render(<Providers><TrajectoryTab id={ID} /></Providers>);
    const steps = await screen.findByRole("list", { name: "Steps" });
    const items = within(steps).getAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual([
      "1. left_click at (120, 133) — replayed",
      "2. left_click at (210, 582) — replayed, moved (+80, 0 px)",
      '3. type "CC-1843" — repaired by the model',
    ]);
    expect(within(items[1]!).getByRole("img", { name: "The screen before step 2" }).getAttribute("src")).toBe(`/api/trajectories/${TRJ}/images/2-thumb.png`);
    const runs = screen.getByRole("table", { name: "Runs" });
    expect(runs.textContent).toContain("replayed 2 of 3 steps (1 moved), model for 1 (2 calls), $0.02 instead of ~$0.04");
    expect(runs.textContent).toContain("step 3 no longer matched");
    expect(runs.textContent).toContain("the model, without a trajectory");
    expect(screen.getByRole("list", { name: "Trajectory versions" }).textContent).toContain("(replayed now)");
  });

  it("forgets the trajectory only after a second click, then shows there is none", async () => {
    let forgotten = false;
    const { calls } = fakeApi({
      [`GET /api/schedules/${ID}/trajectory`]: () => ok(trajectory(forgotten)),
      [`DELETE /api/schedules/${ID}/trajectory`]: () => {
        forgotten = true;
        return ok({ forgotten: 2 });
      },
    });
    render(<Providers><TrajectoryTab id={ID} /></Providers>);
    fireEvent.click(await screen.findByRole("button", { name: "Forget this trajectory" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Forget it" }));
    await screen.findByText(/No trajectory yet/);
    expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(1);
  });

  it("offers no forgetting to a viewer", async () => {
    fakeApi({ [`GET /api/schedules/${ID}/trajectory`]: () => ok(trajectory()) });
    render(<Providers role="viewer"><TrajectoryTab id={ID} /></Providers>);
    await screen.findByRole("list", { name: "Steps" });
    await waitFor(() => expect(screen.queryByRole("button", { name: "Forget this trajectory" })).toBeNull());
  });
});
