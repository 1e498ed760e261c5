/**
 * Action → settled screenshot ready to send, on a real desktop: our host
 * (RFB input, settle on framebuffer updates, scale, PNG) against the method of
 * Anthropic's computer-use demo (xdotool, a fixed 2.0 s sleep, scrot,
 * ImageMagick resize), side by side in one run on the same display. Ours runs
 * through the agent's own RfbDesktop: the action as the model would call it,
 * then `screenshot()`, so the figure is the product's. BENCH_DEBUG=1 prints
 * each of our samples: how it settled, and every framebuffer update while it
 * did as "ms after the action began:pixels". BENCH_X11VNC_ARGS adds x11vnc
 * options (e.g. "-wait 5 -defer 5") to try the VNC server's polling settings.
 * BENCH_ROUNDS sets the rounds (default 10), BENCH_SCROLLS the scrolls of ours
 * per round (default 5: 50 scrolls for the premature count). BENCH_TRACE=<file>
 * writes every sample of ours with every update (rectangles and what changed
 * in them) as JSON lines, to replay settle policies against.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { connectTcp } from "@deskfleet/rfb/node-socket";
import { RfbDesktop } from "deskfleet-host/agent";
import { isCaretLike, pointerRegion, type Rect, type SettleRect, type SettleResult } from "deskfleet-host/screen";
import { chooseTargetSize, screenToModel } from "@deskfleet/rfb/image/scale";
import { decodePng } from "@deskfleet/rfb/image/png";
import { missingXTools, startXDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { startChromiumOnDisplay } from "deskfleet-host/pool";
import { COLORS, serveTestPage } from "./lib/test-page.ts";
import { machineLine, median, round, writeSection } from "./lib/results.ts";

const SCREEN = { width: 1920, height: 1080 };
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 10);
/** Scrolls of ours per round: the premature count needs many, and a scroll of ours costs ~2.5 s where a round costs ~30 s. */
const SCROLLS = Math.max(1, Number(process.env["BENCH_SCROLLS"] ?? 5));
/** How long the screen is watched after our screenshot for a change it came too early for. */
const WATCH_AFTER_MS = 1000;
const TRACE = process.env["BENCH_TRACE"];
const DEMO_SLEEP_MS = 2000;
const PANEL = { x: 1500, y: 700 };
const INERT = { x: 1800, y: 40 };
// Near the field's right end: the caret goes to the end of the text, and the pointer stays clear of what is typed.
const FIELD = { x: 580, y: 40 };
const WHEEL_AT = { x: 400, y: 600 };

type Kind = "late_click" | "type" | "key" | "scroll" | "inert_click";
type Sample = {
  kind: Kind;
  ms: number;
  /** Ours only: paired with a sample of the demo method in the ratio (extra scrolls are not). */
  paired?: boolean;
  settleMs?: number;
  sawChange?: boolean;
  settle?: SettleResult["reason"];
  /** Ours only: from the screen's last change to our screenshot being ready; negative when the screenshot came first. Absent when the screen did not change. */
  overheadMs?: number;
  /** Ours only: when the screen last changed, from the start of the action. */
  lastChangeMs?: number;
  /** Ours only, a screenshot before the last change: did the screen change after it by a tenth or more of its biggest update (the view still moving), or only repaint in place? */
  movedAfter?: boolean;
};
const debug = process.env["BENCH_DEBUG"] ? (...parts: unknown[]) => console.error(...parts) : () => undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pixelAt(rgba: { width: number; data: Uint8Array }, channels: number, x: number, y: number): number[] {
  const i = (y * rgba.width + x) * channels;
  return [rgba.data[i]!, rgba.data[i + 1]!, rgba.data[i + 2]!];
}

const near = (a: number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 6);

/** Where an update changed pixels: pseudo-rectangles and rectangles resent unchanged left out. */
function changedBoxes(rects: readonly SettleRect[]): Rect[] {
  return rects.filter((r) => (r.encoding ?? 0) >= 0 && r.damage !== null).map((r) => r.damage ?? { x: r.x, y: r.y, width: r.width, height: r.height });
}

const inside = (a: Rect, b: Rect) => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

/**
 * The updates in `seen` that really changed the screen, judged here rather than
 * by settle's rules: any changed pixel counts, except an update whose every
 * change is one thin column (a caret blinking) or lies in `pointer` (the
 * pointer's own repaint: x11vnc draws it into the framebuffer, also when it
 * only changes shape).
 */
function realChanges(seen: readonly { at: number; boxes: Rect[] }[], pointer: readonly Rect[]): { at: number; area: number }[] {
  const changes: { at: number; area: number }[] = [];
  for (const { at, boxes } of seen) {
    const union = boxes.reduce((u, b) => ({ x: Math.min(u.x, b.x), y: Math.min(u.y, b.y), width: Math.max(u.x + u.width, b.x + b.width) - Math.min(u.x, b.x), height: Math.max(u.y + u.height, b.y + b.height) - Math.min(u.y, b.y) }));
    if (isCaretLike(union)) continue;
    if (boxes.every((b) => pointer.some((p) => inside(b, p)))) continue;
    changes.push({ at, area: boxes.reduce((a, b) => a + b.width * b.height, 0) });
  }
  return changes;
}

/** The median of values where each has a weight (extra scroll samples weigh less, so the mix stays one of each per round). */
function weightedMedian(xs: readonly { value: number; weight: number }[]): number {
  const s = [...xs].sort((a, b) => a.value - b.value);
  const half = s.reduce((a, x) => a + x.weight, 0) / 2;
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    acc += s[i]!.weight;
    if (Math.abs(acc - half) < 1e-9) return (s[i]!.value + s[i + 1]!.value) / 2;
    if (acc > half) return s[i]!.value;
  }
  return NaN;
}

/** `writeResults: false` for a caller that reports the figures itself (bench/pool.ts runs this under load). */
export async function run(options: { writeResults?: boolean } = {}): Promise<{ ratio: number } & Record<string, unknown>> {
  const missing = [...missingXTools(), ...["chromium", "scrot"].filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0)];
  if (spawnSync("sh", ["-c", "test -x /usr/bin/convert"]).status !== 0) missing.push("imagemagick (/usr/bin/convert)");
  if (missing.length) throw new Error(`the host benchmark needs: ${missing.join(", ")} (apt-get install -y xvfb x11vnc xdotool x11-xserver-utils chromium scrot imagemagick)`);

  const page = await serveTestPage();
  const desktop = await startXDesktop({ ...SCREEN, password: "bench-pass", ...(process.env["BENCH_X11VNC_ARGS"] ? { x11vncArgs: process.env["BENCH_X11VNC_ARGS"].split(" ") } : {}) });
  const chromium = startChromiumOnDisplay(desktop.env, page.url, SCREEN);
  const scratch = mkdtempSync(join(tmpdir(), "deskfleet-bench-host-"));
  let client: RfbClient | null = null;
  try {
    await Promise.race([page.ready, sleep(30_000).then(() => Promise.reject(new Error("the test page did not load in Chromium within 30 s")))]);
    await sleep(1500);
    client = await RfbClient.connect(await connectTcp("127.0.0.1", desktop.port), { password: "bench-pass" });
    const rfb = client;
    await rfb.waitForUpdate({ request: "full", timeoutMs: 5000 });
    const target = chooseTargetSize({ width: rfb.width, height: rfb.height });
    let expect: "a" | "b" = "a";
    let settled: SettleResult | undefined;
    const agent = new RfbDesktop(rfb, { onSettled: (_kind, result) => (settled = result) });
    // The model clicks in screenshot pixels; RfbDesktop maps them back to the screen.
    const at = (p: { x: number; y: number }) => screenToModel(p, target, SCREEN);
    const oursAction = (kind: Kind) =>
      kind === "late_click" ? agent.click("left", at(PANEL))
      : kind === "inert_click" ? agent.click("left", at(INERT))
      : kind === "type" ? agent.type("hello ")
      : kind === "scroll" ? agent.scroll(at(WHEEL_AT), "down", 3)
      : agent.key("ctrl+a");
    // Where the pointer is, so that its own repaint is not taken for the screen changing.
    let pointerAt = { x: 0, y: 0 };
    // Setup, not measured, for both methods: focus the field so typing lands in it.
    const focusField = async () => {
      await agent.click("left", at(FIELD));
      pointerAt = FIELD;
      await sleep(400);
    };
    // Without this the page reaches its end after a few rounds, and later "scrolls" change nothing.
    const scrollToTop = async () => {
      spawnSync("xdotool", ["mousemove", String(WHEEL_AT.x), String(WHEEL_AT.y), "click", "--repeat", "12", "--delay", "5", "4"], { env: desktop.env });
      pointerAt = WHEEL_AT;
      await sleep(900);
    };
    // Every update while an action settles, as "ms after the action began:meaningful area", for BENCH_DEBUG.
    let timeline: string[] = [];
    let t0 = 0;
    if (process.env["BENCH_DEBUG"]) rfb.on("update", ({ rects }) => timeline.push(`${Math.round(performance.now() - t0)}:${rects.reduce((a, r) => a + r.width * r.height, 0)}`));
    // The bench's own watch on the screen, apart from settle: every update that changed pixels, when it arrived.
    let seen: { at: number; boxes: Rect[] }[] = [];
    let traced: { at: number; rects: SettleRect[] }[] = [];
    rfb.on("update", ({ rects }) => {
      const at = performance.now();
      const boxes = changedBoxes(rects);
      if (boxes.length) seen.push({ at, boxes });
      if (TRACE) traced.push({ at: round(at - t0, 1), rects: rects.map((r) => ({ ...r })) });
    });
    if (TRACE) writeFileSync(TRACE, "");
    const demoAction = (kind: Kind) => {
      const args =
        kind === "late_click" ? ["mousemove", String(PANEL.x), String(PANEL.y), "click", "1"]
        : kind === "inert_click" ? ["mousemove", String(INERT.x), String(INERT.y), "click", "1"]
        : kind === "type" ? ["type", "--delay", "12", "hello "]
        : kind === "scroll" ? ["mousemove", String(WHEEL_AT.x), String(WHEEL_AT.y), "click", "--repeat", "3", "5"]
        : ["key", "ctrl+a"];
      spawnSync("xdotool", args, { env: desktop.env });
    };
    const pointerTarget = (kind: Kind) => (kind === "late_click" ? PANEL : kind === "inert_click" ? INERT : kind === "scroll" ? WHEEL_AT : pointerAt);

    const ours: Sample[] = [];
    const demo: Sample[] = [];
    const kinds: Kind[] = ["late_click", "type", "key", "scroll", "inert_click"];

    /** One action of ours, then the screenshot, as the agent calls them; the screen is watched on for WATCH_AFTER_MS. */
    const measureOurs = async (kind: Kind, paired: boolean): Promise<Sample> => {
      // Every scroll starts from the top of the page, so each one really scrolls (setup, not measured, for both methods).
      if (kind === "scroll") await scrollToTop();
      const from = pointerAt;
      const to = pointerTarget(kind);
      timeline = [];
      traced = [];
      seen = [];
      t0 = performance.now();
      await oursAction(kind);
      pointerAt = to;
      const settledAt = performance.now();
      const screenshot = await agent.screenshot();
      const ready = performance.now();
      const sample: Sample = { kind, ms: ready - t0, paired, settleMs: settled!.elapsedMs, settle: settled!.reason };
      debug(kind, Math.round(sample.ms), `screenshot ${Math.round(ready - settledAt)} ms`, JSON.stringify(settled), timeline.join(" "));
      if (kind === "late_click") {
        expect = expect === "a" ? "b" : "a";
        const img = decodePng(screenshot.png);
        const sx = Math.round((PANEL.x * img.width) / rfb.width);
        const sy = Math.round(((PANEL.y + 150) * img.height) / rfb.height);
        sample.sawChange = near(pixelAt(img, img.channels, sx, sy), COLORS[expect]);
        debug("ours sample", pixelAt(img, img.channels, sx, sy), "expected", COLORS[expect], img.width, img.height, img.channels);
      }
      // Watch on, so a change after our screenshot is seen; this also keeps the late change of one side out of the other's measurement.
      await sleep(WATCH_AFTER_MS);
      const pointer = [pointerRegion(from), pointerRegion(to)];
      const changes = realChanges(seen, pointer);
      const last = changes.at(-1)?.at;
      if (last !== undefined) {
        sample.overheadMs = ready - last;
        sample.lastChangeMs = last - t0;
      }
      if (last !== undefined && last > ready) {
        const biggest = Math.max(...changes.map((c) => c.area));
        const after = changes.filter((c) => c.at > ready);
        sample.movedAfter = after.some((c) => c.area >= biggest / 10);
        debug(kind, `the screen changed after our screenshot was ready:`, after.map((c) => `+${Math.round(c.at - ready)} ms ${c.area} px`).join(", "));
      }
      if (TRACE) appendFileSync(TRACE, JSON.stringify({ kind, actionEndMs: round(settledAt - t0 - settled!.elapsedMs, 1), settled, readyMs: round(ready - t0, 1), lastChangeMs: last === undefined ? null : round(last - t0, 1), pointer, updates: traced }) + "\n");
      return sample;
    };

    // Focus the field once so typing lands in it for both methods.
    await focusField();
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      for (const kind of kinds) {
        // Typing needs the field focused; clicking it is setup, not measured, for both methods.
        if (kind === "type" || kind === "key") await focusField();
        ours.push(await measureOurs(kind, true));

        // The demo's method
        const shot = join(scratch, "shot.png");
        const small = join(scratch, "small.png");
        if (kind === "scroll") await scrollToTop();
        const d0 = performance.now();
        demoAction(kind);
        pointerAt = pointerTarget(kind);
        await sleep(DEMO_SLEEP_MS);
        spawnSync("scrot", ["-o", shot], { env: desktop.env });
        spawnSync("/usr/bin/convert", [shot, "-resize", `${target.width}x${target.height}!`, "-define", "png:color-type=2", small]);
        const dms = performance.now() - d0;
        const dsample: Sample = { kind, ms: dms };
        if (kind === "late_click") {
          expect = expect === "a" ? "b" : "a";
          const img = decodePng(new Uint8Array(readFileSync(small)));
          const sx = Math.round((PANEL.x * img.width) / rfb.width);
          const sy = Math.round(((PANEL.y + 150) * img.height) / rfb.height);
          dsample.sawChange = near(pixelAt(img, img.channels, sx, sy), COLORS[expect]);
        }
        demo.push(dsample);
        await sleep(900);
        if (kind === "type" || kind === "key") await focusField();
        // More scrolls of ours for the premature count, unpaired: the ratio weighs them so the mix stays one of each kind per round.
        if (kind === "scroll") for (let extra = 1; extra < SCROLLS; extra++) ours.push(await measureOurs(kind, false));
      }
    }

    const of = (xs: Sample[], k: Kind) => xs.filter((s) => s.kind === k);
    const byKind = (xs: Sample[], value: (s: Sample) => number | undefined = (s) => s.ms) =>
      Object.fromEntries(kinds.map((k) => {
        const values = of(xs, k).map(value).filter((v): v is number => v !== undefined);
        return [k, values.length ? round(median(values), 1) : null];
      }));
    const premature = Object.fromEntries(kinds.map((k) => [k, `${of(ours, k).filter((s) => s.overheadMs !== undefined && s.overheadMs < 0).length}/${of(ours, k).length}`]));
    const movedAfter = Object.fromEntries(kinds.map((k) => [k, of(ours, k).filter((s) => s.movedAfter).length]));
    const noChange = Object.fromEntries(kinds.map((k) => [k, of(ours, k).filter((s) => s.overheadMs === undefined).length]));
    const lateOk = (xs: Sample[]) => `${xs.filter((s) => s.kind === "late_click" && s.sawChange).length}/${xs.filter((s) => s.kind === "late_click").length}`;
    // Each kind weighs the same in the mix: a scroll sample weighs 1/SCROLLS.
    const oursMedian = weightedMedian(ours.map((s) => ({ value: s.ms, weight: 1 / of(ours, s.kind).length })));
    const oursPairedMedian = median(ours.filter((s) => s.paired).map((s) => s.ms));
    const demoMedian = median(demo.map((s) => s.ms));
    const result = {
      screen: SCREEN,
      target,
      rounds: ROUNDS,
      scrollsPerRound: SCROLLS,
      ours: {
        medianMs: round(oursMedian, 1),
        pairedMedianMs: round(oursPairedMedian, 1),
        byKindMs: byKind(ours),
        settleByKindMs: byKind(ours, (s) => s.settleMs),
        overheadByKindMs: byKind(ours, (s) => s.overheadMs),
        premature,
        movedAfter,
        noChange,
        lateChangeCaptured: lateOk(ours),
        // When the panel's late change reached us: on a busy machine the page's own 500 ms timer fires late.
        lateChangeArrivedMs: { median: round(median(of(ours, "late_click").map((s) => s.lastChangeMs ?? NaN)), 0), max: round(Math.max(...of(ours, "late_click").map((s) => s.lastChangeMs ?? NaN)), 0) },
      },
      reference: { method: "xdotool + sleep 2.0 s + scrot + ImageMagick resize", medianMs: round(demoMedian, 1), byKindMs: byKind(demo), lateChangeCaptured: lateOk(demo) },
      ratio: round(oursMedian / demoMedian, 3),
      pairedRatio: round(oursPairedMedian / demoMedian, 3),
      target_ratio: 0.15,
    };
    const cell = (v: number | null | undefined) => (v == null ? "–" : String(v));
    if (options.writeResults !== false) writeSection(
      "host: action to settled screenshot",
      [
        `${machineLine()} Screen ${SCREEN.width}×${SCREEN.height} (Xvfb + x11vnc), model size ${target.width}×${target.height}, ${ROUNDS} rounds: each action once a round for both methods, and ${SCROLLS} scrolls of ours a round (${SCROLLS * ROUNDS} in all).`,
        "",
        "| action | ours (ms, median) | of which settling | overhead: last change → our screenshot ready (ms, median) | screenshots before the last change (of which the view still moved) | demo method (ms, median) |",
        "|---|---|---|---|---|---|",
        ...kinds.map((k) => `| ${k} | ${cell(result.ours.byKindMs[k])} | ${cell(result.ours.settleByKindMs[k])} | ${noChange[k] === of(ours, k).length ? "no change" : cell(result.ours.overheadByKindMs[k])} | ${premature[k]} (${movedAfter[k]}) | ${cell(result.reference.byKindMs[k])} |`),
        `| **all** | **${result.ours.medianMs}** | | | | **${result.reference.medianMs}** |`,
        "",
        `Ratio ours / demo: **${result.ratio}** (target ≤ 0.15; ${result.pairedRatio} on the paired samples alone, one scroll a round). A panel that changes 500 ms after a click was captured after the change: ours ${result.ours.lateChangeCaptured}, demo ${result.reference.lateChangeCaptured}; the change reached us ${result.ours.lateChangeArrivedMs.median} ms after our click at the median, ${result.ours.lateChangeArrivedMs.max} at the latest.`,
        "",
        `Ours is measured through the agent's own \`RfbDesktop\`: the action as the model calls it, then \`screenshot()\`. The median of the mix weighs each kind the same (a scroll of ours weighs 1/${SCROLLS}); the demo method runs once per kind a round, alternating with ours. Every scroll starts from the top of the page (set up untimed for both methods), so each one really moves it. **Overhead** is what is left to win: from the screen's last change to our screenshot being ready, the physical limit being a screenshot the moment the last change arrives. The bench watches the framebuffer updates itself, apart from settle's rules, until ${WATCH_AFTER_MS} ms after our screenshot: any changed pixel counts, except a caret blinking (one thin column) and the pointer's own repaint (x11vnc draws the pointer into the framebuffer). A screenshot ready before the last change counts in the next column; "the view still moved" when a change after it was at least a tenth of the sample's biggest update (a scroll frame), as against a repaint in place (a scrollbar thumb, row edges re-rastered). inert_click's last change is the text field losing its focus ring, ~70 ms after the click; a click must still be watched long enough for a reaction 500 ms late, so its overhead is that watch.`,
        "",
        "Settle policy (`desktop-host/src/screen/settle-policy.ts`): a click watches at least 600 ms, then 300 ms of quiet after the last change; a key that may start something (Return, Tab, arrows, shortcuts) 300 ms of quiet, an editing key (the bench's ctrl+a, BackSpace, copy, paste) and typed text 100 ms after their echo; a scroll 300 ms after a frame that moves the view, but 80 ms after a tail repaint (an update under a tenth of the biggest so far: the scrollbar thumb's last position, text re-rastered in place). An action that changes nothing waits its whole change window (700 ms for clicks and keys, 300 ms for typing, 400 ms for scrolling). A blinking caret counts as no change: the client compares each small rectangle with what it replaced. x11vnc runs with `-noscr` (its scroll detection held a Chromium scroll's first frame back ~160 ms in half the scrolls). The screenshot (the model-size copy of the framebuffer, kept current per update rectangle, and its PNG) is made ahead 50 ms before the settle will answer, or once the screen is quiet for 100 ms if that comes sooner; the difference between the first two columns is what remained to do when asked.",
      ].join("\n"),
    );
    return result;
  } finally {
    client?.close();
    await chromium.stop().catch(() => undefined); // whatever happens here, the desktop below must stop
    await desktop.stop();
    await page.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
