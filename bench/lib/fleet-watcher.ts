import WebSocket from "ws";
import type { FleetFeedMessage } from "@deskfleet/protocol";

/**
 * A dashboard's fleet feed (`GET /api/live`), reconnecting after any drop.
 * The feed has no replay, so what a watcher can be held to is what happened
 * while it was connected: `connectedSince` says from when.
 */
export type FleetWatcher = {
  readonly messages: { message: FleetFeedMessage; receivedAt: number }[];
  readonly reconnects: number;
  /** When the current connection said hello (0 before the first). */
  readonly connectedSince: number;
  /** Latest status per task seen on the feed. */
  status(taskId: string): string | undefined;
  stop(): void;
};

export function watchFleet(baseUrl: string, token: string): FleetWatcher {
  const messages: { message: FleetFeedMessage; receivedAt: number }[] = [];
  const statuses = new Map<string, string>();
  let reconnects = 0;
  let connectedSince = 0;
  let stopped = false;
  let ws: WebSocket | null = null;
  let attempt = 0;
  const open = () => {
    if (stopped) return;
    const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/api/live`, { headers: { authorization: `Bearer ${token}` } });
    ws = socket;
    socket.on("message", (data) => {
      const message = JSON.parse(data.toString()) as FleetFeedMessage;
      const receivedAt = Date.now();
      messages.push({ message, receivedAt });
      if (message.type === "hello") {
        connectedSince = receivedAt;
        attempt = 0;
      }
      if (message.type === "task") statuses.set(message.taskId, message.status);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (stopped || ws !== socket) return;
      reconnects++;
      setTimeout(open, Math.random() * Math.min(2000, 100 * 2 ** attempt++));
    });
  };
  open();
  return {
    messages,
    get reconnects() {
      return reconnects;
    },
    get connectedSince() {
      return connectedSince;
    },
    status: (taskId) => statuses.get(taskId),
    stop: () => {
      stopped = true;
      ws?.close();
    },
  };
}
