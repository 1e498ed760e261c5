import { concatBytes } from "./bytes.ts";
import { RfbError, type SecurityReport } from "./rfb-error.ts";
import type { RfbStream } from "./rfb-stream.ts";
import { chooseVencryptSubtype, vencryptSubtypeOf, type ChoiceContext } from "./security-choice.ts";
import { METHODS, vencryptSubtypeName, type VncSecurityMethod } from "./security-types.ts";
import { vncAuthResponse } from "./vnc-auth.ts";

// VeNCrypt (RFB security type 19), version 0.2, as TigerVNC, QEMU and
// libvncserver speak it: agree on the version, pick a subtype from the
// server's list, switch the connection to TLS (anonymous for TLS*, with a
// checked certificate for X509*), then authenticate inside the tunnel: nothing
// (…None), VNC Authentication (…Vnc) or a user name and password (…Plain).
// TigerVNC also lists None and VNC Authentication as subtypes; chosen there
// (only when no TLS subtype can be used), they run without TLS.

/** Runs VeNCrypt after the client chose type 19; returns the subtype used. The SecurityResult follows. */
export async function negotiateVencrypt(stream: RfbStream, ctx: ChoiceContext, report: SecurityReport): Promise<VncSecurityMethod> {
  const version = await stream.reader.read(2);
  const [major, minor] = [version[0]!, version[1]!];
  if (major !== 0 || minor < 2) {
    throw new RfbError("unsupported-security", `The VNC server speaks VeNCrypt ${major}.${minor}; Deskfleet speaks 0.2, which every current server supports.`);
  }
  await stream.write(Uint8Array.of(0, 2));
  if ((await stream.reader.u8()) !== 0) throw new RfbError("server-refused", "The VNC server refused VeNCrypt version 0.2.");

  const count = await stream.reader.u8();
  const subtypes: number[] = [];
  for (let i = 0; i < count; i++) subtypes.push(await stream.reader.u32());
  report.vencryptSubtypes = subtypes;
  const method = chooseVencryptSubtype(subtypes, ctx);
  report.chosen = method;
  const info = METHODS[method];

  const subtype = vencryptSubtypeOf(method)!;
  await stream.write(u32(subtype));
  // Only the TLS subtypes are acknowledged: the byte says the server is ready for the TLS handshake.
  if (info.tls) {
    if ((await stream.reader.u8()) !== 1) throw new RfbError("server-refused", `The VNC server refused VeNCrypt ${vencryptSubtypeName(subtype)}, which it had offered.`);
    await stream.startTls(info.tls);
  }

  const { username, password } = ctx.credentials;
  if (info.credentials === "vnc") {
    const challenge = await stream.reader.read(16);
    await stream.write(vncAuthResponse(password ?? "", challenge));
  } else if (info.credentials === "plain") {
    const user = new TextEncoder().encode(username ?? "");
    const pass = new TextEncoder().encode(password ?? "");
    await stream.write(concatBytes([u32(user.length), u32(pass.length), user, pass]));
  }
  return method;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}
