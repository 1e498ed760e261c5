import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { Agent } from "@deskfleet/protocol";
import { AgentEditor } from "./AgentEditor.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

// The agent as GET /api/agents/:name answers it, checked against the protocol's schema.
const SHOPPER = Agent.parse({
  name: "shopper",
  description: "Buys office supplies",
  instructions: "Be frugal.",
  model: null,
  tools: ["computer", "mcp"],
  skills: [],
  target: { desktopId: null, labels: [] },
  maxSteps: null,
  budgetUsd: null,
  selfHealing: null,
  continueFrom: "none",
  mcpServers: { catalog: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer {{secret:catalog}}" } } },
  createdBy: "admin",
  createdAt: 1,
  updatedAt: 1,
});

function api() {
  return fakeApi({
    "GET /api/skills": () => ok({ items: [] }),
    "GET /api/agents/shopper": () => ok(SHOPPER),
    "POST /api/agents/preview": () => ok({ system: "# Your role: shopper", tokens: 10, counted: "estimate" }),
    "PATCH /api/agents/shopper": ({ body }) => ok(Agent.parse({ ...SHOPPER, ...(body as object), updatedAt: 2 })),
  });
}

const patched = (calls: ReturnType<typeof fakeApi>["calls"]) => calls.filter((c) => c.method === "PATCH").at(-1)?.body as { mcpServers?: unknown } | undefined;

describe("an agent's MCP servers in the editor", () => {
  it("shows the agent's servers with their secret references, and saves a command server added beside them", async () => {
    const { calls } = api();
    render(<Providers><AgentEditor name="shopper" /></Providers>);
    const first = await screen.findByRole("group", { name: "MCP server catalog" });
    expect((within(first).getByLabelText("Server 1 URL") as HTMLInputElement).value).toBe("https://mcp.example.com/mcp");
    expect((within(first).getByLabelText("Value 1") as HTMLInputElement).value).toBe("Bearer {{secret:catalog}}");

    fireEvent.click(screen.getByRole("button", { name: "Add an MCP server" }));
    fireEvent.change(screen.getByLabelText("Server 2 name"), { target: { value: "notes" } });
    fireEvent.change(screen.getByLabelText("Server 2 kind"), { target: { value: "command" } });
    fireEvent.change(screen.getByLabelText("Server 2 command"), { target: { value: "npx" } });
    fireEvent.change(screen.getByLabelText("Server 2 arguments, one per line"), { target: { value: "-y\nnotes-mcp" } });
    const second = screen.getByRole("group", { name: "MCP server notes" });
    fireEvent.click(within(second).getByRole("button", { name: "Add a variable" }));
    fireEvent.change(within(second).getByLabelText("Variable 1"), { target: { value: "NOTES_TOKEN" } });
    fireEvent.change(within(second).getByLabelText("Value 1"), { target: { value: "secret:notes" } });
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));

    await waitFor(() => expect(patched(calls)).toBeDefined());
    expect(patched(calls)!.mcpServers).toEqual({
      catalog: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer {{secret:catalog}}" } },
      notes: { command: "npx", args: ["-y", "notes-mcp"], env: { NOTES_TOKEN: "secret:notes" } },
    });
  });

  it("removes a server, and saving sends the set without it", async () => {
    const { calls } = api();
    render(<Providers><AgentEditor name="shopper" /></Providers>);
    fireEvent.click(await screen.findByRole("button", { name: "Remove server catalog" }));
    expect(screen.queryByRole("group", { name: "MCP server catalog" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(patched(calls)).toBeDefined());
    expect(patched(calls)!.mcpServers).toEqual({});
  });
});
