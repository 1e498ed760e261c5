/** A byte pipe to a VNC server: a TCP socket in Node, `connect()` in a Worker, or a test double. */
export type RfbSocket = {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  close?: () => void | Promise<void>;
  /** Continuing this connection over TLS, for VeNCrypt; absent where the transport cannot (a WebSocket, a recording). */
  tls?: TlsCapability;
};

/** Anonymous TLS (VeNCrypt's TLS* subtypes) or a certificate checked as the transport's trust settings say (X509*). */
export type TlsMode = "anonymous" | "x509";

export type TlsCapability = {
  /** Whether `start("anonymous")` works: Node's OpenSSL can, Workers' `startTls()` cannot. */
  anonymous: boolean;
  /**
   * Runs the TLS handshake on this connection and resolves with the encrypted
   * pipe that replaces it; called with this socket's streams unlocked and unread.
   * Rejects with an RfbError (`tls-failed`, `certificate-untrusted`).
   */
  start(mode: TlsMode): Promise<RfbSocket>;
};
