import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { encodePng } from "@deskfleet/rfb/image/png";
import { api, apiToken, createDesktop, hostToken, type Json } from "./support/api.ts";
import { RawSocket } from "./support/raw-socket.ts";
import { TestHost } from "./support/test-host.ts";

// "Save as demonstration" on hand-back: a person's takeover, their pointer and
// key input through the real relay and filter in DesktopDO, recorded with
// fingerprints of screenshots the object asks the host for, saved to the
// schedule's trajectory so that the next run replays it.

const VERSION = "RFB 003.008\n";
const pointer = (x: number, y: number, mask: number) => Uint8Array.of(5, mask, x >> 8, x & 255, y >> 8, y & 255);
const key = (keysym: number, down: boolean) => Uint8Array.of(4, down ? 1 : 0, 0, 0, (keysym >>> 24) & 255, (keysym >>> 16) & 255, (keysym >>> 8) & 255, keysym & 255);
const handshake = () => new Uint8Array([...new TextEncoder().encode(VERSION), 1, 1]);

/** A real 320×200 PNG of the "screen": light, with a dark button where the person clicks. */
const SCREEN_PNG = (() => {
  const w = 320;
  const h = 200;
  const data = new Uint8Array(w * h * 3).fill(235);
  for (let y = 20; y < 50; y++) for (let x = 40; x < 120; x++) data.set([30, 60, 120], (y * w + x) * 3);
  let s = "";
  for (const b of encodePng({ width: w, height: h, channels: 3, data })) s += String.fromCharCode(b);
  return btoa(s);
})();

const beats: ReturnType<typeof setInterval>[] = [];
let answering = true;
afterEach(() => {
  for (const b of beats.splice(0)) clearInterval(b);
  answering = false;
});

/** A host that answers every screenshot DesktopDO asks for with the screen above. */
async function hostFor(id: string): Promise<{ host: TestHost; token: string; screenshots: () => number }> {
  await createDesktop(id);
  const token = await hostToken(id);
  const host = new TestHost(id, token);
  await host.connect();
  beats.push(setInterval(() => host.ws && host.heartbeat(), 300));
  let shots = 0;
  answering = true;
  void (async () => {
    while (answering) {
      const req = await host.next("desktop_request", 60_000).catch(() => null);
      if (!req) continue;
      shots++;
      host.send({ type: "desktop_response", requestId: req.requestId, result: { ok: true, png: SCREEN_PNG } });
    }
  })();
  return { host, token, screenshots: () => shots };
}

async function takerViewer(host: TestHost, token: string, operator: string) {
  const t = await api("POST", `/api/desktops/${host.desktopId}/vnc-ticket`, { token: operator });
  const viewer = await RawSocket.open(`/api/desktops/${host.desktopId}/vnc?ticket=${t.json.ticket}`);
  const open = await host.next("tunnel_open");
  const tunnel = await RawSocket.open(`/api/hosts/tunnel?tunnel=${open.tunnelId}&ticket=${open.ticket}`, { authorization: `Bearer ${token}` });
  viewer.send(handshake());
  await tunnel.waitFor(() => tunnel.bytes().length === 14, "handshake");
  return { viewer, tunnel };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("demonstrations from a takeover", () => {
  it("records the person's clicks and typing with fingerprints and saves them to the paused task's schedule on hand-back", { timeout: 30_000 }, async () => {
    const { host, token, screenshots } = await hostFor("demo-1");
    const schedule = (await api("POST", "/api/schedules", { body: { name: "weekly", prompt: "File the weekly form", desktopId: "demo-1", intervalMinutes: 10_080 } })).json;
    const task = (await api("POST", `/api/schedules/${schedule.id}/trigger`)).json;
    await host.next("assign");
    host.sendEvents(task.id, [{ seq: 1, kind: "started" }]);
    await host.ackedAtLeast(task.id, 1);

    const operator = await apiToken("operator");
    const { viewer, tunnel } = await takerViewer(host, token, operator);
    expect((await api("POST", "/api/desktops/demo-1/takeover", { token: operator })).status).toBe(200);
    await host.next("pause");
    await pause(300);

    // A click on the button, then "hi" and Return, pausing between them as a person does.
    viewer.send(pointer(80, 35, 0));
    viewer.send(pointer(80, 35, 1));
    viewer.send(pointer(80, 35, 0));
    await pause(1200);
    for (const ch of "hi") {
      viewer.send(key(ch.charCodeAt(0), true));
      viewer.send(key(ch.charCodeAt(0), false));
    }
    viewer.send(key(0xff0d, true));
    viewer.send(key(0xff0d, false));
    await tunnel.waitFor(() => tunnel.bytes().length === 14 + 3 * 6 + 6 * 8, "the person's input reached the desktop");
    await pause(1200);

    const back = await api("POST", "/api/desktops/demo-1/handback", { token: operator, body: { note: "filed it by hand", demonstration: {} } });
    expect(back.status).toBe(200);
    expect(back.json.resumedTaskId).toBe(task.id);
    expect(back.json.demonstration).toMatchObject({ saved: true, scheduleId: schedule.id, steps: 3, reason: null });
    expect(screenshots()).toBeGreaterThanOrEqual(3);

    const tab = (await api("GET", `/api/schedules/${schedule.id}/trajectory`)).json;
    expect(tab.current).toMatchObject({ origin: "demonstration", sourceTaskId: task.id, stepCount: 3, modelCalls: 0 });
    expect(tab.steps.map((s: Json) => [s.action, s.origin])).toEqual([
      [{ name: "left_click", coordinate: [80, 35] }, "person"],
      [{ name: "type", text: "hi" }, "person"],
      [{ name: "key", text: "Return" }, "person"],
    ]);

    expect((await host.next("resume")).taskId).toBe(task.id);
    // The schedule's runs replay it: the host's lookup gets the person's steps with their images from R2.
    const lookup = await SELF.fetch(`https://deskfleet.test/api/hosts/tasks/${task.id}/trajectory`, { headers: { authorization: `Bearer ${token}` } });
    const t = ((await lookup.json()) as Json).trajectory;
    expect(t).toMatchObject({ id: tab.current.id, result: "filed it by hand", screen: { width: 320, height: 200 } });
    expect(t.steps[0].before.crop.rect).toEqual({ x: 0, y: 0, width: 200, height: 100 });
    expect(t.steps[0].before.thumb.length).toBeGreaterThan(40);
  });

  it("refuses a demonstration for a takeover that paused no scheduled task unless a schedule is named, changing nothing", { timeout: 20_000 }, async () => {
    const { host } = await hostFor("demo-2");
    const operator = await apiToken("operator");
    expect((await api("POST", "/api/desktops/demo-2/takeover", { token: operator })).status).toBe(200);
    const refused = await api("POST", "/api/desktops/demo-2/handback", { token: operator, body: { demonstration: {} } });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe("no_schedule");
    expect(refused.json.error.message).toContain("demonstration.scheduleId");
    // Still held: nothing changed.
    expect((await api("GET", "/api/desktops/demo-2/takeover")).json.lease).not.toBeNull();
    const missing = await api("POST", "/api/desktops/demo-2/handback", { token: operator, body: { demonstration: { scheduleId: "sch_0000000000nothere1" } } });
    expect(missing.status).toBe(404);
    const bad = await api("POST", "/api/desktops/demo-2/handback", { token: operator, body: { demonstration: { scheduleId: "weekly" } } });
    expect(bad.status).toBe(422);
    // Handed back with a schedule named but no input: handed back, nothing saved, and it says why.
    const schedule = (await api("POST", "/api/schedules", { body: { name: "other", prompt: "Other work", desktopId: "demo-2", intervalMinutes: 10_080 } })).json;
    const back = await api("POST", "/api/desktops/demo-2/handback", { token: operator, body: { demonstration: { scheduleId: schedule.id } } });
    expect(back.status).toBe(200);
    expect(back.json.demonstration).toMatchObject({ saved: false, steps: 0 });
    expect(back.json.demonstration.reason).toContain("no pointer or key input");
    expect((await api("GET", `/api/schedules/${schedule.id}/trajectory`)).json.current).toBeNull();
    void host;
  });
});
