import type { RandomBytes } from "../apple-remote-desktop.ts";

/**
 * A repeatable stand-in for crypto.getRandomValues (xorshift32): a recorded
 * handshake replays byte for byte only if the client draws the same key and
 * filler as when it was recorded. Never for anything but tests.
 */
export function seededRandom(seed: number): RandomBytes {
  let state = seed >>> 0 || 1;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      out[i] = state & 0xff;
    }
    return out;
  };
}
