import { describe, expect, it } from "vitest";
import type { CheckedHostEvent, EventData, HostEventKind } from "@deskfleet/protocol";
import { applyHostEvent, canTransition, searchableText, transition, TransitionError, ZERO_USAGE, type Lifecycle } from "./lifecycle.ts";

const base = (over: Partial<Lifecycle> = {}): Lifecycle => ({
  status: "assigned", desktopId: "d", result: null, error: null, usage: ZERO_USAGE, steps: 0,
  assignedAt: 1, startedAt: null, finishedAt: null, updatedAt: 1, ...over,
});
const ev = <K extends HostEventKind>(kind: K, data: EventData<K>): CheckedHostEvent => ({ seq: 1, kind, at: 5, data }) as CheckedHostEvent;
const usage = (u: Partial<EventData<"usage">>): EventData<"usage"> => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, step: 1, model: "claude-sonnet-5-5", ...u });

describe("task lifecycle", () => {
  it("follows queued → assigned → running ⇄ waiting_for_human → completed", () => {
    let s = base({ status: "queued" });
    s = transition(s, "assigned", 2);
    s = applyHostEvent(s, ev("started", { resume: false }), 3);
    expect(s.status).toBe("running");
    expect(s.startedAt).toBe(3);
    s = applyHostEvent(s, ev("help_request", { requestId: "req_0123456789", question: "which account?" }), 4);
    expect(s.status).toBe("waiting_for_human");
    s = applyHostEvent(s, ev("assistant_text", { text: "thanks", step: 1 }), 5);
    expect(s.status).toBe("running");
    s = applyHostEvent(s, ev("completed", { result: "filed" }), 6);
    expect(s).toMatchObject({ status: "completed", result: "filed", finishedAt: 6, error: null });
  });

  it("refuses impossible transitions", () => {
    expect(() => transition(base({ status: "queued" }), "running", 1)).toThrow(TransitionError);
    expect(canTransition("cancelled", "running")).toBe(false);
    expect(canTransition("completed", "queued")).toBe(true);
  });

  it("adds up usage, counts actions as steps and usage reports as model calls", () => {
    let s = applyHostEvent(base(), ev("usage", usage({ inputTokens: 100, outputTokens: 20, costUsd: 0.001 })), 2);
    s = applyHostEvent(s, ev("usage", usage({ inputTokens: 50, cacheReadTokens: 900, costUsd: 0.0005, step: 2 })), 3);
    s = applyHostEvent(s, ev("action", { name: "left_click", input: { coordinate: [10, 20] }, step: 2 }), 4);
    expect(s.usage).toEqual({ inputTokens: 150, outputTokens: 20, cacheReadTokens: 900, cacheWriteTokens: 0, costUsd: 0.0015 });
    expect(s.steps).toBe(1);
    expect(s.modelCalls).toBe(2);
  });

  it("ignores events that arrive after the task finished", () => {
    const done = base({ status: "cancelled", finishedAt: 9 });
    expect(applyHostEvent(done, ev("completed", { result: "late" }), 10)).toBe(done);
  });

  it("keeps the agent's failure reason", () => {
    expect(applyHostEvent(base(), ev("failed", { error: { code: "max_steps", message: "stopped after 50 steps" } }), 2).error).toEqual({ code: "max_steps", message: "stopped after 50 steps" });
  });

  it("extracts searchable text from the events people search for", () => {
    expect(searchableText({ kind: "assistant_text", data: { text: "Opening the invoice", step: 1 } })).toBe("Opening the invoice");
    expect(searchableText({ kind: "failed", data: { error: { code: "blocked", message: "captcha" } } })).toBe("captcha");
    expect(searchableText({ kind: "help_answer", data: { requestId: "r", status: "answered", answer: "the blue one", by: "ana", via: "telegram" } })).toBe("the blue one");
    expect(searchableText({ kind: "action", data: { name: "left_click", input: {}, step: 1 } })).toBeNull();
  });
});
