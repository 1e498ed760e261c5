import Anthropic from "@anthropic-ai/sdk";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedAnthropic, text, toolsetCall, type ScriptedAnthropic } from "../../../test-support/scripted-anthropic/index.ts";
import { performInput } from "@deskfleet/rfb/desktop-actions";
import { connectTcp } from "@deskfleet/rfb/node-socket";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { missingXTools, startXDesktop, VNC_SERVERS, type XDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { decodePng } from "@deskfleet/rfb/image/png";
import { scaleRgba, type RgbaImage } from "@deskfleet/rfb/image/scale";
import { RfbDesktop } from "./rfb-desktop.ts";
import { createComputerUseRunner } from "./runner.ts";
import { RecordingContext } from "./testing/recording-context.ts";

// The loop driving a real desktop, on each VNC server we support: Xvfb +
// x11vnc, and TigerVNC's Xvnc, each with a password, openbox and Chromium
// showing a page that reports its input events back over HTTP. The servers
// turn keysyms and clicks into X input differently, so every action runs on both.
// Needs: apt-get install -y xvfb x11vnc tigervnc-standalone-server tigervnc-tools openbox xdotool chromium x11-xserver-utils x11-apps
const missing = [...missingXTools({ servers: VNC_SERVERS, windowManager: true }), ...["chromium", "xwd"].filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0)];
if (missing.length > 0) console.warn(`Skipping the live agent desktop test: ${missing.join(", ")} not installed (apt-get install -y xvfb x11vnc tigervnc-standalone-server tigervnc-tools openbox xdotool chromium x11-xserver-utils x11-apps).`);

const PASSWORD = "agentpas"; // VNC authentication uses 8 characters at most
const W = 1600;
const H = 1000; // shown to the model at 1280x800: every coordinate is scaled by 0.8

const PAGE = `<!doctype html><meta charset="utf-8"><title>deskfleet live</title>
<style>body{margin:0;background:#fff;font:16px sans-serif;overflow:hidden}div,input{position:absolute;box-sizing:border-box}</style>
<div id="btn" style="left:100px;top:100px;width:200px;height:80px;background:#3366cc"></div>
<div id="dbl" style="left:350px;top:100px;width:200px;height:80px;background:#cc9933"></div>
<input id="field" style="left:100px;top:250px;width:500px;height:40px;font-size:20px">
<div id="scroller" style="left:700px;top:100px;width:400px;height:300px;overflow:auto;background:#eee"><div style="position:static;height:3000px"></div></div>
<div id="drag" style="left:100px;top:500px;width:80px;height:80px;background:#cc3333"></div>
<div id="drop" style="left:600px;top:500px;width:200px;height:200px;background:#33cc33"></div>
<div id="tiny" style="left:1200px;top:700px;font-size:9px;color:#000">tiny print 42</div>
<script>
let seq = 0;
const send = (e) => fetch("/event", { method: "POST", body: JSON.stringify({ seq: seq++, ...e }), keepalive: true });
const at = (e) => ({ x: e.screenX, y: e.screenY, target: e.target.id || e.target.tagName });
addEventListener("click", (e) => send({ type: "click", detail: e.detail, ...at(e) }), true);
addEventListener("dblclick", (e) => send({ type: "dblclick", ...at(e) }), true);
addEventListener("mousedown", (e) => send({ type: "mousedown", button: e.button, ...at(e) }), true);
addEventListener("mouseup", (e) => send({ type: "mouseup", button: e.button, ...at(e) }), true);
addEventListener("mousemove", (e) => { if (e.buttons & 1) send({ type: "drag-move", ...at(e) }); }, true);
addEventListener("keydown", (e) => send({ type: "keydown", key: e.key, ctrl: e.ctrlKey, shift: e.shiftKey }), true);
addEventListener("wheel", (e) => send({ type: "wheel", deltaY: e.deltaY, ...at(e) }), { capture: true, passive: true });
document.getElementById("field").addEventListener("input", (e) => send({ type: "input", value: e.target.value }));
const size = () => send({ type: "size", width: innerWidth, height: innerHeight });
addEventListener("resize", size); addEventListener("load", size);
</script>`;

// A second tab to close and reopen; it says when it is the one on screen.
const SECOND_PAGE = `<!doctype html><meta charset="utf-8"><title>deskfleet second tab</title>
<script>
const shown = () => { if (document.visibilityState === "visible") fetch("/event", { method: "POST", body: JSON.stringify({ type: "second-shown" }), keepalive: true }); };
addEventListener("load", shown); document.addEventListener("visibilitychange", shown);
</script>`;

type PageEvent = {
  /** Order in which the test page sent it (the second tab's one event has none). */
  seq?: number;
  type: string; x?: number; y?: number; target?: string; value?: string; key?: string; ctrl?: boolean; shift?: boolean;
  detail?: number; deltaY?: number; width?: number; height?: number;
};
type Tab = { type: string; url: string };

/** The page's keydowns of the K key, as the page saw them. */
const kKeys = (events: readonly PageEvent[]) =>
  events.filter((e) => e.type === "keydown" && e.key?.toLowerCase() === "k").map(({ key, ctrl, shift }) => ({ key, ctrl, shift }));

const poll = async (check: () => boolean | Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return await check();
};

describe.skipIf(missing.length > 0).each(VNC_SERVERS)(`the computer-use loop on a live desktop served by %s${missing.length ? ` (skipped: ${missing.join(", ")} missing)` : ""}`, (server) => {
  let desktop: XDesktop | undefined;
  let page: Server | undefined;
  let url = "";
  let chromium: ChildProcess | undefined;
  let profile: string | undefined;
  let rfb: RfbClient | undefined;
  let model: ScriptedAnthropic | undefined;
  const events: PageEvent[] = [];
  /** The page's events sent after the one numbered `seq`. */
  const sentAfter = (seq: number) => events.filter((e) => e.seq !== undefined && e.seq > seq);
  const lastSeq = () => Math.max(-1, ...events.map((e) => e.seq ?? -1));

  /** Chromium's tabs, from its remote debugging port (the port it chose is in the profile). */
  const devtools = async (path: string, method = "GET"): Promise<unknown> => {
    const port = readFileSync(join(profile!, "DevToolsActivePort"), "utf8").split("\n")[0];
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
    if (!res.ok) throw new Error(`Chromium's ${method} ${path} answered ${res.status}: ${await res.text()}`);
    return await res.json();
  };
  const tabUrls = async () => ((await devtools("/json/list")) as Tab[]).filter((t) => t.type === "page").map((t) => t.url).sort();

  beforeAll(async () => {
    page = createServer((req, res) => {
      if (req.method === "POST" && req.url === "/event") {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          // Each event is its own request and they may arrive out of order: keep the page's order.
          const event = JSON.parse(body) as PageEvent;
          const after = event.seq === undefined ? -1 : events.findLastIndex((e) => e.seq === undefined || e.seq < event.seq!);
          events.splice(event.seq === undefined ? events.length : after + 1, 0, event);
          res.end("ok");
        });
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(req.url === "/second" ? SECOND_PAGE : PAGE);
    });
    await new Promise<void>((r) => page!.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
    desktop = await startXDesktop({ server, width: W, height: H, password: PASSWORD, windowManager: true });
    profile = mkdtempSync(join(tmpdir(), "deskfleet-chromium-"));
    chromium = spawn("chromium", ["--no-sandbox", "--kiosk", "--no-first-run", "--no-default-browser-check", "--disable-gpu",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-features=Translate",
      "--password-store=basic", `--user-data-dir=${profile}`, "--remote-debugging-port=0", "--window-position=0,0",
      `--window-size=${W},${H}`, "--force-device-scale-factor=1", url], { env: desktop.env, stdio: "ignore" });
    // Positions are checked in screen coordinates, so the kiosk window may miss a pixel at an edge.
    const full = await poll(() => events.some((e) => e.type === "size" && e.width! >= W - 4 && e.height! >= H - 4), 60_000);
    if (!full) throw new Error(`Chromium did not fill the ${W}x${H} screen: ${JSON.stringify(events)}`);
    if (!(await poll(() => existsSync(join(profile!, "DevToolsActivePort")), 10_000))) throw new Error("Chromium did not open its remote debugging port");
    rfb = await RfbClient.connect(await connectTcp("127.0.0.1", desktop.port), { password: PASSWORD });
    // The page's first paint: the blue button is on the screen the client sees.
    const painted = await poll(() => rfb!.framebuffer.getPixel(150, 110).join(",") === "51,102,204", 20_000);
    if (!painted) throw new Error(`the test page did not appear on ${server}'s screen`);
  }, 120_000);

  afterAll(async () => {
    await model?.close();
    await rfb?.close();
    if (chromium && chromium.exitCode === null) {
      const exited = new Promise((r) => chromium!.once("exit", r));
      chromium.kill("SIGTERM");
      const timer = setTimeout(() => chromium!.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await desktop?.stop();
    await new Promise<void>((r) => (page ? page.close(() => r()) : r()));
    // Chromium's helper processes may still write to the profile for a moment after the browser exits.
    if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }, 30_000);

  it("clicks, double-clicks, types Unicode, presses combos, scrolls, drags and zooms where the page sees them, and shows the model the real screen", async () => {
    const m = (x: number, y: number) => [Math.round(x * 0.8), Math.round(y * 0.8)]; // screen → model pixels
    model = await startScriptedAnthropic({ script: [
      toolsetCall("left_click", { coordinate: m(200, 140) }),
      toolsetCall("double_click", { coordinate: m(450, 140) }),
      toolsetCall("left_click", { coordinate: m(350, 270) }),
      toolsetCall("type", { text: "Grüße ✓ 日本" }),
      toolsetCall("key", { text: "ctrl+a" }),
      toolsetCall("key", { text: "ctrl+shift+k" }),
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
    await poll(() => events.some((e) => e.type === "mouseup" && e.target === "drop"), 10_000);

    const near = (e: PageEvent | undefined, x: number, y: number) => e !== undefined && Math.abs(e.x! - x) <= 1 && Math.abs(e.y! - y) <= 1;
    const clicks = events.filter((e) => e.type === "click");
    expect(near(clicks.find((e) => e.target === "btn"), 200, 140)).toBe(true);
    expect(near(clicks.find((e) => e.target === "field"), 350, 270)).toBe(true);
    // A double click is one gesture to the page: the second click counts as the second (detail 2), and dblclick fires once.
    expect(clicks.filter((e) => e.target === "dbl").map((e) => e.detail)).toEqual([1, 2]);
    const dblclicks = events.filter((e) => e.type === "dblclick");
    expect(dblclicks).toHaveLength(1);
    expect(near(dblclicks[0], 450, 140) && dblclicks[0]!.target === "dbl").toBe(true);
    const inputs = () => events.filter((e) => e.type === "input").map((e) => e.value);
    await poll(() => inputs().at(-1) === "Grüße ✓ 日本", 10_000);
    expect(inputs().at(-1), JSON.stringify(inputs())).toBe("Grüße ✓ 日本");
    expect(events.some((e) => e.type === "keydown" && e.key === "a" && e.ctrl === true && e.shift === false)).toBe(true);
    // ctrl+shift+k arrives with all three, as from a keyboard: neither Shift dropped nor Caps Lock toggled to make a lowercase k.
    expect(kKeys(events)).toEqual([{ key: "K", ctrl: true, shift: true }]);
    expect(desktop!.run("xset", ["q"])).toMatch(/Caps Lock:\s+off/);
    // Chromium may coalesce wheel notches that arrive within a frame: compare their sum with one xdotool notch.
    const wheels = events.filter((e) => e.type === "wheel");
    for (const w of wheels) expect(near(w, 900, 250) && w.deltaY! > 0).toBe(true);
    const before = lastSeq();
    desktop!.run("xdotool", ["mousemove", "900", "250", "click", "5"]);
    await poll(() => sentAfter(before).some((e) => e.type === "wheel"), 10_000);
    const notch = sentAfter(before).find((e) => e.type === "wheel")!.deltaY!;
    expect(wheels.reduce((sum, w) => sum + w.deltaY!, 0)).toBeCloseTo(3 * notch, 5);
    const down = events.findLast((e) => e.type === "mousedown");
    const up = events.findLast((e) => e.type === "mouseup");
    expect(near(down, 140, 540) && down!.target === "drag").toBe(true);
    expect(near(up, 700, 600)).toBe(true);
    expect(events.filter((e) => e.type === "drag-move").length).toBeGreaterThanOrEqual(3);
    // Nothing pressed but what the model asked for.
    expect(events.filter((e) => e.type === "mousedown").map((e) => e.target)).toEqual(["btn", "dbl", "dbl", "field", "drag"]);

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
  }, 180_000);

  it("double-clicks and presses ctrl+shift+k through the desktop API as the page expects", async () => {
    const from = lastSeq();
    await performInput(rfb!, { action: "double_click", x: 450, y: 140 });
    await performInput(rfb!, { action: "key", keys: "ctrl+shift+k" });
    const since = () => sentAfter(from);
    await poll(() => since().some((e) => e.type === "dblclick") && since().some((e) => e.type === "keydown" && e.key?.toLowerCase() === "k"), 10_000);
    expect(since().filter((e) => e.type === "dblclick").map((e) => e.target)).toEqual(["dbl"]);
    expect(kKeys(since())).toEqual([{ key: "K", ctrl: true, shift: true }]);
    expect(desktop!.run("xset", ["q"])).toMatch(/Caps Lock:\s+off/);
  }, 60_000);

  it("reopens a tab closed with ctrl+w when given ctrl+shift+t", async () => {
    const agentDesktop = new RfbDesktop(rfb!);
    const second = `${url}second`;
    expect(await tabUrls()).toEqual([url]);
    await devtools(`/json/new?${second}`, "PUT"); // opens in front, as a link opened in a new tab would
    expect(await poll(() => events.some((e) => e.type === "second-shown"), 30_000)).toBe(true);
    expect(await tabUrls()).toEqual([url, second]);

    await agentDesktop.key("ctrl+w");
    expect(await poll(async () => (await tabUrls()).length === 1, 30_000)).toBe(true);
    expect(await tabUrls()).toEqual([url]);

    await agentDesktop.key("ctrl+shift+t");
    // ctrl+t instead (Shift lost) would open a new-tab page here rather than bring the second tab back.
    expect(await poll(async () => (await tabUrls()).length === 2, 30_000)).toBe(true);
    expect(await tabUrls()).toEqual([url, second]);
  }, 120_000);
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
