import { describe, expect, it } from "vitest";
import { describeAction } from "./describe.ts";

describe("what a proposal says it would do", () => {
  it("names the target, the start page and the prompt of a task", () => {
    expect(describeAction("create_task", { prompt: "Pay the invoice", desktopId: "vm-1", startUrl: "https://pay.example/" })).toBe("Start a task on desktop vm-1 at https://pay.example/: “Pay the invoice”");
    expect(describeAction("create_task", { prompt: "x", labels: ["office", "chrome"] })).toBe("Start a task on a desktop labelled office, chrome: “x”");
  });

  it("says what a desktop input, a schedule change and a help answer would do", () => {
    expect(describeAction("type_text", { desktopId: "vm-1", text: "hunter2\n" })).toBe("Type “hunter2” on desktop vm-1");
    expect(describeAction("click", { desktopId: "vm-1", x: 10, y: 20, button: "double" })).toBe("Double-click at (10, 20) on desktop vm-1");
    expect(describeAction("update_schedule", { scheduleId: "sch_0000000000ab", changes: { prompt: "new", enabled: false, reason: "why" } })).toBe("Change schedule sch_0000000000ab: prompt, enabled");
    expect(describeAction("answer_help_request", { requestId: "req-0001abcd", answer: "B" })).toBe("Answer help request req-0001abcd with “B”");
  });

  it("says where a healer's retry would run", () => {
    expect(describeAction("retry_task", { prompt: "again", reason: "r" })).toBe("Retry the failed task on its own target with the prompt “again”");
    expect(describeAction("retry_task", { prompt: "again", reason: "r", desktopId: "vm-2" })).toBe("Retry the failed task on desktop vm-2 with the prompt “again”");
  });

  it("cuts long input so a summary stays a sentence", () => {
    expect(describeAction("create_task", { prompt: "a ".repeat(1000) }).length).toBeLessThan(340);
  });
});
