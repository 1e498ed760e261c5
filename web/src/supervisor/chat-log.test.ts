import { describe, expect, it } from "vitest";
import type { SupervisorEntry } from "@deskfleet/protocol";
import { buildChat, mergeEntries, summarizeInput } from "./chat-log.ts";

const entry = (seq: number, kind: SupervisorEntry["kind"], text: string, data: Record<string, unknown> | null = null): SupervisorEntry => ({ seq, kind, text, data, at: 1_700_000_000_000 + seq * 1000 });

describe("chat log", () => {
  it("folds each tool result into its call's row, matched by tool use id", () => {
    const chat = buildChat([
      entry(1, "tool_call", 'list_desktops {}', { name: "list_desktops", input: {}, toolUseId: "toolu_a" }),
      entry(2, "tool_call", 'create_task {"prompt":"Export the report"}', { name: "create_task", input: { prompt: "Export the report", desktopId: "mac-studio" }, toolUseId: "toolu_b" }),
      entry(3, "tool_result", "desktop `mac-studio` has no host connected", { name: "create_task", isError: true, toolUseId: "toolu_b" }),
      entry(4, "tool_result", "2 desktops: mac-studio (offline), e2e (online)", { name: "list_desktops", isError: false, toolUseId: "toolu_a" }),
    ]);
    expect(chat).toHaveLength(2);
    expect(chat[0]).toMatchObject({ kind: "tool", name: "list_desktops", result: { ok: true, text: "2 desktops: mac-studio (offline), e2e (online)" } });
    expect(chat[1]).toMatchObject({ kind: "tool", name: "create_task", summary: 'prompt "Export the report", desktopId "mac-studio"', result: { ok: false } });
  });

  it("keeps a result whose call is not in the conversation as a row of its own", () => {
    const chat = buildChat([entry(7, "tool_result", "task tsk_1 completed: done", { name: "create_task", taskId: "tsk_1" })]);
    expect(chat).toEqual([expect.objectContaining({ kind: "tool", name: "create_task", result: { ok: true, text: "task tsk_1 completed: done" } })]);
  });

  it("turns a send_screenshot entry into an image of that task's screenshot", () => {
    const [shot] = buildChat([entry(1, "screenshot", "The export dialog", { taskId: "tsk_0000000000aaaaaaaaaa", name: "m0abc-1.png", url: "/api/tasks/tsk_0000000000aaaaaaaaaa/screenshots/m0abc-1.png" })]);
    expect(shot).toMatchObject({ kind: "screenshot", src: "/api/tasks/tsk_0000000000aaaaaaaaaa/screenshots/m0abc-1.png", caption: "The export dialog" });
  });

  it("shortens long inputs so a tool row stays one line", () => {
    const s = summarizeInput({ prompt: "x".repeat(500), desktopId: "mac-studio", labels: ["a", "b"], priority: 3 });
    expect(s.length).toBeLessThanOrEqual(140);
    expect(s).toMatch(/^prompt "x+…", desktopId "mac-studio", labels \["a","b"\]$/);
    expect(summarizeInput(null)).toBe("");
  });

  it("merges overlapping pages and live entries in order, each once", () => {
    const a = [entry(1, "user", "hi"), entry(2, "assistant", "hello")];
    const merged = mergeEntries(a, [entry(3, "assistant", "more"), entry(2, "assistant", "hello")]);
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(mergeEntries(merged, [entry(1, "user", "hi")])).toBe(merged);
    expect(mergeEntries([entry(5, "user", "late")], [entry(4, "assistant", "early")]).map((e) => e.seq)).toEqual([4, 5]);
  });

  it("shows a proposal once, where it was made, and folds its decision into it", () => {
    const made = { proposalId: "prp_0000000000aaaaaaaaaa", status: "pending", tool: "create_task", summary: "Start a task on desktop mac-studio", toolUseId: "toolu_c", expiresAt: 1_700_003_600_000, decidedBy: null, result: null, error: null };
    const chat = buildChat([
      entry(1, "tool_call", "create_task …", { name: "create_task", input: { prompt: "x" }, toolUseId: "toolu_c" }),
      entry(2, "proposal", "Needs approval: Start a task on desktop mac-studio", made),
      entry(3, "tool_result", "Not done: create_task needs a person's approval here", { name: "create_task", isError: false, toolUseId: "toolu_c" }),
      entry(4, "proposal", "Approved by Ada: Start a task on desktop mac-studio", { ...made, status: "approved", decidedBy: "Ada", toolUseId: null, result: '{"created":{}}' }),
    ]);
    expect(chat.map((c) => c.kind)).toEqual(["tool", "proposal"]);
    expect(chat[0]).toMatchObject({ kind: "tool", name: "create_task", proposed: true });
    expect(chat[1]).toMatchObject({ kind: "proposal", seq: 2, proposal: { status: "approved", decidedBy: "Ada", toolUseId: "toolu_c" } });
  });
});
