import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { TokensView } from "./TokensView.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

const SECRET = "dft_9sQ2c0xSecretSecretSecretSecret";

describe("TokensView", () => {
  it("shows a new token's secret once, then only its prefix", async () => {
    const listed: unknown[] = [];
    const { calls } = fakeApi({
      "GET /api/tokens": () => ok({ items: listed }),
      "POST /api/tokens": () => {
        const row = { id: "tok_1", name: "ci", role: "operator", prefix: SECRET.slice(0, 10), createdAt: Date.now(), lastUsedAt: null };
        listed.push(row);
        return ok({ ...row, token: SECRET }, 201);
      },
    });
    render(<TokensView />);
    await screen.findByText("No API tokens yet.");
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "ci" } });
    fireEvent.click(screen.getByRole("button", { name: "Create token" }));

    expect((await screen.findByLabelText("New token")).textContent).toBe(SECRET);
    expect(screen.getByText(/will not be shown again/)).toBeTruthy();
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "ci", role: "operator" });
    await screen.findByText(`${SECRET.slice(0, 10)}…`);

    fireEvent.click(screen.getByRole("button", { name: "Done, hide it" }));
    expect(screen.queryByLabelText("New token")).toBeNull();
    expect(document.body.textContent).not.toContain(SECRET);
    expect(screen.getByRole("cell", { name: "ci" })).toBeTruthy();
  });

  it("revokes a token after confirmation and drops it from the list", async () => {
    let items = [{ id: "tok_1", name: "phone", role: "viewer", prefix: "dft_abcdef", createdAt: Date.now(), lastUsedAt: null }];
    const { calls } = fakeApi({
      "GET /api/tokens": () => ok({ items }),
      "DELETE /api/tokens/tok_1": () => {
        items = [];
        return ok({ revoked: true, id: "tok_1" });
      },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    render(<TokensView />);
    fireEvent.click(await screen.findByRole("button", { name: "Revoke phone" }));
    await screen.findByText("No API tokens yet.");
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/api/tokens/tok_1")).toBe(true);
  });
});
