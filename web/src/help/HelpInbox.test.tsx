import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { HelpRequest } from "@deskfleet/protocol";
import { HelpInbox } from "./HelpInbox.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

const question = (over: Partial<HelpRequest> = {}): HelpRequest =>
  HelpRequest.parse({
    id: "req-secret-0001", taskId: "tsk_0000000001aaaaaaaaaa", desktopId: "mac-studio", question: "The code sent to your phone?", options: null, secret: true,
    status: "open", answer: null, answeredBy: null, answeredVia: null, screenshotKey: null, createdAt: Date.now() - 5_000, expiresAt: Date.now() + 60_000, resolvedAt: null, ...over,
  });

describe("HelpInbox", () => {
  it("takes a secret answer in a password field and never shows it once sent", async () => {
    let items = [question()];
    const { calls } = fakeApi({
      "GET /api/help-requests": () => ok({ items }),
      "POST /api/help-requests/req-secret-0001/respond": () => {
        // What TaskDO answers: the answer itself is withheld.
        items = [question({ status: "answered", answer: "[secret answer]", answeredBy: "admin", answeredVia: "dashboard", resolvedAt: Date.now() })];
        return ok(items[0]);
      },
    });
    render(
      <Providers>
        <HelpInbox />
      </Providers>,
    );
    const card = await screen.findByRole("article", { name: "Question from mac-studio" });
    expect(card.textContent).toMatch(/Secret question: your answer goes to the agent only/);
    const input = within(card).getByLabelText("Your secret answer") as HTMLInputElement;
    expect(input.type).toBe("password");
    fireEvent.change(input, { target: { value: "492039" } });
    fireEvent.click(within(card).getByRole("button", { name: "Answer" }));
    await waitFor(() => expect(screen.queryByRole("article", { name: "Question from mac-studio" })).toBeNull());
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ answer: "492039" });
    expect((await screen.findByRole("list", { name: "Resolved questions" })).textContent).toMatch(/answered \(secret, not shown\) by admin via dashboard/);
    expect(document.body.innerHTML).not.toContain("492039");
  });

  it("keeps an ordinary question's answer field a text field", async () => {
    fakeApi({ "GET /api/help-requests": () => ok({ items: [question({ secret: false, question: "Which room?" })] }) });
    render(
      <Providers>
        <HelpInbox />
      </Providers>,
    );
    const card = await screen.findByRole("article", { name: "Question from mac-studio" });
    expect((within(card).getByLabelText("Your answer") as HTMLInputElement).type).toBe("text");
  });
});
