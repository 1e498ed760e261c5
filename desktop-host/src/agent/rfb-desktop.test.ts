import { describe, expect, it } from "vitest";
import { Keysym } from "@deskfleet/rfb/keysyms";
import { MULTI_CLICK_GAP_MS } from "@deskfleet/rfb/pointer-buttons";
import { decodePng } from "@deskfleet/rfb/image/png";
import { FakeClock } from "../screen/testing/fake-clock.ts";
import { RfbDesktop, type RfbConnection } from "./rfb-desktop.ts";
import { createInMemoryDesktop, InMemoryScreen } from "./testing/in-memory-screen.ts";

/** Moves a fake clock forward a millisecond at a time, letting the promises of each step run. */
async function runFor(clock: FakeClock, ms: number): Promise<void> {
  const end = clock.now() + ms;
  while (clock.now() < end) {
    await new Promise((r) => setImmediate(r));
    await clock.advanceTo(clock.now() + 1);
  }
}

describe("RfbDesktop over an in-memory screen", () => {
  it("picks the aspect-matched model size and maps model coordinates to screen pixels", async () => {
    const { screen, desktop } = createInMemoryDesktop({ width: 2560, height: 1600 });
    expect(desktop.info().model).toEqual({ width: 1280, height: 800 });
    await desktop.click("right", { x: 1279, y: 0 });
    expect(screen.presses()).toEqual([{ x: 2559, y: 1, buttons: 4 }]);
    expect(desktop.cursorPosition()).toEqual({ x: 1279, y: 0 });
  });

  it("zooms into the full-resolution framebuffer and enlarges a small region crisply", async () => {
    const { screen, desktop } = createInMemoryDesktop({ width: 1920, height: 1080 });
    screen.paint(960, 540, 2, 2, [255, 0, 0]); // a 2x2 red dot, too small to survive downscaling intact
    const shot = await desktop.zoom({ x0: 683, y0: 384, x1: 688, y1: 387 }); // screen pixels 960..967 x 540..544
    const png = decodePng(shot.png);
    expect(shot.width).toBeGreaterThan(500);
    const red = [...Array(png.width * png.height).keys()].filter((i) => png.data[i * 3] === 255 && png.data[i * 3 + 1] === 0);
    const factor = png.height / 5;
    expect(png.width).toBe(8 * factor);
    expect(red.length).toBe(4 * factor * factor); // every red pixel kept, enlarged by a whole factor
  });

  it("presses a combo in order and releases in reverse", async () => {
    const { screen, desktop } = createInMemoryDesktop();
    await desktop.key("ctrl+shift+t");
    const keys = screen.events.flatMap((e) => (e.type === "key" ? [`${e.down ? "+" : "-"}${e.keysym.toString(16)}`] : []));
    expect(keys).toEqual(["+ffe3", "+ffe1", "+54", "-54", "-ffe1", "-ffe3"]);
  });

  it.each([2, 3])("leaves a person's gap before each click after the first of %i, so the server does not see them in one millisecond", async (count) => {
    const clock = new FakeClock();
    const screen = new InMemoryScreen();
    const pressedAt: number[] = [];
    const timed: RfbConnection = {
      framebuffer: screen.framebuffer,
      on: (event, listener) => screen.on(event, listener),
      key: (keysym, down) => screen.key(keysym, down),
      pointer: (x, y, buttons = 0) => {
        if (buttons === 1) pressedAt.push(clock.now());
        return screen.pointer(x, y, buttons);
      },
    };
    const desktop = new RfbDesktop(timed, { clock, settle: { changeWindowMs: 100, quietMs: 50 } });
    const clicked = desktop.click("left", { x: 100, y: 100 }, { count });
    await runFor(clock, count * MULTI_CLICK_GAP_MS + 500);
    await clicked;
    expect(pressedAt.slice(1).map((t, i) => t - pressedAt[i]!)).toEqual(Array(count - 1).fill(MULTI_CLICK_GAP_MS));
  });

  it("holds modifiers around a click and a scroll", async () => {
    const { screen, desktop } = createInMemoryDesktop();
    await desktop.scroll({ x: 10, y: 10 }, "up", 2, "ctrl");
    const downs = screen.events.map((e) => (e.type === "key" ? `k${e.down ? 1 : 0}` : `p${e.buttons}`));
    expect(downs).toEqual(["k1", "p0", "p8", "p0", "p8", "p0", "k0"]);
  });

  it("releases held keys and buttons with releaseAll", async () => {
    const { screen, desktop } = createInMemoryDesktop();
    await desktop.mouseDown("left");
    const hold = desktop.holdKey("alt", 10_000, AbortSignal.timeout(50));
    while (screen.keysDown.size === 0) await new Promise((r) => setTimeout(r, 2));
    await desktop.releaseAll();
    await hold;
    expect(screen.buttons).toBe(0);
    expect(screen.keysDown.has(Keysym.Alt_L)).toBe(false);
  });

  it("reports whether an action visibly changed the screen", async () => {
    const { desktop } = createInMemoryDesktop();
    expect((await desktop.click("left", { x: 100, y: 100 })).changed).toBe(true);
    expect((await desktop.moveMouse({ x: 300, y: 300 })).changed).toBe(false);
  });

  it("changes its fingerprint exactly when the screen changes", () => {
    const { screen, desktop } = createInMemoryDesktop();
    const a = desktop.fingerprint();
    expect(desktop.fingerprint()).toBe(a);
    screen.paint(5, 5, 1, 1, [1, 2, 3]);
    expect(desktop.fingerprint()).not.toBe(a);
  });

  it("watches a click long enough to see the page react 500 ms later, and shows the model the reaction", async () => {
    const clock = new FakeClock();
    const screen = new InMemoryScreen();
    const desktop = new RfbDesktop(screen, { clock }); // the per-action policy of settle-policy.ts
    const click = desktop.click("left", { x: 100, y: 100 });
    clock.setTimer(500, () => screen.paint(0, 300, 1920, 200, [9, 90, 200]));
    await runFor(clock, 1_500);
    expect(await click).toEqual({ changed: true, settleMs: 800 }); // the reaction at 500, then 300 ms of quiet
    const shot = decodePng((await desktop.screenshot()).png);
    expect([...shot.data.subarray(3 * (300 * 1366 + 683), 3 * (300 * 1366 + 683) + 3)]).toEqual([9, 90, 200]);
  });

  it("settles typing by its own, shorter policy", async () => {
    const clock = new FakeClock();
    const desktop = new RfbDesktop(new InMemoryScreen(), { clock });
    const typed = desktop.type("a");
    await runFor(clock, 1_000);
    expect(await typed).toEqual({ changed: true, settleMs: 100 }); // the echo at once, then the typing quiet period
  });

  it("settles typed text with a Return in it as a key, which may submit a form", async () => {
    const clock = new FakeClock();
    const desktop = new RfbDesktop(new InMemoryScreen(), { clock });
    const typed = desktop.type("a\n");
    await runFor(clock, 1_000);
    expect(await typed).toEqual({ changed: true, settleMs: 300 });
  });

  it("settles an editing key 100 ms after its echo, and Return only after 300 ms of quiet", async () => {
    const clock = new FakeClock();
    const screen = new InMemoryScreen();
    const desktop = new RfbDesktop(screen, { clock });
    const selectAll = desktop.key("ctrl+a"); // the in-memory screen echoes the "a" at once
    await runFor(clock, 1_000);
    expect(await selectAll).toEqual({ changed: true, settleMs: 100 });
    const submit = desktop.key("Return");
    clock.setTimer(40, () => screen.paint(0, 200, 1920, 600, [1, 2, 3])); // the page's answer
    await runFor(clock, 1_000);
    expect(await submit).toEqual({ changed: true, settleMs: 340 });
  });

  it("ends a scroll 80 ms after the small repaint that follows its frames, but waits out a stall between frames", async () => {
    const clock = new FakeClock();
    const screen = new InMemoryScreen();
    const desktop = new RfbDesktop(screen, { clock });
    const frame = (at: number, shade: number) => clock.setTimer(at, () => screen.paint(0, 100, 800, 900, [shade, shade, 90]));
    // Frames that move the view, then the scrollbar thumb's last repaint.
    frame(60, 10); frame(95, 20); frame(130, 30);
    clock.setTimer(160, () => screen.paint(1907, 300, 9, 40, [200, 200, 200]));
    const scrolled = desktop.scroll({ x: 300, y: 400 }, "down", 3);
    await runFor(clock, 1_000);
    expect(await scrolled).toEqual({ changed: true, settleMs: 240 });
    // A busy machine: 250 ms between two frames, the view still moving.
    frame(60, 40); frame(310, 50);
    const stalled = desktop.scroll({ x: 300, y: 400 }, "down", 3);
    await runFor(clock, 1_000);
    expect(await stalled).toEqual({ changed: true, settleMs: 610 });
  });

  it("counts text typed right beside a pointer at rest, and leaves the pointer's box out just after it moved there", async () => {
    const clock = new FakeClock();
    const desktop = new RfbDesktop(new InMemoryScreen(), { clock, settle: { changeWindowMs: 100, quietMs: 50 } });
    // The in-memory screen types its glyphs at y 40–56 from x 20: the pointer goes to (30, 45) on the 1920×1080 screen.
    const moved = desktop.moveMouse({ x: 21, y: 32 });
    await runFor(clock, 150);
    await moved;
    const justAfter = desktop.type("a");
    await runFor(clock, 150);
    expect((await justAfter).changed).toBe(false); // a repaint of the pointer could still be on its way
    await runFor(clock, 300);
    const atRest = desktop.type("b");
    await runFor(clock, 150);
    expect(await atRest).toEqual({ changed: true, settleMs: 50 });
  });
});
