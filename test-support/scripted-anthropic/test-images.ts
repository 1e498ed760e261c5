/**
 * Small, valid images for tests: a real PNG of any size (solid colour, zlib-compressed
 * rows), optionally padded with an ancillary chunk to reach a byte size.
 */
import { deflateSync } from "node:zlib";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

export interface PngOptions {
  /** RGB fill. Default mid grey. */
  rgb?: [number, number, number];
  /** Pad the file with a private ancillary chunk until it is at least this many bytes. */
  minBytes?: number;
}

/** A valid RGB PNG of width×height pixels. */
export function makePng(width: number, height: number, opts: PngOptions = {}): Buffer {
  const [r, g, b] = opts.rgb ?? [128, 128, 128];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) { row[1 + x * 3] = r; row[2 + x * 3] = g; row[3 + x * 3] = b; }
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
  ];
  const base = parts.reduce((n, p) => n + p.length, 0) + 12;
  if (opts.minBytes !== undefined && opts.minBytes > base) {
    parts.push(chunk("paDd", Buffer.alloc(opts.minBytes - base - 12, 0x61)));
  }
  parts.push(chunk("IEND", Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** An image content block (base64 PNG) for a request. */
export function pngBlock(width: number, height: number, opts: PngOptions = {}): {
  type: "image";
  source: { type: "base64"; media_type: "image/png"; data: string };
} {
  return { type: "image", source: { type: "base64", media_type: "image/png", data: makePng(width, height, opts).toString("base64") } };
}
