import Anthropic from "@anthropic-ai/sdk";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedAnthropic, text, toolsetCall, type ScriptedAnthropic } from "../../../test-support/scripted-anthropic/index.ts";
import { connectTcp } from "@deskfleet/rfb/node-socket";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { missingXTools, startXDesktop, type XDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { decodePng } from "@deskfleet/rfb/image/png";
import { scaleRgba, type RgbaImage } from "@deskfleet/rfb/image/scale";
import { RfbDesktop } from "./rfb-desktop.ts";
import { createComputerUseRunner } from "./runner.ts";
import { RecordingContext } from "./testing/recording-context.ts";

// The loop driving a real desktop: Xvfb + x11vnc (with a password) + Chromium
// showing a page that reports its input events back over HTTP.
// Needs: apt-get install -y xvfb x11vnc xdotool chromium x11-xserver-utils x11-apps
const missing = [...missingXTools(), ...["chromium", "xwd"].filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0)];
if (missing.length > 0) console.warn(`Skipping the live agent desktop test: ${missing.join(", ")} not installed (apt-get install -y xvfb x11vnc xdotool chromium x11-xserver-utils x11-apps).`);

const PASSWORD = "agentpass";
const W = 1600;
const H = 1000; // shown to the model at 1280x800: every coordinate is scaled by 0.8

const PAGE = `<!doctype html><meta charset="utf-8"><title>deskfleet live</title>
<style>body{margin:0;background:#fff;font:16px sans-serif;overflow:hidden}div,input{position:absolute;box-sizing:border-box}</style>
<div id="btn" style="left:100px;top:100px;width:200px;height:80px;background:#3366cc"></div>
<input id="field" style="left:100px;top:250px;width:500px;height:40px;font-size:20px">
<div id="scroller" style="left:700px;top:100px;width:400px;height:300px;overflow:auto;background:#eee"><div style="position:static;height:3000px"></div></div>
<div id="drag" style="left:100px;top:500px;width:80px;height:80px;background:#cc3333"></div>
<div id="drop" style="left:600px;top:500px;width:200px;height:200px;background:#33cc33"></div>
<div id="tiny" style="left:1200px;top:700px;font-size:9px;color:#000">tiny print 42</div>
<script>
const send = (e) => fetch("/event", { method: "POST", body: JSON.stringify(e), keepalive: true });
const at = (e) => ({ x: e.screenX, y: e.screenY, target: e.target.id || e.target.tagName });
addEventListener("click", (e) => send({ type: "click", ...at(e) }), true);
addEventListener("mousedown", (e) => send({ type: "mousedown", button: e.button, ...at(e) }), true);
addEventListener("mouseup", (e) => send({ type: "mouseup", button: e.button, ...at(e) }), true);
addEventListener("mousemove", (e) => { if (e.buttons & 1) send({ type: "drag-move", ...at(e) }); }, true);
addEventListener("keydown", (e) => send({ type: "keydown", key: e.key, ctrl: e.ctrlKey }), true);
addEventListener("wheel", (e) => send({ type: "wheel", deltaY: e.deltaY, ...at(e) }), { capture: true, passive: true });
document.getElementById("field").addEventListener("input", (e) => send({ type: "input", value: e.target.value }));
const size = () => send({ type: "size", width: innerWidth, height: innerHeight });
addEventListener("resize", size); addEventListener("load", size);
</script>`;

type PageEvent = { type: string; x?: number; y?: number; target?: string; value?: string; key?: string; ctrl?: boolean; deltaY?: number; width?: number; height?: number };

describe.skipIf(missing.length > 0)(`the computer-use loop on a live desktop${missing.length ? ` (skipped: ${missing.join(", ")} missing)` : ""}`, () => {
  let desktop: XDesktop | undefined;
  let page: Server | undefined;
  let chromium: ChildProcess | undefined;
  let profile: string | undefined;
  let rfb: RfbClient | undefined;
  let model: ScriptedAnthropic | undefined;
  const events: PageEvent[] = [];

  const poll = async (check: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return check();
  };

  beforeAll(async () => {
    page = createServer((req, res) => {
      if (req.method === "POST" && req.url === "/event") {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => { events.push(JSON.parse(body) as PageEvent); res.end("ok"); });
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
    });
    await new Promise<void>((r) => page!.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
    desktop = await startXDesktop({ width: W, height: H, password: PASSWORD });
    profile = mkdtempSync(join(tmpdir(), "deskfleet-chromium-"));
    chromium = spawn("chromium", ["--no-sandbox", "--kiosk", "--no-first-run", "--no-default-browser-check", "--disable-gpu",
      "--disable-features=Translate", "--password-store=basic", `--user-data-dir=${profile}`, "--window-position=0,0",
      `--window-size=${W},${H}`, "--force-device-scale-factor=1", url], { env: desktop.env, stdio: "ignore" });
    // Without a window manager the kiosk window may miss a pixel at the edge; positions are checked in screen coordinates.
    const full = await poll(() => events.some((e) => e.type === "size" && e.width! >= W - 4 && e.height! >= H - 4), 30_000);
    if (!full) throw new Error(`Chromium did not fill the ${W}x${H} screen: ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 500)); // let the first paint reach the screen
    rfb = await RfbClient.connect(await connectTcp("127.0.0.1", desktop.port), { password: PASSWORD });
    await rfb.waitForUpdate({ timeoutMs: 5_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
  }, 60_000);

  afterAll(async () => {
    await model?.close();
    await rfb?.close();
    if (chromium && chromium.exitCode === null) {
      const exited = new Promise((r) => chromium!.once("exit", r));
      chromium.kill("SIGTERM");
      await exited;
    }
    await desktop?.stop();
    await new Promise<void>((r) => (page ? page.close(() => r()) : r()));
    if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  }, 20_000);

  it("clicks, types Unicode, presses a combo, scrolls, drags and zooms where the page sees them, and shows the model the real screen", async () => {
    const m = (x: number, y: number) => [Math.round(x * 0.8), Math.round(y * 0.8)]; // screen → model pixels
    model = await startScriptedAnthropic({ script: [
      toolsetCall("left_click", { coordinate: m(200, 140) }),
      toolsetCall("left_click", { coordinate: m(350, 270) }),
      toolsetCall("type", { text: "Grüße ✓ 日本" }),
      toolsetCall("key", { text: "ctrl+a" }),
      toolsetCall("scroll", { coordinate: m(900, 250), scroll_direction: "down", scroll_amount: 3 }),
      toolsetCall("left_click_drag", { start_coordinate: m(140, 540), coordinate: m(700, 600) }),
      toolsetCall("zoom", { region: [...m(1200, 700), ...m(1300, 750)] }),
      toolsetCall("screenshot"),
      text("Done."),
    ] });
    const agentDesktop = new RfbDesktop(rfb!);
    const runner = createComputerUseRunner({ client: new Anthropic({ baseURL: model.url, apiKey: "test" }), desktop: agentDesktop, model: "claude-sonnet-4-6" });
    const ctx = new RecordingContext({ id: "tsk_live00000001", prompt: "Exercise the test page." });

    const outcome = await runner.run(ctx);
    model.assertNoRejections();
    expect(outcome).toEqual({ status: "completed", result: "Done." });
    await poll(() => events.some((e) => e.type === "mouseup" && e.target !== "btn" && e.target !== "INPUT"), 3_000);

    const near = (e: PageEvent | undefined, x: number, y: number) => e !== undefined && Math.abs(e.x! - x) <= 1 && Math.abs(e.y! - y) <= 1;
    const clicks = events.filter((e) => e.type === "click");
    expect(near(clicks.find((e) => e.target === "btn"), 200, 140)).toBe(true);
    expect(near(clicks.find((e) => e.target === "field"), 350, 270)).toBe(true);
    expect(events.filter((e) => e.type === "input").at(-1)?.value).toBe("Grüße ✓ 日本");
    expect(events.some((e) => e.type === "keydown" && e.key === "a" && e.ctrl === true)).toBe(true);
    // Chromium may coalesce wheel notches that arrive within a frame: compare their sum with one xdotool notch.
    const wheels = events.filter((e) => e.type === "wheel");
    for (const w of wheels) expect(near(w, 900, 250) && w.deltaY! > 0).toBe(true);
    const before = events.length;
    desktop!.run("xdotool", ["mousemove", "900", "250", "click", "5"]);
    await poll(() => events.slice(before).some((e) => e.type === "wheel"), 3_000);
    const notch = events.slice(before).find((e) => e.type === "wheel")!.deltaY!;
    expect(wheels.reduce((sum, w) => sum + w.deltaY!, 0)).toBeCloseTo(3 * notch, 5);
    const down = events.findLast((e) => e.type === "mousedown");
    const up = events.findLast((e) => e.type === "mouseup");
    expect(near(down, 140, 540) && down!.target === "drag").toBe(true);
    expect(near(up, 700, 600)).toBe(true);
    expect(events.filter((e) => e.type === "drag-move").length).toBeGreaterThanOrEqual(3);
    expect(events.filter((e) => e.type === "mousedown")).toHaveLength(3); // button, field, drag: nothing else pressed

    // Zoom: screen region 1200..1300 x 700..750 at full resolution, enlarged 12x, with the tiny text's dark pixels in it.
    const shots = ctx.of("screenshot");
    expect(shots.map((s) => [s["width"], s["height"]])).toEqual([[1280, 800], [1200, 600], [1280, 800]]);
    const zoom = decodePng(ctx.uploads[1]!);
    expect(countDark(zoom.data, 3)).toBeGreaterThan(100);

    // The last screenshot the model got matches the display, captured independently with xwd.
    const sent = decodePng(ctx.uploads[2]!);
    const display = scaleRgba(readXwd(spawnSync("xwd", ["-root", "-silent"], { env: desktop!.env, maxBuffer: 64 * 1024 * 1024 }).stdout), { width: 1280, height: 800 });
    let off = 0;
    for (let i = 0, j = 0; i < display.data.length; i += 4, j += 3) {
      const d = Math.abs(display.data[i]! - sent.data[j]!) + Math.abs(display.data[i + 1]! - sent.data[j + 1]!) + Math.abs(display.data[i + 2]! - sent.data[j + 2]!);
      if (d > 24) off++;
    }
    expect(off / (1280 * 800)).toBeLessThan(0.002); // the cursor and a caret blink at most
    expect(sent.data[3 * (112 * 1280 + 160)]).toBe(0x33); // the blue button, red channel, where the model clicked
  }, 90_000);
});

function countDark(data: Uint8Array, channels: number): number {
  let n = 0;
  for (let i = 0; i < data.length; i += channels) if (data[i]! < 80 && data[i + 1]! < 80 && data[i + 2]! < 80) n++;
  return n;
}

/** A 24/32-bit TrueColor XWD dump (xwd -root) as RGBA. */
function readXwd(buf: Buffer): RgbaImage {
  const u = (i: number) => buf.readUInt32BE(i * 4);
  const [headerSize, width, height, byteOrder, bpp, bytesPerLine, red, green, blue, ncolors] = [u(0), u(4), u(5), u(7), u(11), u(12), u(14), u(15), u(16), u(19)];
  if (bpp !== 32) throw new Error(`xwd: ${bpp} bits per pixel not supported`);
  const start = headerSize + ncolors * 12;
  const shift = (mask: number) => Math.log2(mask & -mask);
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = start + y * bytesPerLine + x * 4;
      const p = byteOrder === 0 ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
      const o = (y * width + x) * 4;
      out[o] = (p & red) >>> shift(red);
      out[o + 1] = (p & green) >>> shift(green);
      out[o + 2] = (p & blue) >>> shift(blue);
      out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}
