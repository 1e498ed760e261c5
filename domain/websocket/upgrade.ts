import { errorBody } from "../api-error.ts";

/** Whether the request asks to become a WebSocket (`Upgrade: websocket`, in any case). */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/** The answer to a plain HTTP request on a WebSocket endpoint: 426 with the JSON error envelope. */
export function upgradeRequired(): Response {
  return Response.json(errorBody("upgrade_required", "this endpoint is a WebSocket; connect with `Upgrade: websocket`"), { status: 426 });
}

/** Null when the request is a WebSocket upgrade; otherwise the 426 to answer it with. */
export function requireUpgrade(request: Request): Response | null {
  return isWebSocketUpgrade(request) ? null : upgradeRequired();
}
