import { describe, expect, it } from "vitest";
import { RequestAhead } from "./request-ahead.ts";

function harness() {
  const sent: number[][] = [];
  let pending: (() => void) | null = null;
  const ahead = new RequestAhead((request) => sent.push([...request]), {
    setTimer: (_ms, callback) => {
      pending = callback;
      return () => {
        if (pending === callback) pending = null;
      };
    },
  });
  /** Server bytes went out, then the server paused. */
  const serverBurst = () => {
    ahead.serverBytes();
    const fire = pending;
    pending = null;
    fire?.();
  };
  return { ahead, sent, serverBurst };
}

const fbur = (incremental: 0 | 1, x: number, y: number, w: number, h: number) => [3, incremental, x >> 8, x & 255, y >> 8, y & 255, w >> 8, w & 255, h >> 8, h & 255];
const pointer = (x: number, y: number) => [5, 0, x >> 8, x & 255, y >> 8, y & 255];
const cutText = (text: string) => [6, 0, 0, 0, (text.length >>> 24) & 255, (text.length >> 16) & 255, (text.length >> 8) & 255, text.length & 255, ...[...text].map((c) => c.charCodeAt(0))];

describe("asking the VNC server ahead for the viewer's next update", () => {
  it("asks nothing before the viewer has asked for an update", () => {
    const { ahead, sent, serverBurst } = harness();
    ahead.viewerBytes(Uint8Array.from(pointer(10, 10)));
    serverBurst();
    expect(sent).toEqual([]);
  });

  it("repeats the viewer's latest request, incremental, once after the server's bytes pause", () => {
    const { ahead, sent, serverBurst } = harness();
    ahead.viewerBytes(Uint8Array.from(fbur(0, 0, 0, 1280, 800)));
    serverBurst();
    expect(sent).toEqual([fbur(1, 0, 0, 1280, 800)]);
    serverBurst(); // the update that request brought
    expect(sent).toHaveLength(1); // no second one until the viewer asks again
    ahead.viewerBytes(Uint8Array.from(fbur(1, 0, 0, 1024, 768)));
    serverBurst();
    expect(sent).toEqual([fbur(1, 0, 0, 1280, 800), fbur(1, 0, 0, 1024, 768)]);
    expect(ahead.added).toBe(2);
  });

  it("adds its request only between the viewer's messages", () => {
    const { ahead, sent, serverBurst } = harness();
    ahead.viewerBytes(Uint8Array.from(fbur(1, 0, 0, 640, 480)));
    const move = pointer(300, 200);
    ahead.viewerBytes(Uint8Array.from(move.slice(0, 2))); // half a pointer event is on its way to the server
    serverBurst();
    expect(sent).toEqual([]);
    ahead.viewerBytes(Uint8Array.from([...move.slice(2), ...pointer(1, 1).slice(0, 3)])); // ends inside the next message
    expect(sent).toEqual([]);
    ahead.viewerBytes(Uint8Array.from(pointer(1, 1).slice(3)));
    expect(sent).toEqual([fbur(1, 0, 0, 640, 480)]);
  });

  it("follows long messages across chunks: a clipboard text, then a request", () => {
    const { ahead, sent, serverBurst } = harness();
    const text = cutText("x".repeat(5000));
    ahead.viewerBytes(Uint8Array.from(text.slice(0, 7)));
    ahead.viewerBytes(Uint8Array.from(text.slice(7, 3000)));
    ahead.viewerBytes(Uint8Array.from([...text.slice(3000), ...fbur(1, 8, 8, 100, 50)]));
    serverBurst();
    expect(sent).toEqual([fbur(1, 8, 8, 100, 50)]);
  });

  it("leaves asking to the viewer after a pixel format or encoding change until it asks again", () => {
    const { ahead, sent, serverBurst } = harness();
    ahead.viewerBytes(Uint8Array.from(fbur(1, 0, 0, 640, 480)));
    ahead.viewerBytes(Uint8Array.from([2, 0, 0, 2, 0, 0, 0, 16, 0, 0, 0, 0])); // SetEncodings: ZRLE, Raw
    serverBurst();
    ahead.viewerBytes(Uint8Array.from([0, ...new Array<number>(19).fill(0)])); // SetPixelFormat
    serverBurst();
    expect(sent).toEqual([]);
    ahead.viewerBytes(Uint8Array.from(fbur(0, 0, 0, 640, 480)));
    serverBurst();
    expect(sent).toEqual([fbur(1, 0, 0, 640, 480)]);
  });

  it("stops for good when the viewer turns on continuous updates or sends a message it cannot measure", () => {
    const continuous = harness();
    continuous.ahead.viewerBytes(Uint8Array.from([...fbur(1, 0, 0, 640, 480), 150, 1, 0, 0, 0, 0, 2, 128, 1, 224]));
    continuous.serverBurst();
    expect(continuous.sent).toEqual([]);

    const unknown = harness();
    unknown.ahead.viewerBytes(Uint8Array.from(fbur(1, 0, 0, 640, 480)));
    expect(() => unknown.ahead.viewerBytes(Uint8Array.from([77, 1, 2, 3]))).not.toThrow();
    unknown.ahead.viewerBytes(Uint8Array.from(fbur(1, 0, 0, 640, 480)));
    unknown.serverBurst();
    expect(unknown.sent).toEqual([]);
  });
});
