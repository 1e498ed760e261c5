import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { HandbackResult, TakeoverStatus } from "@deskfleet/protocol";
import { TakeoverControls, useTakeover } from "./Takeover.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

function Controls() {
  return <TakeoverControls t={useTakeover("mac-studio")} canOperate />;
}

const lease = (held: boolean) =>
  TakeoverStatus.parse({ lease: held ? { desktopId: "mac-studio", holder: { id: "admin", name: "admin" }, since: 1_700_000_000_000, expiresAt: 1_700_000_300_000, pausedTaskId: "tsk_0000000000paused01" } : null });

describe("hand-back with a demonstration", () => {
  it("saves what the person did to the paused task's schedule when asked, and says what was saved", async () => {
    let held = true;
    const { calls } = fakeApi({
      "GET /api/desktops/mac-studio/takeover": () => ok(lease(held)),
      "GET /api/schedules": () => ok({ items: [] }),
      "POST /api/desktops/mac-studio/handback": () => {
        held = false;
        return ok(HandbackResult.parse({ desktopId: "mac-studio", resumedTaskId: "tsk_0000000000paused01", demonstration: { saved: true, scheduleId: "sch_0000000000weekly01", trajectoryId: "trj_0000000000demo0001", version: 3, steps: 12, reason: null } }));
      },
    });
    render(<Providers><Controls /></Providers>);
    fireEvent.click(await screen.findByRole("checkbox", { name: "Save as demonstration" }));
    expect(screen.getByRole("combobox", { name: "Schedule to teach" })).toHaveProperty("value", "");
    fireEvent.click(screen.getByRole("button", { name: "Hand back" }));
    expect((await screen.findByRole("status")).textContent).toBe("Saved as demonstration v3 of the schedule (12 steps): its next run replays what you did.");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ demonstration: {} });
  });

  it("hands back without saving anything when the box is not ticked", async () => {
    const { calls } = fakeApi({
      "GET /api/desktops/mac-studio/takeover": () => ok(lease(true)),
      "POST /api/desktops/mac-studio/handback": () => ok(HandbackResult.parse({ desktopId: "mac-studio", resumedTaskId: null })),
    });
    render(<Providers><Controls /></Providers>);
    fireEvent.click(await screen.findByRole("button", { name: "Hand back" }));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({});
    expect(screen.queryByRole("status")).toBeNull();
  });
});
