// Every failure of the RFB layer is an RfbError with a code a caller can branch
// on and a message a person can act on (what went wrong, what to do about it).
export type RfbErrorCode =
  | "unsupported-version" // server speaks something other than RFB 3.x
  | "server-refused" // server closed the handshake with a reason string
  | "password-required" // server wants VNC Authentication and no password was given
  | "auth-failed" // server rejected the password
  | "unsupported-security" // server offers only security types we do not implement
  | "protocol" // malformed or unexpected bytes from the server
  | "connection-closed" // the transport ended
  | "timeout" // a bounded wait expired
  | "closed"; // the caller closed the client

export class RfbError extends Error {
  readonly code: RfbErrorCode;

  constructor(code: RfbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RfbError";
    this.code = code;
  }
}

export function isRfbError(value: unknown): value is RfbError {
  return value instanceof RfbError;
}
