import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { HistoryView } from "./HistoryView.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";
import { task } from "../test/fixtures.ts";

const t = (n: number, over = {}) => task({ id: `tsk_000000000${n}aaaaaaaaaa`, prompt: `Task number ${n}`, status: "completed", ...over });

/** Two pages of results for any query, keyed by cursor. */
function pagedApi() {
  return fakeApi({
    "GET /api/tasks": ({ query }) =>
      query.get("cursor") === "c2"
        ? ok({ items: [t(3)], nextCursor: null })
        : ok({ items: [t(1), t(2, { originalTaskId: "tsk_0000000001aaaaaaaaaa", retryNumber: 1, source: "healer" })], nextCursor: "c2" }),
  });
}

describe("HistoryView", () => {
  it("searches the full text with the chosen filters from the first page", async () => {
    const { calls } = pagedApi();
    render(
      <Providers desktops={[{ id: "mac-studio", name: "Mac Studio" } as never]}>
        <HistoryView pageSize={2} />
      </Providers>,
    );
    await screen.findByText("Task number 1");
    fireEvent.change(screen.getByRole("searchbox", { name: "Search tasks" }), { target: { value: " invoices " } });
    fireEvent.change(screen.getByRole("combobox", { name: "Status" }), { target: { value: "failed" } });
    fireEvent.change(screen.getByRole("combobox", { name: "Desktop" }), { target: { value: "mac-studio" } });
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(calls.length).toBe(2));
    const q = calls[1]!.query;
    expect(Object.fromEntries(q)).toEqual({ q: "invoices", status: "failed", desktopId: "mac-studio", limit: "2" });
  });

  it("pages older with the server's cursor and back to newer", async () => {
    const { calls } = pagedApi();
    render(
      <Providers>
        <HistoryView pageSize={2} />
      </Providers>,
    );
    await screen.findByText("Task number 1");
    expect(screen.getByRole("button", { name: "← Newer" })).toHaveProperty("disabled", true);
    fireEvent.click(screen.getByRole("button", { name: "Older →" }));
    await screen.findByText("Task number 3");
    expect(calls.at(-1)!.query.get("cursor")).toBe("c2");
    expect(screen.getByRole("button", { name: "Older →" })).toHaveProperty("disabled", true);
    expect(screen.getByText("Page 2")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "← Newer" }));
    await screen.findByText("Task number 1");
    expect(calls.at(-1)!.query.get("cursor")).toBeNull();
  });

  it("shows a self-healing retry inside its original task's chain", async () => {
    pagedApi();
    render(
      <Providers>
        <HistoryView pageSize={2} />
      </Providers>,
    );
    const chain = await screen.findByRole("list", { name: "Self-healing retries of tsk_0000000001aaaaaaaaaa" });
    expect(within(chain).getByRole("link").textContent).toMatch(/retry 1.*Task number 2/);
    const top = screen.getByRole("list", { name: "Tasks" });
    expect(top.querySelectorAll(":scope > li")).toHaveLength(1);
  });
});
