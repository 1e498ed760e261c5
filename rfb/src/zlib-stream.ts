import { Inflate, constants } from "pako";
import { RfbError } from "./rfb-error.ts";

/**
 * One zlib stream that lives as long as the connection: ZRLE compresses every
 * rectangle into the same stream and flushes at rectangle ends, so the
 * dictionary carries over and a fresh inflater per rectangle would fail.
 */
export class ZlibStream {
  readonly #inflate = new Inflate();
  #output: Uint8Array[] = [];

  constructor() {
    this.#inflate.onData = (chunk) => {
      // pako reuses no buffer once a chunk is emitted, so keeping the view is safe.
      this.#output.push(chunk as Uint8Array);
    };
  }

  /** Inflates one rectangle's bytes and returns everything they decode to. */
  inflate(input: Uint8Array): Uint8Array {
    this.#output = [];
    this.#inflate.push(input, constants.Z_SYNC_FLUSH);
    if (this.#inflate.err !== 0) {
      throw new RfbError("protocol", `ZRLE data failed to inflate (zlib: ${this.#inflate.msg || this.#inflate.err}); the stream is out of sync, reconnect.`);
    }
    if (this.#output.length === 1) return this.#output[0]!;
    const total = this.#output.reduce((sum, chunk) => sum + chunk.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.#output) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
