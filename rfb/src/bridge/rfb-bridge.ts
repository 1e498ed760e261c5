import { ByteReader } from "../byte-reader.ts";
import { concatBytes } from "../bytes.ts";
import { encodePixelFormat } from "../pixel-format.ts";
import type { RfbSocket } from "../rfb-socket.ts";
import { RfbStream } from "../rfb-stream.ts";
import { RfbError } from "../rfb-error.ts";
import { performHandshake, SecurityType, type HandshakeOptions } from "../rfb-handshake.ts";
import { RequestAhead, type RequestAheadOptions } from "./request-ahead.ts";

// Bridges one viewer to a VNC server with the server's credentials kept on
// our side: we authenticate to the server ourselves, then greet the viewer as
// a server that asks for no authentication (security type None), hand it the
// real ServerInit and splice the two byte streams. Runs in Node (the host's
// tunnel) and in a Durable Object (VNC-only desktops): Web Streams only.

/** The viewer's side: its bytes in, a way to send bytes out. */
export type ViewerSide = {
  readable: ReadableStream<Uint8Array>;
  /** Resolves when the bytes are on their way (backpressure for the splice). */
  send(bytes: Uint8Array): void | Promise<void>;
};

export type UpstreamSession = {
  /** ServerInit exactly as a client expects it after ClientInit. */
  serverInit: Uint8Array;
  width: number;
  height: number;
  reader: ByteReader;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  close(): Promise<void>;
};

/** Authenticates to the VNC server (shared session, so other viewers and the agent stay connected). */
export async function openUpstream(socket: RfbSocket, options: HandshakeOptions & { timeoutMs?: number } = {}): Promise<UpstreamSession> {
  const stream = new RfbStream(socket);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const init = await Promise.race([
      performHandshake(stream, { ...options, shared: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RfbError("timeout", `the VNC server did not finish the handshake within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    // VeNCrypt may have moved the connection onto TLS: splice whatever it ended on.
    return { serverInit: encodeServerInit(init), width: init.width, height: init.height, reader: stream.reader, writer: stream.writer, close: () => stream.close() };
  } catch (error) {
    await stream.close();
    throw error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export function encodeServerInit(init: { width: number; height: number; pixelFormat: Parameters<typeof encodePixelFormat>[0]; name: string }): Uint8Array {
  const name = new TextEncoder().encode(init.name);
  const out = new Uint8Array(24 + name.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, init.width);
  view.setUint16(2, init.height);
  out.set(encodePixelFormat(init.pixelFormat), 4);
  view.setUint32(20, name.length);
  out.set(name, 24);
  return out;
}

/**
 * Plays the server's part of the RFB handshake towards the viewer, offering
 * only security type None, and sends the real ServerInit. Accepts viewers
 * speaking 3.3, 3.7 or 3.8.
 */
export async function greetViewer(viewer: ByteReader, send: (bytes: Uint8Array) => void | Promise<void>, serverInit: Uint8Array): Promise<"3.3" | "3.7" | "3.8"> {
  await send(new TextEncoder().encode("RFB 003.008\n"));
  const text = String.fromCharCode(...(await viewer.read(12)));
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(text);
  if (!m) throw new RfbError("protocol", `the viewer did not answer with an RFB version (got ${JSON.stringify(text)})`);
  const minor = Number(m[2]);
  const version = Number(m[1]) > 3 || minor >= 8 ? "3.8" : minor === 7 ? "3.7" : "3.3";
  if (version === "3.3") {
    await send(u32(SecurityType.None));
  } else {
    await send(Uint8Array.of(1, SecurityType.None));
    const choice = await viewer.u8();
    if (choice !== SecurityType.None) {
      const reason = new TextEncoder().encode("this relay offers only security type None; the credentials stay on the desktop's side");
      if (version === "3.8") await send(concatBytes([u32(1), u32(reason.length), reason]));
      throw new RfbError("unsupported-security", `the viewer chose security type ${choice}, not None`);
    }
    if (version === "3.8") await send(u32(0));
  }
  await viewer.u8(); // ClientInit: the upstream session is always shared, whatever the viewer asks
  await send(serverInit);
  return version;
}

/**
 * The whole bridge: upstream is authenticated already; greet the viewer, then
 * copy bytes both ways until either side ends. Resolves when it is over.
 * Asks the server ahead for the viewer's next update (request-ahead.ts) unless
 * `requestAhead` is false.
 */
export async function bridge(upstream: UpstreamSession, viewer: ViewerSide, options: { requestAhead?: RequestAheadOptions | false } = {}): Promise<void> {
  const viewerReader = new ByteReader(viewer.readable);
  const ahead =
    options.requestAhead === false ? null : new RequestAhead((request) => void upstream.writer.write(request).catch(() => undefined), options.requestAhead);
  try {
    await greetViewer(viewerReader, viewer.send, upstream.serverInit);
    const toServer = (async () => {
      for (;;) {
        const bytes = await viewerReader.readSome();
        if (bytes === null) return;
        const written = upstream.writer.write(bytes);
        ahead?.viewerBytes(bytes); // may queue a request of its own, after these bytes
        await written;
      }
    })();
    const toViewer = (async () => {
      for (;;) {
        const bytes = await upstream.reader.readSome();
        if (bytes === null) return;
        ahead?.serverBytes();
        await viewer.send(bytes);
      }
    })();
    // Either direction ending ends the session: a half-open RFB connection is useless.
    for (const p of [toServer, toViewer]) p.catch(() => undefined);
    await Promise.race([toServer, toViewer]);
  } finally {
    ahead?.close();
    await viewerReader.cancel().catch(() => undefined);
    await upstream.close();
  }
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}
