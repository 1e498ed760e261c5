import { CloseCode } from "@deskfleet/protocol";
import { truncateReason } from "../../domain/websocket/close-reason.ts";

// Socket calls that never throw into a Durable Object's handler: a socket that
// cannot be written to is closed, and closing an already closed one is a no-op.

export function sendSafely(ws: WebSocket, data: string | ArrayBuffer): boolean {
  try {
    ws.send(data);
    return true;
  } catch {
    closeSafely(ws, CloseCode.internal, "send failed");
    return false;
  }
}

export function closeSafely(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, truncateReason(reason));
  } catch {
    // already closed
  }
}
