import { isIP, connect, type Socket } from "node:net";
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from "node:tls";
import type { RfbSocket, TlsMode } from "./rfb-socket.ts";
import { RfbError } from "./rfb-error.ts";

// Node-only adapters between net.Socket and the Web Streams the RFB client
// speaks, so the same client code also runs over a Workers `connect()` socket.
// A TCP connection can continue over TLS when VeNCrypt asks for it.

/** How to trust a VNC server's certificate (VeNCrypt X509*): the system's CAs unless told otherwise. */
export type TlsTrust = {
  /** PEM of the CA (or CAs) that signed the server's certificate, instead of the system's. */
  ca?: string | undefined;
  /** The SHA-256 fingerprint of the server's own certificate; when set, that certificate and no other is accepted. */
  fingerprint?: string | undefined;
};

/** Opens a TCP connection to a VNC server. */
export function connectTcp(host: string, port: number, options: { timeoutMs?: number; tls?: TlsTrust } = {}): Promise<RfbSocket> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (message: string, cause?: unknown) => {
      socket.destroy();
      reject(new RfbError("connection-closed", message, { cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(`Connecting to the VNC server at ${host}:${port} timed out after ${timeoutMs} ms.`));
    socket.once("error", (error) =>
      fail(`Could not connect to the VNC server at ${host}:${port} (${error.message}); check that it is running and listening there.`, error),
    );
    socket.once("connect", () => {
      socket.setTimeout(0);
      socket.removeAllListeners("error");
      socket.setNoDelay(true); // input events are tiny and latency-sensitive
      const streams = attachStreams(socket);
      resolve({
        ...streams.socket,
        tls: {
          anonymous: true,
          start: (mode) => {
            streams.detach();
            return startTls(socket, host, mode, options.tls ?? {}, timeoutMs);
          },
        },
      });
    });
  });
}

/** Wraps an already-open TCP connection (e.g. one accepted by a server or a tunnel). */
export function socketStreams(socket: Socket): RfbSocket {
  return attachStreams(socket).socket;
}

const HIGH_WATER = 16; // chunks
type Listener = Parameters<Socket["off"]>[1];

/** The streams over a socket, and a way to take the socket back from them (for TLS). */
function attachStreams(socket: Socket): { socket: RfbSocket; detach: () => void } {
  const listeners: [string, Listener][] = [];
  const on = (event: string, listener: Listener, once = false) => {
    listeners.push([event, listener]);
    if (once) socket.once(event, listener);
    else socket.on(event, listener);
  };
  let detached = false;
  let queued = () => false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      queued = () => (controller.desiredSize ?? HIGH_WATER) < HIGH_WATER;
      on("data", (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        // Backpressure: stop reading from the kernel until the consumer catches up.
        if ((controller.desiredSize ?? 1) <= 0) socket.pause();
      });
      on("end", () => closeQuietly(() => controller.close()), true);
      on("error", (error: Error) => closeQuietly(() => controller.error(error)), true);
      on("close", () => closeQuietly(() => controller.close()), true);
    },
    pull() {
      if (!detached) socket.resume();
    },
    cancel() {
      if (!detached) socket.destroy();
    },
  }, { highWaterMark: HIGH_WATER });

  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => socket.write(chunk, (error) => (error ? reject(error) : resolve())));
    },
    close() {
      return new Promise<void>((resolve) => socket.end(resolve));
    },
    abort() {
      if (!detached) socket.destroy();
    },
  });

  const detach = () => {
    // Bytes that arrived before the TLS handshake must never be read as if they came through it.
    if (queued()) throw new RfbError("protocol", "The VNC server sent bytes before the TLS handshake; refusing them, as they could have been injected on the way.");
    detached = true;
    for (const [event, listener] of listeners) socket.off(event, listener);
  };
  return { socket: { readable, writable, close: () => void socket.destroy() }, detach };
}

/** OpenSSL's anonymous suites (TLS 1.2 only), never the ones without encryption; VeNCrypt's TLS* subtypes use them. */
const ANONYMOUS_CIPHERS = "aNULL:!eNULL:@SECLEVEL=0";

function startTls(socket: Socket, host: string, mode: TlsMode, trust: TlsTrust, timeoutMs: number): Promise<RfbSocket> {
  const options: ConnectionOptions =
    mode === "anonymous"
      ? { socket, ciphers: ANONYMOUS_CIPHERS, minVersion: "TLSv1.2", maxVersion: "TLSv1.2", rejectUnauthorized: false }
      : {
          socket,
          host,
          // SNI carries names only; an address is checked against the certificate's IP entries.
          ...(isIP(host) ? {} : { servername: host }),
          ...(trust.ca ? { ca: trust.ca } : {}),
          minVersion: "TLSv1.2",
          // Checked below instead, so that a refusal can name the certificate's fingerprint.
          rejectUnauthorized: false,
        };
  return new Promise((resolve, reject) => {
    const secure = connectTls(options);
    const fail = (error: RfbError) => {
      clearTimeout(timer);
      secure.destroy();
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new RfbError("timeout", `The TLS handshake with the VNC server did not finish within ${timeoutMs} ms.`)), timeoutMs);
    secure.once("error", (error) =>
      fail(new RfbError("tls-failed", `The TLS handshake with the VNC server failed (${error.message})${mode === "anonymous" ? "; the server may not allow anonymous TLS" : ""}.`, { cause: error })),
    );
    secure.once("secureConnect", () => {
      const problem = mode === "x509" ? verifyCertificate(secure, host, trust) : null;
      if (problem) return fail(problem);
      clearTimeout(timer);
      secure.removeAllListeners("error");
      secure.setNoDelay(true);
      resolve(socketStreams(secure));
    });
  });
}

/** Null when the certificate is the pinned one, or chains to a trusted CA and names the host; else why not. */
function verifyCertificate(secure: TLSSocket, host: string, trust: TlsTrust): RfbError | null {
  const certificate = secure.getPeerCertificate();
  if (!certificate || !certificate.raw) return new RfbError("certificate-untrusted", "The VNC server sent no TLS certificate although it offered an X509 method.");
  const fingerprint = certificate.fingerprint256;
  if (trust.fingerprint !== undefined && normalizeFingerprint(trust.fingerprint) !== normalizeFingerprint(fingerprint)) {
    return new RfbError(
      "certificate-untrusted",
      `The VNC server's TLS certificate (SHA-256 ${fingerprint}) is not the pinned one (${trust.fingerprint}). ` +
        "If the server's certificate was replaced on purpose, pin the new fingerprint; otherwise something between here and the server is impersonating it.",
    );
  }
  if (trust.fingerprint !== undefined && trust.ca === undefined) return null;
  if (secure.authorized) return null;
  const reason = describeVerifyError(String(secure.authorizationError), host);
  return new RfbError(
    "certificate-untrusted",
    `The VNC server's TLS certificate is not trusted: ${reason} (SHA-256 fingerprint ${fingerprint}). ` +
      `If it is your server's certificate, pin that fingerprint or trust the CA that signed it${trust.ca ? " (the configured CA file did not verify it)" : ""}.`,
  );
}

function describeVerifyError(code: string, host: string): string {
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /altname|hostname/i.test(code)) return `it is not issued for ${host}`;
  if (code === "DEPTH_ZERO_SELF_SIGNED_CERT") return "it is self-signed";
  if (code === "SELF_SIGNED_CERT_IN_CHAIN" || code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" || code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" || code === "UNABLE_TO_GET_ISSUER_CERT") {
    return "it is signed by a CA this host does not trust";
  }
  if (code === "CERT_HAS_EXPIRED") return "it has expired";
  if (code === "CERT_NOT_YET_VALID") return "it is not valid yet";
  return code;
}

/** `sha256:ab:cd…`, `AB:CD…` and `abcd…` are the same fingerprint. */
export function normalizeFingerprint(text: string): string {
  return text.replace(/^sha-?256:/i, "").replace(/[:\s]/g, "").toLowerCase();
}

function closeQuietly(action: () => void): void {
  try {
    action();
  } catch {
    // Already closed or errored: the first outcome wins.
  }
}
