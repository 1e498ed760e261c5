import type { Framebuffer } from "../framebuffer.ts";
import { RfbError } from "../rfb-error.ts";

// ZRLE (RFC 6143 §7.7.6): the rectangle is cut into 64×64 tiles, left to right,
// top to bottom; each tile starts with a subencoding byte. Pixels are CPIXELs:
// 3 bytes R,G,B for our 32-bit little-endian pixel format.

export type ZrleTileKind = "raw" | "solid" | "packedPalette" | "plainRle" | "paletteRle";
export type ZrleStats = Record<ZrleTileKind, number>;

const TILE = 64;

export function emptyZrleStats(): ZrleStats {
  return { raw: 0, solid: 0, packedPalette: 0, plainRle: 0, paletteRle: 0 };
}

/** Decodes the inflated bytes of one ZRLE rectangle into the framebuffer. */
export function decodeZrle(
  data: Uint8Array,
  fb: Framebuffer,
  rx: number,
  ry: number,
  rw: number,
  rh: number,
  stats: ZrleStats = emptyZrleStats(),
): ZrleStats {
  const tile = new TileReader(data);
  const palette = new Uint32Array(128);
  const words = new Uint32Array(fb.data.buffer, fb.data.byteOffset, fb.width * fb.height);
  for (let ty = ry; ty < ry + rh; ty += TILE) {
    const th = Math.min(TILE, ry + rh - ty);
    for (let tx = rx; tx < rx + rw; tx += TILE) {
      const tw = Math.min(TILE, rx + rw - tx);
      const sub = tile.u8();
      const base = ty * fb.width + tx;
      if (sub === 0) {
        stats.raw++;
        for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) words[base + y * fb.width + x] = tile.cpixel();
      } else if (sub === 1) {
        stats.solid++;
        const colour = tile.cpixel();
        for (let y = 0; y < th; y++) words.fill(colour, base + y * fb.width, base + y * fb.width + tw);
      } else if (sub <= 16) {
        stats.packedPalette++;
        for (let i = 0; i < sub; i++) palette[i] = tile.cpixel();
        const bits = sub === 2 ? 1 : sub <= 4 ? 2 : 4;
        const mask = (1 << bits) - 1;
        for (let y = 0; y < th; y++) {
          // Each row starts on a byte boundary.
          let byte = 0;
          let left = 0;
          for (let x = 0; x < tw; x++) {
            if (left === 0) {
              byte = tile.u8();
              left = 8;
            }
            left -= bits;
            words[base + y * fb.width + x] = palette[(byte >> left) & mask]!;
          }
        }
      } else if (sub === 128) {
        stats.plainRle++;
        fillRuns(words, fb.width, base, tw, th, () => ({ colour: tile.cpixel(), length: tile.runLength() }));
      } else if (sub >= 130) {
        stats.paletteRle++;
        const size = sub - 128;
        for (let i = 0; i < size; i++) palette[i] = tile.cpixel();
        fillRuns(words, fb.width, base, tw, th, () => {
          const index = tile.u8();
          const colour = palette[index & 0x7f]!;
          return { colour, length: index & 0x80 ? tile.runLength() : 1 };
        });
      } else {
        throw new RfbError("protocol", `ZRLE tile at ${tx},${ty} uses undefined subencoding ${sub}; the server is sending corrupt data.`);
      }
    }
  }
  if (tile.remaining !== 0) {
    throw new RfbError("protocol", `ZRLE rectangle ${rw}x${rh} at ${rx},${ry} left ${tile.remaining} undecoded bytes.`);
  }
  return stats;
}

function fillRuns(
  words: Uint32Array,
  stride: number,
  base: number,
  tw: number,
  th: number,
  nextRun: () => { colour: number; length: number },
): void {
  // Runs continue across row ends, so walk the tile as one w*h sequence.
  let i = 0;
  const total = tw * th;
  while (i < total) {
    const { colour, length } = nextRun();
    if (i + length > total) throw new RfbError("protocol", "ZRLE run overflows its tile; the server is sending corrupt data.");
    for (const end = i + length; i < end; i++) words[base + Math.floor(i / tw) * stride + (i % tw)] = colour;
  }
}

class TileReader {
  readonly #data: Uint8Array;
  #pos = 0;

  constructor(data: Uint8Array) {
    this.#data = data;
  }

  get remaining(): number {
    return this.#data.length - this.#pos;
  }

  u8(): number {
    if (this.#pos >= this.#data.length) throw truncated();
    return this.#data[this.#pos++]!;
  }

  /** A CPIXEL as an RGBA word (little-endian) with alpha 255. */
  cpixel(): number {
    if (this.#pos + 3 > this.#data.length) throw truncated();
    const d = this.#data;
    const p = this.#pos;
    this.#pos += 3;
    return ((255 << 24) | (d[p + 2]! << 16) | (d[p + 1]! << 8) | d[p]!) >>> 0;
  }

  /** Run length: bytes summed while each is 255, plus one. */
  runLength(): number {
    let length = 1;
    let byte: number;
    do {
      byte = this.u8();
      length += byte;
    } while (byte === 255);
    return length;
  }
}

function truncated(): RfbError {
  return new RfbError("protocol", "ZRLE tile data ended early; the server is sending corrupt data.");
}
