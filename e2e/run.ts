/**
 * `npm run test:e2e`: the whole system on a real desktop. Checks what it
 * needs first and says exactly what to install, then runs the e2e project.
 */
import { spawnSync } from "node:child_process";

const REQUIRED: { bin: string; pkg: string; why: string }[] = [
  { bin: "Xvfb", pkg: "xvfb", why: "a virtual X display for the test desktop" },
  { bin: "x11vnc", pkg: "x11vnc", why: "a VNC server the host drives" },
  { bin: "Xvnc", pkg: "tigervnc-standalone-server", why: "TigerVNC's X and VNC server in one: the live action tests run on it and on x11vnc" },
  { bin: "vncpasswd", pkg: "tigervnc-tools", why: "making the Xvnc desktop's password file" },
  { bin: "openbox", pkg: "openbox", why: "the window manager of the live test desktops" },
  { bin: "xdotool", pkg: "xdotool", why: "checking pointer and keyboard effects" },
  { bin: "chromium", pkg: "chromium", why: "the browser on the desktop and for dashboard tests" },
  { bin: "xsetroot", pkg: "x11-xserver-utils", why: "painting known colours on the desktop" },
  { bin: "xwd", pkg: "x11-apps", why: "an independent capture of the display to compare the model's screenshot with" },
  { bin: "script", pkg: "bsdutils", why: "a terminal for the host installer's token prompt" },
  { bin: "openssl", pkg: "openssl", why: "a throwaway CA and server certificate for the VeNCrypt X509 tests" },
];

const missing = REQUIRED.filter((r) => spawnSync("sh", ["-c", `command -v ${r.bin}`]).status !== 0);
if (missing.length > 0) {
  console.error("The end-to-end suite needs a real desktop. Missing:");
  for (const m of missing) console.error(`  - ${m.bin} (${m.why})`);
  console.error(`\nInstall on Debian/Ubuntu:\n  sudo apt-get install -y ${[...new Set(missing.map((m) => m.pkg))].join(" ")}`);
  process.exit(1);
}
if (Number(process.versions.node.split(".")[0]) < 22) {
  console.error(`Node ${process.versions.node} is too old: Deskfleet needs Node 22 or newer.`);
  process.exit(1);
}

const res = spawnSync("npx", ["vitest", "run", "--project", "e2e", ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, DESKFLEET_E2E: "1" } });
process.exit(res.status ?? 1);
