import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { AgentEditor } from "./AgentEditor.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

const SKILL = { name: "cookie-walls", description: "Getting past cookie walls", body: "Click Accept all.", version: 2, usedBy: [], createdBy: "admin", createdAt: 1, updatedAt: 1 };

describe("the agent editor", () => {
  it("previews the system prompt of the draft with its token count, and creates the agent with what was chosen", async () => {
    const { calls } = fakeApi({
      "GET /api/skills": () => ok({ items: [SKILL] }),
      "POST /api/agents/preview": ({ body }) => {
        const b = body as { instructions: string; skills: string[] };
        return ok({ system: `# Your role: draft\n${b.instructions}\n${b.skills.join(",")}`, tokens: 1234, counted: "anthropic" });
      },
      "POST /api/agents": ({ body }) => ok({ ...(body as object), model: null, target: { desktopId: null, labels: [] }, createdBy: "admin", createdAt: 1, updatedAt: 1 }, 201),
    });
    render(<Providers><AgentEditor name={null} /></Providers>);
    fireEvent.change(await screen.findByLabelText("Name"), { target: { value: "Shopper" } });
    fireEvent.change(screen.getByLabelText("Description"), { target: { value: "Buys office supplies" } });
    fireEvent.change(screen.getByLabelText("Instructions"), { target: { value: "You buy for ACME." } });
    fireEvent.click(screen.getByLabelText(/ask_human/));
    fireEvent.click(await screen.findByLabelText(/cookie-walls/));

    const preview = await screen.findByLabelText("System prompt preview");
    await waitFor(() => expect(preview.textContent).toContain("You buy for ACME.\ncookie-walls"));
    expect(preview.textContent).toContain("1,234 tokens (counted by Anthropic)");

    fireEvent.click(screen.getByRole("button", { name: "Create agent" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/api/agents" && c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.path === "/api/agents" && c.method === "POST")!.body).toEqual({
      name: "shopper",
      description: "Buys office supplies",
      instructions: "You buy for ACME.",
      tools: ["computer", "type_secret", "memory"],
      skills: ["cookie-walls"],
      labels: [],
      continueFrom: "none",
    });
  });

  it("shows an operator the agent and its prompt, without the means to change it", async () => {
    fakeApi({
      "GET /api/skills": () => ok({ items: [] }),
      "GET /api/agents/shopper": () => ok({ name: "shopper", description: "Buys", instructions: "Be frugal.", model: null, tools: ["computer"], skills: [], target: { desktopId: null, labels: [] }, maxSteps: 20, budgetUsd: null, selfHealing: null, continueFrom: "none", createdBy: "admin", createdAt: 1, updatedAt: 1 }),
      "POST /api/agents/preview": () => ok({ system: "# Your role: shopper\nBe frugal.", tokens: 12, counted: "estimate" }),
    });
    render(<Providers role="operator"><AgentEditor name="shopper" /></Providers>);
    expect((await screen.findByLabelText("Instructions") as HTMLTextAreaElement).value).toBe("Be frugal.");
    expect(screen.queryByRole("button", { name: "Save changes" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
    await waitFor(() => expect(screen.getByLabelText("System prompt preview").textContent).toContain("≈ 12 tokens (estimated"));
  });
});
