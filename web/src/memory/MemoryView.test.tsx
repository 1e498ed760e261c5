import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryView } from "./MemoryView.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

const memory = (id: string, content: string) => ({
  id, collection: "errors", agent: null, content, contentHash: "h", metadata: {}, source: "conversation:heal:tsk_1", createdAt: 1_700_000_000_000, updatedAt: 1, lastUsedAt: null, rank: 1,
});

describe("the Memory page", () => {
  it("searches memories and forgets one after confirmation", async () => {
    let items = [memory("mem_0000000000aaaa", "shop.example: click Accept all on the cookie wall first")];
    const { calls } = fakeApi({
      "GET /api/memories": () => ok({ items, nextCursor: null }),
      "DELETE /api/memories/mem_0000000000aaaa": () => {
        items = [];
        return ok({ deleted: true, id: "mem_0000000000aaaa" });
      },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    render(<Providers role="operator"><MemoryView /></Providers>);
    await screen.findByText("shop.example: click Accept all on the cookie wall first");
    expect(screen.queryByRole("form", { name: "Add a memory" })).toBeNull();

    fireEvent.change(screen.getByRole("searchbox", { name: "Search memories" }), { target: { value: "cookie wall" } });
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "GET").at(-1)!.query.get("q")).toBe("cookie wall"));

    fireEvent.click(screen.getByRole("button", { name: /^Forget: shop\.example/ }));
    await screen.findByText("No memories match.");
    expect(calls.some((c) => c.method === "DELETE")).toBe(true);
  });
});
