import { describe, expect, it } from "vitest";
import { concatBytes } from "@deskfleet/rfb/bytes";
import * as msg from "@deskfleet/rfb/client-messages";
import { RGBX_LITTLE_ENDIAN } from "@deskfleet/rfb/pixel-format";
import { ClientMessageFilter, ClientStreamError } from "./client-message-filter.ts";

const enc = new TextEncoder();
const cat = (...parts: Uint8Array[]) => concatBytes(parts);
const handshake38 = cat(enc.encode("RFB 003.008\n"), Uint8Array.of(1), Uint8Array.of(1));
const setup = cat(msg.setPixelFormat(RGBX_LITTLE_ENDIAN), msg.setEncodings([16, 1, 0, -308]), msg.framebufferUpdateRequest(false, 0, 0, 640, 480));
const input = cat(msg.pointerEvent(10, 20, 1), msg.keyEvent(0x61, true), msg.clientCutText("hello"));

/** Feeds the stream in frames of `size` bytes and joins what passes. */
function run(filter: ClientMessageFilter, stream: Uint8Array, allowInput: boolean, size = stream.length) {
  const out: Uint8Array[] = [];
  let passed = 0;
  let dropped = 0;
  for (let i = 0; i < stream.length; i += size) {
    const r = filter.push(stream.subarray(i, i + size), allowInput);
    out.push(r.forward);
    passed += r.inputPassed;
    dropped += r.inputDropped;
  }
  return { bytes: cat(...out), passed, dropped };
}

describe("ClientMessageFilter", () => {
  it("passes the handshake and setup messages of a view-only viewer and drops its pointer, key and clipboard messages", () => {
    const f = new ClientMessageFilter();
    const r = run(f, cat(handshake38, setup, input, msg.framebufferUpdateRequest(true, 0, 0, 640, 480)), false);
    expect(r.bytes).toEqual(cat(handshake38, setup, msg.framebufferUpdateRequest(true, 0, 0, 640, 480)));
    expect(r.dropped).toBe(3);
    expect(f.version).toBe("3.8");
    expect(f.handshakeDone).toBe(true);
  });

  it("passes everything, unchanged, for the lease holder", () => {
    const stream = cat(handshake38, setup, input);
    const r = run(new ClientMessageFilter(), stream, true);
    expect(r.bytes).toEqual(stream);
    expect(r.passed).toBe(3);
  });

  it("finds message boundaries when frames split messages at every byte", () => {
    const stream = cat(handshake38, setup, input, setup);
    const r = run(new ClientMessageFilter(), stream, false, 1);
    expect(r.bytes).toEqual(cat(handshake38, setup, setup));
    expect(r.dropped).toBe(3);
  });

  it("reads RFB 3.3, which has no security choice from the client", () => {
    const hs = cat(enc.encode("RFB 003.003\n"), Uint8Array.of(1));
    const r = run(new ClientMessageFilter(), cat(hs, msg.pointerEvent(1, 1, 0), setup), false);
    expect(r.bytes).toEqual(cat(hs, setup));
  });

  it("skips a clipboard message far longer than one frame without losing the next message", () => {
    const big = msg.clientCutText("x".repeat(100_000));
    const after = msg.framebufferUpdateRequest(true, 0, 0, 10, 10);
    const f = new ClientMessageFilter({ handshakeDone: true });
    const dropped = run(f, cat(big, after), false, 1000);
    expect(dropped.bytes).toEqual(after);
    const passed = run(new ClientMessageFilter({ handshakeDone: true }), cat(big, after), true, 1000);
    expect(passed.bytes).toEqual(cat(big, after));
  });

  it("measures noVNC's extension messages: fences, continuous updates, QEMU key events, desktop size", () => {
    const fence = Uint8Array.of(248, 0, 0, 0, 0, 0, 0, 1, 3, 7, 8, 9);
    const continuous = Uint8Array.of(150, 1, 0, 0, 0, 0, 2, 128, 1, 224);
    const qemuKey = Uint8Array.of(255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 30);
    const desktopSize = cat(Uint8Array.of(251, 0, 2, 128, 1, 224, 1, 0), new Uint8Array(16));
    const r = run(new ClientMessageFilter({ handshakeDone: true }), cat(fence, qemuKey, continuous, desktopSize, fence), false, 5);
    expect(r.bytes).toEqual(cat(fence, continuous, fence));
    expect(r.dropped).toBe(2);
  });

  it("refuses a message type it cannot measure instead of guessing", () => {
    expect(() => new ClientMessageFilter({ handshakeDone: true }).push(Uint8Array.of(77, 0, 0), false)).toThrow(ClientStreamError);
    expect(() => new ClientMessageFilter().push(enc.encode("GET / HTTP/1.1\r\n"), false)).toThrow(/RFB version/);
  });

  it("hands over the holder's pointer and key messages whole, across frame boundaries, and none of a view-only viewer's", () => {
    const stream = cat(setup, msg.pointerEvent(300, 200, 1), msg.keyEvent(0x61, true));
    const holder = new ClientMessageFilter({ handshakeDone: true });
    const seen: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i += 3) seen.push(...holder.push(stream.subarray(i, i + 3), true).inputMessages);
    expect(seen).toEqual([msg.pointerEvent(300, 200, 1), msg.keyEvent(0x61, true)]);
    expect(new ClientMessageFilter({ handshakeDone: true }).push(stream, false).inputMessages).toEqual([]);
  });
});
