import { describe, expect, it } from "vitest";
import { Outbox, OutboxFullError, type OutboxOptions } from "./outbox.ts";

const TASK = "tsk_0123456789abcdef";
const OTHER = "tsk_abcdefabcdef0000";

type Sent = { taskId: string; events: { seq: number; kind: string; at: number; data: Record<string, unknown> }[] };

/** An outbox wired to a pretend connection that can go up and down; flushes run when the test says. */
function setup(options: OutboxOptions = {}) {
  const sent: Sent[] = [];
  let connected = true;
  let deferred: (() => void)[] = [];
  let clock = 1_000;
  const outbox = new Outbox(
    (json) => {
      if (!connected) return false;
      const m = JSON.parse(json) as { type: string } & Sent;
      expect(m.type).toBe("events");
      sent.push({ taskId: m.taskId, events: m.events });
      return true;
    },
    { now: () => clock, defer: (fn) => deferred.push(fn), ...options },
  );
  return {
    outbox,
    sent,
    seqs: () => sent.flatMap((m) => m.events.map((e) => e.seq)),
    tick: () => {
      const fns = deferred;
      deferred = [];
      for (const f of fns) f();
    },
    setConnected: (v: boolean) => (connected = v),
    advance: (ms: number) => (clock += ms),
  };
}

describe("Outbox", () => {
  it("numbers a task's events from the assignment's nextSeq and sends those of one tick in one message", () => {
    const t = setup();
    t.outbox.open(TASK, 7);
    expect(t.outbox.push(TASK, "started", { resume: false })).toBe(7);
    expect(t.outbox.push(TASK, "log", { level: "info", message: "a" })).toBe(8);
    expect(t.outbox.push(TASK, "log", { level: "info", message: "b" })).toBe(9);
    expect(t.sent).toHaveLength(0);
    t.tick();
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]!.taskId).toBe(TASK);
    expect(t.sent[0]!.events.map((e) => [e.seq, e.kind, e.data])).toEqual([
      [7, "started", { resume: false }],
      [8, "log", { level: "info", message: "a" }],
      [9, "log", { level: "info", message: "b" }],
    ]);
    expect(t.sent[0]!.events[0]!.at).toBe(1_000);
  });

  it("splits a burst into messages of at most 100 events and about 64 KB", () => {
    const t = setup();
    t.outbox.open(TASK, 1);
    for (let i = 0; i < 250; i++) t.outbox.push(TASK, "log", { level: "info", message: `event ${i}` });
    t.tick();
    expect(t.sent.map((m) => m.events.length)).toEqual([100, 100, 50]);
    expect(t.seqs()).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));

    const big = setup();
    big.outbox.open(TASK, 1);
    const text = "x".repeat(20_000);
    for (let i = 0; i < 7; i++) big.outbox.push(TASK, "assistant_text", { text, step: 1 });
    big.tick();
    // Three 20 KB events fit under 64 KB; a fourth would not.
    expect(big.sent.map((m) => m.events.length)).toEqual([3, 3, 1]);
  });

  it("sends nothing twice on a healthy connection and forgets events once acked (acks are cumulative)", () => {
    const t = setup();
    t.outbox.open(TASK, 1);
    for (let i = 0; i < 5; i++) t.outbox.push(TASK, "log", { level: "info", message: `event ${i}` });
    t.tick();
    t.outbox.flush();
    expect(t.seqs()).toEqual([1, 2, 3, 4, 5]);
    t.outbox.ack(TASK, 3);
    expect(t.outbox.size.events).toBe(2);
    t.outbox.ack(TASK, 2); // an older ack arriving late changes nothing
    expect(t.outbox.size.events).toBe(2);
    t.outbox.ack(TASK, 5);
    expect(t.outbox.size).toEqual({ events: 0, bytes: 0 });
    t.outbox.resendAll();
    expect(t.seqs()).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps events while disconnected and sends every unacked one again, in order, after a reconnect", () => {
    const t = setup();
    t.outbox.open(TASK, 1);
    for (let i = 0; i < 4; i++) t.outbox.push(TASK, "log", { level: "info", message: `event ${i}` });
    t.tick();
    t.outbox.ack(TASK, 2);
    t.setConnected(false);
    for (let i = 4; i < 10; i++) t.outbox.push(TASK, "log", { level: "info", message: `event ${i}` });
    t.tick();
    expect(t.seqs()).toEqual([1, 2, 3, 4]);
    t.setConnected(true);
    t.sent.length = 0;
    t.outbox.resendAll();
    // 3 and 4 were sent but never acked: they go again (the server drops duplicates), then the rest.
    expect(t.seqs()).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    t.outbox.ack(TASK, 10);
    t.sent.length = 0;
    t.outbox.resendAll();
    expect(t.sent).toHaveLength(0);
  });

  it("stops at the first refused send and continues from there, never reordering", () => {
    const sentSeqs: number[] = [];
    let allow = 1;
    const outbox = new Outbox(
      (json) => {
        if (allow-- <= 0) return false;
        sentSeqs.push(...(JSON.parse(json) as Sent).events.map((e) => e.seq));
        return true;
      },
      { defer: () => undefined, batchEvents: 2 },
    );
    outbox.open(TASK, 1);
    for (let i = 0; i < 6; i++) outbox.push(TASK, "log", { level: "info", message: "x" });
    outbox.flush();
    expect(sentSeqs).toEqual([1, 2]);
    allow = 10;
    outbox.flush();
    expect(sentSeqs).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("fails the push with event_buffer_full at the event bound but still takes a forced final event", () => {
    const t = setup({ maxEvents: 3 });
    t.setConnected(false);
    t.outbox.open(TASK, 1);
    t.outbox.push(TASK, "started", { resume: false });
    t.outbox.push(TASK, "log", { level: "info", message: "x" });
    t.outbox.push(TASK, "log", { level: "info", message: "x" });
    let error: unknown;
    try {
      t.outbox.push(TASK, "log", { level: "info", message: "x" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutboxFullError);
    expect((error as OutboxFullError).code).toBe("event_buffer_full");
    expect(t.outbox.push(TASK, "failed", { error: { code: "event_buffer_full", message: "full" } }, { force: true })).toBe(4);
    // Acks make room again.
    t.outbox.ack(TASK, 4);
    expect(t.outbox.size.events).toBe(0);
  });

  it("enforces the byte bound too", () => {
    const t = setup({ maxBytes: 10_000 });
    t.setConnected(false);
    t.outbox.open(TASK, 1);
    t.outbox.push(TASK, "assistant_text", { text: "y".repeat(6_000), step: 1 });
    expect(() => t.outbox.push(TASK, "assistant_text", { text: "y".repeat(6_000), step: 1 })).toThrow(OutboxFullError);
    expect(t.outbox.size.events).toBe(1);
    expect(t.outbox.size.bytes).toBeGreaterThan(6_000);
  });

  it("refuses an event the server would reject instead of blocking the stream with it", () => {
    const t = setup();
    t.outbox.open(TASK, 1);
    // Within every field's limit, yet over 64 KiB once JSON escapes the quotes.
    expect(() => t.outbox.push(TASK, "assistant_text", { text: '"'.repeat(40_000), step: 1 })).toThrow(/at most 65536 bytes/);
    expect(() => t.outbox.push(TASK, "action", { name: "left_click", input: { coordinate: [1, 2] } } as never)).toThrow(/invalid action event: step/);
    expect(t.outbox.push(TASK, "log", { level: "info", message: "ok" })).toBe(1);
  });

  it("continues a resumed task at the server's nextSeq, treating everything before it as stored", () => {
    const t = setup();
    t.setConnected(false);
    t.outbox.open(TASK, 1);
    for (let i = 0; i < 3; i++) t.outbox.push(TASK, "log", { level: "info", message: "x" });
    t.outbox.close(TASK);
    t.outbox.open(TASK, 4);
    expect(t.outbox.size.events).toBe(0);
    expect(t.outbox.push(TASK, "started", { resume: false })).toBe(4);
  });

  it("lists tasks with unstored events and drops a closed task's stream once everything is stored", async () => {
    const t = setup();
    t.outbox.open(TASK, 1);
    t.outbox.open(OTHER, 1);
    t.outbox.push(TASK, "completed", { result: "ok" });
    t.outbox.close(TASK);
    expect(t.outbox.unackedTaskIds()).toEqual([TASK]);
    let stored = false;
    const done = t.outbox.whenStored(TASK).then(() => (stored = true));
    await Promise.resolve();
    expect(stored).toBe(false);
    t.outbox.ack(TASK, 1);
    await done;
    expect(stored).toBe(true);
    expect(t.outbox.unackedTaskIds()).toEqual([]);
    expect(() => t.outbox.push(TASK, "log", { level: "info", message: "x" })).toThrow(/no open event stream/);
  });

  it("sends a stale unacked stream again so a dropped batch cannot stall the task", () => {
    const t = setup({ retransmitAfterMs: 5_000 });
    t.outbox.open(TASK, 1);
    t.outbox.push(TASK, "log", { level: "info", message: "x" });
    t.outbox.push(TASK, "log", { level: "info", message: "x" });
    t.tick();
    t.advance(4_000);
    t.outbox.retransmitStale();
    expect(t.seqs()).toEqual([1, 2]);
    t.advance(1_000);
    t.outbox.retransmitStale();
    expect(t.seqs()).toEqual([1, 2, 1, 2]);
    t.outbox.ack(TASK, 2);
    t.advance(60_000);
    t.outbox.retransmitStale();
    expect(t.seqs()).toEqual([1, 2, 1, 2]);
  });
});
