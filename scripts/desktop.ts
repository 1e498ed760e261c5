/**
 * `npm run desktop` (Linux): a demo desktop for trying Deskfleet on one
 * machine. It is `deskfleet-host pool --count 1` attached to the local control
 * plane started by `npm start` (its admin token from .dev.vars): Xvfb, a
 * window manager, x11vnc with a password bound to localhost, Chromium, and
 * the desktop's host, registered as `demo-1`. Ctrl+C stops everything.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ensureDevVars, ROOT } from "./lib/local-control-plane.ts";
import { taskAbility } from "deskfleet-host/runtime";

const SERVER = process.env["DESKFLEET_SERVER"] ?? "http://localhost:8787";
const NAME = process.env["DESKFLEET_POOL_NAME"] ?? "demo";
const DESKTOP_ID = `${NAME}-1`;

function fail(message: string): never {
  console.error(`✖ ${message}`);
  process.exit(1);
}

if (process.platform !== "linux") fail("npm run desktop starts an X desktop and needs Linux; on macOS or Windows, run deskfleet-host against the machine's own VNC server instead (see README).");

// The local control plane's admin token from .dev.vars, unless given (another control plane, the e2e suite).
const token = process.env["DESKFLEET_API_TOKEN"] ?? process.env["DESKFLEET_ADMIN_TOKEN"] ?? ensureDevVars().vars["DESKFLEET_ADMIN_TOKEN"];
const health = await fetch(`${SERVER}/api/health`).catch(() => fail(`the control plane at ${SERVER} is not answering; start it first with \`npm start\` in another terminal`));
if (health.status !== 200) fail(`${SERVER}/api/health did not answer 200`);

// Without a key the host still connects (live view, screenshots, input, takeover) and refuses tasks.
const next = taskAbility(process.env).runsTasks
  ? `Give it a task once it is online:
  curl -H "Authorization: Bearer <admin token>" -H 'content-type: application/json' \\
    -d '{"prompt":"Open example.com and tell me its heading","desktopId":"${DESKTOP_ID}"}' ${SERVER}/api/tasks`
  : `No ANTHROPIC_API_KEY in this terminal: the desktop is view-only (live view, screenshots, input, takeover) until you export the key and run \`npm run desktop\` again.`;
console.log(`Starting demo desktop ${DESKTOP_ID} (deskfleet-host pool --count 1) on ${SERVER}; watch it in the dashboard.
Tools beyond the screen: ${process.env["DESKFLEET_ALLOW"] ? `${process.env["DESKFLEET_ALLOW"]} (DESKFLEET_ALLOW; with browser, Chromium's remote debugging port on 127.0.0.1 for its host)` : "none; export DESKFLEET_ALLOW=shell,files,browser,web to offer them"}.
${next}
Ctrl+C stops the desktop.
`);

const env: NodeJS.ProcessEnv = { ...process.env, DESKFLEET_API_TOKEN: token, DESKFLEET_SERVER: SERVER, DESKFLEET_POOL_NAME: NAME };
delete env["DESKFLEET_ADMIN_TOKEN"];
const pool = spawn(process.execPath, [join(ROOT, "desktop-host", "bin", "deskfleet-host.ts"), "pool", "--count", "1", "--labels", "demo,chromium"], { env, stdio: "inherit", detached: true });
// Its own process group, so each Ctrl+C reaches it once, through here (a second one means "quit now" to the pool).
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => pool.kill(signal));
pool.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
