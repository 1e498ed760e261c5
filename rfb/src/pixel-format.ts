// The 16-byte PIXEL_FORMAT structure of RFB (RFC 6143 §7.4).
export type PixelFormat = {
  bitsPerPixel: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
};

/**
 * What we ask every server for: 32 bits per pixel, little-endian, red in the
 * low byte. A pixel then lands in memory as R,G,B,X, so Raw rectangles copy
 * straight into an RGBA framebuffer and ZRLE's 3-byte CPIXELs read as R,G,B.
 */
export const RGBX_LITTLE_ENDIAN: PixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 0,
  greenShift: 8,
  blueShift: 16,
};

export function decodePixelFormat(bytes: Uint8Array): PixelFormat {
  if (bytes.length < 16) throw new RangeError("PIXEL_FORMAT needs 16 bytes");
  const u16 = (i: number) => (bytes[i]! << 8) | bytes[i + 1]!;
  return {
    bitsPerPixel: bytes[0]!,
    depth: bytes[1]!,
    bigEndian: bytes[2] !== 0,
    trueColour: bytes[3] !== 0,
    redMax: u16(4),
    greenMax: u16(6),
    blueMax: u16(8),
    redShift: bytes[10]!,
    greenShift: bytes[11]!,
    blueShift: bytes[12]!,
  };
}

export function encodePixelFormat(format: PixelFormat): Uint8Array {
  const out = new Uint8Array(16); // the last 3 bytes are padding
  out[0] = format.bitsPerPixel;
  out[1] = format.depth;
  out[2] = format.bigEndian ? 1 : 0;
  out[3] = format.trueColour ? 1 : 0;
  out[4] = format.redMax >> 8;
  out[5] = format.redMax & 0xff;
  out[6] = format.greenMax >> 8;
  out[7] = format.greenMax & 0xff;
  out[8] = format.blueMax >> 8;
  out[9] = format.blueMax & 0xff;
  out[10] = format.redShift;
  out[11] = format.greenShift;
  out[12] = format.blueShift;
  return out;
}
