/** Repaints the whole root window with fresh noise until killed (the relay benchmark's busy screen). Args: display width height. */
import { paintRoot } from "@deskfleet/rfb/testing/x11-put-image";

const [display, width, height] = process.argv.slice(2).map(Number) as [number, number, number];
const noise = (x: number, y: number, seed: number): [number, number, number] => {
  let h = (x * 374761393 + y * 668265263 + seed * 2246822519) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return [h & 255, (h >>> 8) & 255, (h >>> 16) & 255];
};
for (let seed = 1; ; seed++) {
  // Bands: one X request carries at most 256 KiB of pixels.
  await paintRoot(display, Array.from({ length: Math.ceil(height / 40) }, (_, i) => ({ x: 0, y: i * 40, width, height: Math.min(40, height - i * 40), pixel: (x: number, y: number) => noise(x, y, seed) })));
}
