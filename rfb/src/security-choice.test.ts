import { describe, expect, it } from "vitest";
import type { RfbError } from "./rfb-error.ts";
import { chooseSecurityType, chooseVencryptSubtype, type ChoiceContext } from "./security-choice.ts";
import { SecurityType, VencryptSubtype } from "./security-types.ts";

const NODE_TLS = { anonymous: true };
const WORKERS_TLS = { anonymous: false };
const { None, VncAuth, VeNCrypt, AppleRemoteDesktop: ARD } = SecurityType;
const S = VencryptSubtype;

function thrown(fn: () => unknown): RfbError {
  try {
    fn();
  } catch (error) {
    return error as RfbError;
  }
  throw new Error("expected an error");
}

describe("choosing a security type", () => {
  it("keeps today's choices for servers without TLS: VNC Authentication with a password, else None", () => {
    expect(chooseSecurityType([None, VncAuth], { credentials: { password: "pw" }, tls: NODE_TLS })).toBe(VncAuth);
    expect(chooseSecurityType([None, VncAuth], { credentials: {}, tls: NODE_TLS })).toBe(None);
  });

  it("prefers VeNCrypt when the connection can start TLS, and falls back to VNC Authentication where it cannot", () => {
    expect(chooseSecurityType([VncAuth, VeNCrypt], { credentials: { password: "pw" }, tls: NODE_TLS })).toBe(VeNCrypt);
    expect(chooseSecurityType([VncAuth, VeNCrypt], { credentials: { password: "pw" }, tls: null })).toBe(VncAuth);
  });

  it("takes Apple Remote Desktop only with a user name, and VNC Authentication from the same Mac without one", () => {
    expect(chooseSecurityType([ARD, VncAuth], { credentials: { username: "ada", password: "pw" }, tls: null })).toBe(ARD);
    expect(chooseSecurityType([ARD, VncAuth], { credentials: { password: "pw" }, tls: null })).toBe(VncAuth);
  });

  it("follows a restricted list, in its order, and refuses what it leaves out", () => {
    const ctx: ChoiceContext = { credentials: { password: "pw" }, tls: NODE_TLS, allowed: ["VncAuth", "X509Vnc"] };
    expect(chooseSecurityType([VeNCrypt, VncAuth], ctx)).toBe(VncAuth);
    const error = thrown(() => chooseSecurityType([None], ctx));
    expect(error.code).toBe("unsupported-security");
    expect(error.message).toBe(
      "The VNC server offers only None; this desktop allows only VeNCrypt (X509Vnc), VNC Authentication. " +
        "Allow one of the server's methods in the desktop's VNC security list, or enable one of ours on the server.",
    );
  });

  it("lists both sides when the server offers nothing Deskfleet speaks", () => {
    const error = thrown(() => chooseSecurityType([5, 113], { credentials: { password: "pw" }, tls: NODE_TLS }));
    expect(error.code).toBe("unsupported-security");
    expect(error.message).toBe(
      "The VNC server offers only RA2, MSLogonII; Deskfleet supports VeNCrypt (X509Plain, X509Vnc, X509None, TLSPlain, TLSVnc, TLSNone), " +
        "Apple Remote Desktop, VNC Authentication, None. Enable one of these on the server (macOS: Screen Sharing, which offers Apple Remote Desktop; TigerVNC: -SecurityTypes X509Vnc or VncAuth).",
    );
  });

  it("asks for the missing credential before blaming the transport", () => {
    expect(thrown(() => chooseSecurityType([VeNCrypt, VncAuth], { credentials: {}, tls: null })).code).toBe("password-required");
    expect(thrown(() => chooseSecurityType([ARD], { credentials: { password: "pw" }, tls: null })).code).toBe("username-required");
  });

  it("says a WebSocket address cannot carry VeNCrypt", () => {
    const error = thrown(() => chooseSecurityType([VeNCrypt], { credentials: { password: "pw" }, tls: null }));
    expect(error.code).toBe("unsupported-security");
    expect(error.message).toMatch(/cannot start TLS \(a ws:\/\/ or wss:\/\/ address/);
  });
});

describe("choosing a VeNCrypt subtype", () => {
  const all = [S.TLSNone, S.TLSVnc, S.TLSPlain, S.X509None, S.X509Vnc, S.X509Plain];

  it("prefers a verified certificate, then the strongest credentials held", () => {
    expect(chooseVencryptSubtype(all, { credentials: { username: "ada", password: "pw" }, tls: NODE_TLS })).toBe("X509Plain");
    expect(chooseVencryptSubtype(all, { credentials: { password: "pw" }, tls: NODE_TLS })).toBe("X509Vnc");
    expect(chooseVencryptSubtype(all, { credentials: {}, tls: NODE_TLS })).toBe("X509None");
    expect(chooseVencryptSubtype([S.TLSVnc, S.TLSNone], { credentials: { password: "pw" }, tls: NODE_TLS })).toBe("TLSVnc");
  });

  it("skips anonymous TLS where the transport cannot do it (a Worker), and says so when nothing else is offered", () => {
    expect(chooseVencryptSubtype([S.TLSVnc, S.X509Vnc], { credentials: { password: "pw" }, tls: WORKERS_TLS })).toBe("X509Vnc");
    const error = thrown(() => chooseVencryptSubtype([S.TLSVnc, S.TLSNone], { credentials: { password: "pw" }, tls: WORKERS_TLS }));
    expect(error.code).toBe("unsupported-security");
    expect(error.message).toMatch(/^The VNC server offers VeNCrypt \(TLSVnc, TLSNone\); VeNCrypt \(TLSVnc, TLSNone\) cannot be used because anonymous TLS/);
  });

  it("never chooses plain-text Plain or SASL, and names them when they are all there is", () => {
    const error = thrown(() => chooseVencryptSubtype([S.Plain, S.TLSSASL], { credentials: { username: "ada", password: "pw" }, tls: NODE_TLS }));
    expect(error.message).toMatch(/^The VNC server offers only VeNCrypt \(Plain, TLSSASL\); Deskfleet supports/);
  });

  it("asks for a password for TLSVnc, and a user name for TLSPlain", () => {
    expect(thrown(() => chooseVencryptSubtype([S.TLSVnc], { credentials: {}, tls: NODE_TLS })).message).toBe(
      "The VNC server requires VeNCrypt (TLSVnc) but no password was configured; set the desktop's VNC password.",
    );
    expect(thrown(() => chooseVencryptSubtype([S.TLSPlain], { credentials: { password: "pw" }, tls: NODE_TLS })).code).toBe("username-required");
  });
});
