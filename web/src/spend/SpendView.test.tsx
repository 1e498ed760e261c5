import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { SpendView } from "./SpendView.tsx";
import { FleetSwitch } from "./FleetSwitch.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

const budget = { dailyUsd: 0.05, monthlyUsd: null, source: "settings" as const, todayUsd: 0.06, monthUsd: 0.06, over: "daily" as const, warn: ["daily" as const] };
const fleet = { paused: null, budget, held: [{ taskId: "tsk_0000000000aaaaaaaaaa", reason: "budget" as const }], runAnyway: [] };

describe("SpendView", () => {
  it("shows today against the budget, spend by desktop, and lets an admin raise the daily limit", async () => {
    const { calls } = fakeApi({
      "GET /api/spend": () => ok({ from: 0, to: 1, by: "desktop", totalUsd: 0.06, rows: [{ key: "mac-studio", costUsd: 0.06, calls: 3 }], budget }),
      "PUT /api/spend/budget": () => ok({ ...budget, dailyUsd: 1, source: "runtime", over: null, warn: [] }),
    });
    render(
      <Providers fleetState={fleet}>
        <SpendView />
      </Providers>,
    );
    const table = await screen.findByRole("table", { name: "Spend by desktop" });
    expect(within(table).getByRole("link", { name: "mac-studio" }).getAttribute("href")).toBe("/desktops/mac-studio");
    expect(table.textContent).toContain("$0.0600");
    expect(screen.getByLabelText("Today: 100 % of the budget")).toBeTruthy();
    expect(screen.getByText(/The daily budget is spent/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/Daily limit/), { target: { value: "1" } });
    fireEvent.click(screen.getByRole("button", { name: "Save limits" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ dailyUsd: 1, monthlyUsd: null });
  });
});

describe("FleetSwitch", () => {
  it("lets an admin pause the fleet, choosing what running tasks do", async () => {
    const { calls } = fakeApi({ "POST /api/fleet/pause": () => ok({ ...fleet, paused: { by: "admin", at: 1, running: "cancel" } }) });
    render(
      <Providers fleetState={{ ...fleet, budget: { ...budget, over: null } }}>
        <FleetSwitch />
      </Providers>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Pause the fleet" }));
    fireEvent.click(screen.getByRole("button", { name: "Cancel running tasks" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/api/fleet/pause")).toBe(true));
    expect(calls.find((c) => c.path === "/api/fleet/pause")?.body).toEqual({ running: "cancel" });
  });

  it("shows everyone that the fleet is paused, and gives viewers no switch", () => {
    render(
      <Providers role="viewer" fleetState={{ ...fleet, paused: { by: "telegram:42", at: 1, running: "pause" } }}>
        <FleetSwitch />
      </Providers>,
    );
    expect(screen.getByText("Fleet paused by telegram:42")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });
});
