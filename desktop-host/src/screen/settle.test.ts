import { describe, expect, it } from "vitest";
import { meaningfulArea, pointerRegion, settleAfter, type SettleRect, type UpdateSource } from "./settle.ts";
import { FakeClock } from "./testing/fake-clock.ts";

/** An update source that emits scripted updates at given times on the fake clock. */
function scriptedScreen(clock: FakeClock, script: { at: number; rects: SettleRect[] }[]): UpdateSource {
  let listener: ((update: { rects: readonly SettleRect[] }) => void) | undefined;
  for (const step of script) clock.setTimer(step.at, () => listener?.({ rects: step.rects }));
  return {
    on(_event, callback) {
      listener = callback;
      return () => (listener = undefined);
    },
  };
}

const PAGE = { x: 0, y: 100, width: 800, height: 400 }; // a page re-rendering
const CURSOR_OLD = { x: 100, y: 100, width: 18, height: 18 };
const CURSOR_NEW = { x: 512, y: 384, width: 18, height: 18 };
// x11vnc sends the 32-px tile around a blinking caret; the client finds that one column changed.
const CARET = { x: 288, y: 296, width: 32, height: 28, damage: { x: 300, y: 300, width: 1, height: 20 } };
const ignoreCursor = [pointerRegion({ x: 100, y: 100 }), pointerRegion({ x: 512, y: 384 })];

async function run(script: { at: number; rects: SettleRect[] }[], options: Parameters<typeof settleAfter>[2] = {}) {
  const clock = new FakeClock();
  const screen = scriptedScreen(clock, script);
  const settled = settleAfter(screen, () => undefined, options, clock);
  let result: Awaited<typeof settled> | undefined;
  void settled.then((r) => (result = r));
  await Promise.resolve();
  await clock.advanceTo(10_000);
  await settled;
  return result!;
}

describe("settleAfter", () => {
  it("waits for a page that reacts 500 ms after the click and returns once it is quiet", async () => {
    const result = await run([
      { at: 20, rects: [CURSOR_OLD, CURSOR_NEW] },
      { at: 500, rects: [PAGE] },
      { at: 560, rects: [PAGE] },
    ], { ignore: ignoreCursor });
    expect(result).toMatchObject({ changed: true, reason: "settled", firstChangeMs: 500, lastChangeMs: 560, elapsedMs: 860 });
  });

  it("does not count cursor-only updates as a change", async () => {
    const result = await run([
      { at: 20, rects: [CURSOR_OLD, CURSOR_NEW] },
      { at: 300, rects: [{ ...CURSOR_NEW, x: 520 }] },
    ], { ignore: ignoreCursor });
    expect(result).toMatchObject({ changed: false, reason: "no-change", elapsedMs: 700, updates: 2, ignoredUpdates: 2 });
  });

  it("does not let a blinking caret pass for a change or hold quiet open", async () => {
    const blinks = [100, 600, 1100, 1600, 2100].map((at) => ({ at, rects: [CARET] }));
    expect(await run(blinks)).toMatchObject({ changed: false, reason: "no-change", elapsedMs: 700 });
    expect(await run([...blinks, { at: 200, rects: [PAGE] }])).toMatchObject({ changed: true, reason: "settled", elapsedMs: 500 });
  });

  it("counts a small real change such as one typed digit", async () => {
    expect(await run([{ at: 30, rects: [{ x: 864, y: 63, width: 32, height: 9 }] }])).toMatchObject({ changed: true, elapsedMs: 330 });
  });

  it("gives up at the cap while the screen keeps changing", async () => {
    const animation = Array.from({ length: 60 }, (_, i) => ({ at: 50 + i * 100, rects: [PAGE] }));
    expect(await run(animation)).toMatchObject({ changed: true, reason: "cap", elapsedMs: 3000 });
    expect(await run(animation, { capMs: 1200 })).toMatchObject({ reason: "cap", elapsedMs: 1200 });
  });

  it("settles after the tail quiet once a small repaint follows big frames, as a scroll's last thumb repaint does", async () => {
    const THUMB = { x: 1907, y: 300, width: 9, height: 40 };
    const frames = [60, 95, 130].map((at) => ({ at, rects: [PAGE] }));
    expect(await run([...frames, { at: 160, rects: [THUMB] }], { quietMs: 300, tailQuietMs: 80 })).toMatchObject({ reason: "settled", lastChangeMs: 160, elapsedMs: 240 });
    // A big frame after the small repaint: the view is moving again, so the full quiet applies.
    expect(await run([...frames, { at: 160, rects: [THUMB] }, { at: 200, rects: [PAGE] }], { quietMs: 300, tailQuietMs: 80 })).toMatchObject({ lastChangeMs: 200, elapsedMs: 500 });
  });

  it("waits the full quiet after a small first change: nothing bigger came before it", async () => {
    expect(await run([{ at: 30, rects: [{ x: 864, y: 63, width: 32, height: 9 }] }], { quietMs: 300, tailQuietMs: 80 })).toMatchObject({ elapsedMs: 330 });
  });

  it("says, whenever quiet starts, how soon the screen will count as settled", async () => {
    const told: number[] = [];
    const THUMB = { x: 1907, y: 300, width: 9, height: 40 };
    await run([{ at: 100, rects: [PAGE] }, { at: 160, rects: [THUMB] }, { at: 190, rects: [CARET] }], { quietMs: 300, tailQuietMs: 80, onQuiet: (ms) => told.push(ms) });
    expect(told).toEqual([300, 80]); // the caret blink changes nothing
  });

  it("misses a change that comes after the change window, by design", async () => {
    expect(await run([{ at: 900, rects: [PAGE] }])).toMatchObject({ changed: false, reason: "no-change", elapsedMs: 700 });
    expect(await run([{ at: 900, rects: [PAGE] }], { changeWindowMs: 1000 })).toMatchObject({ changed: true, elapsedMs: 1200 });
  });

  it("counts an update that arrives while the action is still running", async () => {
    const clock = new FakeClock();
    let emit: (rects: SettleRect[]) => void = () => undefined;
    const screen: UpdateSource = {
      on: (_event, callback) => {
        emit = (rects) => callback({ rects });
        return () => undefined;
      },
    };
    const settled = settleAfter(screen, () => emit([PAGE]), {}, clock);
    await Promise.resolve();
    await clock.advanceTo(5_000);
    expect(await settled).toMatchObject({ changed: true, reason: "settled", firstChangeMs: 0, elapsedMs: 300 });
  });

  it("leaves the update source unsubscribed once it has answered", async () => {
    const clock = new FakeClock();
    let subscribed = 0;
    const screen: UpdateSource = {
      on: () => {
        subscribed++;
        return () => subscribed--;
      },
    };
    const settled = settleAfter(screen, () => undefined, {}, clock);
    await Promise.resolve();
    await clock.advanceTo(1_000);
    await settled;
    expect(subscribed).toBe(0);
  });
});

describe("meaningfulArea", () => {
  it("subtracts ignored regions and skips pseudo-encoding rectangles", () => {
    expect(meaningfulArea([{ x: 0, y: 0, width: 10, height: 10 }], [{ x: 5, y: 5, width: 10, height: 10 }])).toBe(75);
    expect(meaningfulArea([{ x: 0, y: 0, width: 800, height: 600, encoding: -308 }])).toBe(0);
  });

  // As x11vnc sent them on the benchmark's page: a 32-px tile around what changed.
  const tile = (x: number, y: number, damage: SettleRect["damage"]): SettleRect => ({ x, y, width: 32, height: 28, encoding: 16, damage });

  it("counts nothing for a compared rectangle resent unchanged, and the whole rectangle otherwise", () => {
    expect(meaningfulArea([tile(0, 29, null)])).toBe(0);
    expect(meaningfulArea([tile(0, 29, { x: 10, y: 30, width: 8, height: 20 })])).toBe(896);
    // A glyph typed beside the pointer: its damage is inside the pointer's box, its tile is not.
    expect(meaningfulArea([tile(0, 29, { x: 10, y: 30, width: 8, height: 20 })], [{ x: 0, y: 0, width: 16, height: 100 }])).toBe(448);
  });

  it("does not count a caret blinking: every change in one column at most 2 px wide", () => {
    expect(meaningfulArea([tile(0, 29, { x: 22, y: 31, width: 1, height: 24 })])).toBe(0);
    expect(meaningfulArea([tile(0, 29, { x: 22, y: 31, width: 2, height: 24 })])).toBe(0);
  });

  it("counts a caret that moved, a thin glyph typed, or a caret blink beside another change", () => {
    // Typing "l": the glyph where the caret was, the caret one advance to the right, each in its own tile.
    expect(meaningfulArea([tile(0, 29, { x: 30, y: 31, width: 2, height: 24 }), tile(32, 29, { x: 37, y: 31, width: 1, height: 24 })])).toBe(1792);
    expect(meaningfulArea([tile(0, 29, { x: 22, y: 31, width: 1, height: 24 }), tile(1888, 300, { x: 1905, y: 301, width: 10, height: 20 })])).toBe(1792);
    // A thin change in a rectangle the client did not compare (a large one) is not known to be thin: it counts whole.
    expect(meaningfulArea([tile(0, 29, { x: 22, y: 31, width: 1, height: 24 }), { x: 0, y: 100, width: 100, height: 100, encoding: 16 }])).toBe(10_896);
  });
});

describe("settle with a minimum wait", () => {
  it("keeps watching past an early change until the minimum wait, and catches a late reaction", async () => {
    const { settleAfter: settle } = await import("./settle.ts");
    let now = 0;
    const timers: { at: number; fn: () => void }[] = [];
    const clock = {
      now: () => now,
      setTimer: (ms: number, fn: () => void) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return () => timers.splice(timers.indexOf(t), 1);
      },
    };
    const listeners: ((u: { rects: { x: number; y: number; width: number; height: number }[] }) => void)[] = [];
    const source = { on: (_: "update", l: (typeof listeners)[number]) => (listeners.push(l), () => listeners.splice(listeners.indexOf(l), 1)) };
    const advance = (to: number) => {
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > to) break;
        timers.shift();
        now = next.at;
        next.fn();
      }
      now = to;
    };
    const done = settle(source, () => undefined, { minWaitMs: 600, quietMs: 300, changeWindowMs: 700 }, clock);
    await Promise.resolve();
    advance(150);
    for (const l of [...listeners]) l({ rects: [{ x: 0, y: 0, width: 100, height: 100 }] }); // focus ring
    advance(560);
    for (const l of [...listeners]) l({ rects: [{ x: 0, y: 100, width: 1000, height: 800 }] }); // the late reaction
    advance(5000);
    const r = await done;
    expect(r.reason).toBe("settled");
    expect(r.lastChangeMs).toBe(560);
    expect(r.elapsedMs).toBe(860);
  });
});
