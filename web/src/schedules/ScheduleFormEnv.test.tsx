import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { Schedule } from "@deskfleet/protocol";
import { ScheduleForm } from "./ScheduleForm.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

// A schedule as the API answers it, checked against the protocol's schema.
const NIGHTLY = Schedule.parse({
  id: "sch_0000000000nightly", name: "Nightly release", prompt: "Tag the release.", promptVersion: 1, target: { desktopId: null, labels: [] },
  kind: "cron", cron: "0 2 * * *", intervalMinutes: null, runAt: null, timezone: "UTC", enabled: true, notify: false, selfHealing: null,
  selfLearning: "off", maxLearningRuns: 5, learningRuns: 0, maxRuns: null, runCount: 0, skipIfRunning: true, startUrl: null, model: null,
  maxSteps: null, budgetUsd: null, replay: "auto", env: { GITHUB_TOKEN: "secret:github" }, agent: null, nextRunAt: null, lastRunAt: null,
  lastTaskId: null, lastStatus: null, createdBy: "admin", createdAt: 1, updatedAt: 1,
});

describe("shell variables in the schedule form", () => {
  it("saves each variable as a vault reference", async () => {
    fakeApi({ "GET /api/agents": () => ok({ items: [] }) });
    const onSubmit = vi.fn(async (_body: unknown) => undefined);
    render(<Providers><ScheduleForm submitLabel="Create" onSubmit={onSubmit} /></Providers>);
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Nightly" } });
    fireEvent.change(screen.getByLabelText("Prompt"), { target: { value: "Tag it." } });
    fireEvent.click(screen.getByRole("button", { name: "Add a variable" }));
    fireEvent.change(screen.getByLabelText("Variable 1"), { target: { value: "GITHUB_TOKEN" } });
    fireEvent.change(screen.getByLabelText("Secret 1"), { target: { value: "github" } });
    fireEvent.click(screen.getByRole("button", { name: "Create" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalled());
    expect(onSubmit.mock.calls[0]![0]).toMatchObject({ env: { GITHUB_TOKEN: "secret:github" } });
  });

  it("shows a schedule's variables by secret name and removes them with {}", async () => {
    fakeApi({ "GET /api/agents": () => ok({ items: [] }) });
    const onSubmit = vi.fn(async (_body: unknown) => undefined);
    render(<Providers><ScheduleForm initial={NIGHTLY} submitLabel="Save" onSubmit={onSubmit} /></Providers>);
    expect((screen.getByLabelText("Secret 1") as HTMLInputElement).value).toBe("github");
    fireEvent.click(screen.getByRole("button", { name: "Remove variable GITHUB_TOKEN" }));
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalled());
    expect(onSubmit.mock.calls[0]![0]).toMatchObject({ env: {} });
  });
});
