import { deflate, inflate } from "pako";
import { concatBytes } from "../bytes.ts";

// PNG encoding for screenshots and a small decoder for our own PNGs and tests.
// 8-bit truecolour (RGB) or truecolour-with-alpha (RGBA), non-interlaced.

export type PngFilter = "none" | "sub" | "up" | "paeth";

export type PngImage = { width: number; height: number; channels: 3 | 4; data: Uint8Array };

export type EncodePngOptions = {
  /**
   * Default "up": one subtraction per byte, and it zeroes both flat areas and
   * rows that repeat the row above (panels, borders, text backgrounds). On a
   * 1280x800 Xvfb desktop of X apps read through our RFB client, as RGB at
   * level 6: none 29.8 KB, sub 27.2 KB, up 20.4 KB (84 ms), paeth 20.8 KB
   * (96 ms) with the encoder of the time. Per-row adaptive choice would cost
   * four extra filter passes for at most paeth-like gains on UI content. The
   * filter pass itself is now ~5 ms for 1366x768 (up, alpha dropped).
   */
  filter?: PngFilter;
  /**
   * zlib level 1–9. Default 6: with pako, level 1 saved ~15 ms but doubled the
   * size (38 KB); with native zlib (encodePngNative) level 6 of a 1366x768
   * screenshot takes ~7 ms, level 1 ~2 ms for 1.3–1.9x the bytes.
   */
  level?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  /** Write RGB when the input is RGBA (drops alpha, e.g. a framebuffer's constant 255). */
  dropAlpha?: boolean;
};

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const FILTER_CODE: Record<PngFilter, number> = { none: 0, sub: 1, up: 2, paeth: 4 };

export function encodePng(image: PngImage, options: EncodePngOptions = {}): Uint8Array {
  const raw = filterScanlines(image, options);
  return assemblePng(image.width, image.height, outputChannels(image, options), deflate(raw, { level: options.level ?? 6 }));
}

/**
 * Encodes with the platform's native deflate (`CompressionStream`, in Node and
 * in Workers): in Node on the libuv thread pool, so the host's event loop stays
 * free to read framebuffer updates, and a Durable Object does not pay for pako.
 * The pixels are read before the first await (the filter pass), so the caller
 * may change them while the compression runs. zlib's default level (6);
 * `options.level` is ignored because the stream has no setting for it.
 */
export async function encodePngNative(image: PngImage, options: EncodePngOptions = {}): Promise<Uint8Array> {
  const raw = filterScanlines(image, options);
  const idat = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
  return assemblePng(image.width, image.height, outputChannels(image, options), idat);
}

/** The channels written for `image`: 3 when alpha is dropped. */
export function outputChannels(image: PngImage, options: EncodePngOptions = {}): 3 | 4 {
  return options.dropAlpha && image.channels === 4 ? 3 : image.channels;
}

/**
 * The uncompressed IDAT stream: each row as its filter byte and filtered
 * bytes. Reads `image.data` once, before returning, so the caller may change
 * the pixels afterwards (e.g. while the stream is compressed elsewhere).
 */
export function filterScanlines(image: PngImage, options: EncodePngOptions = {}): Uint8Array<ArrayBuffer> {
  const { width, height, data } = image;
  if (data.length !== width * height * image.channels) {
    throw new RangeError(`PNG input holds ${data.length} bytes, expected ${width}x${height}x${image.channels}`);
  }
  const inC = image.channels;
  const outC = outputChannels(image, options);
  const filter = options.filter ?? "up";
  const code = FILTER_CODE[filter];
  const stride = width * inC;
  const rowBytes = width * outC;
  const raw = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1);
    raw[o] = code;
    const line = raw.subarray(o + 1, o + 1 + rowBytes);
    const row = y * stride;
    // A predictor outside the image is 0: the first row "up" is "none", the first row "paeth" is "sub".
    if (code === 0 || (code === 2 && y === 0)) copyRow(data, row, width, inC, outC, line);
    else if (code === 2) upRow(data, row, stride, width, inC, outC, line);
    else if (code === 1 || y === 0) subRow(data, row, width, inC, outC, line);
    else paethRow(data, row, stride, width, inC, outC, line);
  }
  return raw;
}

/** A PNG file around an already compressed IDAT stream (zlib format, from any deflater). */
export function assemblePng(width: number, height: number, channels: 3 | 4, idat: Uint8Array): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = channels === 4 ? 6 : 2; // colour type: RGBA or RGB
  return concatBytes([SIGNATURE, chunk("IHDR", header), chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))]);
}

export function decodePng(png: Uint8Array): PngImage {
  if (png.length < 8 || SIGNATURE.some((byte, i) => png[i] !== byte)) throw new Error("Not a PNG: bad signature");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let channels: 3 | 4 = 4;
  const idat: Uint8Array[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (crc32(png.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length)) {
      throw new Error(`PNG chunk ${type} has a bad CRC`);
    }
    if (type === "IHDR") {
      const h = new DataView(body.buffer, body.byteOffset, body.byteLength);
      width = h.getUint32(0);
      height = h.getUint32(4);
      if (body[8] !== 8 || (body[9] !== 2 && body[9] !== 6) || body[12] !== 0) {
        throw new Error("Only 8-bit, non-interlaced RGB/RGBA PNGs are supported");
      }
      channels = body[9] === 6 ? 4 : 3;
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      break;
    }
    offset += 12 + length;
  }
  const raw = inflate(concatBytes(idat));
  const rowBytes = width * channels;
  const data = new Uint8Array(rowBytes * height);
  let previous = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const line = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const current = data.subarray(y * rowBytes, (y + 1) * rowBytes);
    unfilter(raw[y * (rowBytes + 1)]!, line, previous, channels, current);
    previous = current;
  }
  return { width, height, channels, data };
}

// One pass per row and filter, with no per-byte branching on the filter: this
// runs over every screenshot, on the host's critical path.
function copyRow(data: Uint8Array, row: number, width: number, inC: number, outC: number, out: Uint8Array): void {
  if (inC === outC) {
    out.set(data.subarray(row, row + width * inC));
    return;
  }
  for (let x = 0, i = row, o = 0; x < width; x++, i += inC, o += outC) {
    out[o] = data[i]!;
    out[o + 1] = data[i + 1]!;
    out[o + 2] = data[i + 2]!;
  }
}

function upRow(data: Uint8Array, row: number, stride: number, width: number, inC: number, outC: number, out: Uint8Array): void {
  if (outC === 3) {
    // The common case (a framebuffer without its alpha), unrolled: about 3x the generic loop.
    for (let x = 0, i = row, o = 0; x < width; x++, i += inC, o += 3) {
      const j = i - stride;
      out[o] = data[i]! - data[j]!;
      out[o + 1] = data[i + 1]! - data[j + 1]!;
      out[o + 2] = data[i + 2]! - data[j + 2]!;
    }
    return;
  }
  for (let x = 0, i = row, o = 0; x < width; x++, i += inC, o += outC) {
    for (let c = 0; c < outC; c++) out[o + c] = data[i + c]! - data[i + c - stride]!;
  }
}

function subRow(data: Uint8Array, row: number, width: number, inC: number, outC: number, out: Uint8Array): void {
  for (let c = 0; c < outC; c++) out[c] = data[row + c]!;
  for (let x = 1, i = row + inC, o = outC; x < width; x++, i += inC, o += outC) {
    for (let c = 0; c < outC; c++) out[o + c] = data[i + c]! - data[i + c - inC]!;
  }
}

function paethRow(data: Uint8Array, row: number, stride: number, width: number, inC: number, outC: number, out: Uint8Array): void {
  for (let c = 0; c < outC; c++) out[c] = data[row + c]! - data[row + c - stride]!; // left and upper-left are 0: paeth picks up
  for (let x = 1, i = row + inC, o = outC; x < width; x++, i += inC, o += outC) {
    for (let c = 0; c < outC; c++) out[o + c] = data[i + c]! - paeth(data[i + c - inC]!, data[i + c - stride]!, data[i + c - inC - stride]!);
  }
}

function unfilter(type: number, line: Uint8Array, up: Uint8Array, bpp: number, out: Uint8Array): void {
  for (let i = 0; i < line.length; i++) {
    const left = i >= bpp ? out[i - bpp]! : 0;
    const above = up[i]!;
    const upperLeft = i >= bpp ? up[i - bpp]! : 0;
    let predictor: number;
    if (type === 0) predictor = 0;
    else if (type === 1) predictor = left;
    else if (type === 2) predictor = above;
    else if (type === 3) predictor = (left + above) >> 1;
    else if (type === 4) predictor = paeth(left, above, upperLeft);
    else throw new Error(`PNG row uses unknown filter type ${type}`);
    out[i] = (line[i]! + predictor) & 0xff;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
