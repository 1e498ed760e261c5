import WebSocket from "ws";
import type { RfbSocket } from "@deskfleet/rfb/rfb-client";

export type WsRfbSocket = RfbSocket & {
  ws: WebSocket;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Bytes received, for throughput figures. */
  received: () => number;
};

/**
 * A viewer's WebSocket (our relay, or websockify) as the byte streams the RFB
 * client speaks: what noVNC does in a browser, in Node.
 */
export function openWsRfbSocket(url: string, headers: Record<string, string> = {}): Promise<WsRfbSocket> {
  const ws = new WebSocket(url, ["binary"], { headers, perMessageDeflate: false });
  ws.binaryType = "arraybuffer";
  let bytes = 0;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      ws.on("message", (data: ArrayBuffer) => {
        bytes += data.byteLength;
        try {
          controller.enqueue(new Uint8Array(data));
        } catch {
          // the reader is gone (client closed); late frames only count
        }
      });
      void closed.then(() => {
        try {
          controller.close();
        } catch {
          // already closed
        }
      });
    },
  });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => ws.send(chunk, (err) => (err ? reject(err) : resolve())));
    },
    close() {
      ws.close(1000);
    },
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, readable, writable, closed, received: () => bytes, close: () => ws.close(1000) }));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode} instead of a WebSocket`)));
  });
}
