import { describe, expect, it } from "vitest";
import { concatBytes } from "./bytes.ts";
import { RfbClient, type RfbClientOptions } from "./rfb-client.ts";
import type { RfbError } from "./rfb-error.ts";
import type { RfbSocket, TlsMode } from "./rfb-socket.ts";
import { VencryptSubtype as S } from "./security-types.ts";
import { replaySocket } from "./testing/replay-socket.ts";
import { vncAuthResponse } from "./vnc-auth.ts";

// VeNCrypt's steps around the TLS switch, with a socket double: the bytes
// before the switch come from one recording, the bytes after it (what TLS
// would decrypt) from another. The real TLS is covered by vencrypt.live.test.ts
// against TigerVNC's Xvnc.

const ascii = (text: string) => new TextEncoder().encode(text);
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
const CHALLENGE = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
const SERVER_INIT = concatBytes([u16(4), u16(2), Uint8Array.of(32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0), u32(4), ascii("tiny")]);

/** The server's plain-text part: greeting, VeNCrypt 0.2 agreed, the subtypes, and its acceptance of ours. */
function beforeTls(subtypes: number[], tail: Uint8Array = Uint8Array.of(1)): Uint8Array {
  return concatBytes([ascii("RFB 003.008\n"), Uint8Array.of(1, 19), Uint8Array.of(0, 2, 0), Uint8Array.of(subtypes.length), ...subtypes.map(u32), tail]);
}

function tlsPair(outer: Uint8Array, inner: Uint8Array, options: { anonymous?: boolean } = {}) {
  const plain = replaySocket(outer, { keepOpen: true });
  const secure = replaySocket(inner, { keepOpen: true });
  const modes: TlsMode[] = [];
  const socket: RfbSocket = {
    ...plain.socket,
    tls: {
      anonymous: options.anonymous ?? true,
      start: async (mode) => {
        modes.push(mode);
        return secure.socket;
      },
    },
  };
  return { socket, plain, secure, modes };
}

const connect = (socket: RfbSocket, options: RfbClientOptions) => RfbClient.connect(socket, { autoRequestUpdates: false, handshakeTimeoutMs: 1_000, ...options });
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as RfbError);

describe("VeNCrypt", () => {
  it("agrees on 0.2, picks X509Vnc, switches to TLS with a certificate check and answers the VNC challenge inside", async () => {
    const pair = tlsPair(beforeTls([S.TLSVnc, S.X509Vnc]), concatBytes([CHALLENGE, u32(0), SERVER_INIT]));
    const client = await connect(pair.socket, { password: "secret" });
    expect(pair.modes).toEqual(["x509"]);
    expect(client.security).toEqual({ offered: [19], vencryptSubtypes: [S.TLSVnc, S.X509Vnc], chosen: "X509Vnc" });
    expect(client.name).toBe("tiny");
    // In the clear: version, type 19, VeNCrypt 0.2, subtype 261. Nothing else.
    expect(pair.plain.written()).toEqual(concatBytes([ascii("RFB 003.008\n"), Uint8Array.of(19), Uint8Array.of(0, 2), u32(S.X509Vnc)]));
    // Inside TLS: the challenge's answer, then ClientInit (shared) and the client's first messages.
    const inside = pair.secure.written();
    expect(inside.subarray(0, 16)).toEqual(vncAuthResponse("secret", CHALLENGE));
    expect(inside[16]).toBe(1);
    await client.close();
  });

  it("sends Plain's user name and password as lengths in bytes, then UTF-8, only inside TLS", async () => {
    const pair = tlsPair(beforeTls([S.TLSPlain]), concatBytes([u32(0), SERVER_INIT]));
    const client = await connect(pair.socket, { username: "zoë", password: "pässwörd" });
    expect(pair.modes).toEqual(["anonymous"]);
    const user = ascii("zoë");
    const pass = ascii("pässwörd");
    expect(pair.secure.written().subarray(0, 8 + user.length + pass.length)).toEqual(concatBytes([u32(4), u32(10), user, pass]));
    expect(Buffer.from(pair.plain.written()).includes(Buffer.from(pass))).toBe(false);
    await client.close();
  });

  it("refuses bytes the server sent before the TLS handshake, as they could have been injected", async () => {
    const pair = tlsPair(beforeTls([S.TLSNone], Uint8Array.of(1, 0, 0, 0, 0)), SERVER_INIT);
    const error = await failure(connect(pair.socket, {}));
    expect(error?.code).toBe("protocol");
    expect(error?.message).toMatch(/sent 4 bytes before the TLS handshake; refusing them/);
    expect(pair.modes).toEqual([]);
  });

  it("takes an X509 subtype on a transport without anonymous TLS (a Worker)", async () => {
    const pair = tlsPair(beforeTls([S.TLSNone, S.X509None]), concatBytes([u32(0), SERVER_INIT]), { anonymous: false });
    const client = await connect(pair.socket, {});
    expect(client.security.chosen).toBe("X509None");
    expect(pair.modes).toEqual(["x509"]);
    await client.close();
  });

  it("uses the None TigerVNC lists among the subtypes, without TLS and without an acknowledgement, when no TLS subtype can be used", async () => {
    const outer = concatBytes([ascii("RFB 003.008\n"), Uint8Array.of(2, 19, 1), Uint8Array.of(0, 2, 0), Uint8Array.of(2), u32(1), u32(S.TLSVnc), u32(0), SERVER_INIT]);
    const pair = tlsPair(outer, new Uint8Array());
    const client = await connect(pair.socket, {});
    expect(client.security).toEqual({ offered: [19, 1], vencryptSubtypes: [1, S.TLSVnc], chosen: "None" });
    expect(pair.modes).toEqual([]);
    expect(pair.plain.written().subarray(0, 20)).toEqual(concatBytes([ascii("RFB 003.008\n"), Uint8Array.of(19), Uint8Array.of(0, 2), u32(1), Uint8Array.of(1)]));
    await client.close();
  });

  it("says so when the server does not accept the subtype it offered", async () => {
    const pair = tlsPair(beforeTls([S.TLSNone], Uint8Array.of(0)), new Uint8Array());
    const error = await failure(connect(pair.socket, {}));
    expect(error?.code).toBe("server-refused");
    expect(error?.message).toBe("The VNC server refused VeNCrypt TLSNone, which it had offered.");
  });

  it("refuses the old VeNCrypt 0.1", async () => {
    const pair = tlsPair(concatBytes([ascii("RFB 003.008\n"), Uint8Array.of(1, 19, 0, 1)]), new Uint8Array());
    const error = await failure(connect(pair.socket, {}));
    expect(error?.code).toBe("unsupported-security");
    expect(error?.message).toMatch(/speaks VeNCrypt 0\.1; Deskfleet speaks 0\.2/);
  });

  it("reports the subtypes offered with a failure that comes after the server listed them", async () => {
    const pair = tlsPair(beforeTls([S.X509Vnc]), concatBytes([CHALLENGE, u32(1), u32(21), ascii("Authentication failed")]));
    const error = await failure(connect(pair.socket, { password: "wrong" }));
    expect(error?.code).toBe("auth-failed");
    expect(error?.security).toEqual({ offered: [19], vencryptSubtypes: [S.X509Vnc], chosen: "X509Vnc" });
  });
});
