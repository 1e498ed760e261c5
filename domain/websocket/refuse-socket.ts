import { truncateReason } from "./close-reason.ts";

/**
 * Accepts a WebSocket upgrade only to close it at once with a close code and
 * reason: a browser's (or the host's) WebSocket sees those, never an HTTP status.
 */
export function refuseSocket(code: number, reason: string): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].close(code, truncateReason(reason));
  return new Response(null, { status: 101, webSocket: pair[0] });
}
