// A command's output kept within a size, however much it prints: the first
// and last bytes are kept, the middle is counted and elided. Memory stays
// bounded (a command printing 50 MB holds two small buffers).

export class OutputCap {
  readonly #headMax: number;
  readonly #tailMax: number;
  #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer = Buffer.alloc(0);
  #total = 0;

  constructor(headBytes: number, tailBytes: number) {
    this.#headMax = headBytes;
    this.#tailMax = tailBytes;
  }

  get totalBytes(): number {
    return this.#total;
  }

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    let rest = chunk;
    if (this.#headBytes < this.#headMax) {
      const take = rest.subarray(0, this.#headMax - this.#headBytes);
      this.#head.push(take);
      this.#headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0) return;
    this.#tail = rest.length >= this.#tailMax ? Buffer.from(rest.subarray(rest.length - this.#tailMax)) : Buffer.concat([this.#tail, rest]).subarray(-this.#tailMax);
  }

  /** The output as text: whole if it fit, else head, a line saying how much was left out, and tail. */
  text(): string {
    const head = Buffer.concat(this.#head);
    const elided = this.#total - head.length - this.#tail.length;
    if (elided <= 0) return Buffer.concat([head, this.#tail]).toString("utf8");
    return `${head.toString("utf8")}\n[… ${elided} bytes of output elided …]\n${this.#tail.toString("utf8")}`;
  }
}

/** Text cut to `max` characters the same way: head and tail, the middle elided with a count. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (n: number) => `\n[… ${n} characters elided …]\n`;
  const room = max - marker(text.length).length;
  const head = Math.ceil(room / 2);
  const tail = Math.floor(room / 2);
  return `${text.slice(0, head)}${marker(text.length - head - tail)}${text.slice(text.length - tail)}`;
}
