import { describe, expect, it } from "vitest";
import { Framebuffer } from "@deskfleet/rfb/framebuffer";
import { ModelFrame, type FrameSource } from "./model-frame.ts";
import { decodePng, type PngImage } from "@deskfleet/rfb/image/png";
import { scaleRgba, type Size } from "@deskfleet/rfb/image/scale";
import type { SettleRect } from "./settle.ts";
import { FakeClock } from "./testing/fake-clock.ts";

/** A framebuffer that reports every paint as an update, as a VNC client does. */
class PaintedScreen implements FrameSource {
  framebuffer: Framebuffer;
  readonly #listeners = new Set<(update: { rects: readonly SettleRect[] }) => void>();

  constructor(width: number, height: number) {
    this.framebuffer = new Framebuffer(width, height);
  }

  on(_event: "update", listener: (update: { rects: readonly SettleRect[] }) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  paint(x: number, y: number, width: number, height: number, rgb: [number, number, number]): void {
    this.framebuffer.fillRect(x, y, width, height, ...rgb);
    for (const listener of [...this.#listeners]) listener({ rects: [{ x, y, width, height, encoding: 16 }] });
  }

  /** Reports a rectangle the server resent with the pixels it already had, as RfbClient does (damage null). */
  resend(x: number, y: number, width: number, height: number): void {
    for (const listener of [...this.#listeners]) listener({ rects: [{ x, y, width, height, encoding: 16, damage: null }] });
  }

  /** The screen as the model should see it now. */
  scaled(model: Size): Uint8Array {
    return scaleRgba({ width: this.framebuffer.width, height: this.framebuffer.height, data: this.framebuffer.data }, model).data;
  }
}

/** An encoder whose encodes finish when the test says; it "encodes" to a copy of the RGBA pixels it was given. */
class HeldEncoder {
  readonly calls: { pixels: Uint8Array; finish: () => void; fail: (error: Error) => void }[] = [];

  readonly encode = (image: PngImage): Promise<Uint8Array> => {
    const pixels = image.data.slice(); // read before returning, as the contract says
    return new Promise((resolve, reject) => this.calls.push({ pixels, finish: () => resolve(pixels), fail: reject }));
  };

  finishAll(): void {
    for (const call of this.calls) call.finish();
  }
}

const SCREEN = { width: 192, height: 108 };
const MODEL = { width: 136, height: 76 };
const TARGETS = [MODEL];
const IDLE = 40;

function setup() {
  const clock = new FakeClock();
  const screen = new PaintedScreen(SCREEN.width, SCREEN.height);
  const encoder = new HeldEncoder();
  const frame = new ModelFrame(screen, { clock, targets: TARGETS, idleMs: IDLE, encode: encoder.encode });
  return { clock, screen, encoder, frame };
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** An action's effect (a red square), and its PNG made ahead while the screen was idle. */
async function madeAhead() {
  const made = setup();
  made.frame.prepare();
  made.screen.paint(10, 10, 50, 20, [200, 0, 0]);
  await made.clock.advanceTo(IDLE);
  made.encoder.finishAll();
  return made;
}

describe("ModelFrame", () => {
  it("shows the model the framebuffer scaled to its size, kept current as rectangles change", async () => {
    const screen = new PaintedScreen(1920, 1080);
    const frame = new ModelFrame(screen); // the real encoder and clock
    screen.paint(0, 0, 1920, 1080, [240, 240, 240]);
    const first = await frame.png();
    expect([first.width, first.height]).toEqual([1366, 768]);
    screen.paint(101, 53, 300, 7, [10, 200, 10]);
    screen.paint(1900, 1070, 20, 10, [200, 10, 10]);
    screen.paint(640, 0, 3, 1080, [0, 0, 0]);
    const shot = await frame.png();
    const sent = decodePng(shot.png);
    const expected = screen.scaled({ width: 1366, height: 768 });
    expect(sent.channels).toBe(3);
    let differing = 0;
    for (let i = 0, j = 0; i < expected.length; i += 4, j += 3) {
      if (sent.data[j] !== expected[i] || sent.data[j + 1] !== expected[i + 1] || sent.data[j + 2] !== expected[i + 2]) differing++;
    }
    expect(differing).toBe(0);
    frame.close();
  });

  it("stays exact through many overlapping changes between screenshots", async () => {
    const { clock, screen, encoder, frame } = setup();
    let seed = 1;
    const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 40; i++) {
        const x = random(SCREEN.width);
        const y = random(SCREEN.height);
        screen.paint(x, y, 1 + random(SCREEN.width - x), 1 + random(Math.min(30, SCREEN.height - y)), [random(256), random(256), random(256)]);
        if (random(4) === 0) await clock.advanceTo(clock.now() + IDLE); // sometimes a pause: the copy catches up
      }
      const asked = frame.png();
      encoder.finishAll();
      expect(same((await asked).png, screen.scaled(MODEL))).toBe(true);
    }
  });

  it("makes the PNG while the screen is idle after an action, and hands that one over without encoding again", async () => {
    const { clock, screen, encoder, frame } = setup();
    frame.prepare();
    await clock.advanceTo(10);
    screen.paint(10, 10, 50, 20, [200, 0, 0]); // the action's effect
    await clock.advanceTo(10 + IDLE - 1);
    expect(encoder.calls).toHaveLength(0); // not idle yet
    await clock.advanceTo(10 + IDLE);
    expect(encoder.calls).toHaveLength(1);
    encoder.finishAll();
    const shot = await frame.png();
    expect(encoder.calls).toHaveLength(1);
    expect(same(shot.png, screen.scaled(MODEL))).toBe(true);
  });

  it("works ahead sooner when a screenshot is due sooner than the screen goes idle, never later", async () => {
    const { clock, screen, encoder, frame } = setup();
    frame.prepare();
    screen.paint(10, 10, 50, 20, [200, 0, 0]);
    frame.workAheadIn(15);
    await clock.advanceTo(14);
    expect(encoder.calls).toHaveLength(0);
    await clock.advanceTo(15);
    expect(encoder.calls).toHaveLength(1);
    screen.paint(10, 40, 50, 20, [0, 200, 0]);
    frame.workAheadIn(10 * IDLE);
    await clock.advanceTo(15 + IDLE);
    expect(encoder.calls).toHaveLength(2);
  });

  it("keeps its PNG when the server resends pixels unchanged", async () => {
    const { clock, screen, encoder, frame } = await madeAhead();
    const first = await frame.png();
    screen.resend(0, 0, 32, 32);
    await clock.advanceTo(3 * IDLE);
    expect(await frame.png()).toBe(first);
    expect(encoder.calls).toHaveLength(1);
  });

  it("never hands over a PNG that an update overtook while it was being made", async () => {
    const { clock, screen, encoder, frame } = setup();
    frame.prepare();
    screen.paint(10, 10, 50, 20, [200, 0, 0]);
    await clock.advanceTo(IDLE);
    expect(encoder.calls).toHaveLength(1); // made ahead from the red square...
    await clock.advanceTo(IDLE + 5);
    screen.paint(100, 50, 40, 40, [0, 0, 200]); // ...when a late change lands during the encode
    encoder.calls[0]!.finish();
    await Promise.resolve();
    const asked = frame.png();
    expect(encoder.calls).toHaveLength(2);
    encoder.calls[1]!.finish();
    const shot = await asked;
    expect(same(shot.png, encoder.calls[0]!.pixels)).toBe(false);
    expect(same(shot.png, screen.scaled(MODEL))).toBe(true);
  });

  it("does not hand over a finished PNG once a later update has arrived", async () => {
    const { clock, screen, encoder, frame } = await madeAhead();
    await clock.advanceTo(200);
    screen.paint(0, 100, 192, 8, [0, 200, 0]); // lands after the PNG was ready, just before the screenshot
    const asked = frame.png();
    encoder.finishAll();
    expect(same((await asked).png, screen.scaled(MODEL))).toBe(true);
    expect(encoder.calls).toHaveLength(2);
  });

  it("lets a screenshot asked for while its PNG is being made wait for that same PNG", async () => {
    const { clock, screen, encoder, frame } = setup();
    frame.prepare();
    screen.paint(10, 10, 50, 20, [200, 0, 0]);
    await clock.advanceTo(IDLE);
    const asked = frame.png();
    encoder.finishAll();
    expect(same((await asked).png, screen.scaled(MODEL))).toBe(true);
    expect(encoder.calls).toHaveLength(1);
  });

  it("works ahead only between an action and the next screenshot", async () => {
    const { clock, screen, encoder, frame } = setup();
    screen.paint(10, 10, 50, 20, [200, 0, 0]); // no action announced
    await clock.advanceTo(1_000);
    expect(encoder.calls).toHaveLength(0);
    frame.prepare();
    await clock.advanceTo(1_000 + IDLE); // an action that changed nothing: the screen as it is will be asked for
    expect(encoder.calls).toHaveLength(1);
    encoder.finishAll();
    await frame.png();
    screen.paint(0, 0, 5, 5, [1, 2, 3]); // after the screenshot, e.g. a blinking caret while the model thinks
    await clock.advanceTo(5_000);
    expect(encoder.calls).toHaveLength(1);
  });

  it("notices a framebuffer replaced without an update, as after a reconnect", async () => {
    const { screen, encoder, frame } = setup();
    screen.paint(0, 0, 192, 108, [50, 50, 50]);
    const before = frame.png();
    encoder.finishAll();
    await before;
    screen.framebuffer = new Framebuffer(SCREEN.width, SCREEN.height);
    screen.framebuffer.fillRect(0, 0, 192, 108, 9, 99, 199);
    const after = frame.png();
    encoder.finishAll();
    expect(same((await after).png, screen.scaled(MODEL))).toBe(true);
  });

  it("follows the screen to a new size and the model size that fits it", async () => {
    const screen = new PaintedScreen(192, 108);
    const encoder = new HeldEncoder();
    const frame = new ModelFrame(screen, { clock: new FakeClock(), targets: [{ width: 136, height: 76 }, { width: 100, height: 75 }], encode: encoder.encode });
    const wide = frame.png();
    encoder.finishAll();
    expect((await wide).width).toBe(136);
    screen.framebuffer.resize(160, 120);
    screen.paint(0, 0, 160, 120, [7, 7, 7]);
    const square = frame.png();
    encoder.finishAll();
    const shot = await square;
    expect([shot.width, shot.height]).toEqual([100, 75]);
    expect(same(shot.png, screen.scaled({ width: 100, height: 75 }))).toBe(true);
  });

  it("tries again after a failed encode", async () => {
    const { encoder, frame } = setup();
    const failed = frame.png();
    encoder.calls[0]!.fail(new Error("out of memory"));
    await expect(failed).rejects.toThrow("out of memory");
    const retried = frame.png();
    expect(encoder.calls).toHaveLength(2);
    encoder.finishAll();
    await expect(retried).resolves.toMatchObject({ width: MODEL.width });
  });

  it("stops following the screen once closed", async () => {
    const { clock, screen, encoder, frame } = setup();
    frame.prepare();
    frame.close();
    screen.paint(10, 10, 50, 20, [200, 0, 0]);
    await clock.advanceTo(1_000);
    expect(encoder.calls).toHaveLength(0);
    expect(frame.version).toBe(0);
  });
});
