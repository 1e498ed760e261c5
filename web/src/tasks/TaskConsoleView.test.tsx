import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { TaskConsoleView, type TaskConsoleViewProps } from "./TaskConsoleView.tsx";
import { Providers } from "../test/providers.tsx";
import { event, task } from "../test/fixtures.ts";

// Shapes as the protocol types them; `desktop-host/src/agent/transcript.contract.test.ts`
// feeds what the real loop emits to the same renderer.
const usage = (inputTokens: number, outputTokens: number, costUsd: number, step: number) =>
  ({ inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd, step, model: "claude-sonnet-5-5" });
const transcript = [
  event("status", { status: "running" }),
  event("usage", usage(1200, 80, 0.0123, 1)),
  event("assistant_text", { text: "I will open the invoices folder first.", step: 1 }),
  event("action", { name: "left_click", input: { coordinate: [512, 300] }, step: 1 }),
  event("action_result", { ok: true, summary: "clicked", step: 1 }),
  event("screenshot", { key: "tasks/tsk_0000000000aaaaaaaaaa/m0abc123-deadbeef.png", width: 1280, height: 800, step: 1 }),
  event("usage", usage(1500, 40, 0.02, 2)),
  event("action", { name: "type", input: { text: "invoices" }, step: 2 }),
  event("action_result", { ok: false, error: "the field is read-only", summary: "the field is read-only", step: 2 }),
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

  it("shows steps, tokens and cost as TaskDO holds them (the live feed carries the task), against the budget", () => {
    renderConsole({ task: task({ steps: 2, usage: { inputTokens: 2700, outputTokens: 120, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.0323 } }) });
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

  it("says why a queued task cannot start yet", () => {
    renderConsole({ task: task({ status: "queued", waitingReason: "desktop mac-studio has no host connected; the task starts when its host comes online" }), events: [] });
    expect(screen.getByText(/^Waiting: /).textContent).toBe("Waiting: desktop mac-studio has no host connected; the task starts when its host comes online.");
  });

  it("hides cancel and follow-up from a viewer", () => {
    renderConsole({ canOperate: false });
    expect(screen.queryByRole("button", { name: "Cancel task" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Send" })).toBeNull();
  });

  it("says why a queued task waits for an exclusive secret", () => {
    const reason = "secret `github` is exclusive (one session at a time) and task tsk_0000000002aaaaaaaaaa is using it; the task starts when it is free";
    renderConsole({ task: task({ status: "queued", desktopId: null, waitingReason: reason }), events: [] });
    expect(screen.getByText(/^Waiting: /).textContent).toBe(`Waiting: ${reason}.`);
  });

  it("shows a typed secret by name and length in the transcript", () => {
    renderConsole({ events: [event("secret_typed", { name: "github", source: "vault", characters: 17, field: "password", step: 1 })] });
    expect(screen.getByRole("list", { name: "Transcript" }).textContent).toMatch(/Typed secret `github` \(17 characters\) into password/);
  });

  it("shows on a healer's retry which task it retries, the healer's reason and how it changed the prompt", () => {
    renderConsole({
      task: task({
        prompt: "Open the invoices folder, close the cookie dialog first, then total this month's invoices",
        source: "api",
        originalTaskId: "tsk_0000000000rootaaaaaa",
        retryNumber: 1,
        sourceMeta: { retryOf: "tsk_0000000000rootaaaaaa", healerTaskId: "tsk_0000000000healeraaaa", reason: "a cookie dialog covered the folder" },
      }),
      retriedPrompt: "Open the invoices folder, then total this month's invoices",
    });
    const why = screen.getByRole("region", { name: "Why this retry" });
    expect(why.textContent).toContain("Its reason: a cookie dialog covered the folder");
    expect(within(why).getByRole("link", { name: "tsk_0000000000healeraaaa" }).getAttribute("href")).toBe("/tasks/tsk_0000000000healeraaaa");
    expect(within(why).getByLabelText("How the healer changed the prompt").querySelector("ins")?.textContent).toContain("close the cookie dialog first,");
  });

  it("shows no retry section on a task nobody retried", () => {
    renderConsole();
    expect(screen.queryByRole("region", { name: "Why this retry" })).toBeNull();
  });
});
