import type { ByteReader } from "./byte-reader.ts";
import { readExtendedDesktopSize, type ScreenLayout } from "./encodings/desktop-size.ts";
import { decodeZrle, emptyZrleStats, type ZrleStats } from "./encodings/zrle.ts";
import { Encoding, encodingName } from "./encoding-types.ts";
import type { Framebuffer } from "./framebuffer.ts";
import { RfbError } from "./rfb-error.ts";
import { ZlibStream } from "./zlib-stream.ts";

// Reads one server-to-client message (RFC 6143 §7.6) and applies it to the
// framebuffer. Assumes the client already set our RGBX little-endian format.

export type UpdateRect = {
  x: number; y: number; width: number; height: number; encoding: number;
  /**
   * For a rectangle of at most DAMAGE_CHECK_MAX_AREA pixels: the box around
   * the pixels that really changed, or null when the server resent what was
   * there. Absent for larger rectangles, which are not compared.
   */
  damage?: { x: number; y: number; width: number; height: number } | null;
};

/** Small rectangles are compared with what they replace (≤ 16 KiB copied): cheap, and a caret blink is told from a change. */
export const DAMAGE_CHECK_MAX_AREA = 4096;

/** Pseudo-encodings (negative numbers) carry no pixels: size changes, cursor shapes, markers. */
export function carriesPixels(rect: UpdateRect): boolean {
  return rect.encoding >= 0;
}

export type ServerMessage =
  | { type: "update"; rects: UpdateRect[]; resize?: { width: number; height: number; screens?: ScreenLayout[] } }
  | { type: "colourMap"; firstColour: number; count: number }
  | { type: "bell" }
  | { type: "cutText"; text: string };

const MAX_CUT_TEXT = 16 << 20;

export class RfbDecoder {
  readonly #reader: ByteReader;
  readonly #fb: Framebuffer;
  readonly #zlib = new ZlibStream();
  /** Counts of ZRLE tile subencodings seen, for tests and diagnostics. */
  readonly zrleStats: ZrleStats = emptyZrleStats();

  constructor(reader: ByteReader, framebuffer: Framebuffer) {
    this.#reader = reader;
    this.#fb = framebuffer;
  }

  async next(): Promise<ServerMessage> {
    const type = await this.#reader.u8();
    switch (type) {
      case 0:
        return this.#update();
      case 1: {
        // Only sent for colour-mapped formats; we ask for true colour, so read and ignore.
        await this.#reader.skip(1);
        const firstColour = await this.#reader.u16();
        const count = await this.#reader.u16();
        await this.#reader.skip(count * 6);
        return { type: "colourMap", firstColour, count };
      }
      case 2:
        return { type: "bell" };
      case 3:
        return this.#cutText();
      default:
        throw new RfbError("protocol", `The VNC server sent unknown message type ${type}; the connection cannot continue past it.`);
    }
  }

  async #update(): Promise<ServerMessage> {
    const reader = this.#reader;
    await reader.skip(1);
    const count = await reader.u16();
    const rects: UpdateRect[] = [];
    let resize: { width: number; height: number; screens?: ScreenLayout[] } | undefined;
    for (let i = 0; i < count; i++) {
      const x = await reader.u16();
      const y = await reader.u16();
      const width = await reader.u16();
      const height = await reader.u16();
      const encoding = await reader.s32();
      if (encoding === Encoding.LastRect) break; // lets a server send count 0xFFFF and stop early
      let damage: UpdateRect["damage"];
      if (encoding === Encoding.DesktopSize) {
        if (this.#resizeTo(width, height)) resize = { width, height };
      } else if (encoding === Encoding.ExtendedDesktopSize) {
        const screens = await readExtendedDesktopSize(reader);
        // A non-zero status answers a resize request of ours that failed. libvncserver also
        // repeats the current size on every full update request: only a change is a resize.
        if (y === 0 && this.#resizeTo(width, height)) resize = { width, height, screens };
      } else {
        this.#checkBounds(x, y, width, height, encoding);
        const before = width * height <= DAMAGE_CHECK_MAX_AREA ? this.#fb.readRect(x, y, width, height) : undefined;
        await this.#decodeRect(x, y, width, height, encoding);
        if (before) damage = this.#fb.changedBox(x, y, width, height, before);
      }
      rects.push(damage === undefined ? { x, y, width, height, encoding } : { x, y, width, height, encoding, damage });
    }
    return resize ? { type: "update", rects, resize } : { type: "update", rects };
  }

  #resizeTo(width: number, height: number): boolean {
    if (width === this.#fb.width && height === this.#fb.height) return false;
    this.#fb.resize(width, height);
    return true;
  }

  async #decodeRect(x: number, y: number, w: number, h: number, encoding: number): Promise<void> {
    const reader = this.#reader;
    if (encoding === Encoding.Raw) {
      // Read in bands so a full-screen Raw update never needs one giant buffer.
      const rowsPerBand = Math.max(1, Math.floor(65536 / Math.max(1, w * 4)));
      for (let row = 0; row < h; row += rowsPerBand) {
        const rows = Math.min(rowsPerBand, h - row);
        this.#fb.putRgbx(x, y + row, w, rows, await reader.read(w * rows * 4));
      }
    } else if (encoding === Encoding.CopyRect) {
      const srcX = await reader.u16();
      const srcY = await reader.u16();
      this.#checkBounds(srcX, srcY, w, h, encoding);
      this.#fb.copyRect(srcX, srcY, x, y, w, h);
    } else if (encoding === Encoding.ZRLE) {
      const length = await reader.u32();
      const inflated = this.#zlib.inflate(await reader.read(length));
      decodeZrle(inflated, this.#fb, x, y, w, h, this.zrleStats);
    } else {
      throw new RfbError("protocol", `The VNC server sent ${encodingName(encoding)}, which this client never asked for.`);
    }
  }

  #checkBounds(x: number, y: number, w: number, h: number, encoding: number): void {
    if (!this.#fb.contains(x, y, w, h)) {
      throw new RfbError(
        "protocol",
        `The VNC server sent a ${encodingName(encoding)} rectangle ${w}x${h} at ${x},${y} outside the ${this.#fb.width}x${this.#fb.height} framebuffer.`,
      );
    }
  }

  async #cutText(): Promise<ServerMessage> {
    await this.#reader.skip(3);
    const length = await this.#reader.s32();
    // A negative length is the Extended Clipboard pseudo-encoding; we never enable it, but skip it safely.
    const size = Math.abs(length);
    if (size > MAX_CUT_TEXT) throw new RfbError("protocol", `The VNC server sent ${size} bytes of clipboard text; refusing more than ${MAX_CUT_TEXT}.`);
    const bytes = await this.#reader.read(size);
    return { type: "cutText", text: length < 0 ? "" : latin1(bytes) };
  }
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}
