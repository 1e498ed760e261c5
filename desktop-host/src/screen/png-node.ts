import { deflate } from "node:zlib";
import { assemblePng, filterScanlines, outputChannels, type EncodePngOptions, type PngImage } from "./png.ts";

// The host's PNG encoder: png.ts's filters, compressed by Node's native zlib
// on the libuv thread pool. On a 1366x768 desktop screenshot at level 6 that
// is ~7 ms of native deflate instead of ~35 ms of pako on the event loop, and
// the event loop stays free to read framebuffer updates meanwhile. png.ts
// stays free of node: imports because Workers use it too.

/**
 * Encodes `image` as a PNG. The pixels are read before this returns (the
 * filter pass), so the caller may change them while the compression runs.
 */
export function encodePngOffThread(image: PngImage, options: EncodePngOptions = {}): Promise<Uint8Array> {
  const raw = filterScanlines(image, options);
  const channels = outputChannels(image, options);
  return new Promise((resolve, reject) => {
    deflate(raw, { level: options.level ?? 6 }, (error, idat) => {
      if (error) reject(error);
      else resolve(assemblePng(image.width, image.height, channels, new Uint8Array(idat.buffer, idat.byteOffset, idat.byteLength)));
    });
  });
}
