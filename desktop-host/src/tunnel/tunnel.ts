import WebSocket from "ws";
import { CloseCode, type TunnelOpenMessage } from "@deskfleet/protocol";
import { RfbError } from "@deskfleet/rfb/rfb-error";
import { Coalescer, type CoalescerOptions } from "./coalescer.ts";
import { bridge, openUpstream } from "@deskfleet/rfb/bridge/rfb-bridge";
import { dialVnc, handshakeOptions, type VncTarget } from "../runtime/vnc-target.ts";

export type TunnelTarget = VncTarget;

export type TunnelOptions = {
  /** The control plane's origin, e.g. https://deskfleet.example.com. */
  server: string;
  token: string;
  vnc: TunnelTarget;
  coalesce?: CoalescerOptions;
  /** Stop reading from the VNC server while this much waits to be sent (a slow viewer). Default 4 MiB. */
  highWaterBytes?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
};

export type TunnelResult = { frames: number; bytes: number; closedBy: "viewer" | "server" | "error"; error?: string };

/** `https://cp.example.com` + ids → `wss://cp.example.com/api/hosts/tunnel?tunnel=…&ticket=…`. */
export function tunnelUrl(server: string, tunnelId: string, ticket: string): string {
  const url = new URL(server);
  url.protocol = url.protocol === "http:" || url.protocol === "ws:" ? "ws:" : "wss:";
  url.pathname = url.pathname.replace(/\/+$/, "") + "/api/hosts/tunnel";
  url.search = new URLSearchParams({ tunnel: tunnelId, ticket }).toString();
  url.hash = "";
  return url.toString();
}

/**
 * Serves one viewer: dials a fresh tunnel WebSocket to the control plane and
 * a TCP connection to the VNC server at once, authenticates to the server
 * here (the password never leaves this machine), greets the viewer with
 * security None and splices. Tunnel bytes towards the viewer are coalesced.
 * A failure reaches the viewer as the tunnel's close code and reason.
 */
export async function openTunnel(message: TunnelOpenMessage, options: TunnelOptions): Promise<TunnelResult> {
  const log = options.log ?? (() => undefined);
  // A client must mask every byte it sends (RFC 6455), here the whole screen stream: ws does it
  // natively when the optional bufferutil is installed (the relay bench's host used ~30% less CPU).
  const ws = new WebSocket(tunnelUrl(options.server, message.tunnelId, message.ticket), {
    headers: { authorization: `Bearer ${options.token}` },
    perMessageDeflate: false,
  });
  ws.binaryType = "arraybuffer";
  // Collect the viewer's bytes from the first moment: nothing may be lost before the bridge reads them.
  let pushViewer: ((b: Uint8Array) => void) | null = null;
  const early: Uint8Array[] = [];
  const viewerClosed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const b of early.splice(0)) controller.enqueue(b);
      pushViewer = (b) => {
        try {
          controller.enqueue(b);
        } catch {
          // the bridge is over; late bytes have nowhere to go
        }
      };
      void viewerClosed.then(() => {
        try {
          controller.close();
        } catch {
          // already closed
        }
      });
    },
  });
  ws.on("message", (data: ArrayBuffer) => {
    const bytes = new Uint8Array(data);
    if (pushViewer) pushViewer(bytes);
    else early.push(bytes);
  });

  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => reject(new Error(`the control plane refused the tunnel: HTTP ${res.statusCode}`)));
    ws.once("error", reject);
    ws.once("close", (code, reason) => reject(new Error(`the tunnel closed before opening (${code} ${reason.toString()})`)));
  });
  const upstreamReady = (async () => openUpstream(await dialVnc(options.vnc), handshakeOptions(options.vnc)))();
  // Settle both before acting, so neither rejection is left unhandled.
  const [tunnel, upstream] = await Promise.allSettled([opened, upstreamReady]);
  if (tunnel.status === "rejected") {
    if (upstream.status === "fulfilled") await upstream.value.close();
    ws.terminate();
    const error = tunnel.reason instanceof Error ? tunnel.reason.message : String(tunnel.reason);
    log("tunnel not opened", { tunnel: message.tunnelId, error });
    return { frames: 0, bytes: 0, closedBy: "error", error };
  }
  if (upstream.status === "rejected") {
    const reason = upstream.reason instanceof RfbError ? upstream.reason.message : `the host could not reach the VNC server: ${String(upstream.reason)}`;
    log("VNC server unavailable for a viewer", { tunnel: message.tunnelId, error: reason });
    ws.close(CloseCode.vncFailed, truncate(reason));
    return { frames: 0, bytes: 0, closedBy: "error", error: reason };
  }

  const coalescer = new Coalescer((frame, done) => {
    if (ws.readyState !== WebSocket.OPEN) return done();
    ws.send(frame, { binary: true }, () => done());
  }, options.coalesce);
  const highWater = options.highWaterBytes ?? 4 * 1024 * 1024;
  let closedBy: TunnelResult["closedBy"] = "viewer";
  try {
    await bridge(upstream.value, {
      readable,
      send: async (bytes) => {
        coalescer.push(bytes);
        if (coalescer.queuedBytes > highWater) await coalescer.drained(highWater / 2);
      },
    });
    if (ws.readyState === WebSocket.OPEN) closedBy = "server";
  } catch (error) {
    closedBy = "error";
    const reason = error instanceof Error ? error.message : String(error);
    log("tunnel ended with an error", { tunnel: message.tunnelId, error: reason });
    if (ws.readyState === WebSocket.OPEN) ws.close(CloseCode.vncFailed, truncate(reason));
    return { frames: coalescer.frames, bytes: coalescer.bytes, closedBy, error: reason };
  } finally {
    await coalescer.drained();
    coalescer.close();
  }
  if (ws.readyState === WebSocket.OPEN) ws.close(closedBy === "server" ? CloseCode.peerGone : CloseCode.normal, closedBy === "server" ? "the VNC server closed the connection" : "");
  return { frames: coalescer.frames, bytes: coalescer.bytes, closedBy };
}

function truncate(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  return bytes.length <= 123 ? reason : new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, "") + "…";
}
