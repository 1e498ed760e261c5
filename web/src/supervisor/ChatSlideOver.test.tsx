import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { ChatSlideOver } from "./ChatSlideOver.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

const ID = "dash:11111111-2222-4333-8444-555555555555";

/** A live feed that never connects: the chat shows its stored conversation, which is all these tests need. */
class NeverOpenSocket {
  close() {}
}

function setup() {
  sessionStorage.setItem("deskfleet:supervisor-conversation", ID);
  vi.stubGlobal("WebSocket", NeverOpenSocket);
  fakeApi({ [`GET /api/supervisor/conversations/${ID}`]: () => ok({ id: ID, status: "idle", taskId: null, entries: [], nextAfter: null }) });
}

describe("ChatSlideOver", () => {
  it("moves focus to the message box when a person opens it, once, and closes on Escape", async () => {
    setup();
    const onClose = vi.fn();
    const onFocused = vi.fn();
    render(<Providers><ChatSlideOver onClose={onClose} focusOnOpen onFocused={onFocused} /></Providers>);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Message the supervisor")));
    expect(onFocused).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(window, { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("leaves focus where it is when it comes back open with the page", async () => {
    setup();
    render(<Providers><button type="button">elsewhere</button><ChatSlideOver onClose={() => undefined} /></Providers>);
    const elsewhere = screen.getByRole("button", { name: "elsewhere" });
    elsewhere.focus();
    await screen.findByLabelText("Message the supervisor");
    expect(document.activeElement).toBe(elsewhere);
  });
});
