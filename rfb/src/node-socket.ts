import { connect, type Socket } from "node:net";
import type { RfbSocket } from "./rfb-client.ts";
import { RfbError } from "./rfb-error.ts";

// Node-only adapters between net.Socket and the Web Streams the RFB client
// speaks, so the same client code also runs over a Workers `connect()` socket.

/** Opens a TCP connection to a VNC server. */
export function connectTcp(host: string, port: number, options: { timeoutMs?: number } = {}): Promise<RfbSocket> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (message: string, cause?: unknown) => {
      socket.destroy();
      reject(new RfbError("connection-closed", message, { cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(`Connecting to the VNC server at ${host}:${port} timed out after ${timeoutMs} ms.`));
    socket.once("error", (error) =>
      fail(`Could not connect to the VNC server at ${host}:${port} (${error.message}); check that it is running and listening there.`, error),
    );
    socket.once("connect", () => {
      socket.setTimeout(0);
      socket.removeAllListeners("error");
      socket.setNoDelay(true); // input events are tiny and latency-sensitive
      resolve(socketStreams(socket));
    });
  });
}

/** Wraps an already-open TCP connection (e.g. one accepted by a server or a tunnel). */
export function socketStreams(socket: Socket): RfbSocket {
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      socket.on("data", (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        // Backpressure: stop reading from the kernel until the consumer catches up.
        if ((controller.desiredSize ?? 1) <= 0) socket.pause();
      });
      socket.once("end", () => closeQuietly(() => controller.close()));
      socket.once("error", (error) => closeQuietly(() => controller.error(error)));
      socket.once("close", () => closeQuietly(() => controller.close()));
    },
    pull() {
      socket.resume();
    },
    cancel() {
      socket.destroy();
    },
  }, { highWaterMark: 16 });

  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => socket.write(chunk, (error) => (error ? reject(error) : resolve())));
    },
    close() {
      return new Promise<void>((resolve) => socket.end(resolve));
    },
    abort() {
      socket.destroy();
    },
  });

  return { readable, writable, close: () => void socket.destroy() };
}

function closeQuietly(action: () => void): void {
  try {
    action();
  } catch {
    // Already closed or errored: the first outcome wins.
  }
}
