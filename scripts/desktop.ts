/**
 * `npm run desktop` (Linux): a demo desktop for trying Deskfleet on one
 * machine — Xvfb, a window manager, x11vnc with a password bound to
 * localhost, Chromium — and a deskfleet-host attached to the local control
 * plane started by `npm start`. Ctrl+C stops everything it started.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { ensureDevVars, ROOT } from "./lib/local-control-plane.ts";
import { startXDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { startChromiumOnDisplay } from "../bench/lib/chromium.ts";
import { taskAbility } from "deskfleet-host/runtime";

const SERVER = process.env["DESKFLEET_SERVER"] ?? "http://localhost:8787";
const DESKTOP_ID = process.env["DESKFLEET_DESKTOP_ID"] ?? "demo-desktop";
const SIZE = { width: 1280, height: 800 };

function fail(message: string): never {
  console.error(`✖ ${message}`);
  process.exit(1);
}

if (process.platform !== "linux") fail("npm run desktop starts an X desktop and needs Linux; on macOS or Windows, run deskfleet-host against the machine's own VNC server instead (see README).");
const missing = ["Xvfb", "x11vnc", "chromium"].filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0);
if (missing.length) fail(`missing ${missing.join(", ")}: sudo apt-get install -y xvfb x11vnc chromium openbox`);

// The local control plane's admin token from .dev.vars, unless given (another control plane, the e2e suite).
const token = process.env["DESKFLEET_ADMIN_TOKEN"] ?? ensureDevVars().vars["DESKFLEET_ADMIN_TOKEN"];
const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(SERVER + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).catch(() => fail(`the control plane at ${SERVER} is not answering; start it first with \`npm start\` in another terminal`));
  return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> | null };
};

if ((await api("GET", "/api/health")).status !== 200) fail(`${SERVER}/api/health did not answer 200`);
const existing = await api("GET", `/api/desktops/${DESKTOP_ID}`);
if (existing.status === 404) {
  const created = await api("POST", "/api/desktops", { id: DESKTOP_ID, name: "Demo desktop", os: "linux", labels: ["demo", "chromium"] });
  if (created.status !== 201) fail(`could not add the desktop: ${JSON.stringify(created.json)}`);
}
const issued = await api("POST", `/api/desktops/${DESKTOP_ID}/host-token`);
const hostToken = issued.json?.["token"];
if (typeof hostToken !== "string") fail(`could not issue a host token: ${JSON.stringify(issued.json)}`);

// The VNC password lives only in this process and the host's environment.
const vncPassword = randomBytes(12).toString("base64url");
const desktop = await startXDesktop({ ...SIZE, password: vncPassword });
const children: ChildProcess[] = [];
if (spawnSync("sh", ["-c", "command -v openbox"]).status === 0) children.push(spawn("openbox", [], { env: desktop.env, stdio: "ignore" }));
// Chromium's remote debugging port, for the browser tool (used only when DESKFLEET_ALLOW includes browser).
const CDP_PORT = Number(process.env["DESKFLEET_CDP_PORT"] ?? 9222);
const chromium = startChromiumOnDisplay(desktop.env, "about:blank", SIZE, { cdpPort: CDP_PORT });
const host = spawn(process.execPath, [join(ROOT, "desktop-host", "bin", "deskfleet-host.ts"), "run", "--server", SERVER, "--desktop", DESKTOP_ID, "--vnc", `127.0.0.1:${desktop.port}`, "--cdp", String(CDP_PORT)], {
  env: { ...process.env, DESKFLEET_HOST_TOKEN: hostToken, DESKFLEET_VNC_PASSWORD: vncPassword },
  stdio: "inherit",
});
children.push(host);

// Without a key the host still connects (live view, screenshots, input, takeover) and refuses tasks.
const next = taskAbility(process.env).runsTasks
  ? `Its host is attached to ${SERVER}; watch it in the dashboard and give it a task:
  curl -H "Authorization: Bearer <admin token>" -H 'content-type: application/json' \\
    -d '{"prompt":"Open example.com and tell me its heading","desktopId":"${DESKTOP_ID}"}' ${SERVER}/api/tasks`
  : `Its host is attached to ${SERVER}; watch it in the dashboard.
No ANTHROPIC_API_KEY in this terminal: the desktop is view-only (live view, screenshots, input, takeover) until you export the key and run \`npm run desktop\` again.`;
console.log(`
Demo desktop ${DESKTOP_ID} is up: X display :${desktop.display}, x11vnc on 127.0.0.1:${desktop.port} (password-protected), Chromium (remote debugging on 127.0.0.1:${CDP_PORT}).
Tools beyond the screen: ${process.env["DESKFLEET_ALLOW"] ? `${process.env["DESKFLEET_ALLOW"]} (DESKFLEET_ALLOW)` : "none; export DESKFLEET_ALLOW=shell,files,browser,web to offer them"}.
${next}
Ctrl+C stops the desktop.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  await chromium.stop();
  await desktop.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
host.on("exit", (code) => {
  if (!stopping) {
    console.error(`deskfleet-host exited with code ${code}; stopping the demo desktop.`);
    void stop();
  }
});
