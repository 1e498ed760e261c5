import { Inflate, constants } from "pako";
import { concatBytes } from "./bytes.ts";
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
    return this.#output.length === 1 ? this.#output[0]! : concatBytes(this.#output);
  }
}
