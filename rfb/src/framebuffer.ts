// The client's copy of the remote screen: RGBA, 4 bytes per pixel, row-major,
// alpha always 255 so the buffer can go straight to a PNG encoder or canvas.
export class Framebuffer {
  width: number;
  height: number;
  data: Uint8Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.data = newOpaque(width, height);
  }

  /** Reallocates for a new size, keeping the overlapping top-left area. */
  resize(width: number, height: number): void {
    const next = newOpaque(width, height);
    const rowBytes = Math.min(width, this.width) * 4;
    for (let y = 0; y < Math.min(height, this.height); y++) {
      next.set(this.data.subarray(y * this.width * 4, y * this.width * 4 + rowBytes), y * width * 4);
    }
    this.width = width;
    this.height = height;
    this.data = next;
  }

  contains(x: number, y: number, w: number, h: number): boolean {
    return x >= 0 && y >= 0 && x + w <= this.width && y + h <= this.height;
  }

  /** Copies w×h pixels of R,G,B,X (the server's padding byte is replaced by 255). */
  putRgbx(x: number, y: number, w: number, h: number, pixels: Uint8Array): void {
    for (let row = 0; row < h; row++) {
      const dst = ((y + row) * this.width + x) * 4;
      this.data.set(pixels.subarray(row * w * 4, (row + 1) * w * 4), dst);
      for (let i = dst + 3; i < dst + w * 4; i += 4) this.data[i] = 255;
    }
  }

  fillRect(x: number, y: number, w: number, h: number, r: number, g: number, b: number): void {
    const value = (255 << 24) | (b << 16) | (g << 8) | r; // little-endian RGBA in one write
    const words = this.#words();
    for (let row = y; row < y + h; row++) words.fill(value, row * this.width + x, row * this.width + x + w);
  }

  /** CopyRect: copies a region of the framebuffer onto another, overlap-safe. */
  copyRect(srcX: number, srcY: number, x: number, y: number, w: number, h: number): void {
    const stride = this.width * 4;
    // Walk rows away from the overlap so no source row is overwritten before it is read.
    const downward = srcY < y;
    for (let i = 0; i < h; i++) {
      const row = downward ? h - 1 - i : i;
      const src = (srcY + row) * stride + srcX * 4;
      this.data.copyWithin((y + row) * stride + x * 4, src, src + w * 4);
    }
  }

  /** The pixels of a region as RGBA words, row by row: a copy, for `changedBox`. */
  readRect(x: number, y: number, w: number, h: number): Uint32Array {
    const words = this.#words();
    const out = new Uint32Array(w * h);
    for (let row = 0; row < h; row++) out.set(words.subarray((y + row) * this.width + x, (y + row) * this.width + x + w), row * w);
    return out;
  }

  /**
   * The smallest box around the pixels of a region that differ from `before`
   * (its `readRect` copy), or null when none do. Servers send whole tiles
   * (x11vnc: 32 px wide) around a change as small as a blinking caret.
   */
  changedBox(x: number, y: number, w: number, h: number, before: Uint32Array): { x: number; y: number; width: number; height: number } | null {
    const words = this.#words();
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (let row = 0; row < h; row++) {
      const base = (y + row) * this.width + x;
      for (let col = 0; col < w; col++) {
        if (words[base + col] === before[row * w + col]) continue;
        if (col < x0) x0 = col;
        if (col > x1) x1 = col;
        if (row < y0) y0 = row;
        y1 = row;
      }
    }
    return x1 < 0 ? null : { x: x + x0, y: y + y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }

  #words(): Uint32Array {
    return new Uint32Array(this.data.buffer, this.data.byteOffset, this.width * this.height);
  }

  getPixel(x: number, y: number): [r: number, g: number, b: number] {
    const i = (y * this.width + x) * 4;
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!];
  }
}

function newOpaque(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  new Uint32Array(data.buffer).fill(0xff000000); // black, alpha 255 (little-endian)
  return data;
}
