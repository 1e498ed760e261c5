/**
 * Reads an image's real format and pixel size from its header bytes, the way
 * the Messages API does before it accepts an image: the declared media_type
 * must match the bytes, and the limits apply to the decoded dimensions. Used
 * before an image goes to the model (people's photos, a task's attachments)
 * and by the scripted API stand-in to refuse what the real one refuses.
 */

/** The Messages API refuses an image wider or taller than this (pixels). */
export const MAX_MODEL_IMAGE_SIDE = 8000;

export type ImageFormat = "image/png" | "image/jpeg" | "image/gif" | "image/webp";

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
}

/** The format the magic bytes say, or null for anything else. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 &&
    bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) {
    return "image/png";
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 6 && ascii(bytes, 0, 6) === "GIF87a") return "image/gif";
  if (bytes.length >= 6 && ascii(bytes, 0, 6) === "GIF89a") return "image/gif";
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") return "image/webp";
  return null;
}

/** Why the Messages API would refuse this image as an image block (format unreadable, over the pixel limit), or null when it takes it. */
export function modelImageRefusal(bytes: Uint8Array): string | null {
  const info = readImageInfo(bytes);
  if (!info) return "its header cannot be read as a PNG, JPEG, GIF or WebP image";
  if (info.width > MAX_MODEL_IMAGE_SIDE || info.height > MAX_MODEL_IMAGE_SIDE) return `it is ${info.width}×${info.height} pixels, over the model's ${MAX_MODEL_IMAGE_SIDE} on a side`;
  return null;
}

/** Format and dimensions, or null when the bytes are not a readable image of a supported format. */
export function readImageInfo(bytes: Uint8Array): ImageInfo | null {
  const format = sniffImageFormat(bytes);
  if (format === null) return null;
  const size = format === "image/png" ? pngSize(bytes)
    : format === "image/jpeg" ? jpegSize(bytes)
    : format === "image/gif" ? gifSize(bytes)
    : webpSize(bytes);
  if (size === null || size.width <= 0 || size.height <= 0) return null;
  return { format, ...size };
}

interface Size { width: number; height: number }

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = "";
  for (let i = at; i < at + n && i < b.length; i++) s += String.fromCharCode(b[i] ?? 0);
  return s;
}

function u8(b: Uint8Array, i: number): number {
  const v = b[i];
  if (v === undefined) throw new RangeError("truncated image");
  return v;
}
const be16 = (b: Uint8Array, i: number) => (u8(b, i) << 8) | u8(b, i + 1);
const le16 = (b: Uint8Array, i: number) => u8(b, i) | (u8(b, i + 1) << 8);
const be32 = (b: Uint8Array, i: number) => ((u8(b, i) << 24) >>> 0) + (u8(b, i + 1) << 16) + (u8(b, i + 2) << 8) + u8(b, i + 3);
const le24 = (b: Uint8Array, i: number) => u8(b, i) | (u8(b, i + 1) << 8) | (u8(b, i + 2) << 16);

function pngSize(b: Uint8Array): Size | null {
  // Signature (8) then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4).
  try {
    if (ascii(b, 12, 4) !== "IHDR") return null;
    return { width: be32(b, 16), height: be32(b, 20) };
  } catch {
    return null;
  }
}

function jpegSize(b: Uint8Array): Size | null {
  try {
    let i = 2;
    while (i + 4 <= b.length) {
      if (u8(b, i) !== 0xff) return null;
      let marker = u8(b, i + 1);
      while (marker === 0xff) { i++; marker = u8(b, i + 1); }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
      if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan before any frame header
      const length = be16(b, i + 2);
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { height: be16(b, i + 5), width: be16(b, i + 7) };
      i += 2 + length;
    }
    return null;
  } catch {
    return null;
  }
}

function gifSize(b: Uint8Array): Size | null {
  try {
    return { width: le16(b, 6), height: le16(b, 8) };
  } catch {
    return null;
  }
}

function webpSize(b: Uint8Array): Size | null {
  try {
    const chunk = ascii(b, 12, 4);
    if (chunk === "VP8 ") {
      // Frame tag (3) then start code 9d 01 2a, then 14-bit width and height.
      if (u8(b, 23) !== 0x9d || u8(b, 24) !== 0x01 || u8(b, 25) !== 0x2a) return null;
      return { width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
    }
    if (chunk === "VP8L") {
      if (u8(b, 20) !== 0x2f) return null;
      const bits = u8(b, 21) | (u8(b, 22) << 8) | (u8(b, 23) << 16) | (u8(b, 24) << 24);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === "VP8X") {
      return { width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
    }
    return null;
  } catch {
    return null;
  }
}
