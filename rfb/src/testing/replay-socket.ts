import { concatBytes } from "../bytes.ts";
import type { RfbSocket } from "../rfb-client.ts";

// A fake socket that plays recorded server bytes and keeps what the client wrote.
// `chunkSizes` splits the bytes like a network would, to exercise reassembly.
export function replaySocket(serverBytes: Uint8Array, options: { chunkSizes?: readonly number[]; keepOpen?: boolean } = {}) {
  const written: Uint8Array[] = [];
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      const sizes = options.chunkSizes ?? [serverBytes.length];
      for (let offset = 0, i = 0; offset < serverBytes.length; i++) {
        const size = Math.max(1, sizes[i % sizes.length]!);
        c.enqueue(serverBytes.slice(offset, offset + size));
        offset += size;
      }
      if (!options.keepOpen) c.close();
    },
  });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      written.push(chunk.slice());
    },
  });
  const socket: RfbSocket = { readable, writable };
  return {
    socket,
    /** Feeds more server bytes (only with keepOpen). */
    push: (bytes: Uint8Array) => controller.enqueue(bytes),
    end: () => controller.close(),
    written: () => concatBytes(written),
  };
}
