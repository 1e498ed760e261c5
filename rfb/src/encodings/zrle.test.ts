import { Deflate, constants } from "pako";
import { describe, expect, it } from "vitest";
import { Framebuffer } from "../framebuffer.ts";
import { ZlibStream } from "../zlib-stream.ts";
import { decodeZrle } from "./zrle.ts";

// ZRLE cases the x11vnc recording does not cover. The zlib side uses pako's
// deflate with Z_SYNC_FLUSH per rectangle, which is what libvncserver does.

const RED = [255, 0, 0];
const BLUE = [0, 0, 255];
const GREEN = [0, 255, 0];
const WHITE = [255, 255, 255];

describe("decodeZrle", () => {
  it("decodes a 2-bit packed palette tile whose rows start on byte boundaries", () => {
    const fb = new Framebuffer(5, 2);
    // 3 colours → 2 bits per pixel; 5 pixels take 10 bits, so each row is 2 bytes.
    const data = Uint8Array.of(3, ...RED, ...GREEN, ...BLUE, 0b00011000, 0b01000000, 0b10100101, 0b00000000);
    decodeZrle(data, fb, 0, 0, 5, 2);
    expect([0, 1, 2, 3, 4].map((x) => fb.getPixel(x, 0))).toEqual([RED, GREEN, BLUE, RED, GREEN]);
    expect([0, 1, 2, 3, 4].map((x) => fb.getPixel(x, 1))).toEqual([BLUE, BLUE, GREEN, GREEN, RED]);
  });

  it("adds run-length bytes of 255 until a smaller one, across row ends", () => {
    const fb = new Framebuffer(64, 5);
    // Plain RLE: a red run of 1+255+44 = 300 pixels, then 20 white.
    decodeZrle(Uint8Array.of(128, ...RED, 255, 44, ...WHITE, 19), fb, 0, 0, 64, 5);
    expect(fb.getPixel(43, 4)).toEqual(RED); // pixel 299
    expect(fb.getPixel(44, 4)).toEqual(WHITE); // pixel 300
  });

  it("walks 64x64 tiles left to right, then top to bottom, clipping the last ones", () => {
    const fb = new Framebuffer(70, 66);
    const solid = (rgb: number[]) => [1, ...rgb];
    decodeZrle(Uint8Array.of(...solid(RED), ...solid(GREEN), ...solid(BLUE), ...solid(WHITE)), fb, 0, 0, 70, 66);
    expect([fb.getPixel(63, 63), fb.getPixel(64, 0), fb.getPixel(0, 64), fb.getPixel(69, 65)]).toEqual([RED, GREEN, BLUE, WHITE]);
  });

  it("rejects a tile that leaves bytes over, instead of drawing garbage", () => {
    expect(() => decodeZrle(Uint8Array.of(1, ...RED, 9), new Framebuffer(2, 2), 0, 0, 2, 2)).toThrow(/left 1 undecoded bytes/);
  });
});

describe("ZlibStream", () => {
  it("inflates later rectangles that refer back to earlier ones through the shared dictionary", () => {
    const deflate = new Deflate();
    const sent: Uint8Array[] = [];
    deflate.onData = (chunk) => sent.push(chunk as Uint8Array);
    const tile = Uint8Array.of(0, ...Array.from({ length: 48 }, (_, i) => (i * 37) & 0xff)); // a raw 4x4 tile
    const rects: Uint8Array[] = [];
    for (let i = 0; i < 2; i++) {
      sent.length = 0;
      deflate.push(tile, constants.Z_SYNC_FLUSH);
      rects.push(Uint8Array.from(sent.flatMap((chunk) => [...chunk])));
    }
    // The second rectangle is a back-reference into the first: tiny, and undecodable on its own.
    expect(rects[1]!.length).toBeLessThan(rects[0]!.length);
    const stream = new ZlibStream();
    expect(stream.inflate(rects[0]!)).toEqual(tile);
    expect(stream.inflate(rects[1]!)).toEqual(tile);
    expect(() => new ZlibStream().inflate(rects[1]!)).toThrow(/failed to inflate/);
  });
});
