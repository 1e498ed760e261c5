import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CloseCode } from "@deskfleet/protocol";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { missingXTools, startXDesktop, type XDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { decodePng } from "@deskfleet/rfb/image/png";
import { HostRuntime, createLogger, type TaskContext, type TaskOutcome, type TaskRunner, liveDesktop } from "deskfleet-host/runtime";
import { startTestControlPlane, type TestControlPlane } from "../test-support/control-plane.ts";
import { openWsRfbSocket } from "../test-support/ws-rfb-socket.ts";

// The live view end to end: Xvfb + password-protected x11vnc, the real Worker
// under `wrangler dev`, the real host runtime with its tunnels, and viewers
// that are our own RFB client over a WebSocket (what noVNC does in a browser).
const missing = missingXTools();
if (missing.length > 0) {
  const message = `relay e2e needs ${missing.join(", ")} (apt-get install -y xvfb x11vnc xdotool x11-xserver-utils)`;
  if (process.env["DESKFLEET_E2E"] === "1") throw new Error(message);
  console.warn(`Skipping: ${message}`);
}

const PASSWORD = "relaypw1";
const BLUE = "51,102,204";
let desktop: XDesktop;
let cp: TestControlPlane;
const hosts: HostRuntime[] = [];
const clients: RfbClient[] = [];

/** A runner that keeps a task running (one log event a second) until it is cancelled. */
class BusyRunner implements TaskRunner {
  async run(ctx: TaskContext): Promise<TaskOutcome> {
    while (!ctx.signal.aborted) {
      ctx.emit("log", { level: "info", message: "working" });
      await new Promise((r) => setTimeout(r, 1000));
    }
    return { status: "failed", error: { code: "cancelled", message: "cancelled" } };
  }
}

function startHost(desktopId: string, token: string): HostRuntime {
  const logger = createLogger({ json: true, level: "warn", secrets: [token, PASSWORD], write: () => undefined });
  const vnc = { host: "127.0.0.1", port: desktop.port, password: PASSWORD };
  const host = new HostRuntime({
    server: cp.url,
    desktopId,
    token,
    runner: new BusyRunner(),
    capabilities: async () => ({ screen: { width: 640, height: 480 }, os: "linux", hostVersion: "e2e", vnc: { reachable: true }, tools: [] }),
    logger,
    backoff: { baseMs: 100, capMs: 1000 },
    live: liveDesktop({ server: cp.url, token, vnc }),
  });
  host.start();
  hosts.push(host);
  return host;
}

async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A viewer: a ticket from the API (as `token`), then our RFB client over the relay WebSocket, with no password. */
async function viewer(desktopId: string, token?: string): Promise<RfbClient> {
  const t = await cp.api("POST", `/api/desktops/${desktopId}/vnc-ticket`, undefined, token);
  expect(t.status).toBe(201);
  const socket = await openWsRfbSocket(cp.url.replace(/^http/, "ws") + t.json.url);
  // No password given: the handshake succeeds only if the relay offers security None.
  const client = await RfbClient.connect(socket, { handshakeTimeoutMs: 20_000 });
  clients.push(client);
  return client;
}

const colourAt = (c: RfbClient, x: number, y: number) => c.framebuffer.getPixel(x, y).join(",");
const mouse = () => desktop.run("xdotool", ["getmouselocation"]);

describe.skipIf(missing.length > 0)("live desktops through the relay (wrangler dev, Xvfb, x11vnc)", () => {
  let operatorToken = "";

  beforeAll(async () => {
    desktop = await startXDesktop({ width: 640, height: 480, password: PASSWORD, setup: ({ run }) => void run("xsetroot", ["-solid", "#3366cc"]) });
    cp = await startTestControlPlane();
    operatorToken = (await cp.api("POST", "/api/tokens", { name: "taker", role: "operator" })).json.token;
  }, 120_000);

  // Each test's viewers close after it, as a person closes a tab: one person may hold 4 live views of a desktop at once.
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    for (const h of hosts) await h.stop("test over").catch(() => undefined);
    await cp?.dispose();
    await desktop?.stop();
  }, 60_000);

  it("shows a viewer the real screen size and colours, with security None although x11vnc wants a password", async () => {
    await cp.api("POST", "/api/desktops", { id: "live-1" });
    const token = (await cp.api("POST", "/api/desktops/live-1/host-token")).json.token;
    startHost("live-1", token);
    await eventually(async () => (await cp.api("GET", "/api/desktops/live-1")).json.presence === "online", "host online");
    const v = await viewer("live-1");
    expect([v.width, v.height]).toEqual([640, 480]);
    await eventually(() => colourAt(v, 600, 440) === BLUE, "the painted colour through the relay");
  });

  it("serves three viewers at once, each its own RFB session", async () => {
    const vs = await Promise.all([viewer("live-1"), viewer("live-1"), viewer("live-1")]);
    desktop.run("xsetroot", ["-solid", "#00ff00"]);
    for (const v of vs) await eventually(() => colourAt(v, 600, 440) === "0,255,0", "green on every viewer");
    desktop.run("xsetroot", ["-solid", "#3366cc"]);
  });

  it("refuses a used ticket", async () => {
    const t = (await cp.api("POST", "/api/desktops/live-1/vnc-ticket")).json;
    const first = await openWsRfbSocket(cp.url.replace(/^http/, "ws") + t.url);
    const second = await openWsRfbSocket(cp.url.replace(/^http/, "ws") + t.url);
    expect((await second.closed).code).toBe(CloseCode.badTicket);
    first.close?.();
  });

  it("keeps viewers view-only; take over pauses the agent and lets only the taker's input reach the desktop; hand back resumes", async () => {
    const task = (await cp.api("POST", "/api/tasks", { prompt: "keep busy", desktopId: "live-1" })).json;
    await eventually(async () => (await cp.api("GET", `/api/tasks/${task.id}`)).json.status === "running", "task running");
    const taker = await viewer("live-1", operatorToken);
    const other = await viewer("live-1");

    await taker.pointer(100, 100);
    await new Promise((r) => setTimeout(r, 500));
    expect(mouse()).not.toMatch(/x:100 y:100 /);

    const took = await cp.api("POST", "/api/desktops/live-1/takeover", undefined, operatorToken);
    expect(took.status).toBe(200);
    await eventually(async () => (await cp.api("GET", `/api/tasks/${task.id}`)).json.status === "waiting_for_human", "task paused");

    await taker.pointer(123, 45);
    await eventually(() => /x:123 y:45 /.test(mouse()), "the taker's pointer on the desktop");
    await other.pointer(300, 200);
    await new Promise((r) => setTimeout(r, 500));
    expect(mouse()).toMatch(/x:123 y:45 /);

    const back = await cp.api("POST", "/api/desktops/live-1/handback", { note: "moved the mouse" }, operatorToken);
    expect(back.status).toBe(200);
    expect(back.json.resumedTaskId).toBe(task.id);
    await eventually(async () => (await cp.api("GET", `/api/tasks/${task.id}`)).json.status === "running", "task resumed");
    await taker.pointer(10, 10);
    await new Promise((r) => setTimeout(r, 500));
    expect(mouse()).toMatch(/x:123 y:45 /);
    await cp.api("POST", `/api/tasks/${task.id}/cancel`);
  });

  it("takes screenshots and input through the host's API requests", async () => {
    const res = await fetch(`${cp.url}/api/desktops/live-1/screenshot?width=320`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(res.status).toBe(200);
    const png = decodePng(new Uint8Array(await res.arrayBuffer()));
    expect([png.width, png.height]).toEqual([320, 240]);
    expect([...png.data.subarray(((230 * 320 + 310) * png.channels), (230 * 320 + 310) * png.channels + 3)].join(",")).toBe(BLUE);
    expect((await cp.api("POST", "/api/desktops/live-1/input", { action: "move", x: 222, y: 111 })).status).toBe(200);
    await eventually(() => /x:222 y:111 /.test(mouse()), "the API's pointer move");
    expect((await cp.api("POST", "/api/desktops/live-1/input", { action: "click", x: 5000, y: 1 })).status).toBe(422);
  });

  it("lets viewers reconnect after the control plane restarts (a deploy) and the host comes back", async () => {
    const before = await viewer("live-1");
    await cp.restart();
    const closed = await before.closed;
    expect(closed).toBeDefined();
    const v = await eventually(async () => viewer("live-1").catch(() => undefined), "a viewer after the restart", 60_000);
    expect([v.width, v.height]).toEqual([640, 480]);
    await eventually(() => colourAt(v, 600, 440) === BLUE, "the screen after the restart");
  });

  it("serves a vnc:// desktop without a host from the Durable Object; a host with its id makes it a worker, leaving makes it view-only", async () => {
    const created = await cp.api("POST", "/api/desktops", { id: "vnc-only-1", vncUrl: `vnc://:${PASSWORD}@127.0.0.1:${desktop.port}` });
    expect(created.status).toBe(201);
    expect(created.json.vncUrl).toBe(`vnc://127.0.0.1:${desktop.port}`);
    expect(created.json.mode).toBe("view_only");
    const v = await viewer("vnc-only-1");
    expect([v.width, v.height]).toEqual([640, 480]);
    await eventually(() => colourAt(v, 600, 440) === BLUE, "the colour through the DO's own VNC session");
    const shot = await fetch(`${cp.url}/api/desktops/vnc-only-1/screenshot`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(shot.status).toBe(200);
    expect(decodePng(new Uint8Array(await shot.arrayBuffer())).width).toBe(640);
    expect((await cp.api("POST", "/api/desktops/vnc-only-1/input", { action: "move", x: 321, y: 123 })).status).toBe(200);
    await eventually(() => /x:321 y:123 /.test(mouse()), "the DO's pointer move");

    const token = (await cp.api("POST", "/api/desktops/vnc-only-1/host-token")).json.token;
    const host = startHost("vnc-only-1", token);
    await eventually(async () => (await cp.api("GET", "/api/desktops/vnc-only-1")).json.mode === "worker", "worker mode with a host");
    await host.stop("leaving");
    await eventually(async () => {
      const d = (await cp.api("GET", "/api/desktops/vnc-only-1")).json;
      return d.mode === "view_only" && d.presence === "view_only";
    }, "back to view-only, still listed");
    const again = await viewer("vnc-only-1");
    expect(again.width).toBe(640);
  });
});
