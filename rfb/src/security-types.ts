import { VNC_SECURITY_METHODS, type VncSecurityMethod } from "@deskfleet/protocol/vnc-security";

// RFB security types (RFC 6143 §7.2 and IANA's registry) and VeNCrypt
// subtypes, by number and by name, and what each method we speak needs.

export const SecurityType = { None: 1, VncAuth: 2, VeNCrypt: 19, AppleRemoteDesktop: 30 } as const;

export const VencryptSubtype = {
  Plain: 256,
  TLSNone: 257,
  TLSVnc: 258,
  TLSPlain: 259,
  X509None: 260,
  X509Vnc: 261,
  X509Plain: 262,
  TLSSASL: 263,
  X509SASL: 264,
} as const;

export type { VncSecurityMethod };
export { VNC_SECURITY_METHODS };

/** How a method protects the connection and what it sends to authenticate. */
export type MethodInfo = {
  type: number;
  /** The VeNCrypt subtype, for the TLS and X509 methods. */
  subtype?: number;
  /** Anonymous TLS (no certificate, TLS 1.2 anonymous Diffie-Hellman) or a certificate verified like HTTPS. */
  tls?: "anonymous" | "x509";
  /** vnc: a password; plain: a user name and password; ard: both. */
  credentials: "none" | "vnc" | "plain" | "ard";
};

export const METHODS: Record<VncSecurityMethod, MethodInfo> = {
  X509Plain: { type: SecurityType.VeNCrypt, subtype: VencryptSubtype.X509Plain, tls: "x509", credentials: "plain" },
  X509Vnc: { type: SecurityType.VeNCrypt, subtype: VencryptSubtype.X509Vnc, tls: "x509", credentials: "vnc" },
  X509None: { type: SecurityType.VeNCrypt, subtype: VencryptSubtype.X509None, tls: "x509", credentials: "none" },
  TLSPlain: { type: SecurityType.VeNCrypt, subtype: VencryptSubtype.TLSPlain, tls: "anonymous", credentials: "plain" },
  TLSVnc: { type: SecurityType.VeNCrypt, subtype: VencryptSubtype.TLSVnc, tls: "anonymous", credentials: "vnc" },
  TLSNone: { type: SecurityType.VeNCrypt, subtype: VencryptSubtype.TLSNone, tls: "anonymous", credentials: "none" },
  ARD: { type: SecurityType.AppleRemoteDesktop, credentials: "ard" },
  VncAuth: { type: SecurityType.VncAuth, credentials: "vnc" },
  None: { type: SecurityType.None, credentials: "none" },
};

const TYPE_NAMES: Record<number, string> = {
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
  30: "Apple Remote Desktop",
  35: "Apple (Kerberos)",
  113: "MSLogonII",
};

// TigerVNC also lists the classic types inside VeNCrypt (no TLS); we use them at the top level instead.
const SUBTYPE_NAMES: Record<number, string> = { 1: "None", 2: "VncAuth", ...Object.fromEntries(Object.entries(VencryptSubtype).map(([name, value]) => [value, name])) };

export function securityTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

export function vencryptSubtypeName(subtype: number): string {
  return SUBTYPE_NAMES[subtype] ?? `subtype ${subtype}`;
}

/** A method by the name a person reads: "VeNCrypt X509Vnc", "Apple Remote Desktop", "VNC Authentication". */
export function methodName(method: VncSecurityMethod): string {
  const info = METHODS[method];
  return info.subtype !== undefined ? `VeNCrypt ${method}` : securityTypeName(info.type);
}

/** What Deskfleet speaks, for messages that list both sides. */
export function supportedSummary(methods: readonly VncSecurityMethod[] = VNC_SECURITY_METHODS): string {
  const vencrypt = methods.filter((m) => METHODS[m].subtype !== undefined);
  const others = methods.filter((m) => METHODS[m].subtype === undefined).map(methodName);
  return [...(vencrypt.length ? [`VeNCrypt (${vencrypt.join(", ")})`] : []), ...others].join(", ");
}

/** What a server offered, for messages: `VeNCrypt (X509Vnc, TLSVnc), VNC Authentication`. */
export function offeredSummary(types: readonly number[], vencryptSubtypes?: readonly number[]): string {
  return types
    .map((t) => (t === SecurityType.VeNCrypt && vencryptSubtypes ? `VeNCrypt (${vencryptSubtypes.map(vencryptSubtypeName).join(", ") || "no subtypes"})` : securityTypeName(t)))
    .join(", ");
}
