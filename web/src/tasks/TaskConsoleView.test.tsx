import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { TaskConsoleView, type TaskConsoleViewProps } from "./TaskConsoleView.tsx";
import { Providers } from "../test/providers.tsx";
import { event, task } from "../test/fixtures.ts";

const transcript = [
  event("status", { status: "running" }),
  event("assistant_text", { text: "I will open the invoices folder first." }),
  event("action", { action: "left_click", coordinate: [512, 300] }),
  event("action_result", { ok: true, summary: "clicked" }),
  event("screenshot", { key: "tasks/tsk_0000000000aaaaaaaaaa/m0abc123-deadbeef.png", width: 1280, height: 800, step: 1 }),
  event("usage", { inputTokens: 1200, outputTokens: 80, costUsd: 0.0123 }),
  event("action", { action: "type", text: "invoices" }),
  event("action_result", { ok: false, error: "the field is read-only", summary: "the field is read-only" }),
  event("usage", { inputTokens: 1500, outputTokens: 40, costUsd: 0.02 }),
];

function renderConsole(over: Partial<TaskConsoleViewProps> = {}) {
  const props: TaskConsoleViewProps = {
    task: task(),
    events: transcript,
    connection: { kind: "open" },
    canOperate: true,
    onCancel: vi.fn(async () => undefined),
    onSend: vi.fn(async () => undefined),
    ...over,
  };
  render(
    <Providers>
      <TaskConsoleView {...props} />
    </Providers>,
  );
  return props;
}

describe("TaskConsoleView", () => {
  it("shows the agent's words, numbered actions, failures and screenshots in order", () => {
    renderConsole();
    const items = within(screen.getByRole("list", { name: "Transcript" })).getAllByRole("listitem");
    const text = items.map((li) => li.textContent ?? "");
    expect(text[0]).toMatch(/Status: running/);
    expect(text[1]).toMatch(/I will open the invoices folder first\./);
    expect(text[2]).toMatch(/Step 1\s*left_click at \(512, 300\)/);
    expect(text[4]).toMatch(/Step 2\s*type "invoices" — the field is read-only/);
    const shot = screen.getByRole("img", { name: "Screenshot after step 1" });
    expect(shot.getAttribute("src")).toBe("/api/tasks/tsk_0000000000aaaaaaaaaa/screenshots/m0abc123-deadbeef.png");
  });

  it("adds up tokens and cost so far from the live usage events, against the budget", () => {
    renderConsole();
    const stats = screen.getByLabelText("Usage so far");
    expect(stats.textContent).toMatch(/Steps2/);
    expect(stats.textContent).toMatch(/Tokens in \/ out2700 \/ 120/);
    expect(stats.textContent).toMatch(/Cost\$0\.03 of \$2\.00/);
  });

  it("cancels a running task and sends a trimmed follow-up", async () => {
    const props = renderConsole();
    fireEvent.click(screen.getByRole("button", { name: "Cancel task" }));
    await waitFor(() => expect(props.onCancel).toHaveBeenCalledTimes(1));
    fireEvent.change(screen.getByLabelText("Send the agent a message"), { target: { value: "  also export a PDF  " } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(props.onSend).toHaveBeenCalledWith("also export a PDF"));
    await waitFor(() => expect(screen.getByLabelText<HTMLTextAreaElement>("Send the agent a message").value).toBe(""));
  });

  it("offers no cancel on a finished task, shows its result and a step-by-step replay", () => {
    renderConsole({ task: task({ status: "completed", result: "The total is $1,234.", finishedAt: 1_700_000_060_000 }), events: [...transcript, event("completed", { result: "The total is $1,234." })] });
    expect(screen.queryByRole("button", { name: "Cancel task" })).toBeNull();
    expect(screen.getAllByText(/The total is \$1,234\./).length).toBeGreaterThan(0);
    expect(screen.getByLabelText("Continue this task on the same desktop")).toBeTruthy();
    fireEvent.click(screen.getByRole("tab", { name: "Step-by-step replay" }));
    expect(screen.getByRole("img", { name: "Screenshot 1 of 1" })).toBeTruthy();
    expect(screen.getByRole("region", { name: "Replay" }).textContent).toMatch(/I will open the invoices folder first\..*left_click at \(512, 300\)/);
  });

  it("hides cancel and follow-up from a viewer", () => {
    renderConsole({ canOperate: false });
    expect(screen.queryByRole("button", { name: "Cancel task" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Send" })).toBeNull();
  });
});
