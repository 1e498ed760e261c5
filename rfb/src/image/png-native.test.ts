import { describe, expect, it } from "vitest";
import { decodePng, encodePng, encodePngNative, type PngFilter } from "./png.ts";

function screenLike(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set(y % 20 < 10 ? [238, 238, 238, 255] : [(x * 7) & 255, (y * 3) & 255, (x ^ y) & 255, 255], (y * width + x) * 4);
    }
  }
  return data;
}

describe("encodePngNative", () => {
  it.each(["up", "paeth", "sub", "none"] satisfies PngFilter[])("writes an RGB PNG that decodes to the same pixels as the pako encoder's (%s)", async (filter) => {
    const image = { width: 131, height: 67, channels: 4 as const, data: screenLike(131, 67) };
    const native = decodePng(await encodePngNative(image, { dropAlpha: true, filter }));
    expect(native).toEqual(decodePng(encodePng(image, { dropAlpha: true, filter })));
    expect(native.channels).toBe(3);
  });

  it("has read the pixels by the time it returns, so they may change while it compresses", async () => {
    const data = screenLike(64, 32);
    const original = data.slice();
    const pending = encodePngNative({ width: 64, height: 32, channels: 4, data });
    data.fill(0);
    expect(decodePng(await pending).data).toEqual(original);
  });
});
