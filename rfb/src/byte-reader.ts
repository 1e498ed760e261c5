import { RfbError } from "./rfb-error.ts";

// Reads exact byte counts from a ReadableStream of arbitrarily split chunks.
// RFB has no framing: a message's length is only known by parsing it, so the
// decoder pulls exactly what it needs and the rest stays queued.
export class ByteReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #offset = 0; // read position inside #chunks[0]
  #buffered = 0;
  #ended = false;

  constructor(readable: ReadableStream<Uint8Array>) {
    this.#reader = readable.getReader();
  }

  get buffered(): number {
    return this.#buffered;
  }

  /** Returns exactly `n` bytes; a view into the received chunk when possible. */
  async read(n: number): Promise<Uint8Array> {
    while (this.#buffered < n) await this.#pull(n);
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n) {
      const view = first.subarray(this.#offset, this.#offset + n);
      this.#advance(n);
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0]!;
      const take = Math.min(n - filled, chunk.length - this.#offset);
      out.set(chunk.subarray(this.#offset, this.#offset + take), filled);
      filled += take;
      this.#advance(take);
    }
    return out;
  }

  async u8(): Promise<number> {
    return (await this.read(1))[0]!;
  }

  async u16(): Promise<number> {
    const b = await this.read(2);
    return (b[0]! << 8) | b[1]!;
  }

  async u32(): Promise<number> {
    const b = await this.read(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  async s32(): Promise<number> {
    return (await this.u32()) | 0;
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      const take = Math.min(n, 65536);
      await this.read(take);
      n -= take;
    }
  }

  /**
   * Whatever is available next, in one piece: what is already buffered, else the
   * next chunk from the stream; null at the end. For splicing a stream onward
   * after the handshake without losing bytes read ahead.
   */
  async readSome(): Promise<Uint8Array | null> {
    if (this.#buffered === 0) {
      try {
        await this.#pull(1);
      } catch (error) {
        if (error instanceof RfbError && error.code === "connection-closed" && this.#ended) return null;
        throw error;
      }
    }
    return this.read(this.#chunks[0]!.length - this.#offset);
  }

  /**
   * Hands the stream back unread, for a transport that continues over TLS
   * (VeNCrypt). Refuses when bytes are buffered: bytes that arrived before the
   * TLS handshake must never be read as if they came through it.
   */
  releaseLock(): void {
    if (this.#buffered > 0) {
      throw new RfbError("protocol", `The VNC server sent ${this.#buffered} bytes before the TLS handshake; refusing them, as they could have been injected on the way.`);
    }
    this.#ended = true;
    this.#reader.releaseLock();
  }

  async cancel(reason?: unknown): Promise<void> {
    this.#ended = true;
    await this.#reader.cancel(reason).catch(() => undefined);
  }

  async #pull(wanted: number): Promise<void> {
    if (this.#ended) throw closedError(wanted, this.#buffered);
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.#reader.read();
    } catch (cause) {
      this.#ended = true;
      throw new RfbError("connection-closed", `The VNC connection failed while reading: ${String(cause)}`, { cause });
    }
    if (result.done) {
      this.#ended = true;
      throw closedError(wanted, this.#buffered);
    }
    if (result.value.length > 0) {
      this.#chunks.push(result.value);
      this.#buffered += result.value.length;
    }
  }

  #advance(n: number): void {
    this.#offset += n;
    this.#buffered -= n;
    const first = this.#chunks[0];
    if (first !== undefined && this.#offset === first.length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
  }
}

function closedError(wanted: number, had: number): RfbError {
  const where = had > 0 ? ` in the middle of a message (${had} of ${wanted} bytes received)` : "";
  return new RfbError(
    "connection-closed",
    `The VNC server closed the connection${where}; check that it is still running and accepts another viewer.`,
  );
}
