import { ByteReader } from "./byte-reader.ts";
import { RfbError } from "./rfb-error.ts";
import type { RfbSocket, TlsMode } from "./rfb-socket.ts";

/**
 * The connection as the handshake sees it: exact reads, writes, and the one
 * switch VeNCrypt makes mid-handshake from plain TCP to TLS over the same
 * connection. After the handshake, the client and the bridge read and write
 * through whatever pipe it ended on.
 */
export class RfbStream {
  #socket: RfbSocket;
  #reader: ByteReader;
  #writer: WritableStreamDefaultWriter<Uint8Array>;

  constructor(socket: RfbSocket) {
    this.#socket = socket;
    this.#reader = new ByteReader(socket.readable);
    this.#writer = socket.writable.getWriter();
  }

  get reader(): ByteReader {
    return this.#reader;
  }

  get writer(): WritableStreamDefaultWriter<Uint8Array> {
    return this.#writer;
  }

  get socket(): RfbSocket {
    return this.#socket;
  }

  /** Whether this connection can continue over TLS, and anonymous TLS in particular. */
  get tls(): { anonymous: boolean } | null {
    return this.#socket.tls ? { anonymous: this.#socket.tls.anonymous } : null;
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.#writer.write(bytes);
  }

  /** Hands the connection to TLS; from then on every read and write is encrypted. */
  async startTls(mode: TlsMode): Promise<void> {
    const tls = this.#socket.tls;
    if (!tls) throw new RfbError("unsupported-security", "This connection to the VNC server cannot start TLS.");
    if (mode === "anonymous" && !tls.anonymous) throw new RfbError("unsupported-security", "This connection to the VNC server cannot use anonymous TLS.");
    this.#reader.releaseLock();
    this.#writer.releaseLock();
    const upgraded = await tls.start(mode);
    this.#socket = upgraded;
    this.#reader = new ByteReader(upgraded.readable);
    this.#writer = upgraded.writable.getWriter();
  }

  /** Ends the connection, whichever pipe it is on. */
  async close(reason?: unknown): Promise<void> {
    await this.#reader.cancel(reason);
    await this.#writer.abort(reason).catch(() => undefined);
    await this.#socket.close?.();
  }
}
