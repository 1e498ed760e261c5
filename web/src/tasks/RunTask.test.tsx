import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { RunTask } from "./RunTask.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";
import { task } from "../test/fixtures.ts";

const AGENT = {
  name: "accounting", description: "Files invoices", instructions: "", model: null, tools: ["computer"], skills: [], target: { desktopId: null, labels: [] },
  maxSteps: null, budgetUsd: null, selfHealing: null, continueFrom: "none", createdBy: "admin", createdAt: 1, updatedAt: 1,
};

function api() {
  return fakeApi({
    "GET /api/agents": () => ok({ items: [AGENT] }),
    "POST /api/tasks": ({ body }) => ok(task({ prompt: (body as { prompt: string }).prompt }), 201),
  });
}

const run = async (text: string) => {
  await screen.findByRole("option", { name: /@accounting/ });
  fireEvent.change(screen.getByLabelText("What should the agent do?"), { target: { value: text } });
  fireEvent.click(screen.getByRole("button", { name: "Run task" }));
};

describe("the Run box", () => {
  it("runs `@name prompt` with that agent, without its name in the prompt", async () => {
    const { calls } = api();
    render(<Providers><RunTask desktopId={null} /></Providers>);
    await run("@accounting file the March invoices");
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ prompt: "file the March invoices", agent: "accounting" });
  });

  it("says which agents exist for an unknown @name and sends nothing", async () => {
    const { calls } = api();
    render(<Providers><RunTask desktopId={null} /></Providers>);
    await run("@acounting file it");
    expect((await screen.findByRole("alert")).textContent).toBe("There is no agent @acounting. Agents: @accounting.");
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("runs with the agent picked in the list, and with the previous task's summary when asked", async () => {
    const { calls } = api();
    render(<Providers><RunTask desktopId={null} /></Providers>);
    await screen.findByRole("option", { name: /@accounting/ });
    fireEvent.change(screen.getByLabelText("Agent"), { target: { value: "accounting" } });
    fireEvent.click(screen.getByLabelText(/Start with a summary of the previous task/));
    await run("total the receipts");
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ prompt: "total the receipts", agent: "accounting", continueFrom: "last" });
  });
});
