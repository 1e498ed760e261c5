/**
 * Coalesces a byte stream into fewer, larger WebSocket frames, so a busy
 * screen stays well under a Durable Object's message rate (about 1,000
 * messages a second, and every incoming message is billed).
 *
 * No latency when the link is idle: a chunk is sent at once when no send is
 * in flight and the last partial frame left at least `minIntervalMs` ago.
 * Otherwise chunks queue behind the send in flight and leave together, up to
 * `maxFrameBytes` a frame. So a lone pointer echo goes out immediately, and a
 * trickle of small chunks leaves as at most 1000/minIntervalMs frames a second.
 *
 * Full frames are not spaced: they wait only for the send before them. Holding
 * back a frame that cannot grow saves no message and costs throughput (a 3 MB
 * screen update left as 12 frames 3.5 ms apart instead of back to back), and
 * the tail of a burst goes at once too, since only partial frames count.
 */
export type CoalescerOptions = {
  /** Largest frame sent. Default 256 KiB (a DO accepts frames up to 32 MiB; smaller keeps latency even). */
  maxFrameBytes?: number;
  /** Least time between two partial frames while busy. Default 2 ms: at most 500 a second (full frames are not held back). */
  minIntervalMs?: number;
  now?: () => number;
};

/** Sends one frame; calls `done` once it has left (or failed), which frees the next send. */
export type SendFrame = (frame: Uint8Array, done: () => void) => void;

export class Coalescer {
  readonly #send: SendFrame;
  readonly #maxFrame: number;
  readonly #minInterval: number;
  readonly #now: () => number;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #inFlight = false;
  /** When the last partial frame left: the spacing applies between those only. */
  #lastPartialAt = -Infinity;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #drainWaiters: (() => void)[] = [];
  #closed = false;
  /** Frames and bytes sent, for the benchmark. */
  frames = 0;
  bytes = 0;

  constructor(send: SendFrame, options: CoalescerOptions = {}) {
    this.#send = send;
    this.#maxFrame = options.maxFrameBytes ?? 256 * 1024;
    this.#minInterval = options.minIntervalMs ?? 2;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Bytes waiting to be sent. */
  get queuedBytes(): number {
    return this.#queued;
  }

  push(chunk: Uint8Array): void {
    if (this.#closed || chunk.length === 0) return;
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    this.#pump();
  }

  /** Resolves once the queue is below `bytes` (the reader's backpressure). */
  drained(bytes = 0): Promise<void> {
    if (this.#queued <= bytes || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.#queued <= bytes || this.#closed ? resolve() : this.#drainWaiters.push(check));
      this.#drainWaiters.push(check);
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queue = [];
    this.#queued = 0;
    this.#wakeDrainWaiters();
  }

  #pump(): void {
    if (this.#inFlight || this.#queued === 0 || this.#closed) return;
    const full = this.#queued >= this.#maxFrame;
    if (this.#timer && !full) return;
    const wait = full ? 0 : this.#lastPartialAt + this.#minInterval - this.#now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#pump();
      }, Math.ceil(wait));
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const frame = this.#take();
    this.#inFlight = true;
    if (!full) this.#lastPartialAt = this.#now();
    this.frames++;
    this.bytes += frame.length;
    let finished = false;
    this.#send(frame, () => {
      if (finished) return;
      finished = true;
      this.#inFlight = false;
      this.#wakeDrainWaiters();
      this.#pump();
    });
  }

  /** Up to maxFrameBytes from the front of the queue, as one frame. */
  #take(): Uint8Array {
    const first = this.#queue[0]!;
    if (first.length >= this.#maxFrame) {
      const frame = first.subarray(0, this.#maxFrame);
      if (first.length === this.#maxFrame) this.#queue.shift();
      else this.#queue[0] = first.subarray(this.#maxFrame);
      this.#queued -= frame.length;
      return frame;
    }
    let size = 0;
    let count = 0;
    while (count < this.#queue.length && size + this.#queue[count]!.length <= this.#maxFrame) size += this.#queue[count++]!.length;
    if (count === 1) {
      this.#queued -= first.length;
      return this.#queue.shift()!;
    }
    const frame = new Uint8Array(size);
    let at = 0;
    for (const part of this.#queue.splice(0, count)) {
      frame.set(part, at);
      at += part.length;
    }
    this.#queued -= size;
    return frame;
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }
}
