import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { SessionsView } from "./SessionsView.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

const now = Date.now();
const session = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  identity: { id: `token:${id}`, name, role: "operator" },
  via: "api_token",
  createdAt: now - 3_600_000,
  lastSeenAt: now - 60_000,
  expiresAt: now + 86_400_000,
  ipCountry: "DE",
  current: false,
  desktopId: null,
  ...extra,
});

describe("SessionsView", () => {
  it("lists who is signed in, how, since when, last seen and from where, and ends one after confirmation", async () => {
    let items = [session("ses_aaaaaaaa", "ana"), session("ses_bbbbbbbb", "bo", { via: "link", ipCountry: null, current: true })];
    const { calls } = fakeApi({
      "GET /api/sessions": () => ok({ items }),
      "DELETE /api/sessions/ses_aaaaaaaa": () => {
        items = items.filter((s) => s.id !== "ses_aaaaaaaa");
        return ok({ ended: true, id: "ses_aaaaaaaa" });
      },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    render(<SessionsView onSignedOutEverywhere={() => undefined} />);
    const ana = (await screen.findByText("ana")).closest("tr")!;
    expect(ana.textContent).toContain("API token");
    expect(ana.textContent).toContain("DE");
    const bo = screen.getByText("bo").closest("tr")!;
    expect(bo.textContent).toContain("sign-in link");
    expect(bo.textContent).toContain("unknown");
    expect(bo.textContent).toContain("this browser");

    fireEvent.click(screen.getByRole("button", { name: /End ana's session/ }));
    await waitFor(() => expect(screen.queryByText("ana")).toBeNull());
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/api/sessions/ses_aaaaaaaa")).toBe(true);
  });

  it("shows a Telegram Mini App session with the one desktop it opens", async () => {
    fakeApi({ "GET /api/sessions": () => ok({ items: [session("ses_cccccccc", "Ada Lovelace", { via: "telegram_webapp", identity: { id: "telegram:5553001", name: "Ada Lovelace", role: "operator" }, desktopId: "mac-studio" })] }) });
    render(<SessionsView onSignedOutEverywhere={() => undefined} />);
    const ada = (await screen.findByText("Ada Lovelace")).closest("tr")!;
    expect(ada.textContent).toContain("Telegram desktop (Mini App) · mac-studio only");
  });

  it("signs everyone out everywhere, then leaves the dashboard signed out", async () => {
    const { calls } = fakeApi({
      "GET /api/sessions": () => ok({ items: [session("ses_aaaaaaaa", "ana", { current: true })] }),
      "DELETE /api/sessions": () => ok({ ended: 1 }),
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const signedOut = vi.fn();
    render(<SessionsView onSignedOutEverywhere={signedOut} />);
    await screen.findByText("ana");
    fireEvent.click(screen.getByRole("button", { name: "Sign out everywhere" }));
    await waitFor(() => expect(signedOut).toHaveBeenCalled());
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/api/sessions")).toBe(true);
  });
});
