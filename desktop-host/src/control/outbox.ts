import type { HostEventInput, HostEventKind } from "@deskfleet/protocol";
import { encodeEventsMessage, HostEvent, parseEventData } from "@deskfleet/protocol";

/**
 * The host's side of "nothing is lost": every event of a task is numbered,
 * kept until the control plane acknowledges it as stored (acks are
 * cumulative), sent in batches, and sent again after every reconnect. A task
 * keeps running while the control plane is away; the buffer is bounded so a
 * long outage fails the task instead of the machine.
 */

export type OutboxOptions = {
  /** Most events kept unacknowledged across all tasks. Default 20,000. */
  maxEvents?: number;
  /** Most bytes (of JSON) kept unacknowledged across all tasks. Default 64 MiB. */
  maxBytes?: number;
  /** Most events in one `events` message. Default 100. */
  batchEvents?: number;
  /** Batches are closed once they reach this many bytes (a single larger event still goes alone). Default 64 KiB. */
  batchBytes?: number;
  /** Events sent but unacknowledged this long are sent again (the server drops duplicates). Default 15 s. */
  retransmitAfterMs?: number;
  now?: () => number;
  /** Runs a flush after the current tick, so events emitted together travel together. */
  defer?: (fn: () => void) => void;
};

/** Sends one serialized `events` message; false when the connection is not ready (the outbox keeps everything). */
export type SendText = (json: string) => boolean;

export class OutboxFullError extends Error {
  readonly code = "event_buffer_full";
  constructor(message: string) {
    super(message);
    this.name = "OutboxFullError";
  }
}

type Pending = { seq: number; json: string; bytes: number; sentAt: number | null };

type Stream = {
  taskId: string;
  nextSeq: number;
  /** Highest seq the server has stored. */
  acked: number;
  /** Unacked events in seq order; those with seq <= sentUpTo went out on the current connection. */
  queue: Pending[];
  sentUpTo: number;
  /** No more events will be pushed; the stream is dropped once fully acked. */
  closed: boolean;
  waiters: { seq: number; resolve: () => void }[];
};

export class Outbox {
  readonly #send: SendText;
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  readonly #batchEvents: number;
  readonly #batchBytes: number;
  readonly #retransmitAfterMs: number;
  readonly #now: () => number;
  readonly #defer: (fn: () => void) => void;
  readonly #streams = new Map<string, Stream>();
  #events = 0;
  #bytes = 0;
  #flushScheduled = false;

  constructor(send: SendText, options: OutboxOptions = {}) {
    this.#send = send;
    this.#maxEvents = options.maxEvents ?? 20_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#batchEvents = options.batchEvents ?? 100;
    this.#batchBytes = options.batchBytes ?? 64 * 1024;
    this.#retransmitAfterMs = options.retransmitAfterMs ?? 15_000;
    this.#now = options.now ?? Date.now;
    this.#defer = options.defer ?? ((fn) => void setImmediate(fn));
  }

  /**
   * Starts (or continues) a task's stream at the assignment's `nextSeq`.
   * Everything below `nextSeq` is already stored, so it counts as acked.
   */
  open(taskId: string, nextSeq: number): void {
    const s = this.#streams.get(taskId);
    if (!s) {
      this.#streams.set(taskId, { taskId, nextSeq, acked: nextSeq - 1, queue: [], sentUpTo: nextSeq - 1, closed: false, waiters: [] });
      return;
    }
    s.closed = false;
    s.nextSeq = Math.max(s.nextSeq, nextSeq);
    this.ack(taskId, nextSeq - 1);
  }

  /**
   * Numbers and keeps one event, and schedules it to be sent.
   * Throws OutboxFullError at the bound unless `force` (the final event of a task must always get through).
   * Throws TypeError for an event the server would refuse (data that breaks its kind's schema,
   * or over 64 KB), so it never blocks the stream.
   */
  push<K extends HostEventKind>(taskId: string, kind: K, data: HostEventInput<K>, options: { force?: boolean; at?: number } = {}): number {
    const s = this.#streams.get(taskId);
    if (!s || s.closed) throw new Error(`no open event stream for task ${taskId}`);
    const typed = parseEventData(kind, data);
    if (!typed.ok) throw new TypeError(`event ${kind} cannot be sent: ${typed.reason}`);
    const event = { seq: s.nextSeq, kind, at: options.at ?? this.#now(), data: typed.data };
    const checked = HostEvent.safeParse(event);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new TypeError(`event ${kind} cannot be sent: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
    }
    const json = JSON.stringify(checked.data);
    const bytes = Buffer.byteLength(json);
    if (!options.force && (this.#events + 1 > this.#maxEvents || this.#bytes + bytes > this.#maxBytes)) {
      throw new OutboxFullError(
        `the host kept ${this.#events} events (${Math.round(this.#bytes / 1024)} KiB) the control plane has not stored, its limit; ` +
          "the control plane was unreachable too long",
      );
    }
    s.queue.push({ seq: s.nextSeq, json, bytes, sentAt: null });
    s.nextSeq++;
    this.#events++;
    this.#bytes += bytes;
    this.#scheduleFlush();
    return event.seq;
  }

  /** The server stored every event of the task up to and including `seq`. */
  ack(taskId: string, seq: number): void {
    const s = this.#streams.get(taskId);
    if (!s || seq <= s.acked) return;
    s.acked = Math.min(seq, s.nextSeq - 1);
    while (s.queue.length > 0 && s.queue[0]!.seq <= s.acked) {
      const p = s.queue.shift()!;
      this.#events--;
      this.#bytes -= p.bytes;
    }
    s.sentUpTo = Math.max(s.sentUpTo, s.acked);
    const ready = s.waiters.filter((w) => w.seq <= s.acked);
    s.waiters = s.waiters.filter((w) => w.seq > s.acked);
    for (const w of ready) w.resolve();
    this.#dropIfDone(s);
  }

  /** The task will push nothing more; its stream goes away once the server has stored everything. */
  close(taskId: string): void {
    const s = this.#streams.get(taskId);
    if (!s) return;
    s.closed = true;
    this.#dropIfDone(s);
  }

  /** Resolves when every event pushed so far for the task is stored. */
  whenStored(taskId: string): Promise<void> {
    const s = this.#streams.get(taskId);
    if (!s || s.acked >= s.nextSeq - 1) return Promise.resolve();
    const seq = s.nextSeq - 1;
    return new Promise((resolve) => s.waiters.push({ seq, resolve }));
  }

  /** After a reconnect (and welcome): everything unacked goes out again, in order. */
  resendAll(): void {
    for (const s of this.#streams.values()) {
      s.sentUpTo = s.acked;
      for (const p of s.queue) p.sentAt = null;
    }
    this.flush();
  }

  /**
   * Called periodically: events sent but unacked for too long were probably not
   * stored (the server stops at a gap), so the stream is sent again from its ack.
   */
  retransmitStale(): void {
    const now = this.#now();
    let stale = false;
    for (const s of this.#streams.values()) {
      const oldest = s.queue[0];
      if (oldest?.sentAt != null && now - oldest.sentAt >= this.#retransmitAfterMs) {
        s.sentUpTo = s.acked;
        stale = true;
      }
    }
    if (stale) this.flush();
  }

  /** Sends every event not yet sent on this connection, in batches, stopping when the connection refuses. */
  flush(): void {
    this.#flushScheduled = false;
    for (const s of this.#streams.values()) {
      for (;;) {
        const start = s.queue.findIndex((p) => p.seq > s.sentUpTo);
        if (start < 0) break;
        const batch: Pending[] = [];
        let bytes = 0;
        for (let i = start; i < s.queue.length && batch.length < this.#batchEvents; i++) {
          const p = s.queue[i]!;
          if (batch.length > 0 && bytes + p.bytes > this.#batchBytes) break;
          batch.push(p);
          bytes += p.bytes;
        }
        const message = encodeEventsMessage(s.taskId, batch.map((p) => p.json));
        if (!this.#send(message)) return;
        const now = this.#now();
        for (const p of batch) p.sentAt = now;
        s.sentUpTo = batch.at(-1)!.seq;
      }
    }
  }

  /** Tasks with events still to be stored (a host lists them as active when it reconnects). */
  unackedTaskIds(): string[] {
    return [...this.#streams.values()].filter((s) => s.queue.length > 0).map((s) => s.taskId);
  }

  /** Events and bytes kept unacknowledged, across all tasks. */
  get size(): { events: number; bytes: number } {
    return { events: this.#events, bytes: this.#bytes };
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    this.#defer(() => this.flush());
  }

  #dropIfDone(s: Stream): void {
    if (s.closed && s.queue.length === 0) this.#streams.delete(s.taskId);
  }
}
