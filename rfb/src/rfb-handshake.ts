import type { ByteReader } from "./byte-reader.ts";
import { decodePixelFormat, type PixelFormat } from "./pixel-format.ts";
import { RfbError } from "./rfb-error.ts";
import { vncAuthResponse } from "./vnc-auth.ts";

// The RFB handshake (RFC 6143 §7.1–7.3): ProtocolVersion, security, ClientInit,
// ServerInit. Everything that differs between 3.3, 3.7 and 3.8 lives here.

export type ProtocolVersion = "3.3" | "3.7" | "3.8";

export const SecurityType = { None: 1, VncAuth: 2 } as const;

export type HandshakeOptions = {
  /** Needed when the server offers only VNC Authentication. */
  password?: string;
  /** ClientInit shared flag: true keeps other viewers connected. Default true. */
  shared?: boolean;
  /** Highest version to speak; lower it to test older servers' paths. Default "3.8". */
  maxVersion?: ProtocolVersion;
};

export type ServerInit = {
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  name: string;
};

export type HandshakeResult = ServerInit & {
  serverVersion: string;
  version: ProtocolVersion;
  securityType: number;
};

type Write = (bytes: Uint8Array) => Promise<void>;

const SECURITY_NAMES: Record<number, string> = {
  0: "Invalid",
  1: "None",
  2: "VNC Authentication",
  5: "RA2",
  6: "RA2ne",
  16: "Tight",
  18: "TLS",
  19: "VeNCrypt",
  20: "SASL",
  22: "XVP",
  30: "Apple Diffie-Hellman (ARD)",
  113: "MSLogonII",
};

export function securityTypeName(type: number): string {
  return SECURITY_NAMES[type] ?? `type ${type}`;
}

export async function performHandshake(reader: ByteReader, write: Write, options: HandshakeOptions = {}): Promise<HandshakeResult> {
  const serverVersion = ascii(await reader.read(12));
  const version = chooseVersion(serverVersion, options.maxVersion ?? "3.8");
  await write(new TextEncoder().encode(`RFB 00${version[0]}.00${version[2]}\n`));

  const securityType = version === "3.3" ? await readSecurity33(reader) : await negotiateSecurity(reader, write, options);
  if (securityType === SecurityType.VncAuth) {
    if (version === "3.3" && options.password === undefined) throw passwordRequired();
    const challenge = await reader.read(16);
    await write(vncAuthResponse(options.password ?? "", challenge));
  }
  // 3.8 always sends a SecurityResult; older versions only after authentication.
  if (version === "3.8" || securityType === SecurityType.VncAuth) await readSecurityResult(reader, version, securityType);

  await write(Uint8Array.of(options.shared === false ? 0 : 1));
  return { serverVersion: serverVersion.trim(), version, securityType, ...(await readServerInit(reader)) };
}

function chooseVersion(serverVersion: string, maxVersion: ProtocolVersion): ProtocolVersion {
  const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(serverVersion);
  if (!match) {
    throw new RfbError(
      "unsupported-version",
      `The server did not greet with an RFB version (got ${JSON.stringify(serverVersion)}); check that the host and port point at a VNC server.`,
    );
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major < 3) throw new RfbError("unsupported-version", `The VNC server speaks RFB ${major}.${minor}, older than 3.3; upgrade the server.`);
  // Later majors (RealVNC 4.x, 5.x) and Apple's 3.889 all accept 3.8; 3.4–3.6 are 3.3 variants.
  const offered: ProtocolVersion = major > 3 || minor >= 8 ? "3.8" : minor === 7 ? "3.7" : "3.3";
  return Number(offered.slice(2)) < Number(maxVersion.slice(2)) ? offered : maxVersion;
}

async function readSecurity33(reader: ByteReader): Promise<number> {
  const type = await reader.u32();
  if (type === 0) throw await refused(reader);
  if (type !== SecurityType.None && type !== SecurityType.VncAuth) throw unsupportedSecurity([type]);
  return type;
}

async function negotiateSecurity(reader: ByteReader, write: Write, options: HandshakeOptions): Promise<number> {
  const count = await reader.u8();
  if (count === 0) throw await refused(reader);
  const offered = [...(await reader.read(count))];
  const type = pickSecurity(offered, options.password !== undefined);
  await write(Uint8Array.of(type));
  return type;
}

/** VNC Authentication when we hold a password for it, else None, else a clear error. */
export function pickSecurity(offered: readonly number[], havePassword: boolean): number {
  if (havePassword && offered.includes(SecurityType.VncAuth)) return SecurityType.VncAuth;
  if (offered.includes(SecurityType.None)) return SecurityType.None;
  if (offered.includes(SecurityType.VncAuth)) throw passwordRequired();
  throw unsupportedSecurity(offered);
}

async function readSecurityResult(reader: ByteReader, version: ProtocolVersion, securityType: number): Promise<void> {
  const result = await reader.u32();
  if (result === 0) return;
  const reason = version === "3.8" ? await readString(reader) : "";
  if (securityType !== SecurityType.VncAuth) {
    throw new RfbError("server-refused", `The VNC server refused the connection${reason ? `: ${reason}` : ""}.`);
  }
  throw new RfbError(
    "auth-failed",
    `The VNC server rejected the password${reason ? ` (${reason})` : ""}; check the desktop's VNC password` +
      " (only its first 8 characters count) and that the server is not blocking repeated attempts.",
  );
}

async function readServerInit(reader: ByteReader): Promise<ServerInit> {
  const width = await reader.u16();
  const height = await reader.u16();
  const pixelFormat = decodePixelFormat(await reader.read(16));
  const name = await readString(reader);
  return { width, height, pixelFormat, name };
}

async function refused(reader: ByteReader): Promise<RfbError> {
  const reason = await readString(reader);
  return new RfbError("server-refused", `The VNC server refused the connection: ${reason || "no reason given"}.`);
}

async function readString(reader: ByteReader): Promise<string> {
  const length = await reader.u32();
  if (length > 1 << 20) throw new RfbError("protocol", `The VNC server sent a ${length}-byte string during the handshake; that is not a VNC server.`);
  // Names are usually UTF-8 in practice; a lenient decode never throws on Latin-1.
  return new TextDecoder().decode(await reader.read(length));
}

function passwordRequired(): RfbError {
  return new RfbError(
    "password-required",
    "The VNC server requires VNC Authentication but no password was configured; set the desktop's VNC password.",
  );
}

function unsupportedSecurity(offered: readonly number[]): RfbError {
  const names = offered.map(securityTypeName).join(", ");
  return new RfbError(
    "unsupported-security",
    `The VNC server offers only ${names}; Deskfleet supports None and VNC Authentication. ` +
      "Enable plain VNC password authentication on the server (e.g. macOS: 'VNC viewers may control screen with password').",
  );
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
