import type { VncSecurityMethod } from "@deskfleet/protocol/vnc-security";

// Every failure of the RFB layer is an RfbError with a code a caller can branch
// on and a message a person can act on (what went wrong, what to do about it).
export type RfbErrorCode =
  | "unsupported-version" // server speaks something other than RFB 3.x
  | "server-refused" // server closed the handshake with a reason string
  | "password-required" // server wants a password and none was given
  | "username-required" // server wants a user name (Apple Remote Desktop, VeNCrypt Plain) and none was given
  | "auth-failed" // server rejected the credentials
  | "unsupported-security" // server offers only security types we do not implement (or may not use)
  | "tls-failed" // the TLS handshake of VeNCrypt failed
  | "certificate-untrusted" // the server's certificate is neither trusted nor pinned
  | "protocol" // malformed or unexpected bytes from the server
  | "connection-closed" // the transport ended
  | "timeout" // a bounded wait expired
  | "closed"; // the caller closed the client

/** What the server offered and what we chose, as far as the handshake got. */
export type SecurityReport = {
  offered: number[];
  /** VeNCrypt's subtypes, once the server listed them. */
  vencryptSubtypes?: number[];
  chosen?: VncSecurityMethod;
};

export class RfbError extends Error {
  readonly code: RfbErrorCode;
  /** Set when the failure came after the server listed its security types. */
  security?: SecurityReport;

  constructor(code: RfbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RfbError";
    this.code = code;
  }
}

export function isRfbError(value: unknown): value is RfbError {
  return value instanceof RfbError;
}
