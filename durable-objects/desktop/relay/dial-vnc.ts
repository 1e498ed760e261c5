import { connect } from "cloudflare:sockets";
import type { RfbSocket } from "@deskfleet/rfb/rfb-client";
import { RfbError } from "@deskfleet/rfb/rfb-error";
import { open, type KeyMaterial } from "../../../domain/crypto/secret-box.ts";
import type { VncCredentials } from "../../../domain/crypto/vnc-url.ts";

export type VncTarget = { address: string; password?: string };

/** The stored address plus the decrypted password; the password stays inside this object. */
export async function vncTarget(keys: KeyMaterial, address: string, sealed: string | null): Promise<VncTarget> {
  if (!sealed) return { address };
  const credentials = JSON.parse(await open(keys, "vnc-credentials", sealed)) as VncCredentials;
  return credentials.password ? { address, password: credentials.password } : { address };
}

/**
 * Reaches a VNC server from the Durable Object: `vnc://host:port` over TCP
 * with `connect()`, `ws://` and `wss://` (websockify and the like) with an
 * outbound WebSocket. Both become the byte streams the RFB code speaks.
 */
export async function dialVnc(address: string): Promise<RfbSocket> {
  const url = new URL(address);
  if (url.protocol === "vnc:") {
    const port = url.port ? Number(url.port) : 5900;
    const socket = connect({ hostname: url.hostname.replace(/^\[|\]$/g, ""), port });
    try {
      await socket.opened;
    } catch (error) {
      throw new RfbError("connection-closed", `could not connect to the VNC server at ${url.hostname}:${port} (${String(error)}); check that it is running and reachable from Cloudflare`);
    }
    return { readable: socket.readable as ReadableStream<Uint8Array>, writable: socket.writable as WritableStream<Uint8Array>, close: () => socket.close().catch(() => undefined) };
  }
  if (url.protocol === "ws:" || url.protocol === "wss:") return dialWebSocket(url);
  throw new RfbError("protocol", `unsupported VNC address scheme ${url.protocol}; use vnc://, ws:// or wss://`);
}

async function dialWebSocket(url: URL): Promise<RfbSocket> {
  const httpUrl = new URL(url);
  httpUrl.protocol = url.protocol === "wss:" ? "https:" : "http:";
  const res = await fetch(httpUrl, { headers: { upgrade: "websocket", "sec-websocket-protocol": "binary" } });
  const ws = res.webSocket;
  if (!ws) throw new RfbError("connection-closed", `the VNC WebSocket at ${url.host} refused the upgrade (HTTP ${res.status})`);
  ws.accept();
  ws.binaryType = "arraybuffer";
  let closed = false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      ws.addEventListener("message", (ev) => {
        if (typeof ev.data === "string") return; // RFB is binary; a text frame is not ours
        controller.enqueue(new Uint8Array(ev.data as ArrayBuffer));
      });
      ws.addEventListener("close", () => {
        closed = true;
        try {
          controller.close();
        } catch {
          // already closed
        }
      });
      ws.addEventListener("error", () => {
        try {
          controller.error(new RfbError("connection-closed", `the VNC WebSocket at ${url.host} failed`));
        } catch {
          // already closed
        }
      });
    },
  });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      if (closed) throw new RfbError("connection-closed", "the VNC WebSocket is closed");
      ws.send(chunk);
    },
    close() {
      ws.close(1000, "done");
    },
  });
  return {
    readable,
    writable,
    close: () => {
      try {
        ws.close(1000, "done");
      } catch {
        // already closed
      }
    },
  };
}
