import type { RgbaImage, Size } from "@deskfleet/rfb/image/scale";
import { scaleRgba } from "@deskfleet/rfb/image/scale";

/**
 * Fits a zoom crop to the model's screenshot size: a larger crop is shrunk by
 * area averaging; a smaller one is enlarged by a whole factor with nearest
 * neighbour, so glyph edges stay crisp and the model sees fine detail bigger.
 */
export function upscaleToFit(crop: RgbaImage, box: Size): RgbaImage {
  if (crop.width > box.width || crop.height > box.height) {
    const f = Math.min(box.width / crop.width, box.height / crop.height);
    return scaleRgba(crop, { width: Math.max(1, Math.floor(crop.width * f)), height: Math.max(1, Math.floor(crop.height * f)) });
  }
  const factor = Math.max(1, Math.floor(Math.min(box.width / crop.width, box.height / crop.height)));
  if (factor === 1) return crop;
  const width = crop.width * factor;
  const height = crop.height * factor;
  const out = new Uint8Array(width * height * 4);
  const src = new Uint32Array(crop.data.buffer, crop.data.byteOffset, crop.width * crop.height);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * crop.width;
    for (let x = 0; x < width; x++) dst[y * width + x] = src[row + Math.floor(x / factor)]!;
  }
  return { width, height, data: out };
}
