import { deflate } from "pako";
import { describe, expect, it } from "vitest";
import { crc32, decodePng, encodePng, encodePngNative, type PngFilter } from "./png.ts";

function testImage(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      // Flat panel on top, noisy "text" band below: exercises every predictor.
      data.set(y < height / 2 ? [40, 44, 52, 255] : [(x * 13 + y * 7) & 255, (x * y) & 255, (x ^ y) & 255, (x * 3) & 255], i);
    }
  }
  return data;
}

describe("PNG", () => {
  it.each(["none", "sub", "up", "paeth"] satisfies PngFilter[])("round-trips RGBA pixels with the %s filter", (filter) => {
    const data = testImage(37, 20);
    const decoded = decodePng(encodePng({ width: 37, height: 20, channels: 4, data }, { filter }));
    expect(decoded).toEqual({ width: 37, height: 20, channels: 4, data });
  });

  it("drops alpha into an RGB PNG when asked", () => {
    const data = testImage(8, 8);
    const decoded = decodePng(encodePng({ width: 8, height: 8, channels: 4, data }, { dropAlpha: true }));
    expect(decoded.channels).toBe(3);
    expect([...decoded.data.subarray(0, 6)]).toEqual([...data.subarray(0, 3), ...data.subarray(4, 7)]);
  });

  it("writes the standard CRC-32 (check value of '123456789' is CBF43926)", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("starts with the PNG signature and an IHDR for 8-bit RGBA", () => {
    const png = encodePng({ width: 3, height: 2, channels: 4, data: new Uint8Array(24) });
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(new TextDecoder().decode(png.subarray(12, 16))).toBe("IHDR");
    expect([...png.subarray(16, 26)]).toEqual([0, 0, 0, 3, 0, 0, 0, 2, 8, 6]);
  });

  it("detects a corrupted chunk by its CRC", () => {
    const png = encodePng({ width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(7) });
    png[40]! ^= 0xff; // inside IDAT
    expect(() => decodePng(png)).toThrow(/bad CRC/);
  });

  it("decodes the average filter, which other encoders use", () => {
    // One RGB row of 2 pixels with filter 3: out = raw + floor((left + up) / 2).
    const raw = Uint8Array.of(3, 10, 20, 30, 10, 10, 10);
    const ihdr = Uint8Array.of(0, 0, 0, 2, 0, 0, 0, 1, 8, 2, 0, 0, 0);
    const chunk = (type: string, body: Uint8Array) => {
      const out = new Uint8Array(12 + body.length);
      const view = new DataView(out.buffer);
      view.setUint32(0, body.length);
      out.set(new TextEncoder().encode(type), 4);
      out.set(body, 8);
      view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
      return out;
    };
    const png = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10, ...chunk("IHDR", ihdr), ...chunk("IDAT", deflate(raw)), ...chunk("IEND", new Uint8Array(0))]);
    expect([...decodePng(png).data]).toEqual([10, 20, 30, 15, 20, 25]);
  });

  it("compresses a flat screenshot far below its raw size with the platform's native deflate too", async () => {
    const flat = await encodePngNative({ width: 1280, height: 800, channels: 4, data: new Uint8Array(1280 * 800 * 4).fill(200) }, { dropAlpha: true });
    expect(flat.length).toBeLessThan(10_000);
  });

  it("compresses a flat screenshot far below its raw size", () => {
    const data = new Uint8Array(1280 * 800 * 4).fill(200);
    expect(encodePng({ width: 1280, height: 800, channels: 4, data }, { dropAlpha: true }).length).toBeLessThan(10_000);
  });
});
