import { RfbError } from "./rfb-error.ts";
import {
  METHODS,
  methodName,
  offeredSummary,
  SecurityType,
  supportedSummary,
  VNC_SECURITY_METHODS,
  type VncSecurityMethod,
} from "./security-types.ts";

// Which security type (and VeNCrypt subtype) to answer a server's list with:
// the first method in our order of preference that the server offers, the
// transport can carry and the credentials we hold can satisfy. When there is
// none, the error says why in terms a person can act on.

export type Credentials = { username?: string | undefined; password?: string | undefined };

export type ChoiceContext = {
  credentials: Credentials;
  /** What the connection can do about TLS; null when it cannot start TLS at all. */
  tls: { anonymous: boolean } | null;
  /** Methods allowed, most preferred first. Default: every method, in VNC_SECURITY_METHODS order. */
  allowed?: readonly VncSecurityMethod[] | undefined;
};

type Obstacle = "tls" | "anonymous-tls" | "password" | "username" | null;

/** Why a method cannot be used here, or null when it can. */
function obstacle(method: VncSecurityMethod, ctx: ChoiceContext): Obstacle {
  const info = METHODS[method];
  if (info.tls && !ctx.tls) return "tls";
  if (info.tls === "anonymous" && !ctx.tls?.anonymous) return "anonymous-tls";
  const { username, password } = ctx.credentials;
  if ((info.credentials === "plain" || info.credentials === "ard") && !username) return "username";
  if (info.credentials !== "none" && password === undefined) return "password";
  return null;
}

function allowedOf(ctx: ChoiceContext): readonly VncSecurityMethod[] {
  return ctx.allowed ?? VNC_SECURITY_METHODS;
}

/** The top-level security type to choose from the server's list. */
export function chooseSecurityType(offered: readonly number[], ctx: ChoiceContext): number {
  const allowed = allowedOf(ctx);
  const usable = allowed.find((m) => offered.includes(METHODS[m].type) && obstacle(m, ctx) === null);
  if (usable) return METHODS[usable].type;
  const wanted = allowed.filter((m) => offered.includes(METHODS[m].type));
  throw wanted.length === 0 ? nothingInCommon(offeredSummary(offered), allowed, ctx) : blocked(wanted, ctx, offeredSummary(offered));
}

/**
 * The number a method has among VeNCrypt's subtypes: its own for the TLS and
 * X509 methods, and the classic type for None and VNC Authentication, which
 * TigerVNC lists there too (used without TLS, as at the top level).
 */
export function vencryptSubtypeOf(method: VncSecurityMethod): number | undefined {
  const info = METHODS[method];
  return info.subtype ?? (method === "None" || method === "VncAuth" ? info.type : undefined);
}

/** The VeNCrypt subtype to choose, once the server listed them. */
export function chooseVencryptSubtype(subtypes: readonly number[], ctx: ChoiceContext): VncSecurityMethod {
  const allowed = allowedOf(ctx).filter((m) => vencryptSubtypeOf(m) !== undefined);
  const usable = allowed.find((m) => subtypes.includes(vencryptSubtypeOf(m)!) && obstacle(m, ctx) === null);
  if (usable) return usable;
  const wanted = allowed.filter((m) => subtypes.includes(vencryptSubtypeOf(m)!));
  const offered = offeredSummary([SecurityType.VeNCrypt], subtypes);
  throw wanted.length === 0 ? nothingInCommon(offered, allowed, ctx) : blocked(wanted, ctx, offered);
}

/** The server and we share no method at all: list both sides. */
function nothingInCommon(offered: string, allowed: readonly VncSecurityMethod[], ctx: ChoiceContext): RfbError {
  const restricted = ctx.allowed !== undefined;
  const ours = !restricted ? `Deskfleet supports ${supportedSummary()}` : allowed.length > 0 ? `this desktop allows only ${supportedSummary(allowed)}` : "this desktop's VNC security list allows no method";
  const fix = restricted
    ? "Allow one of the server's methods in the desktop's VNC security list, or enable one of ours on the server."
    : "Enable one of these on the server (macOS: Screen Sharing, which offers Apple Remote Desktop; TigerVNC: -SecurityTypes X509Vnc or VncAuth).";
  return new RfbError("unsupported-security", `The VNC server offers only ${offered}; ${ours}. ${fix}`);
}

/** The server offers methods we know, but each needs something we lack: name the first thing to fix. */
function blocked(wanted: readonly VncSecurityMethod[], ctx: ChoiceContext, offered: string): RfbError {
  // Missing credentials come first: the person can always supply them, not always change the transport.
  const first = wanted.find((m) => obstacle(m, ctx) === "username" || obstacle(m, ctx) === "password") ?? wanted[0]!;
  const why = obstacle(first, ctx);
  const names = supportedSummary(wanted.filter((m) => obstacle(m, ctx) === why));
  if (why === "tls" || why === "anonymous-tls") {
    const reason = why === "tls"
      ? "this connection cannot start TLS (a ws:// or wss:// address carries RFB inside a WebSocket; use vnc://host:port)"
      : "anonymous TLS (VeNCrypt's TLS* subtypes) is not available here: Cloudflare's TLS always checks a certificate, so give the server an X509 certificate, or connect the desktop through deskfleet-host";
    return new RfbError("unsupported-security", `The VNC server offers ${offered}; ${names} cannot be used because ${reason}.`);
  }
  if (why === "username") {
    const what = METHODS[first].credentials === "ard"
      ? "Apple Remote Desktop authentication (macOS Screen Sharing) needs the user name and password of an account on that Mac"
      : `${methodName(first)} needs a user name and password`;
    return new RfbError("username-required", `The VNC server offers ${offered}; ${what}, and no user name was configured. Set the desktop's VNC user name (vnc://user@host) and password.`);
  }
  return new RfbError("password-required", `The VNC server requires ${names} but no password was configured; set the desktop's VNC password.`);
}
