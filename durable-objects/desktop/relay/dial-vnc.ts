import { connect } from "cloudflare:sockets";
import { VNC_SECURITY_PARAM } from "@deskfleet/protocol";
import type { RfbSocket, TlsMode } from "@deskfleet/rfb/rfb-client";
type Socket = ReturnType<typeof connect>;
import { RfbError } from "@deskfleet/rfb/rfb-error";
import { connectFailure } from "@deskfleet/rfb/vnc-errors";

/**
 * Reaches a VNC server from the Durable Object: `vnc://host:port` over TCP
 * with `connect()` (able to continue over TLS for VeNCrypt's X509 methods),
 * `ws://` and `wss://` (websockify and the like) with an outbound WebSocket.
 * Both become the byte streams the RFB code speaks.
 */
export async function dialVnc(address: string): Promise<RfbSocket> {
  const url = new URL(address);
  url.searchParams.delete(VNC_SECURITY_PARAM); // ours, not the server's
  if (url.protocol === "vnc:") {
    const port = url.port ? Number(url.port) : 5900;
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    const socket = connect({ hostname, port }, { secureTransport: "starttls", allowHalfOpen: false });
    try {
      await socket.opened;
    } catch (error) {
      console.error(`VNC: connecting to ${url.hostname}:${port} failed:`, String(error));
      throw new RfbError("connection-closed", `could not connect to the desktop's VNC server (${connectFailure(error)}); check that it is running and reachable from Cloudflare`);
    }
    return {
      ...socketStreams(socket),
      tls: { anonymous: false, start: (mode) => startTls(socket, hostname, mode) },
    };
  }
  if (url.protocol === "ws:" || url.protocol === "wss:") return dialWebSocket(url);
  throw new RfbError("protocol", `unsupported VNC address scheme ${url.protocol}; use vnc://, ws:// or wss://`);
}

function socketStreams(socket: Socket): RfbSocket {
  return { readable: socket.readable as ReadableStream<Uint8Array>, writable: socket.writable as WritableStream<Uint8Array>, close: () => socket.close().catch(() => undefined) };
}

/**
 * VeNCrypt's X509 methods over Workers' own TLS: the certificate is checked
 * as for any HTTPS fetch (a public CA, issued for this host name). There is
 * no anonymous TLS, custom CA or pinning here; a desktop that needs them
 * connects through deskfleet-host.
 */
async function startTls(socket: Socket, hostname: string, mode: TlsMode): Promise<RfbSocket> {
  if (mode === "anonymous") throw new RfbError("unsupported-security", "Cloudflare's TLS cannot do the anonymous TLS of VeNCrypt's TLS* methods; use an X509 method or connect the desktop through deskfleet-host");
  const secure = socket.startTls({ expectedServerHostname: hostname });
  try {
    await secure.opened;
  } catch (error) {
    await secure.close().catch(() => undefined);
    throw new RfbError(
      "certificate-untrusted",
      `the TLS handshake with the VNC server at ${hostname} failed (${String(error)}); from Cloudflare its certificate must be issued by a public CA for ${hostname}. ` +
        "For a self-signed certificate, pin it on a deskfleet-host in front of the desktop, or allow another method with ?security= in the VNC URL",
    );
  }
  return socketStreams(secure);
}

async function dialWebSocket(url: URL): Promise<RfbSocket> {
  const httpUrl = new URL(url);
  httpUrl.protocol = url.protocol === "wss:" ? "https:" : "http:";
  const res = await fetch(httpUrl, { headers: { upgrade: "websocket", "sec-websocket-protocol": "binary" } });
  const ws = res.webSocket;
  if (!ws) {
    console.error(`VNC: the WebSocket at ${url.host} refused the upgrade (HTTP ${res.status})`);
    throw new RfbError("connection-closed", `the desktop's VNC WebSocket refused the upgrade (HTTP ${res.status})`);
  }
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
          controller.error(new RfbError("connection-closed", "the desktop's VNC WebSocket failed"));
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
