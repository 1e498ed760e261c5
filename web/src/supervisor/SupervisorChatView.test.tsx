import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { SupervisorEntry } from "@deskfleet/protocol";
import { SupervisorChatView, type SupervisorChatViewProps } from "./SupervisorChatView.tsx";

const at = (seq: number) => 1_700_000_000_000 + seq * 1000;
const entry = (seq: number, kind: SupervisorEntry["kind"], text: string, data: Record<string, unknown> | null = null): SupervisorEntry => ({ seq, kind, text, data, at: at(seq) });

const conversation: SupervisorEntry[] = [
  entry(1, "user", "Export last week's report on the Mac", { by: "ada" }),
  entry(2, "assistant", "I'll start a task on mac-studio."),
  entry(3, "tool_call", "create_task …", { name: "create_task", input: { prompt: "Export the weekly report", desktopId: "mac-studio" }, toolUseId: "toolu_1" }),
  entry(4, "tool_result", "task tsk_0000000000aaaaaaaaaa created", { name: "create_task", isError: false, toolUseId: "toolu_1" }),
  entry(5, "tool_call", "cancel_task …", { name: "cancel_task", input: { taskId: "tsk_9" }, toolUseId: "toolu_2" }),
  entry(6, "tool_result", "task tsk_9 not found\nsee search_tasks", { name: "cancel_task", isError: true, toolUseId: "toolu_2" }),
  entry(7, "screenshot", "The report is open", { taskId: "tsk_0000000000aaaaaaaaaa", name: "m0abc-1.png" }),
  entry(8, "question", "Which week: 12 or 13?"),
];

function renderChat(over: Partial<SupervisorChatViewProps> = {}) {
  const props: SupervisorChatViewProps = {
    entries: conversation,
    status: "idle",
    connection: { kind: "open" },
    loaded: true,
    error: null,
    canSend: true,
    onSend: vi.fn(async () => undefined),
    ...over,
  };
  const view = render(<SupervisorChatView {...props} />);
  return { props, ...view };
}

describe("SupervisorChatView", () => {
  it("shows who said what, each tool use as one line with its outcome, and screenshots inline", () => {
    renderChat();
    const items = within(screen.getByRole("list", { name: "Conversation" })).getAllByRole("listitem").map((li) => li.textContent ?? "");
    expect(items[0]).toMatch(/ada.*Export last week's report on the Mac/);
    expect(items[1]).toMatch(/Supervisor.*I'll start a task on mac-studio\./);
    expect(screen.getByText("create_task").closest("summary")?.getAttribute("aria-label")).toBe('Tool create_task, done: prompt "Export the weekly report", desktopId "mac-studio"');
    // A failed tool shows its first line only; the rest is one click away.
    const failed = screen.getByText("cancel_task").closest("details")!;
    expect(failed.querySelector("summary")!.textContent).toMatch(/^✗\s*cancel_task taskId "tsk_9" → task tsk_9 not found$/);
    expect(failed.open).toBe(false);
    fireEvent.click(failed.querySelector("summary")!);
    expect(failed.open).toBe(true);
    expect(within(failed).getByLabelText("Result").textContent).toBe("task tsk_9 not found\nsee search_tasks");
    const shot = screen.getByRole("img", { name: "The report is open" });
    expect(shot.getAttribute("src")).toBe("/api/tasks/tsk_0000000000aaaaaaaaaa/screenshots/m0abc-1.png");
    expect(items[5]).toMatch(/The supervisor asks.*Which week: 12 or 13\?/);
  });

  it("shows the photo a person sent from Telegram as a thumbnail and other files as chips, each from the API's file route", () => {
    const url = (id: string) => `/api/supervisor/conversations/telegram%3A5551001/files/${id}`;
    renderChat({
      entries: [
        entry(1, "user", "what is on this screen?", {
          by: "Ada",
          channel: "telegram",
          attachments: [
            { id: "att_0000000001aaaaaaaaaa", name: "photo-12.jpg", contentType: "image/jpeg", bytes: 182_000, kind: "image", url: url("att_0000000001aaaaaaaaaa") },
            { id: "att_0000000002bbbbbbbbbb", name: "invoice.pdf", contentType: "application/pdf", bytes: 2_400_000, kind: "pdf", url: url("att_0000000002bbbbbbbbbb") },
          ],
        }),
      ],
    });
    const files = screen.getByRole("list", { name: "Files sent" });
    expect(within(files).getByRole("img", { name: "photo-12.jpg" }).getAttribute("src")).toBe(url("att_0000000001aaaaaaaaaa"));
    const pdf = within(files).getByText("PDF · invoice.pdf · 2.3 MB").closest("a")!;
    expect(pdf.getAttribute("href")).toBe(url("att_0000000002bbbbbbbbbb"));
  });

  it("says what the supervisor is doing and asks for an answer when it waits for one", () => {
    const { rerender, props } = renderChat({ status: "thinking" });
    expect(screen.getByText("The supervisor is working…")).toBeTruthy();
    rerender(<SupervisorChatView {...props} status="waiting_for_human" />);
    expect(screen.queryByText("The supervisor is working…")).toBeNull();
    expect(screen.getByLabelText("Your answer to the supervisor")).toBeTruthy();
  });

  it("sends a trimmed message with Enter, keeps Shift+Enter for new lines, and clears the composer", async () => {
    const { props } = renderChat();
    const box = screen.getByLabelText<HTMLTextAreaElement>("Message the supervisor");
    fireEvent.change(box, { target: { value: "  week 13  " } });
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(props.onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(props.onSend).toHaveBeenCalledWith("week 13"));
    await waitFor(() => expect(box.value).toBe(""));
  });

  it("keeps the draft and shows why when sending fails", async () => {
    renderChat({ onSend: vi.fn(async () => Promise.reject(new Error("the control plane did not answer"))) });
    const box = screen.getByLabelText<HTMLTextAreaElement>("Message the supervisor");
    fireEvent.change(box, { target: { value: "status?" } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    expect((await screen.findByRole("alert")).textContent).toBe("the control plane did not answer");
    expect(box.value).toBe("status?");
  });

  it("invites a first message in an empty conversation and offers no composer to a viewer", () => {
    renderChat({ entries: [], canSend: false });
    expect(screen.getByText(/Ask the supervisor about the fleet/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Send" })).toBeNull();
    expect(screen.getByText(/an operator can write to the supervisor/)).toBeTruthy();
  });

  it("lets an operator approve a proposal where the supervisor made it, and shows how it was decided", async () => {
    const made = { proposalId: "prp_0000000000aaaaaaaaaa", status: "pending", tool: "create_task", summary: "Start a task on desktop mac-studio: “Transfer the balance”", toolUseId: "toolu_9", expiresAt: at(100), decidedBy: null, result: null, error: null };
    const onDecideProposal = vi.fn(async () => undefined);
    const { rerender, props } = renderChat({ entries: [entry(1, "proposal", "Needs approval", made)], onDecideProposal });
    const card = screen.getByRole("group", { name: /Proposal: Start a task on desktop mac-studio/ });
    expect(card.textContent).toContain("Needs your approval");
    fireEvent.click(within(card).getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(onDecideProposal).toHaveBeenCalledWith("prp_0000000000aaaaaaaaaa", true));
    rerender(<SupervisorChatView {...props} entries={[entry(1, "proposal", "Needs approval", made), entry(2, "proposal", "Approved", { ...made, status: "approved", decidedBy: "Ada" })]} />);
    const decided = screen.getByRole("group", { name: /Proposal:/ });
    expect(decided.textContent).toContain("Approved by Ada");
    expect(within(decided).queryByRole("button", { name: "Approve" })).toBeNull();
  });
});
