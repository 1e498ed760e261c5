import type { VncSecurityMethod } from "@deskfleet/protocol/vnc-security";
import { appleRemoteDesktopAuth, type RandomBytes } from "./apple-remote-desktop.ts";
import type { ByteReader } from "./byte-reader.ts";
import { decodePixelFormat, type PixelFormat } from "./pixel-format.ts";
import { RfbError, type SecurityReport } from "./rfb-error.ts";
import type { RfbStream } from "./rfb-stream.ts";
import { chooseSecurityType, type ChoiceContext } from "./security-choice.ts";
import { METHODS, SecurityType, securityTypeName } from "./security-types.ts";
import { negotiateVencrypt } from "./vencrypt.ts";
import { vncAuthResponse } from "./vnc-auth.ts";

// The RFB handshake (RFC 6143 §7.1–7.3): ProtocolVersion, security, ClientInit,
// ServerInit. Everything that differs between 3.3, 3.7 and 3.8 lives here;
// the security types beyond None and VNC Authentication in their own modules.

export type ProtocolVersion = "3.3" | "3.7" | "3.8";

export { SecurityType, securityTypeName } from "./security-types.ts";

export type HandshakeOptions = {
  /** For VNC Authentication, Apple Remote Desktop and VeNCrypt's Vnc and Plain subtypes. */
  password?: string | undefined;
  /** For Apple Remote Desktop (macOS) and VeNCrypt's Plain subtypes. */
  username?: string | undefined;
  /** The methods to use, most preferred first. Default: all of them (VNC_SECURITY_METHODS). */
  security?: readonly VncSecurityMethod[] | undefined;
  /** ClientInit shared flag: true keeps other viewers connected. Default true. */
  shared?: boolean;
  /** Highest version to speak; lower it to test older servers' paths. Default "3.8". */
  maxVersion?: ProtocolVersion;
  /** Where Apple Remote Desktop's key and filler come from; tests fix it to replay a recording. */
  randomBytes?: RandomBytes;
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
  /** What the server offered and which method was used. */
  security: SecurityReport & { chosen: VncSecurityMethod };
};

export async function performHandshake(stream: RfbStream, options: HandshakeOptions = {}): Promise<HandshakeResult> {
  const reader = stream.reader;
  const serverVersion = ascii(await reader.read(12));
  const version = chooseVersion(serverVersion, options.maxVersion ?? "3.8");
  await stream.write(new TextEncoder().encode(`RFB 00${version[0]}.00${version[2]}\n`));

  const ctx: ChoiceContext = { credentials: { username: options.username, password: options.password }, tls: stream.tls, allowed: options.security };
  const report: SecurityReport = { offered: [] };
  try {
    const securityType = version === "3.3" ? await readSecurity33(reader, ctx, report) : await negotiateSecurity(stream, ctx, report);
    report.chosen ??= methodOfType(securityType);
    await authenticate(stream, securityType, version, ctx, report, options.randomBytes);
    const chosen = report.chosen;
    if (chosen === undefined) throw new RfbError("protocol", `Security type ${securityType} finished without a method; this is a bug in Deskfleet's RFB client.`);
    // 3.8 always sends a SecurityResult; 3.7 and 3.3 only after an authentication.
    if (version === "3.8" || securityType !== SecurityType.None) await readSecurityResult(stream.reader, version, chosen);
    await stream.write(Uint8Array.of(options.shared === false ? 0 : 1));
    const init = await readServerInit(stream.reader);
    return { serverVersion: serverVersion.trim(), version, securityType, security: { ...report, chosen }, ...init };
  } catch (error) {
    if (error instanceof RfbError && report.offered.length > 0) error.security ??= report;
    throw error;
  }
}

async function authenticate(stream: RfbStream, type: number, version: ProtocolVersion, ctx: ChoiceContext, report: SecurityReport, random: RandomBytes | undefined): Promise<void> {
  const { username, password } = ctx.credentials;
  if (type === SecurityType.VncAuth) {
    const challenge = await stream.reader.read(16);
    await stream.write(vncAuthResponse(password ?? "", challenge));
  } else if (type === SecurityType.AppleRemoteDesktop) {
    await appleRemoteDesktopAuth(stream, { username: username ?? "", password: password ?? "" }, random);
  } else if (type === SecurityType.VeNCrypt) {
    await negotiateVencrypt(stream, ctx, report);
  }
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

async function readSecurity33(reader: ByteReader, ctx: ChoiceContext, report: SecurityReport): Promise<number> {
  const type = await reader.u32();
  if (type === 0) throw await refused(reader);
  report.offered = [type];
  if (type !== SecurityType.None && type !== SecurityType.VncAuth) {
    throw new RfbError("unsupported-security", `The VNC server chose ${securityTypeName(type)} for RFB 3.3, where only None and VNC Authentication exist; that is not a VNC server Deskfleet can speak to.`);
  }
  // The server decides in 3.3: go along only with what we would have chosen from a list of that one type.
  chooseSecurityType([type], ctx);
  return type;
}

async function negotiateSecurity(stream: RfbStream, ctx: ChoiceContext, report: SecurityReport): Promise<number> {
  const count = await stream.reader.u8();
  if (count === 0) throw await refused(stream.reader);
  report.offered = [...(await stream.reader.read(count))];
  const type = chooseSecurityType(report.offered, ctx);
  await stream.write(Uint8Array.of(type));
  return type;
}

/** The method of a type without subtypes (None, VNC Authentication, Apple Remote Desktop); VeNCrypt names its subtype later. */
function methodOfType(type: number): VncSecurityMethod | undefined {
  if (type === SecurityType.None) return "None";
  if (type === SecurityType.VncAuth) return "VncAuth";
  if (type === SecurityType.AppleRemoteDesktop) return "ARD";
  return undefined;
}

async function readSecurityResult(reader: ByteReader, version: ProtocolVersion, method: VncSecurityMethod): Promise<void> {
  const result = await reader.u32();
  if (result === 0) return;
  const reason = version === "3.8" ? await readString(reader) : "";
  const credentials = METHODS[method].credentials;
  if (credentials === "none") {
    throw new RfbError("server-refused", `The VNC server refused the connection${reason ? `: ${reason}` : ""}.`);
  }
  if (credentials === "vnc") {
    throw new RfbError(
      "auth-failed",
      `The VNC server rejected the password${reason ? ` (${reason})` : ""}; check the desktop's VNC password` +
        " (only its first 8 characters count) and that the server is not blocking repeated attempts.",
    );
  }
  throw new RfbError(
    "auth-failed",
    `The VNC server rejected the user name or password${reason ? ` (${reason})` : ""}; check the desktop's VNC user name and password` +
      (credentials === "ard" ? " (an account on that Mac allowed to use Screen Sharing)." : "."),
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

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
