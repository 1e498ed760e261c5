import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng } from "@deskfleet/rfb/image/png";
import { startXDesktop, type XDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { startChromiumOnDisplay } from "deskfleet-host/pool";
import { ROOT } from "../scripts/lib/local-control-plane.ts";
import { startTestControlPlane, type TestControlPlane } from "../test-support/control-plane.ts";
import { startScriptedAnthropic, text, toolsetCall, type ConversationScript, type ScriptedAnthropic } from "../test-support/scripted-anthropic/index.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";
import { API_KEY, e2ePrerequisitesMissing, waitUntil } from "./support/world.ts";

// `deskfleet-host gateway --desktops file`: one host process in front of two
// VNC servers (as a LAN's machines would be), each served as its own desktop
// with its own host token, live screen and tasks; one desktop removed ends
// that desktop's session alone.

const missing = e2ePrerequisitesMissing();
const HOST_BIN = join(ROOT, "desktop-host", "bin", "deskfleet-host.ts");
const DESKTOPS = [
  { id: "gw-a", size: { width: 1280, height: 800 }, password: "gw-a-vnc-secret" },
  { id: "gw-b", size: { width: 1024, height: 768 }, password: "gw-b-vnc-secret" },
];
const NAME_FIELD = [290, 122];
const SUBMIT = [140, 210];

let cp: TestControlPlane;
let anthropic: ScriptedAnthropic;
let app: TestApp;
let dir: string;
let gateway: ChildProcess;
let output = "";
const cleanups: (() => Promise<unknown>)[] = [];
const xs: XDesktop[] = [];

const conversation = (id: string): ConversationScript => ({
  name: id,
  match: `Register ${id}`,
  steps: [toolsetCall("left_click", { coordinate: NAME_FIELD }), toolsetCall("type", { text: id }), toolsetCall("left_click", { coordinate: SUBMIT }), text(`Registered ${id}.`)],
});

const presence = async (id: string) => (await cp.api("GET", `/api/desktops/${id}`)).json?.presence as string | undefined;

beforeAll(async () => {
  if (missing) return;
  anthropic = await startScriptedAnthropic({ conversations: DESKTOPS.map((d) => conversation(d.id)), apiKeys: [API_KEY] });
  cleanups.push(() => anthropic.close());
  cp = await startTestControlPlane({ ANTHROPIC_BASE_URL: anthropic.url });
  cleanups.push(() => cp.dispose());
  app = await startTestApp();
  cleanups.push(() => app.close());
  dir = mkdtempSync(join(tmpdir(), "df-gateway-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const entries = [];
  for (const d of DESKTOPS) {
    const x = await startXDesktop({ ...d.size, password: d.password });
    cleanups.push(() => x.stop());
    xs.push(x);
    const chromium = startChromiumOnDisplay(x.env, app.url, d.size);
    cleanups.push(() => chromium.stop());
    expect((await cp.api("POST", "/api/desktops", { id: d.id, name: d.id, labels: ["lan"] })).status).toBe(201);
    const token = (await cp.api("POST", `/api/desktops/${d.id}/host-token`)).json.token as string;
    writeFileSync(join(dir, `${d.id}.token`), token + "\n", { mode: 0o600 });
    writeFileSync(join(dir, `${d.id}.vnc`), d.password + "\n", { mode: 0o600 });
    entries.push({ id: d.id, vnc: `127.0.0.1:${x.port}`, tokenFile: `${d.id}.token`, vncPasswordFile: `${d.id}.vnc` });
  }
  writeFileSync(join(dir, "desktops.json"), JSON.stringify({ server: cp.url, desktops: entries }, null, 2), { mode: 0o644 });
  await app.waitFor((e) => e.type === "ready", 30_000);
  gateway = spawn(process.execPath, [HOST_BIN, "gateway", "--desktops", join(dir, "desktops.json"), "--json"], {
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/root", ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: anthropic.url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (b: Buffer) => (output += b.toString());
  gateway.stdout!.on("data", keep);
  gateway.stderr!.on("data", keep);
}, 180_000);

afterAll(async () => {
  if (gateway && gateway.exitCode === null) {
    gateway.kill("SIGTERM");
    await new Promise((r) => gateway.once("exit", r));
  }
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}, 60_000);

describe.skipIf(missing !== null)("one gateway host in front of two VNC servers", () => {
  it("brings each VNC server online as its own desktop, serving its own screen", async () => {
    for (const d of DESKTOPS) await waitUntil(async () => (await presence(d.id)) === "online", 60_000, () => `${d.id} never came online; gateway output:\n${output.slice(-3000)}`);
    for (const d of DESKTOPS) {
      expect((await cp.api("GET", `/api/desktops/${d.id}`)).json).toMatchObject({ capabilities: { runsTasks: true, screen: { width: d.size.width, height: d.size.height } } });
      const shot = await fetch(`${cp.url}/api/desktops/${d.id}/screenshot`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
      expect(shot.status).toBe(200);
      const png = decodePng(new Uint8Array(await shot.arrayBuffer()));
      expect([png.width, png.height]).toEqual([d.size.width, d.size.height]);
    }
    // No VNC password or host token in the gateway's own log.
    for (const d of DESKTOPS) expect(output).not.toContain(d.password);
  }, 90_000);

  it("runs a task on each desktop at the same time, each acting on its own screen", async () => {
    await waitUntil(async () => app.events.filter((e) => e.type === "ready").length >= 2, 30_000, () => "the browsers did not load the test app");
    await new Promise((r) => setTimeout(r, 800));
    const ids = await Promise.all(DESKTOPS.map(async (d) => (await cp.api("POST", "/api/tasks", { prompt: `Register ${d.id} in the form.`, desktopId: d.id })).json.id as string));
    const finished = async (id: string) => ["completed", "failed"].includes((await cp.api("GET", `/api/tasks/${id}`)).json.status);
    await waitUntil(async () => (await Promise.all(ids.map(finished))).every(Boolean), 120_000, () => `the tasks did not finish:\n${output.slice(-3000)}`);
    for (const [i, id] of ids.entries()) {
      expect((await cp.api("GET", `/api/tasks/${id}`)).json).toMatchObject({ status: "completed", desktopId: DESKTOPS[i]!.id, result: `Registered ${DESKTOPS[i]!.id}.` });
    }
    expect(app.events.filter((e) => e.type === "submitted").map((e) => e.value).sort()).toEqual(DESKTOPS.map((d) => d.id));
  }, 150_000);

  it("ends one desktop that was removed, and keeps serving the other", async () => {
    expect((await cp.api("DELETE", "/api/desktops/gw-b")).status).toBe(200);
    await waitUntil(async () => output.split("\n").some((l) => l.includes(`"desktop":"gw-b"`) && l.includes("deleted on the control plane")), 30_000, () => `gw-b's session did not end:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await presence("gw-a")).toBe("online");
    expect(gateway.exitCode).toBeNull();

    gateway.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => gateway.once("exit", r));
    // One of its desktops was refused: the gateway says so in its exit code.
    expect(code).toBe(1);
    await waitUntil(async () => (await presence("gw-a")) === "offline", 20_000, () => "gw-a stayed online after the gateway stopped");
  }, 90_000);
});
