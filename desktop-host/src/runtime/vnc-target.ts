import type { VncSecurityMethod } from "@deskfleet/protocol";
import type { HandshakeOptions } from "@deskfleet/rfb/rfb-handshake";
import type { RfbSocket } from "@deskfleet/rfb/rfb-client";
import { connectTcp, type TlsTrust } from "@deskfleet/rfb/node-socket";

/** The VNC server this host drives, and everything needed to authenticate to it. */
export type VncTarget = {
  host: string;
  port: number;
  password?: string | undefined;
  /** For Apple Remote Desktop (macOS Screen Sharing) and VeNCrypt Plain. */
  username?: string | undefined;
  /** Security methods allowed, most preferred first; all when absent. */
  security?: readonly VncSecurityMethod[] | undefined;
  /** How to trust the server's certificate for VeNCrypt X509*: a CA or a pinned fingerprint; the system's CAs when absent. */
  tls?: TlsTrust | undefined;
};

/** A TCP connection to the server, able to continue over TLS with the target's trust settings. */
export function dialVnc(target: VncTarget, timeoutMs = 10_000): Promise<RfbSocket> {
  return connectTcp(target.host, target.port, { timeoutMs, ...(target.tls ? { tls: target.tls } : {}) });
}

/** The handshake's credentials and allowed methods, from the target. */
export function handshakeOptions(target: VncTarget): HandshakeOptions {
  return {
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.security !== undefined ? { security: target.security } : {}),
  };
}

/** `host:port`, with brackets around an IPv6 address. */
export function vncAddress(target: { host: string; port: number }): string {
  return `${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;
}
