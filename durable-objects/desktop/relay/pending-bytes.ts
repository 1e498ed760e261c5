/** Bytes held for a side that is not paired yet, up to a bound; beyond it the caller closes the pair. */
export class PendingBytes {
  readonly #limit: number;
  #chunks: Uint8Array[] = [];
  #size = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#size;
  }

  /** False when the bound would be exceeded (nothing is kept from this chunk). */
  push(chunk: Uint8Array): boolean {
    if (this.#size + chunk.length > this.#limit) return false;
    this.#chunks.push(chunk.slice());
    this.#size += chunk.length;
    return true;
  }

  /** Everything held, oldest first; the buffer is empty afterwards. */
  drain(): Uint8Array[] {
    const out = this.#chunks;
    this.#chunks = [];
    this.#size = 0;
    return out;
  }
}
