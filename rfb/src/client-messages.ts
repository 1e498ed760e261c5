import { encodePixelFormat, type PixelFormat } from "./pixel-format.ts";

// Encoders for the client-to-server messages of RFB (RFC 6143 §7.5).
// Each returns the complete message; all integers are big-endian.

export function setPixelFormat(format: PixelFormat): Uint8Array {
  const out = new Uint8Array(20);
  out[0] = 0;
  out.set(encodePixelFormat(format), 4);
  return out;
}

export function setEncodings(encodings: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * encodings.length);
  const view = new DataView(out.buffer);
  out[0] = 2;
  view.setUint16(2, encodings.length);
  encodings.forEach((encoding, i) => view.setInt32(4 + 4 * i, encoding));
  return out;
}

export function framebufferUpdateRequest(
  incremental: boolean,
  x: number,
  y: number,
  width: number,
  height: number,
): Uint8Array {
  const out = new Uint8Array(10);
  const view = new DataView(out.buffer);
  out[0] = 3;
  out[1] = incremental ? 1 : 0;
  view.setUint16(2, x);
  view.setUint16(4, y);
  view.setUint16(6, width);
  view.setUint16(8, height);
  return out;
}

export function keyEvent(keysym: number, down: boolean): Uint8Array {
  const out = new Uint8Array(8);
  out[0] = 4;
  out[1] = down ? 1 : 0;
  new DataView(out.buffer).setUint32(4, keysym >>> 0);
  return out;
}

/** `buttonMask` bit 0 is the left button, 1 middle, 2 right, 3/4 wheel up/down. */
export function pointerEvent(x: number, y: number, buttonMask: number): Uint8Array {
  const out = new Uint8Array(6);
  const view = new DataView(out.buffer);
  out[0] = 5;
  out[1] = buttonMask & 0xff;
  view.setUint16(2, clampU16(x));
  view.setUint16(4, clampU16(y));
  return out;
}

/** RFB cut text is Latin-1; characters outside it become "?" rather than corrupt bytes. */
export function clientCutText(text: string): Uint8Array {
  const out = new Uint8Array(8 + text.length);
  out[0] = 6;
  new DataView(out.buffer).setUint32(4, text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out[8 + i] = code <= 0xff ? code : 0x3f;
  }
  return out;
}

function clampU16(value: number): number {
  return Math.max(0, Math.min(0xffff, Math.round(value)));
}
